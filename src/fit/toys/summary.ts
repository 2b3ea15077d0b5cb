import type { ToyResult } from './run-toy.js';
import { buildModel } from '../model.js';
import { BinnedNll } from '../nll.js';
import { minimize } from '../minuit/migrad.js';
import { UniformHist } from '../../stats/histogram.js';
import { sortedQuantile } from '../../stats/quantiles.js';

/** Toy histograms: fixed bins over [lo, hi), under/overflow counted (memory does not grow with the toys). */
export class Hist extends UniformHist {
  constructor(lo: number, hi: number, bins: number) {
    super(lo, hi, bins, 'half-open');
  }
  get counts(): Float64Array { return this.sumw; }
  get under(): number { return this.underflow; }
  get over(): number { return this.overflow; }
}

/** Running mean and variance (Welford): numerically stable in one pass. */
export class Running {
  n = 0;
  mean = 0;
  private m2 = 0;
  add(x: number): void {
    this.n++;
    const d = x - this.mean;
    this.mean += d / this.n;
    this.m2 += d * (x - this.mean);
  }
  get std(): number {
    return this.n > 1 ? Math.sqrt(this.m2 / (this.n - 1)) : NaN;
  }
}

export interface ParamSummary {
  gen: number;
  /** Toys whose fit was valid and gave a finite error for this parameter. */
  n: number;
  fraction_valid: number;
  pull_mean: number;
  pull_mean_error: number;
  pull_width: number;
  pull_width_error: number;
  value_mean: number;
  value_rms: number;
  error_mean: number;
  /** Binned maximum-likelihood Gaussian fit to the pull histogram (what the pull plot draws). */
  pull_fit?: { mean: number; mean_error: number; width: number; width_error: number; valid: boolean };
}

/**
 * Fits a Gaussian (extended, Poisson bins) to a pull histogram with ntcorr's own minimiser: the usual
 * "fitted Gaussian" of pull plots, less sensitive to a few outliers than the plain mean and rms.
 */
export function fitPullHistogram(h: Hist): ParamSummary['pull_fit'] | undefined {
  const n = h.counts.reduce((a, b) => a + b, 0);
  if (n < 20) return undefined;
  const model = buildModel({
    observable: { name: 'pull', range: [h.lo, h.hi] },
    parameters: { n: { value: n, step: Math.sqrt(n) }, mean: { value: 0, step: 0.05 }, width: { value: 1, step: 0.05, limits: [0.05, 20] } },
    components: [{ name: 'pulls', pdf: 'gauss', mu: 'mean', sigma: 'width', yield: 'n' }],
  }, 'pull fit');
  const r = minimize(new BinnedNll(model, h.edges(), h.counts), model.params);
  return { mean: r.values[1], mean_error: r.errors[1], width: r.values[2], width_error: r.errors[2], valid: r.valid };
}

/**
 * Accumulates per-parameter pull, value and error statistics over valid toys, streaming. Histogram ranges
 * for values and errors are fixed from the first `warmup` valid toys (held until then), pulls use [-5, 5].
 */
export class ToySummary {
  total = 0;
  valid = 0;
  failed = 0;
  readonly pulls: Running[];
  readonly values: Running[];
  readonly errs: Running[];
  readonly pullHist: Hist[];
  valueHist: Hist[] | null = null;
  errorHist: Hist[] | null = null;
  private warm: ToyResult[] = [];

  constructor(
    readonly names: string[],
    readonly gen: Float64Array,
    readonly free: boolean[],
    private readonly warmup = 200,
  ) {
    const np = names.length;
    this.pulls = Array.from({ length: np }, () => new Running());
    this.values = Array.from({ length: np }, () => new Running());
    this.errs = Array.from({ length: np }, () => new Running());
    this.pullHist = Array.from({ length: np }, () => new Hist(-5, 5, 40));
  }

  add(r: ToyResult): void {
    this.total++;
    if (r.error) this.failed++;
    if (!r.valid) return;
    this.valid++;
    for (let j = 0; j < this.names.length; j++) {
      if (!this.free[j] || !(r.errors[j] > 0)) continue;
      const pull = (r.values[j] - (r.gen ? r.gen[j] : this.gen[j])) / r.errors[j];
      this.pulls[j].add(pull);
      this.values[j].add(r.values[j]);
      this.errs[j].add(r.errors[j]);
      this.pullHist[j].fill(pull);
    }
    if (this.valueHist) this.fillRanges(r);
    else {
      this.warm.push(r);
      if (this.warm.length >= this.warmup) this.fixRanges();
    }
  }

  private fillRanges(r: ToyResult): void {
    for (let j = 0; j < this.names.length; j++) {
      this.valueHist![j].fill(r.values[j]);
      this.errorHist![j].fill(r.errors[j]);
    }
  }

  /** Value histograms span gen +- 5 x the typical error; error histograms 0.5 .. 1.5 x it (from the warm-up toys). */
  private fixRanges(): void {
    const np = this.names.length;
    this.valueHist = [];
    this.errorHist = [];
    for (let j = 0; j < np; j++) {
      const e = this.warm.map((r) => r.errors[j]).filter((v) => v > 0).sort((a, b) => a - b);
      const med = e.length ? sortedQuantile(e, 0.5, 'rank') : Math.abs(this.gen[j]) * 0.1 || 1;
      this.valueHist.push(new Hist(this.gen[j] - 5 * med, this.gen[j] + 5 * med, 50));
      this.errorHist.push(new Hist(0.5 * med, 1.5 * med, 50));
    }
    for (const r of this.warm) this.fillRanges(r);
    this.warm = [];
  }

  /** Call once at the end: fixes histogram ranges if fewer than `warmup` valid toys were seen. */
  finish(): void {
    if (!this.valueHist) this.fixRanges();
  }

  params(): Record<string, ParamSummary> {
    const out: Record<string, ParamSummary> = {};
    this.names.forEach((name, j) => {
      if (!this.free[j]) return;
      const p = this.pulls[j];
      const n = p.n;
      out[name] = {
        gen: this.gen[j],
        n,
        fraction_valid: this.total ? n / this.total : 0,
        pull_mean: p.mean,
        pull_mean_error: p.std / Math.sqrt(n),
        pull_width: p.std,
        // Standard error of a standard deviation for Gaussian data.
        pull_width_error: p.std / Math.sqrt(2 * (n - 1)),
        value_mean: this.values[j].mean,
        value_rms: this.values[j].std,
        error_mean: this.errs[j].mean,
      };
      const fit = fitPullHistogram(this.pullHist[j]);
      if (fit) out[name].pull_fit = fit;
    });
    return out;
  }
}
