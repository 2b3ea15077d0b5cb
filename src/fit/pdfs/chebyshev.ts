import { sampleAcceptReject, type Pdf } from './pdf.js';
import type { Rng } from '../../core/random.js';

/**
 * 1 + sum_k c_k B_k(t) with t = 2 (x - lo)/(hi - lo) - 1 in [-1, 1], where B_k is the Chebyshev polynomial T_k
 * ('chebyshev', as RooChebychev) or the monomial t^k ('polynomial': mapped to [-1, 1] so coefficients stay
 * well conditioned). Linear in the coefficients, so d log f / d c_k is exact and cheap.
 * The density is not forced positive: a coefficient set that makes it negative on the data gives NLL = +inf.
 */
export class Chebyshev implements Pdf {
  readonly params: string[];
  private readonly basisInt: Float64Array;
  constructor(
    readonly lo: number,
    readonly hi: number,
    readonly order: number,
    readonly kind: 'chebyshev' | 'polynomial' = 'chebyshev',
  ) {
    this.params = Array.from({ length: order }, (_, k) => `c${k + 1}`);
    // Integral of B_k over t in [-1, 1] (for k = 1..order).
    this.basisInt = new Float64Array(order + 1);
    for (let k = 0; k <= order; k++) this.basisInt[k] = this.antideriv(k, 1) - this.antideriv(k, -1);
  }

  check(): string | null {
    return null;
  }

  /** Basis functions B_0..B_order at t into b. */
  private basis(t: number, b: Float64Array): void {
    b[0] = 1;
    if (this.order === 0) return;
    b[1] = t;
    if (this.kind === 'chebyshev') for (let k = 2; k <= this.order; k++) b[k] = 2 * t * b[k - 1] - b[k - 2];
    else for (let k = 2; k <= this.order; k++) b[k] = t * b[k - 1];
  }

  /** Antiderivative of B_k at t. */
  private antideriv(k: number, t: number): number {
    if (this.kind === 'polynomial') return t ** (k + 1) / (k + 1);
    if (k === 0) return t;
    if (k === 1) return (t * t) / 2;
    const b = new Float64Array(k + 2);
    b[0] = 1;
    b[1] = t;
    for (let j = 2; j <= k + 1; j++) b[j] = 2 * t * b[j - 1] - b[j - 2];
    return b[k + 1] / (2 * (k + 1)) - b[k - 1] / (2 * (k - 1));
  }

  /** Integral of the unnormalised polynomial over t in [-1, 1]. */
  private totalT(p: ArrayLike<number>): number {
    let s = this.basisInt[0];
    for (let k = 1; k <= this.order; k++) s += p[k - 1] * this.basisInt[k];
    return s;
  }

  density(xs: Float64Array, p: ArrayLike<number>, out: Float64Array, n = xs.length): void {
    this.evaluate(xs, p, out, n);
  }

  densityGrad(xs: Float64Array, p: ArrayLike<number>, out: Float64Array, dlog: Float64Array[], n = xs.length): void {
    this.evaluate(xs, p, out, n, dlog);
  }

  densityHess(xs: Float64Array, p: ArrayLike<number>, out: Float64Array, dlog: Float64Array[], d2log: Float64Array[], n = xs.length): void {
    this.evaluate(xs, p, out, n, dlog, d2log);
  }

  /** Density, and with dlog / d2log its log-derivatives, in one loop (the three entry points differ only in those). */
  private evaluate(xs: Float64Array, p: ArrayLike<number>, out: Float64Array, n: number, dlog?: Float64Array[], d2log?: Float64Array[]): void {
    const J = this.order;
    const b = new Float64Array(J + 1);
    const scale = 2 / (this.hi - this.lo);
    // Normalisation in x: integral dx = (hi - lo)/2 integral dt.
    const tot = this.totalT(p);
    const inv = scale / tot;
    for (let i = 0; i < n; i++) {
      this.basis((xs[i] - this.lo) * scale - 1, b);
      let s = 1;
      for (let k = 1; k <= J; k++) s += p[k - 1] * b[k];
      out[i] = s * inv;
      if (!dlog) continue;
      for (let k = 1; k <= J; k++) dlog[k - 1][i] = b[k] / s - this.basisInt[k] / tot;
      if (!d2log) continue;
      // log f = log P - log I, both linear in c: d2 = -B_j B_l / P^2 + I_j I_l / I^2.
      for (let j = 1; j <= J; j++) {
        for (let l = j; l <= J; l++) d2log[(j - 1) * J + (l - 1)][i] = (-b[j] * b[l]) / (s * s) + (this.basisInt[j] * this.basisInt[l]) / (tot * tot);
      }
    }
  }

  integral(a: number, b: number, p: ArrayLike<number>): number {
    const lo = Math.max(a, this.lo);
    const hi = Math.min(b, this.hi);
    if (!(hi > lo)) return 0;
    const scale = 2 / (this.hi - this.lo);
    const ta = (lo - this.lo) * scale - 1;
    const tb = (hi - this.lo) * scale - 1;
    let s = tb - ta;
    for (let k = 1; k <= this.order; k++) s += p[k - 1] * (this.antideriv(k, tb) - this.antideriv(k, ta));
    return s / this.totalT(p);
  }

  sample(rng: Rng, p: ArrayLike<number>, count: number, out: Float64Array, offset: number): void {
    sampleAcceptReject(this, rng, p, count, out, offset);
  }
}
