import { join } from 'node:path';
import { renderFigure, savePlot, ROLE } from '../../plot/index.js';
import type { Hist, ToySummary } from './summary.js';

const centers = (h: Hist) => Float64Array.from(h.counts, (_, i) => h.lo + ((i + 0.5) * (h.hi - h.lo)) / h.bins);
const sqrtErr = (h: Hist) => Float64Array.from(h.counts, (c) => Math.sqrt(c));

/**
 * Per free parameter: the pull distribution with the Gaussian of the pulls' mean and width (the unbinned ML
 * Gaussian fit), the fitted values around the generating value, and the Hesse errors. SVG (+ PNG when
 * available). Returns the written paths and any PNG warnings.
 */
export async function writeToyPlots(dir: string, s: ToySummary): Promise<{ files: string[]; warnings: string[] }> {
  const files: string[] = [];
  const warnings: string[] = [];
  const stats = s.params();
  for (let j = 0; j < s.names.length; j++) {
    const name = s.names[j];
    const st = stats[name];
    if (!st || st.n < 2) continue;
    const ph = s.pullHist[j];
    const bw = (ph.hi - ph.lo) / ph.bins;
    const xs = Float64Array.from({ length: 201 }, (_, i) => ph.lo + ((ph.hi - ph.lo) * i) / 200);
    // The binned ML Gaussian fit when there is one, else the Gaussian of the pulls' mean and rms.
    const f = st.pull_fit;
    const [gm, gw] = f ? [f.mean, f.width] : [st.pull_mean, st.pull_width];
    const inRange = ph.counts.reduce((a, b) => a + b, 0);
    const gauss = Float64Array.from(xs, (x) => (inRange * bw * Math.exp(-0.5 * ((x - gm) / gw) ** 2)) / (gw * Math.sqrt(2 * Math.PI)));
    const pullSvg = renderFigure({
      title: `Pull of ${name}`,
      main: {
        xlabel: `(${name} - gen) / error`,
        ylabel: 'toys',
        series: [
          { type: 'points', x: centers(ph), y: ph.counts, yerr: sqrtErr(ph), xerr: new Float64Array(ph.bins).fill(bw / 2), label: `${st.n} valid toys`, color: ROLE.data },
          { type: 'line', x: xs, y: gauss, label: f ? 'Gaussian fit' : 'Gaussian (mean, rms)', color: ROLE.model },
        ],
        notes: [
          `mean = ${st.pull_mean.toFixed(3)} ± ${st.pull_mean_error.toFixed(3)}`,
          `rms = ${st.pull_width.toFixed(3)} ± ${st.pull_width_error.toFixed(3)}`,
          ...(f ? [`fit: μ = ${f.mean.toFixed(3)} ± ${f.mean_error.toFixed(3)}`, `fit: σ = ${f.width.toFixed(3)} ± ${f.width_error.toFixed(3)}`] : []),
          ...(ph.under + ph.over ? [`outside ±5: ${ph.under + ph.over}`] : []),
        ],
      },
    });
    const hists: Array<[string, Hist | undefined, string]> = [
      ['pull', undefined, ''],
      ['value', s.valueHist?.[j], `fitted ${name}`],
      ['error', s.errorHist?.[j], `Hesse error of ${name}`],
    ];
    for (const [kind, h, xlabel] of hists) {
      const svg =
        kind === 'pull'
          ? pullSvg
          : renderFigure({
              title: `${xlabel} (${st.n} valid toys)`,
              main: {
                xlabel,
                ylabel: 'toys',
                vlines: kind === 'value' ? [st.gen] : [],
                series: [{ type: 'hist', edges: h!.edges(), values: h!.counts, errors: sqrtErr(h!), fill: true, color: ROLE.sim }],
                notes: kind === 'value' ? [`gen = ${st.gen}`, `mean = ${st.value_mean.toPrecision(6)}`, `rms = ${st.value_rms.toPrecision(4)}`] : [`mean = ${st.error_mean.toPrecision(4)}`],
              },
            });
      const saved = await savePlot(join(dir, `${kind}_${name}`), svg);
      files.push(saved.svg, ...(saved.png ? [saved.png] : []));
      if (saved.warning) warnings.push(saved.warning);
    }
  }
  return { files, warnings };
}
