import type { Fcn } from '../fcn.js';
import type { ParamDef } from '../model.js';
import { InternalFcn } from './internal.js';
import { initialGradient, numericalGradient, type GradientState } from './gradient.js';
import { lineSearch } from './linesearch.js';
import { hesse, hesseAnalytic, hesseFromGradient, type HesseResult } from './hesse.js';
import { copyMat, dot, makePosDef, matVec, zeros, type Mat } from './linalg.js';
import { EPS, EPS2, strategy as makeStrategy, type Strategy } from './strategy.js';

export interface MinimizeOptions {
  /** Minuit tolerance: converged when EDM < 0.002 * tol * errordef (iminuit's default tol is 0.1). */
  tol?: number;
  strategy?: 0 | 1 | 2;
  /** Call limit; Minuit's default 200 + 100 n + 5 n^2. */
  maxfcn?: number;
  /** Run HESSE after MIGRAD (default true). */
  hesse?: boolean;
  /**
   * 'auto': forward differences of the analytic gradient when there is one ('gradient': n calls, errors
   * within ~1e-5 of the exact ones), else Minuit's function-value algorithm ('minuit', as iminuit runs it).
   * 'analytic': the model's exact second derivatives (one pass, but ~4 gradient calls' worth of arithmetic
   * as written, so not the default).
   */
  hesseMode?: 'auto' | 'minuit' | 'gradient' | 'analytic';
  /** Use the analytic gradient in MIGRAD when present (default true). */
  useGradient?: boolean;
  /**
   * With an analytic gradient, measure the seed curvature per axis (2n extra calls) instead of taking
   * g2 = 2 up / step^2 from the steps alone. Helps when the steps are far from the errors.
   */
  seedCurvature?: boolean;
}

export interface FitResult {
  names: string[];
  values: Float64Array;
  errors: Float64Array;
  /** External covariance (fixed parameters have zero rows). */
  covariance: Float64Array[];
  fmin: number;
  edm: number;
  nfcn: number;
  /** EDM below the goal within the call limit. */
  converged: boolean;
  /** Covariance from a successful HESSE (not the MIGRAD approximation, not a diagonal fallback). */
  accurateCovar: boolean;
  /** The covariance had to be forced positive definite. */
  madePosDef: boolean;
  callLimit: boolean;
  /** converged && accurate && positive definite, as iminuit's `valid` combined with `has_accurate_covar`. */
  valid: boolean;
  /** Internal state, for MINOS. */
  internal?: { f: InternalFcn; u: Float64Array; V: Mat; g: GradientState };
}

interface State {
  u: Float64Array;
  f: number;
  g: GradientState;
  V: Mat;
  edm: number;
  dcovar: number;
}

/**
 * MIGRAD: Minuit's variable-metric minimiser. Newton steps with the current inverse-Hessian estimate V, a line
 * search along each, Davidon-Fletcher-Powell/BFGS rank-two updates of V, and EDM = g^T V g / 2 as the
 * convergence measure; with strategy >= 1 a HESSE at the end checks that the EDM really is below the goal.
 */
export function minimize(fcn: Fcn, params: ParamDef[], opts: MinimizeOptions = {}, start?: ArrayLike<number>): FitResult {
  const st = makeStrategy(opts.strategy ?? 1);
  const tol = opts.tol ?? 0.1;
  const startExt = Float64Array.from(start ?? params.map((p) => p.value));
  const f = new InternalFcn(fcn, params, startExt);
  const n = f.n;
  const maxfcn = opts.maxfcn ?? 200 + 100 * n + 5 * n * n;
  const edmval = 0.002 * tol * f.up;
  const useGrad = f.hasGrad && opts.useGradient !== false;
  const gradOf = (u: Float64Array, fv: number, prev: GradientState): GradientState => {
    if (!useGrad) return numericalGradient(f, u, fv, prev, st);
    const g = new Float64Array(n);
    f.valueGrad(u, g);
    return { grad: g, g2: prev.g2, gstep: prev.gstep };
  };
  const runHesse = (s: State): HesseResult => {
    const mode = opts.hesseMode ?? 'auto';
    if (f.hasHess && mode === 'analytic') return hesseAnalytic(f, s.u, s.g);
    if (f.hasGrad && (mode === 'gradient' || (mode === 'auto' && useGrad))) return hesseFromGradient(f, s.u, s.V, s.g, useGrad ? s.g.grad : undefined);
    return hesse(f, s.u, s.f, s.g, st);
  };

  // Seed: start point, gradient, diagonal V from the second-derivative estimates.
  const u0 = f.toInternal(startExt);
  const steps = Float64Array.from(f.free, (e, i) => f.trafo.intStep(i, startExt[e], params[e].step));
  const f0 = f.value(u0);
  let g = initialGradient(f, u0, steps);
  if (useGrad && opts.seedCurvature) {
    // Curvature per axis from two function values at the user's steps, as Minuit's seed does numerically.
    const x = Float64Array.from(u0);
    for (let i = 0; i < n; i++) {
      const h = steps[i];
      x[i] = u0[i] + h;
      const fp = f.value(x);
      x[i] = u0[i] - h;
      const fm = f.value(x);
      x[i] = u0[i];
      const c = (fp + fm - 2 * f0) / (h * h);
      if (Number.isFinite(c) && c > 0) g.g2[i] = c;
      g.gstep[i] = h;
    }
  }
  g = gradOf(u0, f0, g);
  let V = zeros(n);
  for (let i = 0; i < n; i++) V[i][i] = Math.abs(g.g2[i]) > EPS2 ? 1 / Math.abs(g.g2[i]) : 1;
  let s: State = { u: u0, f: f0, g, V, edm: 0.5 * quad(g.grad, V), dcovar: 1 };
  let hesseRes: HesseResult | null = null;
  if (st.level === 2 && n > 0) {
    hesseRes = runHesse(s);
    s = { ...s, V: hesseRes.V, g: useGrad ? s.g : hesseRes.grad, dcovar: 0 };
    s.edm = 0.5 * quad(s.g.grad, s.V);
  }

  let converged = false;
  for (let attempt = 0; attempt < 3 && n > 0; attempt++) {
    s = iterate(f, s, edmval, maxfcn, gradOf, useGrad);
    if (f.nfcn >= maxfcn) break;
    if (s.edm > edmval) {
      // The iterations stopped above the goal (no improvement along the Newton direction: typically a seed
      // metric from steps far from the errors). As Minuit's VariableMetricBuilder does, replace the metric
      // by a real HESSE (strategy 1 while it is still changing, strategy 2 always) and iterate once more.
      // Not in Minuit: with an analytic gradient the seed curvature comes from the steps alone (Minuit's
      // numerical seed measures it), so strategy 0 gets this rescue too (n gradient calls, only on a stall).
      if (attempt > 0 || !(st.level === 2 || (st.level === 1 && s.dcovar > 0.05) || (useGrad && s.dcovar > 0.05))) break;
      const h = runHesse(s);
      const g2 = useGrad ? s.g : h.grad;
      s = { ...s, V: h.V, g: { grad: g2.grad, g2: h.grad.g2, gstep: h.grad.gstep }, edm: 0.5 * quad(g2.grad, h.V), dcovar: 0 };
      continue;
    }
    // Not in Minuit: a Newton step with MIGRAD's metric (one call with an analytic gradient), so the point
    // the HESSE is evaluated at, and the result, sit at the minimum well within the tolerance.
    if (useGrad) s = newtonPolish(f, s);
    // Converged on the MIGRAD approximation; verify with a real HESSE when the strategy asks for it.
    if (st.level === 2 || (st.level === 1 && s.dcovar > 0.05) || opts.hesse !== false) {
      hesseRes = runHesse(s);
      const g2 = useGrad ? s.g : hesseRes.grad;
      const edm = 0.5 * quad(g2.grad, hesseRes.V);
      s = { ...s, V: hesseRes.V, g: { grad: g2.grad, g2: hesseRes.grad.g2, gstep: hesseRes.grad.gstep }, edm, dcovar: 0 };
      if (edm > edmval) {
        hesseRes = null;
        continue;
      }
    }
    converged = true;
    break;
  }
  if (n === 0) converged = true;
  if (!converged && s.edm <= edmval && f.nfcn < maxfcn) converged = true;

  // Results in external coordinates: covariance = 2 up J V J^T.
  const ext = Float64Array.from(f.toExternal(s.u));
  const np = params.length;
  const cov = Array.from({ length: np }, () => new Float64Array(np));
  const J = Float64Array.from(f.free, (_, i) => f.trafo.dInt2Ext(i, s.u[i]));
  for (let a = 0; a < n; a++) {
    for (let b = 0; b < n; b++) cov[f.free[a]][f.free[b]] = 2 * f.up * J[a] * s.V[a][b] * J[b];
  }
  const errors = Float64Array.from(cov, (r, i) => Math.sqrt(Math.max(r[i], 0)));
  const accurate = hesseRes !== null && !hesseRes.failed;
  const madePosDef = hesseRes?.madePosDef ?? false;
  return {
    names: params.map((p) => p.name),
    values: ext,
    errors,
    covariance: cov,
    fmin: s.f,
    edm: s.edm,
    nfcn: f.nfcn,
    converged,
    accurateCovar: accurate,
    madePosDef,
    callLimit: f.nfcn >= maxfcn,
    valid: converged && accurate && !madePosDef,
    internal: { f, u: s.u, V: s.V, g: s.g },
  };
}

/**
 * Not in Minuit: one Newton step u - V g after convergence, kept if it lowers f. With an analytic gradient it
 * costs one call and takes the point from "EDM below tolerance" much closer to the minimum (V is accurate by
 * then), so results barely depend on the tolerance.
 */
function newtonPolish(f: InternalFcn, s: State): State {
  const n = f.n;
  const step = matVec(s.V, s.g.grad);
  const u1 = Float64Array.from(s.u, (v, i) => v - step[i]);
  const g1 = new Float64Array(n);
  const f1 = f.valueGrad(u1, g1);
  if (!(f1 <= s.f)) return s;
  return { ...s, u: u1, f: f1, g: { ...s.g, grad: g1 }, edm: 0.5 * quad(g1, s.V) };
}

/**
 * Brings sin-transformed parameters back to the principal branch after a step (same external point, so the
 * same f): gradient and metric change sign on the rows of parameters that were on a falling branch.
 */
function foldPeriodic(f: InternalFcn, s: State): State {
  let signs: Int8Array | null = null;
  const u = s.u;
  for (let i = 0; i < f.n; i++) {
    const r = f.trafo.fold(i, u[i]);
    if (r.u === u[i]) continue;
    u[i] = r.u;
    if (r.sign < 0) (signs ??= new Int8Array(f.n).fill(1))[i] = -1;
  }
  if (!signs) return s;
  const sg = signs;
  const grad = Float64Array.from(s.g.grad, (v, i) => v * sg[i]);
  const V = s.V.map((row, i) => Float64Array.from(row, (v, j) => v * sg[i] * sg[j]));
  return { ...s, u, g: { ...s.g, grad }, V };
}

function quad(g: Float64Array, V: Mat): number {
  return dot(g, matVec(V, g));
}

/** The variable-metric iterations from state s until EDM < edmval, the call limit, or no more progress. */
function iterate(f: InternalFcn, s0: State, edmval: number, maxfcn: number, gradOf: (u: Float64Array, fv: number, prev: GradientState) => GradientState, analytic: boolean): State {
  const n = f.n;
  let s = s0;
  let edm = s.edm;
  while (edm > edmval && f.nfcn < maxfcn) {
    let step = matVec(s.V, s.g.grad);
    for (let i = 0; i < n; i++) step[i] = -step[i];
    let gdel = dot(step, s.g.grad);
    if (gdel > 0) {
      // V lost positive-definiteness: repair it (Minuit's MnPosDef), or fall back to the diagonal.
      let V = makePosDef(s.V, EPS).mat;
      step = matVec(V, s.g.grad).map((v) => -v);
      gdel = dot(step, s.g.grad);
      if (gdel > 0) {
        V = zeros(n);
        for (let i = 0; i < n; i++) V[i][i] = Math.abs(s.g.g2[i]) > EPS2 ? 1 / Math.abs(s.g.g2[i]) : 1;
        step = matVec(V, s.g.grad).map((v) => -v);
        gdel = dot(step, s.g.grad);
      }
      s = { ...s, V };
    }
    const gAt1 = analytic ? new Float64Array(n) : undefined;
    const ls = lineSearch(f, s.u, s.f, step, gdel, gAt1);
    if (ls.alpha === 0 || Math.abs(ls.f - s.f) <= Math.abs(s.f) * EPS) {
      // No improvement along the Newton direction: stop here (the caller decides from the EDM).
      break;
    }
    const u1 = Float64Array.from(s.u, (v, i) => v + ls.alpha * step[i]);
    const g1 = gAt1 && ls.alpha === 1 && !Number.isNaN(gAt1[0]) ? { grad: gAt1, g2: s.g.g2, gstep: s.g.gstep } : gradOf(u1, ls.f, s.g);
    edm = 0.5 * quad(g1.grad, s.V);
    if (edm < 0) {
      s = { ...s, V: makePosDef(s.V, EPS).mat };
      edm = 0.5 * quad(g1.grad, s.V);
    }
    const { V, dcovar } = davidonUpdate(s.V, s.u, u1, s.g.grad, g1.grad, s.dcovar);
    s = foldPeriodic(f, { u: u1, f: ls.f, g: g1, V, edm, dcovar });
    // Minuit inflates the EDM while the metric is still changing a lot.
    edm *= 1 + 3 * dcovar;
  }
  s.edm = 0.5 * quad(s.g.grad, s.V);
  if (edm > edmval && s.edm <= edmval) s.edm = edm;
  return s;
}

/**
 * Rank-two update of the inverse Hessian (Minuit's DavidonErrorUpdator): DFP, switching to the BFGS form when
 * the curvature along the step allows, and skipped when the step did not see positive curvature.
 */
function davidonUpdate(V0: Mat, u0: Float64Array, u1: Float64Array, g0: Float64Array, g1: Float64Array, dcov0: number): { V: Mat; dcovar: number } {
  const n = u0.length;
  const dx = Float64Array.from(u1, (v, i) => v - u0[i]);
  const dg = Float64Array.from(g1, (v, i) => v - g0[i]);
  const delgam = dot(dx, dg);
  const vg = matVec(V0, dg);
  const gvg = dot(dg, vg);
  if (delgam <= 0 || gvg <= 0) return { V: V0, dcovar: dcov0 };
  const V = copyMat(V0);
  let sumUpd = 0;
  let sumNew = 0;
  const bfgs = delgam > gvg;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let upd = (dx[i] * dx[j]) / delgam - (vg[i] * vg[j]) / gvg;
      if (bfgs) {
        const fi = dx[i] / delgam - vg[i] / gvg;
        const fj = dx[j] / delgam - vg[j] / gvg;
        upd += gvg * fi * fj;
      }
      V[i][j] += upd;
      sumUpd += Math.abs(upd);
      sumNew += Math.abs(V[i][j]);
    }
  }
  return { V, dcovar: 0.5 * (dcov0 + sumUpd / sumNew) };
}
