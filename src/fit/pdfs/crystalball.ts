import { sampleAcceptReject, type Pdf } from './pdf.js';
import type { Rng } from '../../core/random.js';
import { normProb } from '../special.js';

const SQRT_2PI = Math.sqrt(2 * Math.PI);

/**
 * Power-law tail of a Crystal Ball in the standardised variable s = distance beyond the Gaussian core
 * (tail for s >= alpha): exp(-alpha^2/2) * ((n/alpha) / (B + s))^n with B = n/alpha - alpha.
 * Written with the ratio raised to n so that large n does not overflow.
 */
function tail(s: number, alpha: number, n: number): number {
  const r = n / alpha / (n / alpha - alpha + s);
  return Math.exp(-0.5 * alpha * alpha) * Math.pow(r, n);
}

/**
 * Integral of `tail` over s in [s1, s2] (both >= alpha): A (n/alpha)^n [(B+s1)^(1-n) - (B+s2)^(1-n)] / (n-1),
 * written as A (B+s1) ((n/alpha)/(B+s1))^n * expm1((1-n) L) / (1-n) with L = log((B+s2)/(B+s1)), which stays
 * accurate as n -> 1 (where it becomes the logarithm).
 */
function tailIntegral(s1: number, s2: number, alpha: number, n: number): number {
  const B = n / alpha - alpha;
  const A = Math.exp(-0.5 * alpha * alpha);
  const L = Math.log((B + s2) / (B + s1));
  const a = 1 - n;
  const ratio = Math.abs(a * L) < 1e-8 ? L * (1 + 0.5 * a * L) : Math.expm1(a * L) / a;
  return A * (B + s1) * Math.pow(n / alpha / (B + s1), n) * ratio;
}

/** Integral of the two-sided shape over t = (x - mu)/sigma in [t1, t2]: left tail below -aL, right above aR. */
function shapeIntegral(t1: number, t2: number, aL: number, nL: number, aR: number, nR: number): number {
  let s = 0;
  // left tail: t < -aL  <=> s = -t > aL
  if (t1 < -aL) s += tailIntegral(-Math.min(t2, -aL), -t1, aL, nL);
  // core
  const c1 = Math.max(t1, -aL);
  const c2 = Math.min(t2, aR);
  if (c2 > c1) s += SQRT_2PI * normProb(c1, c2);
  // right tail
  if (t2 > aR) s += tailIntegral(Math.max(t1, aR), t2, aR, nR);
  return s;
}

function shape(t: number, aL: number, nL: number, aR: number, nR: number): number {
  if (t < -aL) return tail(-t, aL, nL);
  if (t > aR) return tail(t, aR, nR);
  return Math.exp(-0.5 * t * t);
}

/**
 * Double-sided Crystal Ball (mu, sigma, alphaL, nL, alphaR, nR): Gaussian core with power-law tails on both
 * sides; the one-sided Crystal Ball is the special case aR = +inf. Normalised analytically on [lo, hi];
 * gradients are numerical (Minuit-style) for models that use it.
 */
export class DoubleCrystalBall implements Pdf {
  readonly params: string[];
  constructor(
    readonly lo: number,
    readonly hi: number,
    readonly kind: 'crystalball' | 'dscb' = 'dscb',
  ) {
    this.params = kind === 'crystalball' ? ['mu', 'sigma', 'alpha', 'n'] : ['mu', 'sigma', 'alphaL', 'nL', 'alphaR', 'nR'];
  }

  private unpack(p: ArrayLike<number>): [number, number, number, number, number, number] {
    if (this.kind === 'crystalball') return [p[0], p[1], p[2], p[3], Infinity, 2];
    return [p[0], p[1], p[2], p[3], p[4], p[5]];
  }

  check(p: ArrayLike<number>): string | null {
    const [, sigma, aL, nL, aR, nR] = this.unpack(p);
    if (!(sigma > 0)) return `sigma must be > 0 (got ${sigma})`;
    if (!(aL > 0) || !(aR > 0)) return `alpha must be > 0 (got ${aL}${this.kind === 'dscb' ? `, ${aR}` : ''})`;
    if (!(nL > 0) || !(nR > 0)) return `n must be > 0 (got ${nL}${this.kind === 'dscb' ? `, ${nR}` : ''})`;
    return null;
  }

  density(xs: Float64Array, p: ArrayLike<number>, out: Float64Array, n = xs.length): void {
    const [mu, sigma, aL, nL, aR, nR] = this.unpack(p);
    const inv = 1 / sigma;
    const norm = 1 / (sigma * shapeIntegral((this.lo - mu) * inv, (this.hi - mu) * inv, aL, nL, aR, nR));
    for (let i = 0; i < n; i++) out[i] = norm * shape((xs[i] - mu) * inv, aL, nL, aR, nR);
  }

  integral(a: number, b: number, p: ArrayLike<number>): number {
    const lo = Math.max(a, this.lo);
    const hi = Math.min(b, this.hi);
    if (!(hi > lo)) return 0;
    const [mu, sigma, aL, nL, aR, nR] = this.unpack(p);
    const t = (x: number) => (x - mu) / sigma;
    return shapeIntegral(t(lo), t(hi), aL, nL, aR, nR) / shapeIntegral(t(this.lo), t(this.hi), aL, nL, aR, nR);
  }

  sample(rng: Rng, p: ArrayLike<number>, count: number, out: Float64Array, offset: number): void {
    sampleAcceptReject(this, rng, p, count, out, offset);
  }
}
