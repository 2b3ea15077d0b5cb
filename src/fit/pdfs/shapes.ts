import { sampleAcceptReject, type Pdf } from './pdf.js';
import type { Rng } from '../../core/random.js';
import { betaInc, gammaP, lgamma, normProb, normQuantile, normCdf, voigtProfile } from '../special.js';
import { integrate } from './integrate.js';

/**
 * A PDF from an unnormalised shape f(x; p) on [lo, hi], normalised by its integral: an analytic one from
 * `cdfDiff(a, b, p)` (the shape's integral over [a, b]) where the shape has one, else adaptive Gauss-Legendre
 * quadrature in float64 (cached for the last parameter vector). Gradients are numerical (Minuit-style).
 */
export abstract class ShapePdf implements Pdf {
  abstract readonly kind: string;
  abstract readonly params: readonly string[];
  private lastP: number[] = [];
  private lastNorm = NaN;
  constructor(readonly lo: number, readonly hi: number) {}
  abstract check(p: ArrayLike<number>): string | null;
  /** Unnormalised shape at one x. */
  protected abstract shape(x: number, p: ArrayLike<number>): number;
  /** The shape's integral over [a, b] when known in closed form. */
  protected cdfDiff?(a: number, b: number, p: ArrayLike<number>): number;
  /** Points where the shape is peaked or kinked, so quadrature panels split there. */
  protected breaks(_p: ArrayLike<number>): number[] {
    return [];
  }

  private shapeIntegral(a: number, b: number, p: ArrayLike<number>): number {
    if (this.cdfDiff) return this.cdfDiff(a, b, p);
    const cuts = [a, ...this.breaks(p).filter((x) => x > a && x < b), b].sort((u, v) => u - v);
    let s = 0;
    for (let i = 0; i + 1 < cuts.length; i++) s += integrate((x) => this.shape(x, p), cuts[i], cuts[i + 1]);
    return s;
  }

  protected norm(p: ArrayLike<number>): number {
    let same = this.lastP.length === p.length;
    for (let i = 0; same && i < p.length; i++) same = this.lastP[i] === p[i];
    if (!same) {
      this.lastP = Array.from(p);
      this.lastNorm = this.shapeIntegral(this.lo, this.hi, p);
    }
    return this.lastNorm;
  }

  density(xs: Float64Array, p: ArrayLike<number>, out: Float64Array, n = xs.length): void {
    const inv = 1 / this.norm(p);
    for (let i = 0; i < n; i++) out[i] = this.shape(xs[i], p) * inv;
  }

  integral(a: number, b: number, p: ArrayLike<number>): number {
    const lo = Math.max(a, this.lo);
    const hi = Math.min(b, this.hi);
    if (!(hi > lo)) return 0;
    return this.shapeIntegral(lo, hi, p) / this.norm(p);
  }

  sample(rng: Rng, p: ArrayLike<number>, count: number, out: Float64Array, offset: number): void {
    sampleAcceptReject(this, rng, p, count, out, offset);
  }
}

/** Johnson's SU (mu, lambda, gamma, delta), as ROOT's RooJohnson and scipy.stats.johnsonsu(gamma, delta, mu, lambda). */
export class JohnsonSU extends ShapePdf {
  readonly kind = 'johnsonsu';
  readonly params = ['mu', 'lambda', 'gamma', 'delta'] as const;
  check(p: ArrayLike<number>): string | null {
    if (!(p[1] > 0)) return `lambda must be > 0 (got ${p[1]})`;
    if (!(p[3] > 0)) return `delta must be > 0 (got ${p[3]})`;
    return null;
  }
  protected shape(x: number, p: ArrayLike<number>): number {
    const z = (x - p[0]) / p[1];
    const u = p[2] + p[3] * Math.asinh(z);
    return (p[3] / (p[1] * Math.sqrt(2 * Math.PI) * Math.sqrt(1 + z * z))) * Math.exp(-0.5 * u * u);
  }
  private u(x: number, p: ArrayLike<number>): number {
    return p[2] + p[3] * Math.asinh((x - p[0]) / p[1]);
  }
  protected override cdfDiff(a: number, b: number, p: ArrayLike<number>): number {
    return normProb(this.u(a, p), this.u(b, p));
  }
  override sample(rng: Rng, p: ArrayLike<number>, count: number, out: Float64Array, offset: number): void {
    // Inverse CDF between the range's CDF values: x = mu + lambda sinh((Phi^-1(F) - gamma) / delta).
    const ca = normCdf(this.u(this.lo, p));
    const cb = normCdf(this.u(this.hi, p));
    for (let k = 0; k < count; k++) {
      const z = normQuantile(ca + (cb - ca) * rng.uniform());
      out[offset + k] = Math.min(this.hi, Math.max(this.lo, p[0] + p[1] * Math.sinh((z - p[2]) / p[3])));
    }
  }
}

/** Student's t (mu, sigma, nu) as scipy.stats.t(nu, mu, sigma); CDF from the regularised incomplete beta. */
export class StudentT extends ShapePdf {
  readonly kind = 'studentt';
  readonly params = ['mu', 'sigma', 'nu'] as const;
  check(p: ArrayLike<number>): string | null {
    if (!(p[1] > 0)) return `sigma must be > 0 (got ${p[1]})`;
    if (!(p[2] > 0)) return `nu must be > 0 (got ${p[2]})`;
    return null;
  }
  protected shape(x: number, p: ArrayLike<number>): number {
    const nu = p[2];
    const t = (x - p[0]) / p[1];
    return Math.exp(lgamma(0.5 * (nu + 1)) - lgamma(0.5 * nu) - 0.5 * Math.log(nu * Math.PI) - 0.5 * (nu + 1) * Math.log1p((t * t) / nu)) / p[1];
  }
  /** CDF of the standard t at t (tails by the incomplete beta, no cancellation). */
  private cdf(t: number, nu: number): number {
    const tail = 0.5 * betaInc(0.5 * nu, 0.5, nu / (nu + t * t));
    return t < 0 ? tail : 1 - tail;
  }
  protected override cdfDiff(a: number, b: number, p: ArrayLike<number>): number {
    const ta = (a - p[0]) / p[1];
    const tb = (b - p[0]) / p[1];
    const nu = p[2];
    // Both in the upper tail: difference of the small tails, for precision.
    if (ta > 0) return 0.5 * (betaInc(0.5 * nu, 0.5, nu / (nu + ta * ta)) - betaInc(0.5 * nu, 0.5, nu / (nu + tb * tb)));
    return this.cdf(tb, nu) - this.cdf(ta, nu);
  }
}

/** Relativistic-free Breit-Wigner (Cauchy) with mean and full width at half maximum, as RooBreitWigner. */
export class BreitWigner extends ShapePdf {
  readonly kind = 'breitwigner';
  readonly params = ['mean', 'width'] as const;
  check(p: ArrayLike<number>): string | null {
    return p[1] > 0 ? null : `width must be > 0 (got ${p[1]})`;
  }
  protected shape(x: number, p: ArrayLike<number>): number {
    const g = 0.5 * p[1];
    const d = x - p[0];
    return g / (Math.PI * (d * d + g * g));
  }
  protected override cdfDiff(a: number, b: number, p: ArrayLike<number>): number {
    const g = 0.5 * p[1];
    return (Math.atan((b - p[0]) / g) - Math.atan((a - p[0]) / g)) / Math.PI;
  }
  override sample(rng: Rng, p: ArrayLike<number>, count: number, out: Float64Array, offset: number): void {
    const g = 0.5 * p[1];
    const aa = Math.atan((this.lo - p[0]) / g);
    const ab = Math.atan((this.hi - p[0]) / g);
    for (let k = 0; k < count; k++) out[offset + k] = Math.min(this.hi, Math.max(this.lo, p[0] + g * Math.tan(aa + (ab - aa) * rng.uniform())));
  }
}

/**
 * Voigtian (mean, width, sigma): Breit-Wigner of full width `width` convolved with a Gaussian of `sigma`, as
 * RooVoigtian (scipy.special.voigt_profile(x - mean, sigma, width / 2)), through the Faddeeva function;
 * normalised on the range numerically (no closed form).
 */
export class Voigtian extends ShapePdf {
  readonly kind = 'voigtian';
  readonly params = ['mean', 'width', 'sigma'] as const;
  check(p: ArrayLike<number>): string | null {
    if (!(p[1] > 0)) return `width must be > 0 (got ${p[1]})`;
    if (!(p[2] > 0)) return `sigma must be > 0 (got ${p[2]})`;
    return null;
  }
  protected shape(x: number, p: ArrayLike<number>): number {
    return voigtProfile(x - p[0], p[2], 0.5 * p[1]);
  }
  protected override breaks(p: ArrayLike<number>): number[] {
    const w = p[1] + p[2];
    return [p[0] - 5 * w, p[0] - w, p[0], p[0] + w, p[0] + 5 * w];
  }
}

/**
 * ARGUS (m0, c, p) as RooArgusBG: x (1 - (x/m0)^2)^p exp(c (1 - (x/m0)^2)) for 0 <= x < m0 (scipy.stats.argus
 * is p = 1/2 with c = -chi^2/2). Normalised analytically: with u = 1 - (x/m0)^2 the integral is
 * m0^2/2 G(u), G(U) = int_0^U u^p e^(c u) du = Gamma(p+1) P(p+1, -c U) / (-c)^(p+1) for c < 0, a series otherwise.
 */
export class Argus extends ShapePdf {
  readonly kind = 'argus';
  readonly params = ['m0', 'c', 'p'] as const;
  check(p: ArrayLike<number>): string | null {
    if (!(p[0] > 0)) return `m0 must be > 0 (got ${p[0]})`;
    if (!(p[2] > -1)) return `p must be > -1 (got ${p[2]})`;
    if (!(p[0] > this.lo)) return `m0 (${p[0]}) must be above the range's lower edge ${this.lo}`;
    return null;
  }
  protected shape(x: number, p: ArrayLike<number>): number {
    if (!(x >= 0 && x < p[0])) return 0;
    const u = 1 - (x / p[0]) ** 2;
    return x * Math.pow(u, p[2]) * Math.exp(p[1] * u);
  }
  private G(U: number, c: number, pw: number): number {
    if (U <= 0) return 0;
    const a = pw + 1;
    if (c < 0) return Math.exp(lgamma(a) - a * Math.log(-c)) * gammaP(a, -c * U);
    let term = Math.pow(U, a);
    let s = term / a;
    for (let k = 1; k < 500; k++) {
      term *= (c * U) / k;
      const t = term / (a + k);
      s += t;
      if (Math.abs(t) < 1e-17 * s) break;
    }
    return s;
  }
  protected override cdfDiff(a: number, b: number, p: ArrayLike<number>): number {
    const m0 = p[0];
    const x1 = Math.max(0, a);
    const x2 = Math.min(m0, b);
    if (!(x2 > x1)) return 0;
    const u1 = 1 - (x1 / m0) ** 2;
    const u2 = 1 - (x2 / m0) ** 2;
    return 0.5 * m0 * m0 * (this.G(u1, p[1], p[2]) - this.G(u2, p[1], p[2]));
  }
}

/**
 * rx's HypExp (mu, alpha, beta): exp(-beta x) / (1 + exp(-alpha (x - mu))), an exponential switched on by a
 * logistic turn-on at mu. Normalised numerically; exp(-beta x) is taken relative to the range's lower edge
 * (a constant factor) so that large masses do not overflow.
 */
export class HypExp extends ShapePdf {
  readonly kind = 'hypexp';
  readonly params = ['mu', 'alpha', 'beta'] as const;
  check(): string | null {
    return null;
  }
  protected shape(x: number, p: ArrayLike<number>): number {
    return Math.exp(-p[2] * (x - this.lo)) / (1 + Math.exp(-p[1] * (x - p[0])));
  }
  protected override breaks(p: ArrayLike<number>): number[] {
    const w = 5 / Math.max(Math.abs(p[1]), 1e-300);
    return [p[0] - w, p[0], p[0] + w];
  }
}

/**
 * rx's ModExp (mu, alpha, beta): (1 - exp(-alpha u)) exp(-beta u), u = x - mu (a threshold turning into an
 * exponential). Normalised analytically: int = -e^(-beta u)/beta + e^(-(alpha+beta) u)/(alpha+beta).
 */
export class ModExp extends ShapePdf {
  readonly kind = 'modexp';
  readonly params = ['mu', 'alpha', 'beta'] as const;
  check(): string | null {
    return null;
  }
  protected shape(x: number, p: ArrayLike<number>): number {
    const u = x - p[0];
    return -Math.expm1(-p[1] * u) * Math.exp(-p[2] * u);
  }
  /** int_0^u e^(-k t) dt, stable as k -> 0. */
  private static expInt(k: number, u: number): number {
    return Math.abs(k * u) < 1e-8 ? u * (1 - 0.5 * k * u) : -Math.expm1(-k * u) / k;
  }
  protected override cdfDiff(a: number, b: number, p: ArrayLike<number>): number {
    const [mu, al, be] = [p[0], p[1], p[2]];
    const F = (x: number) => ModExp.expInt(be, x - mu) - ModExp.expInt(al + be, x - mu);
    return F(b) - F(a);
  }
}
