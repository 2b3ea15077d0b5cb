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

/** Log-spaced edges (isolations, pt); lo must be > 0. */
export function logEdges(lo: number, hi: number, bins: number): Float64Array {
  const a = Math.log(lo), b = Math.log(hi);
  const e = new Float64Array(bins + 1);
  for (let i = 0; i <= bins; i++) e[i] = Math.exp(a + ((b - a) * i) / bins);
  e[0] = lo; e[bins] = hi;
  return e;
}

/** Equal-population edges from (weighted) quantiles, deduplicated (discrete variables give fewer bins). */
export function quantileEdges(values: ArrayLike<number>, bins: number, weights?: ArrayLike<number> | null): Float64Array {
  const qs = Array.from({ length: bins + 1 }, (_, i) => i / bins);
  const q = weightedQuantiles(values, qs, weights);
  const out: number[] = [];
  for (const v of q) if (Number.isFinite(v) && (out.length === 0 || v > out[out.length - 1])) out.push(v);
  return Float64Array.from(out);
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
    else if (uniform) { b = Math.min(nb - 1, Math.floor((v - lo) / width)); if (e[b] > v) b--; else if (b + 1 < nb && e[b + 1] <= v) b++; }
    else b = findBin(e, v);
    h.sumw[b] += w;
    h.sumw2[b] += w * w;
  }
  return h;
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

/** Scales to a given in-range total (default 1: unit area in counts, not density). */
export function normalizeHist(h: Hist, total = 1): Hist {
  const t = histTotal(h);
  return t > 0 ? scaleHist(h, total / t) : h;
}

/** Divides each bin by its width (densities for variable-width bins). */
export function densityHist(h: Hist): Hist {
  const out = { ...h, sumw: new Float64Array(h.sumw.length), sumw2: new Float64Array(h.sumw.length) };
  for (let i = 0; i < h.sumw.length; i++) {
    const w = h.edges[i + 1] - h.edges[i];
    out.sumw[i] = h.sumw[i] / w;
    out.sumw2[i] = h.sumw2[i] / (w * w);
  }
  return out;
}
