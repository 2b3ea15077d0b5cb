import type { RQSpline } from './rqs.js';

/**
 * The float64 host strategy of the rational-quadratic spline (rqs.ts), one element at a time: the
 * reference the tfjs path and the batched WebAssembly kernel of the ONNX Runtime engine
 * (kernel/spline-kernel.ts) are tested against, and the incremental inverse.
 */
export interface Knots {
  X: Float64Array;
  Y: Float64Array;
  D: Float64Array;
}

// exp by 2^(k/32) tables and a degree-6 polynomial on |r| <= ln2/64: within ~1e-14 relative of Math.exp
// and ~3x faster (Math.exp dominated the spline's cost: 2K + 2 of them per element).
const EXP_INV = 32 / Math.LN2;
// fdlibm's ln2 split (hi has trailing zero bits, so k * hi is exact for |k| < 2^11), divided by 32 (exact).
const EXP_HI = 6.93147180369123816490e-1 / 32;
const EXP_LO = 1.90821492927058770002e-10 / 32;
const EXP_ROUND = 6755399441055744; // 1.5 * 2^52: (v + it) - it rounds v to an integer
const EXP_T1 = Float64Array.from({ length: 32 }, (_, j) => Math.exp((j * Math.LN2) / 32));
const EXP_T2 = Float64Array.from({ length: 129 }, (_, m) => 2 ** (m - 64));

/** e^x to float64 precision (~1e-14 relative); Math.exp outside |x| < 40. */
function exp64(x: number): number {
  if (!(x > -40 && x < 40)) return Math.exp(x);
  const kd = x * EXP_INV + EXP_ROUND - EXP_ROUND;
  const r = x - kd * EXP_HI - kd * EXP_LO;
  const k = kd | 0;
  const p = 1 + r * (1 + r * (0.5 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120 + r * (1 / 720))))));
  return EXP_T2[(k >> 5) + 64] * EXP_T1[k & 31] * p;
}

/**
 * Unnormalised softmax weights of one coordinate into e[0..K-1], returned summed: exp of zuko's soft clip
 * v / (1 + |2v / ln slope|) (a2 = 2 / |ln slope|). Parameter j is phi[off + j * ps]. No max subtraction:
 * the soft clip bounds |v| by |ln slope| / 2.
 */
function weights(phi: ArrayLike<number>, off: number, ps: number, K: number, a2: number, e: Float64Array): number {
  let s = 0;
  for (let j = 0; j < K; j++) {
    const w = phi[off + j * ps];
    s += (e[j] = exp64(w / (1 + Math.abs(w) * a2)));
  }
  return s;
}

/** Knot at cumulative weight c of total 1/inv: zuko's bound * (2 * cumsum(softmax) - 1). */
function knot(c: number, inv: number, bound: number): number {
  return bound * (2 * c * inv - 1);
}

/** Knot derivative j (0..K): 1 at both ends (linear tails), else exp of the soft-clipped interior logit (a1 = 1 / |ln slope|). */
function derivative(phi: ArrayLike<number>, off: number, ps: number, K: number, a1: number, j: number): number {
  if (j === 0 || j === K) return 1;
  const d = phi[off + (2 * K + j - 1) * ps];
  return exp64(d / (1 + Math.abs(d) * a1));
}

/** All K+1 knots of a coordinate from its weights. */
function knotsOf(e: Float64Array, s: number, K: number, bound: number, dst: Float64Array): void {
  const inv = 1 / s;
  let c = 0;
  dst[0] = knot(0, inv, bound);
  for (let j = 0; j < K; j++) dst[j + 1] = knot((c += e[j]), inv, bound);
}

/** Knots from the raw hyper-network output of one feature (parameter j at `phi[off + j * ps]`). */
export function knotsFrom(phi: ArrayLike<number>, off: number, spline: RQSpline, out?: Knots, ps = 1): Knots {
  const { bins: K, bound } = spline;
  const a1 = 1 / Math.abs(Math.log(spline.slope));
  const k = out ?? { X: new Float64Array(K + 1), Y: new Float64Array(K + 1), D: new Float64Array(K + 1) };
  const e = new Float64Array(K);
  knotsOf(e, weights(phi, off, ps, K, 2 * a1, e), K, bound, k.X);
  knotsOf(e, weights(phi, off + K * ps, ps, K, 2 * a1, e), K, bound, k.Y);
  for (let j = 0; j <= K; j++) k.D[j] = derivative(phi, off, ps, K, a1, j);
  return k;
}

/** zuko's bin: count of knots < v, minus one (-1 or K: outside, identity). */
function bin(knots: Float64Array, v: number): number {
  let c = 0;
  for (let j = 0; j < knots.length; j++) if (knots[j] < v) c++;
  return c - 1;
}

/** y of the bin's rational quadratic at x; log dy/dx into out[1] when out is given. */
function rqForward(x0: number, x1: number, y0: number, y1: number, d0: number, d1: number, x: number, out?: Float64Array): number {
  const s = (y1 - y0) / (x1 - x0);
  const z = (x - x0) / (x1 - x0);
  const zz = z * (1 - z);
  const den = s + (d0 + d1 - 2 * s) * zz;
  if (out) out[1] = Math.log((s * s * (2 * s * zz + d0 * (1 - z) * (1 - z) + d1 * z * z)) / (den * den));
  return y0 + ((y1 - y0) * (s * z * z + d0 * zz)) / den;
}

function rqInverse(x0: number, x1: number, y0: number, y1: number, d0: number, d1: number, y: number): number {
  const s = (y1 - y0) / (x1 - x0);
  const yy = y - y0;
  const e = d0 + d1 - 2 * s;
  const a = (y1 - y0) * (s - d0) + yy * e;
  const bb = (y1 - y0) * d0 - yy * e;
  const c = -s * yy;
  // b^2 - 4ac >= 0 in exact arithmetic; the clamp absorbs rounding below 0 (as the graph's Relu).
  const z = (2 * c) / (-bb - Math.sqrt(Math.max(0, bb * bb - 4 * a * c)));
  return x0 + z * (x1 - x0);
}

/** Forward: returns [y, log dy/dx]; identity outside the knots. */
export function splineForward(k: Knots, x: number): [number, number] {
  const K = k.X.length - 1;
  const b = bin(k.X, x);
  if (b < 0 || b >= K) return [x, 0];
  const out = new Float64Array(2);
  const y = rqForward(k.X[b], k.X[b + 1], k.Y[b], k.Y[b + 1], k.D[b], k.D[b + 1], x, out);
  return [y, out[1]];
}

export function splineInverse(k: Knots, y: number): number {
  const K = k.X.length - 1;
  const b = bin(k.Y, y);
  if (b < 0 || b >= K) return y;
  return rqInverse(k.X[b], k.X[b + 1], k.Y[b], k.Y[b + 1], k.D[b], k.D[b + 1], y);
}
