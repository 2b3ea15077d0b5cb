import type { RQSpline } from './rqs.js';

/**
 * The float64 host strategy of the rational-quadratic spline (rqs.ts): the reference the tfjs path is
 * tested against, the incremental inverse, and the host spline of the ONNX Runtime engine (batched
 * variants below: the same helpers, one fused pass per element instead of ~100 tensor ops).
 */
export interface Knots {
  X: Float64Array;
  Y: Float64Array;
  D: Float64Array;
}

/**
 * Knots of one coordinate into dst[0..K]: zuko's soft clip by ln(slope), softmax, cumulative sum mapped onto
 * [-bound, bound]. Parameter j is phi[off + j * ps]. dst doubles as the scratch buffer (no allocation).
 */
function cumKnots(phi: ArrayLike<number>, off: number, ps: number, K: number, L: number, bound: number, dst: Float64Array): void {
  let max = -Infinity;
  for (let j = 0; j < K; j++) {
    const w = phi[off + j * ps];
    const v = w / (1 + Math.abs((2 * w) / L));
    dst[j + 1] = v;
    if (v > max) max = v;
  }
  let s = 0;
  for (let j = 1; j <= K; j++) s += (dst[j] = Math.exp(dst[j] - max));
  let c = 0;
  dst[0] = -bound;
  for (let j = 1; j <= K; j++) {
    c += dst[j] / s;
    dst[j] = bound * (2 * c - 1);
  }
}

/** Knot derivative j (0..K): 1 at both ends (linear tails), else exp of the soft-clipped interior logit. */
function derivative(phi: ArrayLike<number>, off: number, ps: number, K: number, L: number, j: number): number {
  if (j === 0 || j === K) return 1;
  const d = phi[off + (2 * K + j - 1) * ps];
  return Math.exp(d / (1 + Math.abs(d / L)));
}

/** Knots from the raw hyper-network output of one feature (parameter j at `phi[off + j * ps]`). */
export function knotsFrom(phi: ArrayLike<number>, off: number, spline: RQSpline, out?: Knots, ps = 1): Knots {
  const { bins: K, slope, bound } = spline;
  const L = Math.log(slope);
  const k = out ?? { X: new Float64Array(K + 1), Y: new Float64Array(K + 1), D: new Float64Array(K + 1) };
  cumKnots(phi, off, ps, K, L, bound, k.X);
  cumKnots(phi, off + K * ps, ps, K, L, bound, k.Y);
  for (let j = 0; j <= K; j++) k.D[j] = derivative(phi, off, ps, K, L, j);
  return k;
}

/** zuko's bin: count of knots < v, minus one (-1 or K: outside, identity). */
function bin(knots: Float64Array, v: number): number {
  let c = 0;
  for (let j = 0; j < knots.length; j++) if (knots[j] < v) c++;
  return c - 1;
}

/** y of the bin's rational quadratic at x; ladj into out[1] when out is given. */
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

/**
 * Where a batch's spline parameters lie: parameter p of feature q of row r at
 * phi[r * row + q * feature + p * param] (row-major MLP output [n, nf * P]: row = nf * P, feature = P,
 * param = 1; transposed [nf * P, n]: row = 1, feature = P * n, param = n).
 */
export interface PhiLayout {
  row: number;
  feature: number;
  param: number;
}

/** Scratch knots for the batched functions (reused across elements). */
export function knotScratch(spline: RQSpline): Knots {
  const K = spline.bins;
  return { X: new Float64Array(K + 1), Y: new Float64Array(K + 1), D: new Float64Array(0) };
}

/**
 * Batched forward of features q = 0..nf-1 of n rows: v[r * vs + vo + q] = spline(v[...]) in place;
 * ladj[r] += sum over q of log dy/dx (zuko's order: features summed first, then added to the running sum).
 * Only the selected bin's two derivatives are computed (the rest do not affect the result).
 */
export function splineForwardBatch(phi: ArrayLike<number>, lay: PhiLayout, n: number, nf: number, v: Float64Array, vs: number, vo: number, spline: RQSpline, k: Knots, ladj?: Float64Array): void {
  const { bins: K, bound } = spline;
  const L = Math.log(spline.slope);
  const tmp = new Float64Array(2);
  for (let r = 0; r < n; r++) {
    let sum = 0;
    for (let q = 0; q < nf; q++) {
      const off = r * lay.row + q * lay.feature;
      const x = v[r * vs + vo + q];
      cumKnots(phi, off, lay.param, K, L, bound, k.X);
      const b = bin(k.X, x);
      if (b < 0 || b >= K) continue;
      cumKnots(phi, off + K * lay.param, lay.param, K, L, bound, k.Y);
      const d0 = derivative(phi, off, lay.param, K, L, b);
      const d1 = derivative(phi, off, lay.param, K, L, b + 1);
      v[r * vs + vo + q] = rqForward(k.X[b], k.X[b + 1], k.Y[b], k.Y[b + 1], d0, d1, x, tmp);
      sum += tmp[1];
    }
    if (ladj) ladj[r] += sum;
  }
}

/**
 * Batched inverse of nf features of n rows: x[r * xs + xo(q)] = spline^-1(y[r * ys + yo(q)]) where
 * feature q's columns are given by cols[q] (the same column in y and x).
 */
export function splineInverseBatch(phi: ArrayLike<number>, lay: PhiLayout, n: number, nf: number, y: Float64Array, ys: number, cols: ArrayLike<number>, x: Float64Array, spline: RQSpline, k: Knots): void {
  const { bins: K, bound } = spline;
  const L = Math.log(spline.slope);
  for (let r = 0; r < n; r++) {
    for (let q = 0; q < nf; q++) {
      const off = r * lay.row + q * lay.feature;
      const i = r * ys + cols[q];
      const yv = y[i];
      cumKnots(phi, off + K * lay.param, lay.param, K, L, bound, k.Y);
      const b = bin(k.Y, yv);
      if (b < 0 || b >= K) { x[i] = yv; continue; }
      cumKnots(phi, off, lay.param, K, L, bound, k.X);
      const d0 = derivative(phi, off, lay.param, K, L, b);
      const d1 = derivative(phi, off, lay.param, K, L, b + 1);
      x[i] = rqInverse(k.X[b], k.X[b + 1], k.Y[b], k.Y[b + 1], d0, d1, yv);
    }
  }
}
