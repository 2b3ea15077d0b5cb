import type { InternalFcn } from './internal.js';
import { EPS, EPS2, type Strategy } from './strategy.js';

/** Gradient with Minuit's by-products: second-derivative estimates g2 and the step used per parameter. */
export interface GradientState {
  grad: Float64Array;
  g2: Float64Array;
  gstep: Float64Array;
}

/**
 * Minuit's first guess (InitialGradientCalculator): from the parameter steps alone, g2 = 2 up / step^2.
 */
export function initialGradient(f: InternalFcn, u: Float64Array, steps: Float64Array): GradientState {
  const n = f.n;
  const s: GradientState = { grad: new Float64Array(n), g2: new Float64Array(n), gstep: new Float64Array(n) };
  for (let i = 0; i < n; i++) {
    const dirin = steps[i];
    s.g2[i] = (2 * f.up) / (dirin * dirin);
    const gsmin = 8 * EPS2 * (Math.abs(u[i]) + EPS2);
    s.gstep[i] = Math.max(gsmin, 0.1 * dirin);
    if (f.trafo.hasLimits(i)) s.gstep[i] = Math.min(s.gstep[i], 0.5);
    s.grad[i] = s.g2[i] * dirin;
  }
  return s;
}

/**
 * Two-point numerical gradient with Minuit's adaptive steps (Numerical2PGradientCalculator): per parameter
 * the step is chosen from the previous curvature estimate so that rounding and truncation balance, and
 * refined over a few cycles until the step or the derivative stops changing.
 */
export function numericalGradient(f: InternalFcn, u: Float64Array, fmin: number, prev: GradientState, st: Strategy): GradientState {
  const n = f.n;
  const grd = Float64Array.from(prev.grad);
  const g2 = Float64Array.from(prev.g2);
  const gstep = Float64Array.from(prev.gstep);
  const x = Float64Array.from(u);
  const dfmin = 8 * EPS2 * (Math.abs(fmin) + f.up);
  const vrysml = 8 * EPS * EPS;
  for (let i = 0; i < n; i++) {
    const xtf = x[i];
    const epspri = EPS2 + Math.abs(grd[i] * EPS2);
    let stepb4 = 0;
    for (let c = 0; c < st.gradCycles; c++) {
      const optstp = Math.sqrt(dfmin / (Math.abs(g2[i]) + epspri));
      let step = Math.max(optstp, Math.abs(0.1 * gstep[i]));
      if (f.trafo.hasLimits(i) && step > 0.5) step = 0.5;
      step = Math.min(step, 10 * Math.abs(gstep[i]));
      step = Math.max(step, vrysml, 8 * Math.abs(EPS2 * xtf));
      if (Math.abs((step - stepb4) / step) < st.gradStepTol) break;
      gstep[i] = step;
      stepb4 = step;
      x[i] = xtf + step;
      const fs1 = f.value(x);
      x[i] = xtf - step;
      const fs2 = f.value(x);
      x[i] = xtf;
      const grdb4 = grd[i];
      grd[i] = (0.5 * (fs1 - fs2)) / step;
      g2[i] = (fs1 + fs2 - 2 * fmin) / (step * step);
      if (Math.abs(grdb4 - grd[i]) / (Math.abs(grd[i]) + dfmin / step) < st.gradTol) break;
    }
  }
  return { grad: grd, g2, gstep };
}
