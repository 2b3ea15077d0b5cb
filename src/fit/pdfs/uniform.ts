import type { Pdf } from './pdf.js';
import type { Rng } from '../../core/random.js';

/** Flat on [lo, hi]; no parameters. */
export class Uniform implements Pdf {
  readonly kind = 'uniform';
  readonly params = [] as const;
  constructor(readonly lo: number, readonly hi: number) {}
  check(): string | null {
    return null;
  }
  density(_xs: Float64Array, _p: ArrayLike<number>, out: Float64Array, n = out.length): void {
    out.fill(1 / (this.hi - this.lo), 0, n);
  }
  densityGrad(xs: Float64Array, p: ArrayLike<number>, out: Float64Array, _dlog: Float64Array[], n = xs.length): void {
    this.density(xs, p, out, n);
  }
  densityHess(xs: Float64Array, p: ArrayLike<number>, out: Float64Array, _dlog: Float64Array[], _d2: Float64Array[], n = xs.length): void {
    this.density(xs, p, out, n);
  }
  integral(a: number, b: number): number {
    const lo = Math.max(a, this.lo);
    const hi = Math.min(b, this.hi);
    return hi > lo ? (hi - lo) / (this.hi - this.lo) : 0;
  }
  sample(rng: Rng, _p: ArrayLike<number>, count: number, out: Float64Array, offset: number): void {
    for (let k = 0; k < count; k++) out[offset + k] = this.lo + (this.hi - this.lo) * rng.uniform();
  }
}
