import { ROLE } from './colors.js';
import type { Figure, Series } from './figure.js';

/** A binned distribution with statistical errors (as produced by src/stats/histogram.ts). */
export interface BinnedValues {
  values: ArrayLike<number>;
  errors?: ArrayLike<number>;
}

export interface ComparisonInput {
  edges: ArrayLike<number>;
  data?: BinnedValues;
  sim?: BinnedValues;
  corrected?: BinnedValues;
  /** Extra curves/histograms (fitted model components, ...) drawn in the main pad. */
  extra?: Series[];
  labels?: { data?: string; sim?: string; corrected?: string };
  title?: string;
  xlabel?: string;
  ylabel?: string;
  logy?: boolean;
  notes?: string[];
  /** Ratio pad y range (default [0.5, 1.5]). */
  ratioLim?: [number, number];
}

/**
 * The standard closure plot: simulation (filled step), corrected simulation (step), data (points), and a
 * ratio pad with data / simulation and data / corrected simulation (as the CMS analysis draws it).
 */
export function comparisonFigure(c: ComparisonInput): Figure {
  const series: Series[] = [];
  const L = { data: 'Data', sim: 'Simulation', corrected: 'Corrected simulation', ...c.labels };
  if (c.sim) series.push({ type: 'hist', edges: c.edges, values: c.sim.values, errors: c.sim.errors, label: L.sim, color: ROLE.sim, fill: true });
  if (c.corrected) series.push({ type: 'hist', edges: c.edges, values: c.corrected.values, errors: c.corrected.errors, label: L.corrected, color: ROLE.corrected, width: 2 });
  series.push(...(c.extra ?? []));
  const centres: number[] = [], half: number[] = [];
  for (let i = 0; i + 1 < c.edges.length; i++) { centres.push((c.edges[i] + c.edges[i + 1]) / 2); half.push((c.edges[i + 1] - c.edges[i]) / 2); }
  if (c.data) series.push({ type: 'points', x: centres, y: c.data.values, yerr: c.data.errors, xerr: half, label: L.data, color: ROLE.data });
  const fig: Figure = {
    title: c.title,
    main: { series, xlabel: c.xlabel, ylabel: c.ylabel ?? 'Events / bin', logy: c.logy, notes: c.notes },
  };
  if (c.data && (c.sim || c.corrected)) {
    const ratios: Series[] = [];
    for (const [which, color] of [['sim', ROLE.sim], ['corrected', ROLE.corrected]] as const) {
      const s = c[which];
      if (!s) continue;
      const r = ratio(c.data, s);
      ratios.push({ type: 'points', x: centres, y: r.values, yerr: r.errors, xerr: half, color, marker: which === 'sim' ? 'square' : 'circle' });
    }
    fig.ratio = { series: ratios, ylabel: 'Data / sim.', ylim: c.ratioLim ?? [0.5, 1.5], hlines: [1], legend: 'none' };
  }
  return fig;
}

/** num/den per bin with uncorrelated error propagation; NaN where den = 0. */
export function ratio(num: BinnedValues, den: BinnedValues): { values: Float64Array; errors: Float64Array } {
  const n = num.values.length;
  const values = new Float64Array(n), errors = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const a = num.values[i], b = den.values[i];
    if (!(b !== 0) || !Number.isFinite(a) || !Number.isFinite(b)) { values[i] = NaN; errors[i] = NaN; continue; }
    const r = a / b;
    const ea = num.errors ? num.errors[i] : 0, eb = den.errors ? den.errors[i] : 0;
    values[i] = r;
    errors[i] = Math.sqrt((ea / b) ** 2 + ((r * eb) / b) ** 2);
  }
  return { values, errors };
}
