import type { Fcn } from './fcn.js';
import type { ParamDef } from './model.js';
import type { FitResult } from './minuit/migrad.js';
import { invertSpd } from './minuit/linalg.js';

/**
 * Hessian of f in external coordinates over the free parameters at x: exact where the NLL has one, else
 * central differences of the analytic gradient, else of function values; steps are 1e-3 of each error.
 */
export function externalHessian(f: Fcn, params: ParamDef[], x: Float64Array, errors: Float64Array): Float64Array[] {
  const free = params.flatMap((p, i) => (p.fixed ? [] : [i]));
  const n = free.length;
  const H = Array.from({ length: n }, () => new Float64Array(n));
  const np = params.length;
  if (f.hessian) {
    const full = Array.from({ length: np }, () => new Float64Array(np));
    if (f.hessian(x, full)) {
      free.forEach((a, i) => free.forEach((b, j) => (H[i][j] = full[a][b])));
      return H;
    }
  }
  const h = free.map((e) => 1e-3 * (errors[e] > 0 ? errors[e] : Math.max(1e-8, 1e-3 * Math.abs(x[e]))));
  const y = Float64Array.from(x);
  if (f.valueGrad) {
    const gp = new Float64Array(np);
    const gm = new Float64Array(np);
    free.forEach((e, i) => {
      y[e] = x[e] + h[i];
      f.valueGrad!(y, gp);
      y[e] = x[e] - h[i];
      f.valueGrad!(y, gm);
      y[e] = x[e];
      free.forEach((b, j) => (H[i][j] = (gp[b] - gm[b]) / (2 * h[i])));
    });
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) H[i][j] = H[j][i] = 0.5 * (H[i][j] + H[j][i]);
    return H;
  }
  const f0 = f.value(y);
  for (let i = 0; i < n; i++) {
    const a = free[i];
    for (let j = i; j < n; j++) {
      const b = free[j];
      const at = (da: number, db: number) => {
        y[a] += da;
        y[b] += db;
        const v = f.value(y);
        y[a] = x[a];
        y[b] = x[b];
        return v;
      };
      if (i === j) H[i][i] = (at(h[i], 0) + at(-h[i], 0) - 2 * f0) / (h[i] * h[i]);
      else H[i][j] = H[j][i] = (at(h[i], h[j]) - at(h[i], -h[j]) - at(-h[i], h[j]) + at(-h[i], -h[j])) / (4 * h[i] * h[j]);
    }
  }
  return H;
}

/**
 * The sum-of-weights-squared correction of a weighted fit's covariance (RooFit's SumW2Error): C = V H2 V with
 * V the weighted NLL's covariance and H2 the Hessian of the same NLL built with the squared weights, so
 * errors reflect the weighted sample's effective size. Returns the corrected external covariance (fixed
 * parameters have zero rows), or null when V is singular.
 */
export function sumW2Covariance(result: FitResult, params: ParamDef[], fcnW2: Fcn): Float64Array[] | null {
  const free = params.flatMap((p, i) => (p.fixed ? [] : [i]));
  const n = free.length;
  const V = free.map((a) => Float64Array.from(free, (b) => result.covariance[a][b]));
  if (!invertSpd(V)) return null;
  const H2 = externalHessian(fcnW2, params, result.values, result.errors);
  const VH = V.map((row) => Float64Array.from({ length: n }, (_, j) => row.reduce((s, v, k) => s + v * H2[k][j], 0)));
  const C = VH.map((row) => Float64Array.from({ length: n }, (_, j) => row.reduce((s, v, k) => s + v * V[k][j], 0)));
  const np = params.length;
  const out = Array.from({ length: np }, () => new Float64Array(np));
  free.forEach((a, i) => free.forEach((b, j) => (out[a][b] = 0.5 * (C[i][j] + C[j][i]))));
  return out;
}
