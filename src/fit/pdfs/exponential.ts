import type { Pdf } from './pdf.js';
import type { Rng } from '../../core/random.js';

/** d/du log(expm1(u)/u): the derivative of the log-normalisation, with its series near 0. */
function dLogExpm1OverU(u: number): number {
  if (Math.abs(u) < 1e-4) return 0.5 + u / 12;
  return 1 / -Math.expm1(-u) - 1 / u;
}

/** d^2/du^2 log(expm1(u)/u), with its series near 0. */
function d2LogExpm1OverU(u: number): number {
  if (Math.abs(u) < 1e-3) return 1 / 12 - (u * u) / 240;
  const e = -Math.expm1(-u);
  return 1 / (u * u) - Math.exp(-u) / (e * e);
}

/** log(expm1(u)/u), stable for small u. */
function logExpm1OverU(u: number): number {
  if (Math.abs(u) < 1e-8) return 0.5 * u;
  return Math.log(Math.expm1(u) / u);
}

/**
 * exp(lambda x) on [lo, hi]. The exponent is taken relative to the end where it is largest, so it never
 * overflows; the normalisation uses expm1 so lambda -> 0 (flat) is exact.
 */
export class Exponential implements Pdf {
  readonly kind = 'exponential';
  readonly params = ['lambda'] as const;
  constructor(readonly lo: number, readonly hi: number) {}

  check(p: ArrayLike<number>): string | null {
    return Number.isFinite(p[0]) ? null : `lambda must be finite (got ${p[0]})`;
  }

  /** Reference point x0 and log of the normalisation integral of exp(lambda (x - x0)). */
  private norm(lam: number): { x0: number; logI: number; dLogI: number } {
    const w = this.hi - this.lo;
    if (lam <= 0) {
      const u = lam * w;
      return { x0: this.lo, logI: Math.log(w) + logExpm1OverU(u), dLogI: w * dLogExpm1OverU(u) };
    }
    const u = -lam * w;
    return { x0: this.hi, logI: Math.log(w) + logExpm1OverU(u), dLogI: -w * dLogExpm1OverU(u) };
  }

  density(xs: Float64Array, p: ArrayLike<number>, out: Float64Array, n = xs.length): void {
    const lam = p[0];
    const { x0, logI } = this.norm(lam);
    const c = -lam * x0 - logI;
    for (let i = 0; i < n; i++) out[i] = Math.exp(lam * xs[i] + c);
  }

  densityGrad(xs: Float64Array, p: ArrayLike<number>, out: Float64Array, dlog: Float64Array[], n = xs.length): void {
    const lam = p[0];
    const { x0, logI, dLogI } = this.norm(lam);
    const c = -lam * x0 - logI;
    const d = dlog[0];
    const off = x0 + dLogI;
    for (let i = 0; i < n; i++) {
      const x = xs[i];
      out[i] = Math.exp(lam * x + c);
      d[i] = x - off;
    }
  }

  densityHess(xs: Float64Array, p: ArrayLike<number>, out: Float64Array, dlog: Float64Array[], d2log: Float64Array[], n = xs.length): void {
    this.densityGrad(xs, p, out, dlog, n);
    const w = this.hi - this.lo;
    const lam = p[0];
    // log f = lambda (x - x0) - log I: only the normalisation has a second derivative.
    d2log[0].fill(-w * w * d2LogExpm1OverU(lam <= 0 ? lam * w : -lam * w), 0, n);
  }

  /** Unnormalised integral of exp(lambda (x - x0)) over [a, b]. */
  private raw(a: number, b: number, lam: number, x0: number): number {
    if (Math.abs(lam * (b - a)) < 1e-12) return (b - a) * Math.exp(lam * (a - x0));
    return (Math.exp(lam * (b - x0)) - Math.exp(lam * (a - x0))) / lam;
  }

  integral(a: number, b: number, p: ArrayLike<number>): number {
    const lo = Math.max(a, this.lo);
    const hi = Math.min(b, this.hi);
    if (!(hi > lo)) return 0;
    const lam = p[0];
    const { x0, logI } = this.norm(lam);
    return this.raw(lo, hi, lam, x0) / Math.exp(logI);
  }

  sample(rng: Rng, p: ArrayLike<number>, count: number, out: Float64Array, offset: number): void {
    const lam = p[0];
    const w = this.hi - this.lo;
    if (Math.abs(lam * w) < 1e-12) {
      for (let k = 0; k < count; k++) out[offset + k] = this.lo + w * rng.uniform();
      return;
    }
    // Inverse CDF measured from the end where the density is largest (no overflow, no cancellation).
    const start = lam < 0 ? this.lo : this.hi;
    const em = Math.expm1(lam < 0 ? lam * w : -lam * w);
    for (let k = 0; k < count; k++) {
      const x = start + Math.log1p(rng.uniform() * em) / lam;
      out[offset + k] = Math.min(this.hi, Math.max(this.lo, x));
    }
  }
}
