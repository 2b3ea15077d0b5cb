import { Hist, Running } from './summary.js';
import type { ToyResult } from './run-toy.js';
import { GOF_MIN_EXPECTED } from './gof.js';

/** Per-toy GOF p-values over valid fits: mean, fraction below 0.05 and a 10-bin histogram (flat for a correct model). */
export class GofSummary {
  readonly p = new Running();
  readonly hist = new Hist(0, 1, 10);
  below05 = 0;

  add(r: ToyResult): void {
    if (!r.valid || !Number.isFinite(r.gofPvalue)) return;
    this.p.add(r.gofPvalue);
    // p = 1 exactly belongs in the last bin (Hist puts hi itself in overflow).
    this.hist.fill(Math.min(r.gofPvalue, 1 - 1e-12));
    if (r.gofPvalue < 0.05) this.below05++;
  }

  toJson(bins: number): Record<string, unknown> {
    return {
      statistic: 'Pearson chi2 of the fitted model, binned',
      binning: `${bins} equal-width bins per category on the observable range, neighbours merged from low to high until each expects >= ${GOF_MIN_EXPECTED} events`,
      ndf: 'merged bins - free parameters (- 1 per category of a fraction model)',
      bins,
      min_expected: GOF_MIN_EXPECTED,
      n: this.p.n,
      pvalue_mean: this.p.n ? this.p.mean : null,
      fraction_below_0_05: this.p.n ? this.below05 / this.p.n : null,
      pvalue_hist: Array.from(this.hist.counts),
    };
  }
}

/**
 * rx's summary keys (fitter's toy summary.yaml): median_<parameter>_unc, the median over valid toys of the
 * relative uncertainty 100 x Error / |Value| in percent, per floating parameter. Keeps one number per toy and
 * parameter (8 bytes), as a median needs them all.
 */
export class RxSummary {
  private readonly unc: number[][];

  constructor(readonly names: string[], readonly free: boolean[]) {
    this.unc = names.map(() => []);
  }

  add(r: ToyResult): void {
    if (!r.valid) return;
    for (let j = 0; j < this.names.length; j++) {
      if (!this.free[j]) continue;
      const u = (100 * r.errors[j]) / Math.abs(r.values[j]);
      if (Number.isFinite(u)) this.unc[j].push(u);
    }
  }

  toJson(): Record<string, number | null> {
    const out: Record<string, number | null> = {};
    this.names.forEach((n, j) => {
      if (!this.free[j]) return;
      const v = Float64Array.from(this.unc[j]).sort();
      const m = v.length;
      out[`median_${n}_unc`] = m === 0 ? null : m % 2 ? v[(m - 1) / 2] : 0.5 * (v[m / 2 - 1] + v[m / 2]);
    });
    return out;
  }
}
