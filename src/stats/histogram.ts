import { findBin, weightedQuantiles } from './quantiles.js';

/** A weighted 1-D histogram: per bin sum of weights and sum of squared weights (error = sqrt(sumw2)). */
export interface Hist {
  edges: Float64Array;
  sumw: Float64Array;
  sumw2: Float64Array;
  /** Weight below the first edge / above the last edge / of non-finite values. */
  underflow: number;
  overflow: number;
  nonFinite: number;
}

export function uniformEdges(lo: number, hi: number, bins: number): Float64Array {
  const e = new Float64Array(bins + 1);
  for (let i = 0; i <= bins; i++) e[i] = lo + ((hi - lo) * i) / bins;
  return e;
}

/**
 * Equal-population bin edges, deduplicated (ties and discrete variables give fewer bins). Two definitions,
 * one per use:
 *  - 'hazen' (default): the bins + 1 weighted Hazen quantiles 0, 1/bins, ..., 1, non-finite values dropped;
 *    the outer edges are the sample's min and max (validation plots).
 *  - 'rank': the bins - 1 interior cut points x[min(n - 1, floor(b n / bins))] of all values sorted as given
 *    (NaN sorts last), unweighted; each kept if above the previous one. The outer bins are open (kinematic
 *    reweighting grid).
 */
export function quantileEdges(values: ArrayLike<number>, bins: number, weights?: ArrayLike<number> | null, method: 'hazen' | 'rank' = 'hazen'): Float64Array {
  const out: number[] = [];
  if (method === 'rank') {
    if (weights) throw new Error("quantileEdges: method 'rank' is unweighted");
    const sorted = Float64Array.from(values).sort();
    const n = sorted.length;
    for (let b = 1; b < bins; b++) {
      const e = sorted[Math.min(n - 1, Math.floor((b * n) / bins))];
      if (out.length === 0 || e > out[out.length - 1]) out.push(e);
    }
    return Float64Array.from(out);
  }
  const q = weightedQuantiles(values, Array.from({ length: bins + 1 }, (_, i) => i / bins), weights);
  for (const v of q) if (Number.isFinite(v) && (out.length === 0 || v > out[out.length - 1])) out.push(v);
  return Float64Array.from(out);
}

/** Bin of lo <= v <= hi for uniform edges e (width (hi - lo) / nb): arithmetic, then corrected to the edges. */
function uniformEdgeBin(e: Float64Array, lo: number, width: number, nb: number, v: number): number {
  let b = Math.min(nb - 1, Math.floor((v - lo) / width));
  if (e[b] > v) b--;
  else if (b + 1 < nb && e[b + 1] <= v) b++;
  return b;
}

/**
 * Fills a histogram. Bins are [e_i, e_{i+1}) with the last bin closed on the right. Uniform edges use
 * arithmetic binning (fast path for millions of events), others a binary search.
 * `clamp: true` puts under/overflow into the first/last bin (as plots of tails usually want).
 */
export function histogram(values: ArrayLike<number>, edges: ArrayLike<number>, weights?: ArrayLike<number> | null, opts: { clamp?: boolean } = {}): Hist {
  const e = Float64Array.from(edges);
  const nb = e.length - 1;
  const h: Hist = { edges: e, sumw: new Float64Array(nb), sumw2: new Float64Array(nb), underflow: 0, overflow: 0, nonFinite: 0 };
  const lo = e[0], hi = e[nb];
  const width = (hi - lo) / nb;
  let uniform = true;
  for (let i = 1; i <= nb && uniform; i++) if (Math.abs(e[i] - (lo + i * width)) > 1e-9 * Math.abs(width)) uniform = false;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const w = weights ? weights[i] : 1;
    if (!Number.isFinite(v) || !Number.isFinite(w)) { if (Number.isFinite(w)) h.nonFinite += w; continue; }
    let b: number;
    if (v < lo) { if (!opts.clamp) { h.underflow += w; continue; } b = 0; }
    else if (v > hi) { if (!opts.clamp) { h.overflow += w; continue; } b = nb - 1; }
    else if (uniform) b = uniformEdgeBin(e, lo, width, nb, v);
    else b = findBin(e, v);
    h.sumw[b] += w;
    h.sumw2[b] += w * w;
  }
  return h;
}

/**
 * How `UniformHist` puts a value into one of `bins` equal bins over [lo, hi]. Each use keeps the rule it had
 * (its results stay bit-identical); the rules differ at the range ends and for values within rounding of an edge:
 *  - 'edges':     [e_i, e_{i+1}) for the edges uniformEdges(lo, hi, bins), hi in the last bin (as histogram()).
 *  - 'half-open': bin floor((x - lo) / (hi - lo) * bins) for lo <= x < hi; x >= hi is overflow (toy histograms);
 *                 an x below hi whose index rounds up to `bins` is in no bin and not counted.
 *  - 'closed':    the same index for lo <= x <= hi, hi in the last bin (template PDFs filled from samples).
 *  - 'clamp':     the same index, values outside clamped into the first/last bin (binned fits).
 *  - 'plot':      bin floor((x - lo) / ((hi - lo) / bins)), values above hi in the last bin (fit plots).
 * Values in no bin are added to underflow/overflow, non-finite ones to nonFinite ('clamp' bins +-Inf, 'plot' +Inf).
 */
export type UniformBinRule = 'edges' | 'half-open' | 'closed' | 'clamp' | 'plot';

/** A streaming weighted histogram with fixed equal bins (memory does not grow with the entries). */
export class UniformHist {
  readonly sumw: Float64Array;
  readonly sumw2: Float64Array;
  underflow = 0;
  overflow = 0;
  nonFinite = 0;
  private readonly e: Float64Array;

  constructor(readonly lo: number, readonly hi: number, readonly bins: number, readonly rule: UniformBinRule = 'edges') {
    if (!(Number.isInteger(bins) && bins > 0)) throw new Error(`histogram needs a whole number of bins >= 1, got ${bins}`);
    this.sumw = new Float64Array(bins);
    this.sumw2 = new Float64Array(bins);
    this.e = uniformEdges(lo, hi, bins);
  }

  /** The bin of x under this histogram's rule, or -1 if x is in none. */
  bin(x: number): number {
    const { lo, hi, bins } = this;
    let b: number;
    switch (this.rule) {
      case 'edges':
        return x >= lo && x <= hi ? uniformEdgeBin(this.e, lo, (hi - lo) / bins, bins, x) : -1;
      case 'half-open':
        b = x >= lo && x < hi ? Math.floor(((x - lo) / (hi - lo)) * bins) : -1;
        return b < bins ? b : -1;
      case 'closed':
        return x >= lo && x <= hi ? Math.min(bins - 1, Math.floor(((x - lo) / (hi - lo)) * bins)) : -1;
      case 'clamp':
        b = Math.min(bins - 1, Math.max(0, Math.floor(((x - lo) / (hi - lo)) * bins)));
        return Number.isNaN(b) ? -1 : b;
      case 'plot':
        b = Math.min(bins - 1, Math.floor((x - lo) / ((hi - lo) / bins)));
        return b >= 0 ? b : -1;
    }
  }

  fill(x: number, w = 1): void {
    const b = this.bin(x);
    if (b >= 0) {
      this.sumw[b] += w;
      this.sumw2[b] += w * w;
    } else if (!Number.isFinite(x)) this.nonFinite += w;
    else if (x >= this.lo && x < this.hi) return; // 'half-open' within rounding below hi: dropped, as toy histograms always did
    else if (x < this.lo) this.underflow += w;
    else this.overflow += w;
  }

  /** lo + (hi - lo) i / bins for i = 0..bins. */
  edges(): Float64Array {
    return Float64Array.from(this.e);
  }

  /** As a `Hist` (for chi2Histograms, plots, scaling). */
  toHist(): Hist {
    return { edges: this.edges(), sumw: Float64Array.from(this.sumw), sumw2: Float64Array.from(this.sumw2), underflow: this.underflow, overflow: this.overflow, nonFinite: this.nonFinite };
  }
}

export function histErrors(h: Hist): Float64Array {
  return h.sumw2.map(Math.sqrt);
}

export function histTotal(h: Hist): number {
  let s = 0;
  for (const v of h.sumw) s += v;
  return s;
}

/** Multiplies contents by k (errors scale by |k|). */
export function scaleHist(h: Hist, k: number): Hist {
  return { ...h, sumw: h.sumw.map((v) => v * k), sumw2: h.sumw2.map((v) => v * k * k), underflow: h.underflow * k, overflow: h.overflow * k, nonFinite: h.nonFinite * k };
}
