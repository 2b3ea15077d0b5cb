import { type FlowWeights, effectivePasses, paramsPerFeature } from './arch.js';
import { rqsOf } from './rqs.js';
import { knotsFrom, splineForward, splineInverse } from './spline64.js';

/**
 * The float64 reference NSF in plain TypeScript (tests and cross-checks; far too slow for production).
 * Row-major arrays: x (N, F), c (N, C). Mirrors zuko step by step: MADE with masked weights, splines,
 * t_0 applied first, standard normal base, and the naive inverse that re-runs the MADE `passes` times.
 */
const LOG_2PI_HALF = 0.5 * Math.log(2 * Math.PI);

/** Raw MADE output phi (F*P) of transform t for one row (input = concat(x, c)). */
export function made64(w: FlowWeights, t: number, input: Float64Array): Float64Array {
  let h: Float64Array = input;
  const layers = w.transforms[t].layers;
  layers.forEach((L, l) => {
    const o = new Float64Array(L.out);
    for (let r = 0; r < L.out; r++) {
      let s = L.bias[r];
      const base = r * L.in;
      for (let j = 0; j < L.in; j++) if (L.mask[base + j]) s += L.weight[base + j] * h[j];
      o[r] = l < layers.length - 1 ? (s > 0 ? s : 0) : s;
    }
    h = o;
  });
  return h;
}

function rowInput(x: ArrayLike<number>, c: ArrayLike<number>): Float64Array {
  const v = new Float64Array(x.length + c.length);
  v.set(x);
  v.set(c, x.length);
  return v;
}

/** One transform forward on one row: returns y and ladj. */
function transformForward(w: FlowWeights, t: number, x: Float64Array, c: ArrayLike<number>): [Float64Array, number] {
  const F = w.arch.features;
  const spline = rqsOf(w.arch);
  const P = paramsPerFeature(w.arch);
  const phi = made64(w, t, rowInput(x, c));
  const y = new Float64Array(F);
  let ladj = 0;
  for (let i = 0; i < F; i++) {
    const [yi, li] = splineForward(knotsFrom(phi, i * P, spline), x[i]);
    y[i] = yi;
    ladj += li;
  }
  return [y, ladj];
}

/** Naive inverse of one transform, as zuko: x = 0, then `passes` times x = spline^-1(y; phi(x, c)). */
function transformInverse(w: FlowWeights, t: number, y: Float64Array, c: ArrayLike<number>): Float64Array {
  const F = w.arch.features;
  const spline = rqsOf(w.arch);
  const P = paramsPerFeature(w.arch);
  let x: Float64Array = new Float64Array(F);
  for (let pass = 0; pass < effectivePasses(w.arch); pass++) {
    const phi = made64(w, t, rowInput(x, c));
    const nx = new Float64Array(F);
    for (let i = 0; i < F; i++) nx[i] = splineInverse(knotsFrom(phi, i * P, spline), y[i]);
    x = nx;
  }
  return x;
}

export interface Forward64 {
  y: Float64Array;
  ladj: Float64Array;
  logProb: Float64Array;
}

/** x -> z = t_{T-1}(...t_0(x)), with summed log|det J| and log_prob = base + ladj. */
export function forward64(w: FlowWeights, x: ArrayLike<number>, c: ArrayLike<number>, n: number): Forward64 {
  const { features: F, context: C } = w.arch;
  const y = new Float64Array(n * F);
  const ladj = new Float64Array(n);
  const logProb = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    let v: Float64Array = Float64Array.from({ length: F }, (_, i) => x[r * F + i]);
    const cr = Array.from({ length: C }, (_, j) => c[r * C + j]);
    let l = 0;
    for (let t = 0; t < w.transforms.length; t++) {
      const [nv, lt] = transformForward(w, t, v, cr);
      v = nv;
      l += lt;
    }
    y.set(v, r * F);
    ladj[r] = l;
    let base = 0;
    for (let i = 0; i < F; i++) base += -0.5 * v[i] * v[i] - LOG_2PI_HALF;
    logProb[r] = base + l;
  }
  return { y, ladj, logProb };
}

/** z -> x = t_0^-1(...t_{T-1}^-1(z)), naive (zuko's) inversion. */
export function inverse64(w: FlowWeights, z: ArrayLike<number>, c: ArrayLike<number>, n: number): Float64Array {
  const { features: F, context: C } = w.arch;
  const x = new Float64Array(n * F);
  for (let r = 0; r < n; r++) {
    let v: Float64Array = Float64Array.from({ length: F }, (_, i) => z[r * F + i]);
    const cr = Array.from({ length: C }, (_, j) => c[r * C + j]);
    for (let t = w.transforms.length - 1; t >= 0; t--) v = transformInverse(w, t, v, cr);
    x.set(v, r * F);
  }
  return x;
}
