import type { Pdf } from './pdf.js';
import type { Rng } from '../../core/random.js';
import { LOG_SQRT_2PI, normPdf, normProb, normQuantile, normCdf } from '../special.js';

/** Gaussian(mu, sigma) truncated to [lo, hi], with analytic derivatives of log f. */
export class Gauss implements Pdf {
  readonly kind = 'gauss';
  readonly params = ['mu', 'sigma'] as const;
  constructor(readonly lo: number, readonly hi: number) {}

  check(p: ArrayLike<number>): string | null {
    return p[1] > 0 ? null : `sigma must be > 0 (got ${p[1]})`;
  }

  density(xs: Float64Array, p: ArrayLike<number>, out: Float64Array, n = xs.length): void {
    const mu = p[0];
    const sigma = p[1];
    const inv = 1 / sigma;
    const norm = 1 / (sigma * Math.exp(LOG_SQRT_2PI) * normProb((this.lo - mu) * inv, (this.hi - mu) * inv));
    for (let i = 0; i < n; i++) {
      const z = (xs[i] - mu) * inv;
      out[i] = norm * Math.exp(-0.5 * z * z);
    }
  }

  densityGrad(xs: Float64Array, p: ArrayLike<number>, out: Float64Array, dlog: Float64Array[], n = xs.length): void {
    const mu = p[0];
    const sigma = p[1];
    const inv = 1 / sigma;
    const za = (this.lo - mu) * inv;
    const zb = (this.hi - mu) * inv;
    const P = normProb(za, zb);
    const norm = 1 / (sigma * Math.exp(LOG_SQRT_2PI) * P);
    const pa = normPdf(za);
    const pb = normPdf(zb);
    // d log Z / d mu and d log Z / d sigma for Z = sigma sqrt(2 pi) P(za, zb).
    const cMu = (pa - pb) / (sigma * P);
    const cSig = inv + (za * pa - zb * pb) / (sigma * P);
    const dMu = dlog[0];
    const dSig = dlog[1];
    for (let i = 0; i < n; i++) {
      const z = (xs[i] - mu) * inv;
      out[i] = norm * Math.exp(-0.5 * z * z);
      dMu[i] = z * inv - cMu;
      dSig[i] = z * z * inv - cSig;
    }
  }

  /** d log Z / d(mu, sigma) for Z = sigma sqrt(2 pi) P(za, zb). */
  private dLogZ(mu: number, sigma: number): [number, number] {
    const za = (this.lo - mu) / sigma;
    const zb = (this.hi - mu) / sigma;
    const P = normProb(za, zb);
    const pa = normPdf(za);
    const pb = normPdf(zb);
    return [(pa - pb) / (sigma * P), 1 / sigma + (za * pa - zb * pb) / (sigma * P)];
  }

  densityHess(xs: Float64Array, p: ArrayLike<number>, out: Float64Array, dlog: Float64Array[], d2log: Float64Array[], n = xs.length): void {
    this.densityGrad(xs, p, out, dlog, n);
    const mu = p[0];
    const sigma = p[1];
    // Second derivatives of log Z are per-call scalars: central differences of the analytic first ones.
    const hm = 1e-5 * sigma;
    const hs = 1e-5 * sigma;
    const [am, as] = [this.dLogZ(mu + hm, sigma), this.dLogZ(mu - hm, sigma)];
    const [bm, bs] = [this.dLogZ(mu, sigma + hs), this.dLogZ(mu, sigma - hs)];
    const zmm = (am[0] - as[0]) / (2 * hm);
    const zms = 0.5 * ((am[1] - as[1]) / (2 * hm) + (bm[0] - bs[0]) / (2 * hs));
    const zss = (bm[1] - bs[1]) / (2 * hs);
    const inv = 1 / sigma;
    const inv2 = inv * inv;
    const hmm = d2log[0];
    const hms = d2log[1];
    const hss = d2log[3];
    for (let i = 0; i < n; i++) {
      const z = (xs[i] - mu) * inv;
      hmm[i] = -inv2 - zmm;
      hms[i] = -2 * z * inv2 - zms;
      hss[i] = -3 * z * z * inv2 - zss;
    }
  }

  integral(a: number, b: number, p: ArrayLike<number>): number {
    const lo = Math.max(a, this.lo);
    const hi = Math.min(b, this.hi);
    if (!(hi > lo)) return 0;
    const [mu, sigma] = [p[0], p[1]];
    return normProb((lo - mu) / sigma, (hi - mu) / sigma) / normProb((this.lo - mu) / sigma, (this.hi - mu) / sigma);
  }

  sample(rng: Rng, p: ArrayLike<number>, count: number, out: Float64Array, offset: number): void {
    const mu = p[0];
    const sigma = p[1];
    const za = (this.lo - mu) / sigma;
    const zb = (this.hi - mu) / sigma;
    if (normProb(za, zb) > 0.25) {
      // Most draws land in range: plain normal draws with rejection are exact and fast.
      let k = 0;
      while (k < count) {
        const x = mu + sigma * rng.normal();
        if (x >= this.lo && x <= this.hi) out[offset + k++] = x;
      }
      return;
    }
    // Far tails: inverse CDF between the range's CDF values.
    const ca = normCdf(za);
    const cb = normCdf(zb);
    for (let k = 0; k < count; k++) {
      const z = normQuantile(ca + (cb - ca) * rng.uniform());
      out[offset + k] = Math.min(this.hi, Math.max(this.lo, mu + sigma * z));
    }
  }
}
