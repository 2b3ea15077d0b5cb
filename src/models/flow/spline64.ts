import type { RQSpline } from './rqs.js';

/**
 * The float64 host strategy of the rational-quadratic spline (rqs.ts): the reference the tfjs path is
 * tested against, and the incremental inverse. One feature at a time.
 */
export interface Knots {
  X: Float64Array;
  Y: Float64Array;
  D: Float64Array;
}

/** Knots from the raw hyper-network output of one feature (`phi[off .. off+3K-1)`). */
export function knotsFrom(phi: ArrayLike<number>, off: number, spline: RQSpline, out?: Knots): Knots {
  const { bins: K, slope, bound } = spline;
  const L = Math.log(slope);
  const k = out ?? { X: new Float64Array(K + 1), Y: new Float64Array(K + 1), D: new Float64Array(K + 1) };
  const cum = (start: number, dst: Float64Array) => {
    let max = -Infinity;
    const v = new Float64Array(K);
    for (let j = 0; j < K; j++) {
      const w = phi[off + start + j];
      v[j] = w / (1 + Math.abs((2 * w) / L));
      if (v[j] > max) max = v[j];
    }
    let s = 0;
    for (let j = 0; j < K; j++) s += (v[j] = Math.exp(v[j] - max));
    let c = 0;
    dst[0] = -bound;
    for (let j = 0; j < K; j++) {
      c += v[j] / s;
      dst[j + 1] = bound * (2 * c - 1);
    }
  };
  cum(0, k.X);
  cum(K, k.Y);
  k.D[0] = 1;
  k.D[K] = 1;
  for (let j = 0; j < K - 1; j++) {
    const d = phi[off + 2 * K + j];
    k.D[j + 1] = Math.exp(d / (1 + Math.abs(d / L)));
  }
  return k;
}

function bin(knots: Float64Array, v: number): number {
  let c = 0;
  for (let j = 0; j < knots.length; j++) if (knots[j] < v) c++;
  return c - 1;
}

/** Forward: returns [y, log dy/dx]; identity outside the knots. */
export function splineForward(k: Knots, x: number): [number, number] {
  const K = k.X.length - 1;
  const b = bin(k.X, x);
  if (b < 0 || b >= K) return [x, 0];
  const x0 = k.X[b], x1 = k.X[b + 1], y0 = k.Y[b], y1 = k.Y[b + 1], d0 = k.D[b], d1 = k.D[b + 1];
  const s = (y1 - y0) / (x1 - x0);
  const z = (x - x0) / (x1 - x0);
  const zz = z * (1 - z);
  const den = s + (d0 + d1 - 2 * s) * zz;
  const y = y0 + ((y1 - y0) * (s * z * z + d0 * zz)) / den;
  const jac = (s * s * (2 * s * zz + d0 * (1 - z) * (1 - z) + d1 * z * z)) / (den * den);
  return [y, Math.log(jac)];
}

export function splineInverse(k: Knots, y: number): number {
  const K = k.X.length - 1;
  const b = bin(k.Y, y);
  if (b < 0 || b >= K) return y;
  const x0 = k.X[b], x1 = k.X[b + 1], y0 = k.Y[b], y1 = k.Y[b + 1], d0 = k.D[b], d1 = k.D[b + 1];
  const s = (y1 - y0) / (x1 - x0);
  const yy = y - y0;
  const e = d0 + d1 - 2 * s;
  const a = (y1 - y0) * (s - d0) + yy * e;
  const bb = (y1 - y0) * d0 - yy * e;
  const c = -s * yy;
  const z = (2 * c) / (-bb - Math.sqrt(bb * bb - 4 * a * c));
  return x0 + z * (x1 - x0);
}
