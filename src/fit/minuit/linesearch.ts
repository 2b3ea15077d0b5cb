import type { InternalFcn } from './internal.js';
import { EPS, EPS2 } from './strategy.js';

/**
 * One-dimensional minimisation along a Newton step, in the spirit of Minuit's MnLineSearch: try the full
 * step, accept it when the parabola from (f0, slope, f1) puts the minimum there, else iterate parabolas
 * through the three best points with bounded extrapolation. Returns the best step length seen and f there.
 */
export function lineSearch(f: InternalFcn, x0: Float64Array, f0: number, step: Float64Array, gdel: number, gradAt1?: Float64Array): { alpha: number; f: number } {
  const n = x0.length;
  const x = new Float64Array(n);
  const at = (a: number): number => {
    for (let i = 0; i < n; i++) x[i] = x0[i] + a * step[i];
    return f.value(x);
  };
  const toler = 0.05;
  const maxIter = 12;
  let best = { alpha: 0, f: f0 };
  let overal = 1000;
  let undral = -100;
  // The smallest meaningful step: below it the parameters would not change at machine precision.
  let slamin = 0;
  for (let i = 0; i < n; i++) {
    if (step[i] === 0) continue;
    const r = Math.abs(x0[i] / step[i]);
    if (slamin === 0 || r < slamin) slamin = r;
  }
  slamin = slamin === 0 ? EPS : slamin * EPS2;

  let a1 = 1;
  // With an analytic gradient the full step is evaluated with its gradient: it is accepted most of the
  // time near the minimum, and then MIGRAD needs no separate gradient call (gradAt1 is NaN-filled otherwise).
  let f1: number;
  if (gradAt1) {
    for (let i = 0; i < n; i++) x[i] = x0[i] + step[i];
    f1 = f.valueGrad(x, gradAt1);
  } else f1 = at(a1);
  let iter = 1;
  // Step into a region where the function is undefined: halve until it is finite.
  while (!Number.isFinite(f1) && iter < maxIter) {
    a1 *= 0.5;
    f1 = at(a1);
    iter++;
    overal = a1 * 2;
  }
  if (gradAt1 && a1 !== 1) gradAt1.fill(NaN);
  if (!Number.isFinite(f1)) return best;
  if (f1 < best.f) best = { alpha: a1, f: f1 };

  // Parabola through f(0) = f0 with slope gdel and f(a1) = f1.
  let slamax = Math.min(5, overal);
  const denom = (2 * (f1 - f0 - gdel * a1)) / (a1 * a1);
  let slam = denom > 0 ? -gdel / denom : slamax;
  slam = Math.min(Math.max(slam, toler), slamax);
  if (slam < slamin) return best;
  if (Math.abs(slam - a1) < toler * a1 && f1 < f0) return best;
  // With the gradient already known at the full step, accept it on sufficient decrease (Armijo): the
  // quasi-Newton update then has its gradient for free and a refinement would rarely pay for its calls.
  if (gradAt1 && a1 === 1 && f1 < f0 + 1e-4 * gdel) return best;
  if (Math.abs(slam - a1) < toler * a1) slam = a1 * (1 + toler);
  let f2 = at(slam);
  iter++;
  while (!Number.isFinite(f2) && iter < maxIter) {
    overal = Math.min(overal, slam);
    slam = 0.5 * (slam + best.alpha);
    f2 = at(slam);
    iter++;
  }
  if (!Number.isFinite(f2)) return best;
  if (f2 < best.f) best = { alpha: slam, f: f2 };

  const pts: Array<[number, number]> = [[0, f0], [a1, f1], [slam, f2]];
  while (iter < maxIter) {
    slamax = Math.max(slamax, 2 * Math.abs(best.alpha));
    const [[xa, ya], [xb, yb], [xc, yc]] = pts;
    // Parabola y = A x^2 + B x + C through the three points.
    const dab = (yb - ya) / (xb - xa);
    const dbc = (yc - yb) / (xc - xb);
    const A = (dbc - dab) / (xc - xa);
    const B = dab - A * (xa + xb);
    let next: number;
    if (!(A > 0)) {
      // No minimum in the parabola: extrapolate downhill by the largest allowed step.
      const slope = 2 * A * best.alpha + B;
      next = slope < 0 ? best.alpha + slamax : best.alpha - slamax;
    } else {
      next = -B / (2 * A);
      next = Math.min(Math.max(next, best.alpha - slamax), best.alpha + slamax);
    }
    next = next > 0 ? Math.min(next, overal) : Math.max(next, undral);
    const tol = Math.max(toler, Math.abs(toler * next));
    if (pts.some(([px]) => Math.abs(px - next) < tol)) break;
    const fn = at(next);
    iter++;
    if (!Number.isFinite(fn) || (fn > ya && fn > yb && fn > yc)) {
      // Worse than everything: shrink towards the best point and do not keep the point.
      if (next > best.alpha) overal = Math.min(overal, next - toler);
      else undral = Math.max(undral, next + toler);
      if (!Number.isFinite(fn)) continue;
    }
    // Replace the worst of the three points.
    let worst = 0;
    for (let k = 1; k < 3; k++) if (pts[k][1] > pts[worst][1]) worst = k;
    pts[worst] = [next, fn];
    if (fn < best.f) best = { alpha: next, f: fn };
    else if (next > best.alpha) overal = Math.min(overal, next - toler);
    else undral = Math.max(undral, next + toler);
  }
  return best;
}
