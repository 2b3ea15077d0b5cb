import { renderFigure, ROLE, PALETTE } from '../plot/index.js';
import type { Model } from './model.js';
import { UniformHist } from '../stats/histogram.js';

/** Component curves in palette colours other than the total model's. */
const COMPONENT_COLORS = PALETTE.filter((c) => c !== ROLE.model);

/**
 * Data histogram (Poisson error bars) with the fitted model, its components (dashed) and a pull pad:
 * (data - expected) / sqrt(expected) per bin, the expectation from the PDFs' analytic bin integrals.
 */
export function fitFigureSvg(model: Model, values: Float64Array, xs: Float64Array, bins: number, title: string, weights?: Float64Array): string {
  const { lo, hi, name } = model.observable;
  const bw = (hi - lo) / bins;
  const h = new UniformHist(lo, hi, bins, 'plot');
  xs.forEach((x, i) => h.fill(x, weights ? weights[i] : 1));
  const { sumw: counts, sumw2 } = h;
  const total = weights ? weights.reduce((a, b) => a + b, 0) : xs.length;
  // Per component: the coefficient that turns its normalised PDF into events.
  let fsum = 0;
  const scale = model.components.map((c) => {
    if (model.extended) return values[c.coefIndex];
    if (c.coefIndex >= 0) {
      fsum += values[c.coefIndex];
      return total * values[c.coefIndex];
    }
    return total * (1 - fsum);
  });
  const pars = model.components.map((c) => c.paramIndex.map((i) => values[i]));
  const npt = 400;
  const cx = Float64Array.from({ length: npt + 1 }, (_, i) => lo + ((hi - lo) * i) / npt);
  const compCurves = model.components.map((c, k) => {
    const out = new Float64Array(cx.length);
    c.pdf.density(cx, pars[k], out);
    return out.map((v) => v * scale[k] * bw);
  });
  const totalCurve = cx.map((_, i) => compCurves.reduce((a, cc) => a + cc[i], 0));
  const expected = Float64Array.from({ length: bins }, (_, b) =>
    model.components.reduce((a, c, k) => a + scale[k] * c.pdf.integral(lo + b * bw, lo + (b + 1) * bw, pars[k]), 0));
  const centers = Float64Array.from({ length: bins }, (_, b) => lo + (b + 0.5) * bw);
  const ymax = counts.reduce((m, c, b) => Math.max(m, c + Math.sqrt(sumw2[b]), expected[b]), 0);
  const pulls = Float64Array.from(counts, (n, b) => (expected[b] > 0 ? (n - expected[b]) / Math.sqrt(expected[b]) : NaN));
  return renderFigure({
    title,
    main: {
      xlabel: name,
      ylabel: `events / ${bw.toPrecision(3)}`,
      ylim: [0, 1.25 * ymax],
      series: [
        { type: 'points', x: centers, y: counts, yerr: sumw2.map(Math.sqrt), xerr: new Float64Array(bins).fill(bw / 2), label: 'data', color: ROLE.data },
        { type: 'line', x: cx, y: totalCurve, label: 'fit', color: ROLE.model, width: 2 },
        ...model.components.map((c, k) => ({ type: 'line' as const, x: cx, y: compCurves[k], label: c.name, color: COMPONENT_COLORS[k % COMPONENT_COLORS.length], dashed: true })),
      ],
    },
    ratio: { ylabel: 'pull', series: [{ type: 'points', x: centers, y: pulls, color: ROLE.data }], hlines: [0], ylim: [-4, 4] },
  });
}
