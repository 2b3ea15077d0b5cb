import type { InternalFcn } from './internal.js';
import type { GradientState } from './gradient.js';
import { EPS, EPS2, type Strategy } from './strategy.js';
import { invertSpd, makePosDef, zeros, type Mat } from './linalg.js';

export interface HesseResult {
  /** Inverse of the Hessian in internal coordinates ("error matrix"; covariance = 2 up V). */
  V: Mat;
  /** Gradient state at the point, refreshed by the diagonal scan (numerical mode). */
  grad: GradientState;
  /** The matrix had to be forced positive definite. */
  madePosDef: boolean;
  /** A second derivative was zero or the inversion failed: V is only a diagonal approximation. */
  failed: boolean;
}

/**
 * Minuit's HESSE: numerical second derivatives from function values. The diagonal step per parameter is tuned
 * over a few cycles so that the change of f ("sag") is about sqrt(eps2) (|f| + up), which balances rounding
 * against the non-quadratic part; off-diagonal terms reuse those steps with one more evaluation each.
 */
export function hesse(f: InternalFcn, u: Float64Array, fmin: number, grad: GradientState, st: Strategy): HesseResult {
  const n = f.n;
  const x = Float64Array.from(u);
  const amin = f.value(x);
  const aimsag = Math.sqrt(EPS2) * (Math.abs(amin) + f.up);
  const g2 = Float64Array.from(grad.g2);
  const grd = Float64Array.from(grad.grad);
  const gst = Float64Array.from(grad.gstep);
  const dirin = new Float64Array(n);
  const yy = new Float64Array(n);
  const H = zeros(n);
  void fmin;
  for (let i = 0; i < n; i++) {
    const xtf = x[i];
    const dmin = 8 * EPS2 * (Math.abs(xtf) + EPS2);
    let d = Math.max(Math.abs(gst[i]), dmin);
    let ok = false;
    for (let cyc = 0; cyc < st.hessCycles; cyc++) {
      let sag = 0;
      let fs1 = 0;
      let fs2 = 0;
      let found = false;
      for (let mult = 0; mult < 5; mult++) {
        x[i] = xtf + d;
        fs1 = f.value(x);
        x[i] = xtf - d;
        fs2 = f.value(x);
        x[i] = xtf;
        sag = 0.5 * (fs1 + fs2 - 2 * amin);
        if (sag > EPS2) {
          found = true;
          break;
        }
        if (f.trafo.hasLimits(i)) {
          if (d > 0.5) break;
          d = Math.min(10 * d, 0.51);
        } else d *= 10;
      }
      if (!found) {
        if (cyc === 0) break;
        ok = true;
        break;
      }
      ok = true;
      const g2b4 = g2[i];
      g2[i] = (2 * sag) / (d * d);
      grd[i] = (fs1 - fs2) / (2 * d);
      gst[i] = d;
      dirin[i] = d;
      yy[i] = fs1;
      const dlast = d;
      d = Math.sqrt((2 * aimsag) / Math.abs(g2[i]));
      if (f.trafo.hasLimits(i)) d = Math.min(0.5, d);
      d = Math.max(d, dmin);
      if (Math.abs((d - dlast) / d) < st.hessStepTol) break;
      if (Math.abs((g2[i] - g2b4) / g2[i]) < st.hessG2Tol) break;
      d = Math.min(d, 10 * dlast);
      d = Math.max(d, 0.1 * dlast);
    }
    if (!ok) return diagonalFallback(g2, { grad: grd, g2, gstep: gst });
    H[i][i] = g2[i];
  }
  for (let i = 0; i < n; i++) {
    x[i] += dirin[i];
    for (let j = i + 1; j < n; j++) {
      x[j] += dirin[j];
      const fs1 = f.value(x);
      x[j] -= dirin[j];
      H[i][j] = H[j][i] = (fs1 + amin - yy[i] - yy[j]) / (dirin[i] * dirin[j]);
    }
    x[i] -= dirin[i];
  }
  return finish(H, { grad: grd, g2, gstep: gst });
}

/**
 * HESSE from an analytic gradient: forward differences of the gradient along each axis from the gradient
 * at the minimum (n gradient calls instead of ~n^2/2 + 6n function calls), symmetrised. The step is 1e-4 of
 * each parameter's current error estimate: the difference of the gradients is then far above rounding,
 * and the truncation error (step x third derivative) stays ~1e-5 relative for likelihoods near quadratic.
 */
export function hesseFromGradient(f: InternalFcn, u: Float64Array, V: Mat, grad: GradientState, g0In?: Float64Array): HesseResult {
  const n = f.n;
  const x = Float64Array.from(u);
  const gp = new Float64Array(n);
  const H = zeros(n);
  const g0 = g0In ?? new Float64Array(n);
  if (!g0In) f.valueGrad(x, g0);
  for (let i = 0; i < n; i++) {
    const sigma = Math.sqrt(Math.abs(V[i][i])) || Math.abs(grad.gstep[i]) || 1e-3;
    const h = Math.max(1e-4 * sigma, 8 * EPS2 * (Math.abs(x[i]) + EPS2));
    const xi = x[i];
    x[i] = xi + h;
    f.valueGrad(x, gp);
    x[i] = xi;
    for (let j = 0; j < n; j++) H[i][j] = (gp[j] - g0[j]) / h;
  }
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) H[i][j] = H[j][i] = 0.5 * (H[i][j] + H[j][i]);
  }
  const g2 = Float64Array.from(H, (r, i) => r[i]);
  return finish(H, { grad: g0, g2, gstep: Float64Array.from(grad.gstep) });
}

/** HESSE from the model's exact second derivatives (one pass over the data). */
export function hesseAnalytic(f: InternalFcn, u: Float64Array, grad: GradientState): HesseResult {
  const H = zeros(f.n);
  if (!f.hessian(u, grad.grad, H)) return diagonalFallback(grad.g2, grad);
  const g2 = Float64Array.from(H, (r, i) => r[i]);
  return finish(H, { grad: grad.grad, g2, gstep: Float64Array.from(grad.gstep) });
}

function finish(H: Mat, grad: GradientState): HesseResult {
  const { mat, changed } = makePosDef(H, EPS);
  const V = invertSpd(mat);
  if (!V) return diagonalFallback(grad.g2, grad);
  return { V, grad, madePosDef: changed, failed: false };
}

function diagonalFallback(g2: Float64Array, grad: GradientState): HesseResult {
  const n = g2.length;
  const V = zeros(n);
  for (let i = 0; i < n; i++) V[i][i] = Math.abs(g2[i]) > EPS2 ? 1 / Math.abs(g2[i]) : 1;
  return { V, grad, madePosDef: true, failed: true };
}
