import type { Figure, Series } from './figure.js';
import { paletteColor } from './colors.js';

export interface ProfileSeries {
  label: string;
  color?: string;
  /** Per x bin: median and the 25% / 75% quantiles of y (NaN for empty bins). */
  median: ArrayLike<number>;
  q25: ArrayLike<number>;
  q75: ArrayLike<number>;
  /** Unused since quantile lines are always dashed; kept for callers that set it. */
  dashed?: boolean;
}

export interface ProfileInput {
  /** Bin edges of the x variable (pt, eta, ...). */
  edges: ArrayLike<number>;
  series: ProfileSeries[];
  title?: string;
  xlabel?: string;
  ylabel?: string;
  logx?: boolean;
  notes?: string[];
}

/**
 * Profile plot: per sample the median as a thick step line and the 25% / 75% quantiles as thin dashed
 * step lines over a faint band (overlapping opaque bands of three samples would hide each other).
 */
export function profileFigure(p: ProfileInput): Figure {
  const n = p.edges.length - 1;
  // Steps: repeat each bin's value at both edges so a band/line covers the whole bin.
  const xs: number[] = [];
  for (let i = 0; i < n; i++) xs.push(p.edges[i], p.edges[i + 1]);
  const twice = (a: ArrayLike<number>) => { const o: number[] = []; for (let i = 0; i < n; i++) o.push(a[i], a[i]); return o; };
  const series: Series[] = [];
  p.series.forEach((s, k) => {
    const color = s.color ?? paletteColor(k);
    series.push({ type: 'band', x: xs, lo: twice(s.q25), hi: twice(s.q75), color, opacity: 0.07 });
    series.push({ type: 'line', x: xs, y: twice(s.q25), color, dashed: true, width: 1 });
    series.push({ type: 'line', x: xs, y: twice(s.q75), color, dashed: true, width: 1 });
    series.push({ type: 'line', x: xs, y: twice(s.median), color, label: s.label, width: 2.4 });
  });
  return { title: p.title, main: { series, xlabel: p.xlabel, ylabel: p.ylabel ?? 'median, 25-75%', logx: p.logx, notes: p.notes, xlim: [p.edges[0], p.edges[n]] } };
}
