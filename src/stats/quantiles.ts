import { sortSample, type SortedSample } from './sorted.js';

/**
 * Weighted quantiles by linear interpolation of the mid-point ECDF: value i sits at cumulative probability
 * (W_{<i} + w_i/2) / W. For unit weights this is the "Hazen" definition (numpy method='hazen'):
 * the median of 1..n is exact, and every weight counts in proportion. q outside the first/last point clamps.
 */
export function quantilesSorted(s: SortedSample, qs: ArrayLike<number>): Float64Array {
  const out = new Float64Array(qs.length).fill(NaN);
  const n = s.x.length;
  if (n === 0 || !(s.total > 0)) return out;
  const pos = new Float64Array(n);
  let cum = 0;
  for (let i = 0; i < n; i++) { const w = s.w ? s.w[i] : 1; pos[i] = (cum + w / 2) / s.total; cum += w; }
  for (let k = 0; k < qs.length; k++) {
    const q = qs[k];
    if (q <= pos[0]) { out[k] = s.x[0]; continue; }
    if (q >= pos[n - 1]) { out[k] = s.x[n - 1]; continue; }
    let lo = 0, hi = n - 1; // pos[lo] < q <= pos[hi]
    while (hi - lo > 1) { const mid = (lo + hi) >> 1; if (pos[mid] < q) lo = mid; else hi = mid; }
    const t = pos[hi] > pos[lo] ? (q - pos[lo]) / (pos[hi] - pos[lo]) : 0;
    out[k] = s.x[lo] + t * (s.x[hi] - s.x[lo]);
  }
  return out;
}

/**
 * One quantile of an ascending, unweighted array by a named order-statistic rule (numpy's name where it has
 * the rule); each use keeps its rule:
 *  - 'linear': numpy's default, x[h] interpolated at h = (n - 1) q (jet response medians and resolutions).
 *  - 'lower':  x[floor((n - 1) q)], numpy method='lower' (preprocessing `auto` shifts and widths).
 *  - 'rank':   x[min(n - 1, floor(n q))], the element with floor(n q) smaller ones (toy histogram ranges).
 * Empty input gives NaN.
 */
export function sortedQuantile(a: ArrayLike<number>, q: number, method: 'linear' | 'lower' | 'rank' = 'linear'): number {
  const n = a.length;
  if (n === 0) return NaN;
  if (method === 'lower') return a[Math.floor(q * (n - 1))];
  if (method === 'rank') return a[Math.min(n - 1, Math.floor(n * q))];
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  return a[lo] + (h - lo) * (a[hi] - a[lo]);
}

export function weightedQuantiles(values: ArrayLike<number>, qs: ArrayLike<number>, weights?: ArrayLike<number> | null): Float64Array {
  return quantilesSorted(sortSample(values, weights), qs);
}

export interface BinnedQuantiles {
  edges: Float64Array;
  /** quantiles[k][bin] for each requested q. */
  quantiles: Float64Array[];
  /** Sum of weights per x bin. */
  sumw: Float64Array;
}

/**
 * Quantiles of y in bins of x (profile plots: median and 25/75% of a shower shape versus pt, eta, ...).
 * Rows with non-finite x, y or weight are skipped; empty bins give NaN.
 */
export function binnedQuantiles(x: ArrayLike<number>, y: ArrayLike<number>, edges: ArrayLike<number>, qs: ArrayLike<number>, weights?: ArrayLike<number> | null): BinnedQuantiles {
  const nb = edges.length - 1;
  const e = Float64Array.from(edges);
  const groups: number[][] = Array.from({ length: nb }, () => []);
  for (let i = 0; i < x.length; i++) {
    const xv = x[i];
    if (!Number.isFinite(xv) || !Number.isFinite(y[i]) || (weights && !Number.isFinite(weights[i]))) continue;
    const b = findBin(e, xv);
    if (b >= 0) groups[b].push(i);
  }
  const quantiles = Array.from({ length: qs.length }, () => new Float64Array(nb).fill(NaN));
  const sumw = new Float64Array(nb);
  for (let b = 0; b < nb; b++) {
    const g = groups[b];
    if (g.length === 0) continue;
    const ys = Float64Array.from(g, (i) => y[i]);
    const ws = weights ? Float64Array.from(g, (i) => weights[i]) : null;
    const s = sortSample(ys, ws);
    sumw[b] = s.total;
    const r = quantilesSorted(s, qs);
    for (let k = 0; k < qs.length; k++) quantiles[k][b] = r[k];
  }
  return { edges: e, quantiles, sumw };
}

/** Bin index of v in sorted edges ([e_i, e_{i+1}), last bin closed), -1 outside. */
export function findBin(edges: Float64Array, v: number): number {
  const n = edges.length - 1;
  if (!(v >= edges[0]) || v > edges[n]) return -1;
  if (v === edges[n]) return n - 1;
  let lo = 0, hi = n;
  while (hi - lo > 1) { const mid = (lo + hi) >> 1; if (edges[mid] <= v) lo = mid; else hi = mid; }
  return lo;
}
