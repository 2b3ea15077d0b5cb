import type { Fcn } from './fcn.js';
import { modelCategories, type Model, type ParamDef } from './model.js';
import type { FitResult } from './minuit/migrad.js';
import { invertSpd } from './minuit/linalg.js';
import { BinnedNll } from './nll.js';
import { constraintHessian } from './constraints.js';

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

/**
 * log of each event's likelihood term at p: log sum_k c_k f_k(x_i), c_k the yields (extended) or fractions
 * (the last one 1 - the others), as the unbinned NLL sums it. NaN when a component's parameters are invalid.
 */
function eventLogTerms(model: Model, xs: Float64Array, p: ArrayLike<number>, out: Float64Array): void {
  out.fill(0);
  const d = new Float64Array(xs.length);
  let fsum = 0;
  for (const c of model.components) {
    const lp = c.paramIndex.map((i) => p[i]);
    if (c.pdf.check(lp) !== null) {
      out.fill(NaN);
      return;
    }
    let coef: number;
    if (model.extended) coef = p[c.coefIndex];
    else if (c.coefIndex >= 0) fsum += coef = p[c.coefIndex];
    else coef = 1 - fsum; // the last fraction component
    c.pdf.density(xs, lp, d);
    for (let i = 0; i < xs.length; i++) out[i] += coef * d[i];
  }
  for (let i = 0; i < xs.length; i++) out[i] = Math.log(out[i]);
}

/** One category's data for the asymptotic correction: unbinned events, or equal bins as the binned NLL makes them. */
interface CategoryTerms {
  /** log of each term (event or bin) at p, into out. */
  logTerms(p: ArrayLike<number>, out: Float64Array): void;
  /** Squared weight of each term: w_i^2 per event, sum of w_i^2 per bin. */
  w2: Float64Array;
}

function categoryTerms(model: Model, xs: Float64Array, w: Float64Array | undefined, binned: number | undefined): CategoryTerms {
  if (!binned) return { logTerms: (p, out) => eventLogTerms(model, xs, p, out), w2: Float64Array.from(xs, (_, i) => (w ? w[i] * w[i] : 1)) };
  const { lo, hi } = model.observable;
  const edges = Float64Array.from({ length: binned + 1 }, (_, i) => lo + ((hi - lo) * i) / binned);
  const w2 = new Float64Array(binned);
  xs.forEach((x, i) => {
    w2[Math.min(binned - 1, Math.max(0, Math.floor(((x - lo) / (hi - lo)) * binned)))] += w ? w[i] * w[i] : 1;
  });
  const nll = new BinnedNll(model, edges, new Float64Array(binned));
  return {
    w2,
    logTerms: (p, out) => {
      const nu = nll.expected(Float64Array.from(p));
      for (let b = 0; b < binned; b++) out[b] = nu ? Math.log(nu[b]) : NaN;
    },
  };
}

/**
 * The asymptotically correct covariance of a weighted fit (Langenbruch, EPJC 82 (2022) 393, arXiv:1911.01303):
 *   C = H^-1 D H^-1,  D = sum_i w_i^2 g_i g_i^T  (+ the constraints' Hessian),
 * H the Hessian of the weighted NLL at the minimum (its inverse is the fit's uncorrected covariance, errordef
 * 0.5), g_i = d log(term_i)/d theta the per-event gradient of the log of the event's likelihood term
 * (sum_k N_k f_k(x_i) extended, sum_k c_k f_k(x_i) with fractions; per bin log nu_b with sum w^2 of the bin when
 * binned). The gradients are central differences with steps of 1e-4 of each uncorrected error (relative error
 * ~1e-8 for smooth PDFs). Constraint terms are unweighted pseudo-measurements: their score variance is their
 * Hessian, added to D. Returns the external covariance (fixed parameters zero), or null when H^-1 is unusable.
 */
export function asymptoticCovariance(
  model: Model,
  data: Float64Array | Float64Array[],
  weights: Float64Array | Array<Float64Array | undefined> | undefined,
  result: Pick<FitResult, 'values' | 'errors' | 'covariance'>,
  binned?: number,
): Float64Array[] | null {
  const params = model.params;
  const free = params.flatMap((p, i) => (p.fixed ? [] : [i]));
  const n = free.length;
  const Hinv = free.map((a) => Float64Array.from(free, (b) => result.covariance[a][b]));
  if (!free.every((_, i) => Hinv[i][i] > 0 && Number.isFinite(Hinv[i][i]))) return null;
  const cats = modelCategories(model);
  const xs = Array.isArray(data) ? data : [data];
  const ws = weights === undefined ? [] : Array.isArray(weights) ? weights : [weights];
  const D = Array.from({ length: n }, () => new Float64Array(n));
  const p = Float64Array.from(result.values);
  for (let k = 0; k < cats.length; k++) {
    const t = categoryTerms(cats[k], xs[k], ws[k], binned);
    const m = t.w2.length;
    const G = free.map(() => new Float64Array(m));
    const up = new Float64Array(m);
    const dn = new Float64Array(m);
    free.forEach((e, j) => {
      const h = 1e-4 * (result.errors[e] > 0 ? result.errors[e] : Math.max(1e-8, 1e-4 * Math.abs(p[e])));
      const v = p[e];
      p[e] = v + h;
      t.logTerms(p, up);
      p[e] = v - h;
      t.logTerms(p, dn);
      p[e] = v;
      for (let i = 0; i < m; i++) G[j][i] = (up[i] - dn[i]) / (2 * h);
    });
    for (let a = 0; a < n; a++) {
      for (let b = a; b < n; b++) {
        let s = 0;
        const ga = G[a];
        const gb = G[b];
        for (let i = 0; i < m; i++) s += t.w2[i] * ga[i] * gb[i];
        D[a][b] += s;
        if (b !== a) D[b][a] += s;
      }
    }
  }
  if (model.constraints.length) {
    const Hc = Array.from({ length: params.length }, () => new Float64Array(params.length));
    constraintHessian(model.constraints, p, Hc);
    free.forEach((a, i) => free.forEach((b, j) => (D[i][j] += Hc[a][b])));
  }
  const HD = Hinv.map((row) => Float64Array.from({ length: n }, (_, j) => row.reduce((s, v, k) => s + v * D[k][j], 0)));
  const C = HD.map((row) => Float64Array.from({ length: n }, (_, j) => row.reduce((s, v, k) => s + v * Hinv[k][j], 0)));
  if (!C.every((r) => r.every(Number.isFinite))) return null;
  const out = Array.from({ length: params.length }, () => new Float64Array(params.length));
  free.forEach((a, i) => free.forEach((b, j) => (out[a][b] = 0.5 * (C[i][j] + C[j][i]))));
  return out;
}
