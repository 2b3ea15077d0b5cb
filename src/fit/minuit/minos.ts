import type { Fcn } from '../fcn.js';
import type { ParamDef } from '../model.js';
import { minimize, type FitResult, type MinimizeOptions } from './migrad.js';

export interface MinosError {
  lower: number;
  upper: number;
  lowerValid: boolean;
  upperValid: boolean;
  nfcn: number;
}

/**
 * MINOS-style asymmetric errors: for each side, the parameter value where the profile likelihood (all other
 * parameters re-minimised) rises by errordef above the minimum. The crossing is found by secant steps on
 * the profile, starting from the parabolic (HESSE) error; each profile point is a MIGRAD fit with the
 * parameter fixed. Limits stop the scan (side flagged invalid when the crossing is beyond a limit).
 */
export function minos(fcn: Fcn, params: ParamDef[], best: FitResult, index: number, opts: MinimizeOptions = {}): MinosError {
  const up = fcn.errordef;
  const v0 = best.values[index];
  const sigma = best.errors[index];
  let nfcn = 0;
  const profile = (x: number): number => {
    const ps = params.map((p, i) => (i === index ? { ...p, value: x, fixed: true } : { ...p }));
    const start = Float64Array.from(best.values);
    start[index] = x;
    const r = minimize(fcn, ps, { ...opts, hesse: false }, start);
    nfcn += r.nfcn;
    return r.fmin - best.fmin - up;
  };
  const side = (dir: 1 | -1): { err: number; valid: boolean } => {
    const lim = params[index].limits;
    const bound = lim ? (dir > 0 ? lim[1] : lim[0]) : dir * Infinity;
    // Secant iterations on d(x) = profile(x) - up, bracketed between the minimum (d = -up) and a point above.
    let xa = v0;
    let da = -up;
    let xb = v0 + dir * sigma;
    if (dir * (xb - bound) > 0) xb = bound;
    let db = profile(xb);
    let k = 0;
    while (db < 0 && k < 8) {
      if (xb === bound) return { err: Math.abs(bound - v0), valid: false };
      xa = xb;
      da = db;
      xb = v0 + dir * sigma * (2 + k);
      if (dir * (xb - bound) > 0) xb = bound;
      db = profile(xb);
      k++;
    }
    if (db < 0) return { err: Math.abs(xb - v0), valid: false };
    // Regula falsi with the Illinois rule (halve the function value of an end kept twice in a row): on a
    // strongly curved profile (e.g. Rosenbrock's banana) plain regula falsi keeps one end and crawls.
    let kept = 0;
    for (let it = 0; it < 30; it++) {
      const x = xa + ((0 - da) * (xb - xa)) / (db - da);
      const d = profile(x);
      if (Math.abs(d) < 1e-3 * up) return { err: Math.abs(x - v0), valid: true };
      if (d < 0) {
        xa = x;
        da = d;
        if (kept === 1) db *= 0.5;
        kept = 1;
      } else {
        xb = x;
        db = d;
        if (kept === -1) da *= 0.5;
        kept = -1;
      }
      if (Math.abs(xb - xa) < 1e-6 * sigma) return { err: Math.abs(x - v0), valid: true };
    }
    return { err: Math.abs(xb - v0), valid: false };
  };
  const lo = side(-1);
  const hi = side(1);
  return { lower: -lo.err, upper: hi.err, lowerValid: lo.valid, upperValid: hi.valid, nfcn };
}
