import { diverging, sequential } from './colors.js';
import { svgDoc } from './figure.js';
import { attrs, label, px, text, textWidth } from './svg.js';

export interface Heatmap {
  /** Row-major values, matrix[row][col]; row 0 is drawn at the top. */
  matrix: ArrayLike<number>[];
  rowLabels: string[];
  colLabels?: string[];
  title?: string;
  /** Colour range; default symmetric [-max|v|, max|v|] for 'diverging', [min, max] for 'sequential'. */
  zlim?: [number, number];
  colormap?: 'diverging' | 'sequential';
  /** Print each value in its cell with this many decimals (default 2; null = no values). */
  decimals?: number | null;
  /** Multiply printed values (e.g. 100 for "correlation x100"); colours use the unscaled values. */
  valueScale?: number;
  zlabel?: string;
}

/** Renders a labelled matrix (correlations, their differences) with cell values and a colour bar. */
export function renderHeatmap(h: Heatmap): string {
  const n = h.matrix.length, mcols = n ? h.matrix[0].length : 0;
  const cols = h.colLabels ?? h.rowLabels;
  const FS = 12;
  const cell = Math.max(22, Math.min(48, Math.floor(640 / Math.max(1, Math.max(n, mcols)))));
  const labW = Math.max(...h.rowLabels.map((s) => textWidth(s, FS)), 10) + 10;
  const colLabH = Math.max(...cols.map((s) => textWidth(s, FS)), 10) * 0.72 + 14;
  const top = (h.title ? 34 : 10), left = labW + 8;
  const gridW = cell * mcols, gridH = cell * n;
  const W = Math.ceil(left + gridW + 90), H = Math.ceil(top + gridH + colLabH + 10);
  let z0: number, z1: number;
  let vmax = 0, vmin = Infinity, vmax2 = -Infinity;
  for (const r of h.matrix) for (let j = 0; j < r.length; j++) if (Number.isFinite(r[j])) {
    vmax = Math.max(vmax, Math.abs(r[j])); vmin = Math.min(vmin, r[j]); vmax2 = Math.max(vmax2, r[j]);
  }
  const cmap = h.colormap ?? 'diverging';
  if (h.zlim) [z0, z1] = h.zlim;
  else if (cmap === 'diverging') { z0 = -(vmax || 1); z1 = vmax || 1; }
  else { z0 = Number.isFinite(vmin) ? vmin : 0; z1 = vmax2 > z0 ? vmax2 : z0 + 1; }
  const color = (v: number) => cmap === 'diverging' ? diverging((2 * (v - z0)) / (z1 - z0) - 1) : sequential((v - z0) / (z1 - z0));
  const dec = h.decimals === undefined ? 2 : h.decimals;
  const out: string[] = [`<rect width="${W}" height="${H}" fill="white"/>`];
  if (h.title) out.push(text(10, 22, label(h.title), { 'font-size': 15, 'font-weight': 'bold' }));
  for (let i = 0; i < n; i++) {
    const row = h.matrix[i];
    for (let j = 0; j < mcols; j++) {
      const v = row[j];
      const x = left + j * cell, y = top + i * cell;
      const fill = color(v);
      out.push(`<rect${attrs({ x, y, width: cell, height: cell, fill, stroke: 'white', 'stroke-width': 0.5 })}/>`);
      if (dec !== null && Number.isFinite(v) && cell >= 22) {
        const t = (cmap === 'diverging' ? Math.abs((2 * (v - z0)) / (z1 - z0) - 1) : (v - z0) / (z1 - z0));
        const shown = (v * (h.valueScale ?? 1)).toFixed(dec);
        out.push(text(x + cell / 2, y + cell / 2 + 4, shown === '-0' || /^-0\.0*$/.test(shown) ? shown.slice(1) : shown, {
          'text-anchor': 'middle', 'font-size': Math.min(11, cell / 3.2), fill: t > 0.6 ? 'white' : 'black',
        }));
      }
    }
    out.push(text(left - 6, top + i * cell + cell / 2 + 4, label(h.rowLabels[i]), { 'text-anchor': 'end', 'font-size': FS }));
  }
  for (let j = 0; j < mcols; j++) {
    const x = left + j * cell + cell / 2, y = top + gridH + 8;
    out.push(text(x, y, label(cols[j]), { 'text-anchor': 'end', 'font-size': FS, transform: `rotate(-45 ${px(x)} ${px(y)})` }));
  }
  out.push(`<rect${attrs({ x: left, y: top, width: gridW, height: gridH })} fill="none" stroke="black"/>`);
  // Colour bar.
  const bx = left + gridW + 16, bw = 14, steps = 40;
  for (let k = 0; k < steps; k++) {
    const v = z1 - ((k + 0.5) / steps) * (z1 - z0);
    out.push(`<rect${attrs({ x: bx, y: top + (k * gridH) / steps, width: bw, height: gridH / steps + 0.5, fill: color(v) })}/>`);
  }
  out.push(`<rect${attrs({ x: bx, y: top, width: bw, height: gridH })} fill="none" stroke="black"/>`);
  const sc = h.valueScale ?? 1;
  const fmt = (v: number) => Number((v * sc).toPrecision(3)).toString();
  out.push(text(bx + bw + 4, top + 10, fmt(z1), { 'font-size': 11 }));
  out.push(text(bx + bw + 4, top + gridH / 2 + 4, fmt((z0 + z1) / 2), { 'font-size': 11 }));
  out.push(text(bx + bw + 4, top + gridH, fmt(z0), { 'font-size': 11 }));
  if (h.zlabel) out.push(text(bx, top + gridH + 18, label(h.zlabel), { 'font-size': 11 }));
  return svgDoc(W, H, out.join('\n'));
}
