import type { JetBlock } from './features.js';
import { sortedQuantile } from '../../stats/quantiles.js';

function sorted(v: number[]): Float64Array {
  return Float64Array.from(v).sort();
}

export interface ResponseSummary {
  jets: number;
  /** Half the 16-84% interquantile range of pt/pt_gen (before) and pt_corr/pt_gen (after). */
  resolution: { before: number; after: number; improvement: number };
  /** Median response per group (flavour), before and after, and their spread (max - min). */
  median: { before: number; after: number };
  byGroup?: Record<string, { jets: number; before: number; after: number }>;
  spread?: { before: number; after: number };
}

/**
 * Response metrics on jets with a known pt_gen: resolution (half 16-84% IQR) and medians, optionally per
 * group (e.g. flavour). `pred` are log(pt_gen/pt) predictions: pt_corr = pt * exp(pred).
 */
export function responseSummary(block: JetBlock, pred: Float32Array, groups?: ArrayLike<number>, groupNames?: Record<number, string>): ResponseSummary {
  const before: number[] = [], after: number[] = [];
  for (let i = 0; i < block.n; i++) {
    const g = block.ptGen![i];
    if (!(g > 0)) continue;
    before.push(block.pt[i] / g);
    after.push((block.pt[i] * Math.exp(pred[i])) / g);
  }
  const sb = sorted(before), sa = sorted(after);
  const res = (s: Float64Array) => 0.5 * (sortedQuantile(s, 0.84) - sortedQuantile(s, 0.16));
  const out: ResponseSummary = {
    jets: before.length,
    resolution: { before: res(sb), after: res(sa), improvement: 1 - res(sa) / res(sb) },
    median: { before: sortedQuantile(sb, 0.5), after: sortedQuantile(sa, 0.5) },
  };
  if (groups) {
    const per = new Map<number, { b: number[]; a: number[] }>();
    for (let i = 0; i < block.n; i++) {
      const g = block.ptGen![i];
      if (!(g > 0)) continue;
      const k = groups[i];
      if (!per.has(k)) per.set(k, { b: [], a: [] });
      per.get(k)!.b.push(block.pt[i] / g);
      per.get(k)!.a.push((block.pt[i] * Math.exp(pred[i])) / g);
    }
    out.byGroup = {};
    for (const [k, v] of [...per].sort((x, y) => x[0] - y[0])) out.byGroup[groupNames?.[k] ?? String(k)] = { jets: v.b.length, before: sortedQuantile(sorted(v.b), 0.5), after: sortedQuantile(sorted(v.a), 0.5) };
    const meds = Object.values(out.byGroup);
    out.spread = {
      before: Math.max(...meds.map((m) => m.before)) - Math.min(...meds.map((m) => m.before)),
      after: Math.max(...meds.map((m) => m.after)) - Math.min(...meds.map((m) => m.after)),
    };
  }
  return out;
}
