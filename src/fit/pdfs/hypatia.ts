import { lgamma, lnBesselK } from '../special.js';
import { ShapePdf } from './shapes.js';

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * log K_nu(x) as RooHypatia2 evaluates it: the small-argument form Gamma(nu) 2^(nu-1) x^-nu where RooHypatia2
 * switches to it (so values agree with ROOT's there too), else the full function.
 */
function lnK(ni: number, x: number): number {
  const nu = Math.abs(ni);
  if ((x < 1e-6 && nu > 0) || (x < 1e-4 && nu > 0 && nu < 55) || (x < 0.1 && nu >= 55)) return lgamma(nu) + (nu - 1) * Math.LN2 - nu * Math.log(x);
  return lnBesselK(nu, x);
}

/** Per-parameter-vector constants of the core and the two tails. */
interface HypatiaConst {
  key: number[];
  gh: boolean;
  alpha: number;
  delta: number;
  logNorm: number;
  /** Tails: at d0 the log of the core, its slope d(log f)/dd, and the power n. */
  left: { d0: number; logf: number; slope: number; n: number };
  right: { d0: number; logf: number; slope: number; n: number };
}

/**
 * RooHypatia2 (lambda, zeta, beta, sigma, mu, a, n, a2, n2): a generalised-hyperbolic core in d = x - mu,
 *   f(d) ~ e^(beta d) (delta^2 + d^2)^((lambda - 1/2)/2) K_(lambda-1/2)(alpha sqrt(delta^2 + d^2)),
 * with alpha, delta fixed by zeta and sigma (delta alpha = zeta, sigma^2 = delta^2 K_(lambda+1)(zeta) /
 * (zeta K_lambda(zeta))), and power-law tails below d = -a sigma and above d = a2 sigma, joined continuously
 * with a continuous first derivative: f = f(d0) (1 - (d - d0) s / n)^-n, s = (log f)'(d0). zeta = 0 (allowed
 * for lambda < 0) is ROOT's Student-t-like limit e^(beta d) (1 + d^2/sigma^2)^(lambda - 1/2). The formula is
 * ROOT's (RooHypatia2.cxx) evaluated in log space; the tail slope is the ratio of Bessel functions that ROOT's
 * diff_eval divides out. Normalised on the range numerically (there is no closed form).
 */
export class Hypatia extends ShapePdf {
  readonly kind = 'hypatia';
  readonly params = ['lambda', 'zeta', 'beta', 'sigma', 'mu', 'a', 'n', 'a2', 'n2'] as const;
  private c: HypatiaConst | null = null;

  check(p: ArrayLike<number>): string | null {
    if (!(p[3] > 0)) return `sigma must be > 0 (got ${p[3]})`;
    if (!(p[1] >= 0)) return `zeta must be >= 0 (got ${p[1]})`;
    if (p[1] === 0 && !(p[0] < 0)) return `zeta = 0 needs lambda < 0 (got lambda = ${p[0]})`;
    if (!(p[5] > 0)) return `a must be > 0 (got ${p[5]})`;
    if (!(p[7] > 0)) return `a2 must be > 0 (got ${p[7]})`;
    if (!(p[6] >= 0)) return `n must be >= 0 (got ${p[6]})`;
    if (!(p[8] >= 0)) return `n2 must be >= 0 (got ${p[8]})`;
    if (![0, 2, 3, 4].every((i) => Number.isFinite(p[i]))) return 'lambda, beta and mu must be finite';
    return null;
  }

  /** log f and (log f)' of the core at d. */
  private core(d: number, lambda: number, beta: number, c: { gh: boolean; alpha: number; delta: number; logNorm: number }, wantSlope = true): [number, number] {
    const { alpha, delta } = c;
    if (!c.gh) {
      const q = 1 + (d * d) / (delta * delta);
      return [beta * d + (lambda - 0.5) * Math.log(q), beta + ((lambda - 0.5) * 2 * d) / (delta * delta * q)];
    }
    const thing = delta * delta + d * d;
    const r = Math.sqrt(thing);
    const z = alpha * r;
    const nu = lambda - 0.5;
    const lk = lnK(nu, z);
    const logf = c.logNorm + beta * d + (0.5 - lambda) * (Math.log(alpha) - 0.5 * Math.log(thing)) + lk;
    if (!wantSlope) return [logf, NaN];
    // K'_nu = -(K_(nu-1) + K_(nu+1)) / 2, taken as ratios to K_nu in log space.
    const ratio = Math.exp(lnK(nu - 1, z) - lk) + Math.exp(lnK(nu + 1, z) - lk);
    const slope = beta + (nu * d) / thing - (0.5 * z * d * ratio) / thing;
    return [logf, slope];
  }

  private consts(p: ArrayLike<number>): HypatiaConst {
    const c0 = this.c;
    if (c0 && c0.key.every((v, i) => v === p[i])) return c0;
    const [lambda, zeta, beta, sigma, , a, n, a2, n2] = Array.from(p);
    let alpha: number;
    let delta: number;
    let logNorm = 0;
    const gh = zeta > 0;
    if (gh) {
      const phi = Math.exp(lnK(lambda + 1, zeta) - lnK(lambda, zeta));
      const cons1 = sigma / Math.sqrt(phi);
      alpha = Math.sqrt(zeta) / cons1;
      delta = Math.sqrt(zeta) * cons1;
      logNorm = lambda * Math.log(alpha / delta) - LOG_SQRT_2PI - lnK(lambda, delta * alpha);
    } else {
      alpha = 0;
      delta = sigma;
    }
    const base = { gh, alpha, delta, logNorm };
    const [lf1, s1] = this.core(-a * sigma, lambda, beta, base);
    const [lf2, s2] = this.core(a2 * sigma, lambda, beta, base);
    this.c = { key: Array.from(p), ...base, left: { d0: -a * sigma, logf: lf1, slope: s1, n }, right: { d0: a2 * sigma, logf: lf2, slope: s2, n: n2 } };
    return this.c;
  }

  protected shape(x: number, p: ArrayLike<number>): number {
    const c = this.consts(p);
    const d = x - p[4];
    const t = d < c.left.d0 ? c.left : d > c.right.d0 ? c.right : null;
    if (!t) return Math.exp(this.core(d, p[0], p[2], c, false)[0]);
    if (t.n === 0) return Math.exp(t.logf); // ROOT's A (B - d)^0: a flat tail
    return Math.exp(t.logf - t.n * Math.log1p(-((d - t.d0) * t.slope) / t.n));
  }

  protected override breaks(p: ArrayLike<number>): number[] {
    const s = p[3];
    return [p[4] - p[5] * s, p[4] - s, p[4], p[4] + s, p[4] + p[7] * s];
  }
}
