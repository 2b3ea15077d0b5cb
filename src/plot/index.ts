/**
 * ntcorr's plotting library: physics-style SVG figures rendered as strings, PNG copies via resvg.
 *
 * Hand-written because no npm plotting library renders server-side without a DOM or canvas (Plotly, Vega
 * and Chart.js all need one or a headless browser); our needs are a few figure types in ~600 lines.
 *
 *   import { renderFigure, comparisonFigure, profileFigure, renderHeatmap, savePlot } from '../plot/index.js';
 *
 *   // Any figure: one main pad, optional ratio/pull pad sharing x. Series: 'hist' (step, errors, fill),
 *   // 'points' (markers, x/y error bars), 'line' (curves, loss curves; step: true for binned), 'band'.
 *   const svg = renderFigure({
 *     title: 'Loss', main: { xlabel: 'epoch', ylabel: 'NLL', logy: false, series: [
 *       { type: 'line', x: epochs, y: train, label: 'train' },
 *       { type: 'line', x: epochs, y: valid, label: 'validation', dashed: true }] },
 *   });
 *   // Data vs simulation vs corrected simulation with a data/sim ratio pad:
 *   const fig = comparisonFigure({ edges, data: { values, errors }, sim: {...}, corrected: {...},
 *                                  xlabel: 'probe r_{9}', logy: false, notes: ['barrel'] });
 *   // Pulls with a Gaussian fit: renderFigure({ main: { series: [{ type: 'hist', edges, values, errors },
 *   //   { type: 'line', x, y: gauss, label: 'fit' }], notes: ['μ = 0.01 ± 0.03'] } })
 *   // Correlation matrix with values x100: renderHeatmap({ matrix, rowLabels, valueScale: 100, decimals: 0 })
 *   await savePlot('report/r9_barrel', renderFigure(fig));   // writes .svg and .png (PNG skipped with a warning)
 *
 * Labels accept ROOT-like ^{sup} and _{sub}. Pads: xlim/ylim/logx/logy/hlines/vlines/legend/notes/grid.
 * Colours: ROLE.data/sim/corrected/model and PALETTE (colour-blind-safe) from colors.ts.
 */
export { renderFigure, svgDoc, ROLE } from './figure.js';
export type { Figure, Pad, Series, HistSeries, PointSeries, LineSeries, BandSeries } from './figure.js';
export { comparisonFigure, ratio } from './comparison.js';
export type { ComparisonInput, BinnedValues } from './comparison.js';
export { profileFigure } from './profile.js';
export type { ProfileInput, ProfileSeries } from './profile.js';
export { renderHeatmap } from './heatmap.js';
export type { Heatmap } from './heatmap.js';
export { savePlot, svgToPng, pngUnavailableReason } from './png.js';
export type { SavedPlot } from './png.js';
export { PALETTE, paletteColor, diverging, sequential } from './colors.js';
export { niceTicks, linearScale, logScale } from './scale.js';
