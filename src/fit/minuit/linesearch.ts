import type { InternalFcn } from './internal.js';
import { EPS, EPS2 } from './strategy.js';

/**
 * One-dimensional minimisation along a Newton step, following Minuit's MnLineSearch: try the full step;
 * while nothing better than the start has been found, put a parabola through f(0), the slope and the last
 * point and try its minimum, each time allowing smaller step fractions (the tolerance shrinks with the
 * step), so a Newton step that is far too long (a seed metric from steps much larger than the errors, or a
 * sin-transformed parameter whose internal step wraps round its period) is cut down to the useful range
 * instead of given up at a fraction of 0.05; then iterate parabolas through the three best points with
 * bounded extrapolation. Returns the best step length seen and f there.
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
  slamin = Math.max(slamin, EPS) * EPS2;

  let a1 = 1;
  // With an analytic gradient the full step is evaluated with its gradient: it is accepted most of the
  // time near the minimum, and then MIGRAD needs no separate gradient call (gradAt1 is NaN-filled otherwise).
  let f1: number;
  if (gradAt1) {
    for (let i = 0; i < n; i++) x[i] = x0[i] + step[i];
    f1 = f.valueGrad(x, gradAt1);
  } else f1 = at(a1);
  let iter = 1;
  // Not in Minuit: a step into a region where the function is undefined is halved until it is finite (the
  // parabolas below need finite values; Minuit's FCNs rarely return non-finite values).
  while (!Number.isFinite(f1) && iter < maxIter) {
    a1 *= 0.5;
    f1 = at(a1);
    iter++;
    overal = a1 * 2;
  }
  if (gradAt1 && a1 !== 1) gradAt1.fill(NaN);
  if (!Number.isFinite(f1)) return best;
  if (f1 < best.f) best = { alpha: a1, f: f1 };
  // With the gradient already known at the full step, accept it on sufficient decrease (Armijo): the
  // quasi-Newton update then has its gradient for free and a refinement would rarely pay for its calls.
  const armijo = gradAt1 !== undefined && a1 === 1 && f1 < f0 + 1e-4 * gdel;

  // Two-point phase: parabola through f(0) = f0 with slope gdel and the last point (xl, fl).
  let toler8 = toler;
  let slamax = Math.min(5, overal);
  let xl = a1;
  let fl = f1;
  let slam = a1;
  let f2 = f1;
  for (;;) {
    const denom = (2 * (fl - f0 - gdel * xl)) / (xl * xl);
    slam = denom !== 0 ? -gdel / denom : 1;
    if (!(slam >= 0)) slam = slamax; // a maximum (or NaN): go the largest allowed step downhill
    slam = Math.min(slam, slamax);
    slam = Math.max(slam, toler8);
    if (slam < slamin) return best;
    if (Math.abs(slam - a1) < toler8 * a1 && f1 < f0) return best;
    if (armijo) return best;
    if (Math.abs(slam - a1) < toler8 * a1) slam = a1 * (1 + toler8);
    f2 = at(slam);
    iter++;
    if (f2 < best.f) best = { alpha: slam, f: f2 };
    // Nothing better than the start yet: the step is still too long. Retry below this point with a
    // tolerance relative to it (Minuit's "cut toler8 as function goes up").
    if (Math.abs(f0 - best.f) <= Math.abs(best.f) * EPS && iter < maxIter) {
      toler8 = toler * slam;
      overal = slam - toler8;
      slamax = overal;
      xl = slam;
      fl = Number.isFinite(f2) ? f2 : Number.MAX_VALUE;
      continue;
    }
    break;
  }
  if (iter >= maxIter || !Number.isFinite(f2)) return best;

  // Three-point phase: parabolas through the three latest useful points.
  const pts: Array<[number, number]> = [[0, f0], [xl, fl], [slam, f2]];
  while (iter < maxIter) {
    slamax = Math.max(slamax, 2 * Math.abs(best.alpha));
    const [[xa, ya], [xb, yb], [xc, yc]] = pts;
    // Parabola y = A x^2 + B x + C through the three points.
    const dab = (yb - ya) / (xb - xa);
    const dbc = (yc - yb) / (xc - xb);
    const A = (dbc - dab) / (xc - xa);
    const B = dab - A * (xa + xb);
    let next: number;
    if (!(A > EPS2)) {
      // No minimum in the parabola: extrapolate downhill by the largest allowed step.
      const slope = 2 * A * best.alpha + B;
      next = slope < 0 ? best.alpha + slamax : best.alpha - slamax;
    } else {
      next = -B / (2 * A);
      next = Math.min(Math.max(next, best.alpha - slamax), best.alpha + slamax);
    }
    next = next > 0 ? Math.min(next, overal) : Math.max(next, undral);
    let fn = Infinity;
    let stop = false;
    for (;;) {
      const toler9 = Math.max(toler8, Math.abs(toler8 * next));
      if (pts.some(([px]) => Math.abs(px - next) < toler9)) {
        stop = true;
        break;
      }
      fn = at(next);
      iter++;
      if (fn > ya && fn > yb && fn > yc) {
        // Worse than all three (or undefined): shrink towards the best point and try again.
        if (next > best.alpha) overal = Math.min(overal, next - toler8);
        if (next < best.alpha) undral = Math.max(undral, next + toler8);
        next = 0.5 * (next + best.alpha);
        if (iter < maxIter) continue;
      }
      break;
    }
    if (stop || iter >= maxIter || !Number.isFinite(fn)) break;
    // Replace the worst of the three points.
    let worst = 0;
    for (let k = 1; k < 3; k++) if (pts[k][1] > pts[worst][1]) worst = k;
    pts[worst] = [next, fn];
    if (fn < best.f) best = { alpha: next, f: fn };
    else if (next > best.alpha) overal = Math.min(overal, next - toler8);
    else undral = Math.max(undral, next + toler8);
  }
  return best;
}
