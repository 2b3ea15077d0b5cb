import { ROLE, paletteColor } from './colors.js';
import { linearScale, logScale, niceDomain, type Scale } from './scale.js';
import { FONT, attrs, esc, label, px, text, textWidth } from './svg.js';

/** A step histogram: `values[i]` over [edges[i], edges[i+1]); optional statistical errors drawn as bars. */
export interface HistSeries {
  type: 'hist';
  edges: ArrayLike<number>;
  values: ArrayLike<number>;
  errors?: ArrayLike<number>;
  label?: string;
  color?: string;
  /** Fill under the step line (alpha 0.25 unless given). */
  fill?: boolean | number;
  dashed?: boolean;
  width?: number;
  /** Draw `errors` as vertical bars at bin centres (default true when errors are given). */
  errorBars?: boolean;
}

/** Markers with optional error bars (data points, fit pulls, profile medians). */
export interface PointSeries {
  type: 'points';
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  yerr?: ArrayLike<number>;
  /** Half-widths drawn as horizontal bars (bin widths / 2 for binned data). */
  xerr?: ArrayLike<number>;
  label?: string;
  color?: string;
  marker?: 'circle' | 'square' | 'triangle';
  size?: number;
}

/** A polyline; non-finite y breaks the line. Use for fitted curves, loss curves, ROC curves. */
export interface LineSeries {
  type: 'line';
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  label?: string;
  color?: string;
  dashed?: boolean;
  width?: number;
  /** Draw as steps between x values (profiles of binned quantities) instead of straight segments. */
  step?: boolean;
}

/** A filled band between lo and hi (quantile bands, uncertainty bands). */
export interface BandSeries {
  type: 'band';
  x: ArrayLike<number>;
  lo: ArrayLike<number>;
  hi: ArrayLike<number>;
  label?: string;
  color?: string;
  opacity?: number;
  step?: boolean;
}

export type Series = HistSeries | PointSeries | LineSeries | BandSeries;

export interface Pad {
  series: Series[];
  xlabel?: string;
  ylabel?: string;
  logx?: boolean;
  logy?: boolean;
  xlim?: [number, number];
  ylim?: [number, number];
  /** Horizontal reference lines (1 in a ratio pad, 0 in a pull pad). */
  hlines?: number[];
  /** Vertical reference lines. */
  vlines?: number[];
  /** Legend placement in this pad (default 'upper right' when any series has a label). */
  legend?: 'upper right' | 'upper left' | 'lower right' | 'lower left' | 'none';
  /** Extra text lines drawn under the legend's corner on the other side (e.g. "barrel", "KS = 0.012"). */
  notes?: string[];
  grid?: boolean;
}

export interface Figure {
  title?: string;
  width?: number;
  height?: number;
  main: Pad;
  /** A lower pad sharing the x axis (ratio data/sim, pulls); x limits follow the main pad. */
  ratio?: Pad;
  /** Fraction of the plotting height taken by the ratio pad (default 0.28). */
  ratioFraction?: number;
}

const FS = 13;

let clipCounter = 0;

/** Renders a figure (one pad, or main + ratio pad sharing x) as a standalone SVG document. */
export function renderFigure(fig: Figure): string {
  const W = fig.width ?? 640;
  const H = fig.height ?? (fig.ratio ? 560 : 460);
  const m = { left: 78, right: 24, top: fig.title ? 36 : 16, bottom: 52 };
  const innerH = H - m.top - m.bottom;
  const gap = fig.ratio ? 8 : 0;
  const rFrac = fig.ratio ? fig.ratioFraction ?? 0.28 : 0;
  const mainH = (innerH - gap) * (1 - rFrac);
  const x0 = m.left, x1 = W - m.right;

  const xlim = fig.main.xlim ?? xExtent([fig.main, ...(fig.ratio ? [fig.ratio] : [])], !!fig.main.logx);
  const parts: string[] = [];
  parts.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="white"/>`);
  if (fig.title) parts.push(text(x0, 22, label(fig.title), { 'font-size': FS + 2, 'font-weight': 'bold' }));

  const mainBox = { x0, x1, y0: m.top, y1: m.top + mainH };
  parts.push(renderPad(fig.main, mainBox, xlim, { xTickLabels: !fig.ratio, xlabel: !fig.ratio }));
  if (fig.ratio) {
    const rBox = { x0, x1, y0: mainBox.y1 + gap, y1: H - m.bottom };
    const ratio: Pad = { ...fig.ratio, logx: fig.main.logx, xlabel: fig.ratio.xlabel ?? fig.main.xlabel };
    parts.push(renderPad(ratio, rBox, xlim, { xTickLabels: true, xlabel: true, yTicks: 4 }));
  }
  return svgDoc(W, H, parts.join('\n'));
}

export function svgDoc(W: number, H: number, body: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="${FONT}" font-size="${FS}">\n${body}\n</svg>\n`;
}

interface Box { x0: number; x1: number; y0: number; y1: number }

function renderPad(pad: Pad, box: Box, xlim: [number, number], o: { xTickLabels: boolean; xlabel: boolean; yTicks?: number }): string {
  const sx = (pad.logx ? logScale : linearScale)(xlim, [box.x0, box.x1]);
  const ylim = pad.ylim ?? yExtent(pad, xlim, !!pad.logy);
  const sy = (pad.logy ? logScale : linearScale)(ylim, [box.y1, box.y0]);
  const out: string[] = [];
  const clip = `clip${++clipCounter}`;
  out.push(`<clipPath id="${clip}"><rect${attrs({ x: box.x0, y: box.y0, width: box.x1 - box.x0, height: box.y1 - box.y0 })}/></clipPath>`);

  // Grid and reference lines under the data.
  const yt = sy.ticks(o.yTicks ?? 6);
  const xt = sx.ticks(Math.max(3, Math.round((box.x1 - box.x0) / 90)));
  if (pad.grid) {
    for (const t of yt) if (t.major) out.push(`<line${attrs({ x1: box.x0, x2: box.x1, y1: sy.map(t.value), y2: sy.map(t.value) })} stroke="#e5e5e5"/>`);
    for (const t of xt) if (t.major) out.push(`<line${attrs({ x1: sx.map(t.value), x2: sx.map(t.value), y1: box.y0, y2: box.y1 })} stroke="#e5e5e5"/>`);
  }
  const body: string[] = [];
  for (const h of pad.hlines ?? []) body.push(`<line${attrs({ x1: box.x0, x2: box.x1, y1: sy.map(h), y2: sy.map(h) })} stroke="#777" stroke-dasharray="4 3"/>`);
  for (const v of pad.vlines ?? []) body.push(`<line${attrs({ x1: sx.map(v), x2: sx.map(v), y1: box.y0, y2: box.y1 })} stroke="#777" stroke-dasharray="4 3"/>`);
  pad.series.forEach((s, i) => body.push(renderSeries(s, sx, sy, seriesColor(s, i))));
  out.push(`<g clip-path="url(#${clip})">${body.join('\n')}</g>`);

  // Frame with ticks inside on all four sides (physics convention).
  out.push(`<rect${attrs({ x: box.x0, y: box.y0, width: box.x1 - box.x0, height: box.y1 - box.y0 })} fill="none" stroke="black"/>`);
  const tk: string[] = [];
  for (const t of xt) {
    const x = sx.map(t.value);
    if (x < box.x0 - 0.5 || x > box.x1 + 0.5) continue;
    const len = t.major ? 8 : 4;
    tk.push(`M${px(x)} ${px(box.y1)}v${-len}M${px(x)} ${px(box.y0)}v${len}`);
    if (o.xTickLabels && t.label) out.push(text(x, box.y1 + 17, t.label, { 'text-anchor': 'middle' }));
  }
  for (const t of yt) {
    const y = sy.map(t.value);
    if (y < box.y0 - 0.5 || y > box.y1 + 0.5) continue;
    const len = t.major ? 8 : 4;
    tk.push(`M${px(box.x0)} ${px(y)}h${len}M${px(box.x1)} ${px(y)}h${-len}`);
    if (t.label) out.push(text(box.x0 - 6, y + 4.5, t.label, { 'text-anchor': 'end' }));
  }
  out.push(`<path d="${tk.join('')}" stroke="black" fill="none"/>`);
  // Axis titles at the far ends, as ROOT/matplotlib-HEP styles do.
  if (o.xlabel && pad.xlabel) out.push(text(box.x1, box.y1 + 40, label(pad.xlabel), { 'text-anchor': 'end', 'font-size': FS + 1 }));
  if (pad.ylabel) {
    const yx = box.x0 - 58, yy = box.y0;
    out.push(text(yx, yy, label(pad.ylabel), { 'text-anchor': 'end', transform: `rotate(-90 ${px(yx)} ${px(yy)})`, 'font-size': FS + 1 }));
  }
  out.push(renderLegend(pad, box));
  return out.join('\n');
}

function seriesColor(s: Series, i: number): string {
  return s.color ?? paletteColor(i);
}

function renderSeries(s: Series, sx: Scale, sy: Scale, color: string): string {
  switch (s.type) {
    case 'hist': return renderHist(s, sx, sy, color);
    case 'points': return renderPoints(s, sx, sy, color);
    case 'line': return renderLine(s, sx, sy, color);
    case 'band': return renderBand(s, sx, sy, color);
  }
}

/** Clamp pixel y so that huge/log-negative values do not produce absurd coordinates. */
function cy(sy: Scale, v: number): number {
  const [a, b] = sy.range;
  const lo = Math.min(a, b) - 50, hi = Math.max(a, b) + 50;
  return Math.max(lo, Math.min(hi, sy.map(v)));
}

function renderHist(s: HistSeries, sx: Scale, sy: Scale, color: string): string {
  const e = s.edges, v = s.values, n = v.length;
  const base = sy.log ? sy.range[0] + 50 : cy(sy, 0);
  let d = `M${px(sx.map(e[0]))} ${px(base)}`;
  for (let i = 0; i < n; i++) {
    const y = Number.isFinite(v[i]) ? cy(sy, v[i]) : base;
    d += `V${px(y)}H${px(sx.map(e[i + 1]))}`;
  }
  d += `V${px(base)}`;
  const out: string[] = [];
  if (s.fill) out.push(`<path d="${d}Z" fill="${color}" fill-opacity="${typeof s.fill === 'number' ? s.fill : 0.25}" stroke="none"/>`);
  out.push(`<path d="${d}"${attrs({ fill: 'none', stroke: color, 'stroke-width': s.width ?? 1.6, 'stroke-dasharray': s.dashed ? '6 4' : undefined })}/>`);
  if (s.errors && s.errorBars !== false) {
    let eb = '';
    for (let i = 0; i < n; i++) {
      if (!(s.errors[i] > 0) || !Number.isFinite(v[i])) continue;
      const x = sx.map(sx.log ? Math.sqrt(e[i] * e[i + 1]) : (e[i] + e[i + 1]) / 2);
      eb += `M${px(x)} ${px(cy(sy, v[i] - s.errors[i]))}V${px(cy(sy, v[i] + s.errors[i]))}`;
    }
    if (eb) out.push(`<path d="${eb}" stroke="${color}" stroke-width="1.2" fill="none"/>`);
  }
  return out.join('');
}

function marker(kind: PointSeries['marker'], x: number, y: number, r: number, color: string): string {
  if (kind === 'square') return `<rect${attrs({ x: x - r, y: y - r, width: 2 * r, height: 2 * r, fill: color })}/>`;
  if (kind === 'triangle') return `<path d="M${px(x)} ${px(y - r * 1.2)}L${px(x + r * 1.1)} ${px(y + r * 0.8)}H${px(x - r * 1.1)}Z" fill="${color}"/>`;
  return `<circle${attrs({ cx: x, cy: y, r, fill: color })}/>`;
}

function renderPoints(s: PointSeries, sx: Scale, sy: Scale, color: string): string {
  let bars = '', marks = '';
  const r = s.size ?? 3;
  for (let i = 0; i < s.x.length; i++) {
    const xv = s.x[i], yv = s.y[i];
    if (!Number.isFinite(xv) || !Number.isFinite(yv)) continue;
    if (sy.log && !(yv > 0)) continue;
    const X = sx.map(xv), Y = cy(sy, yv);
    if (s.yerr && s.yerr[i] > 0) bars += `M${px(X)} ${px(cy(sy, yv - s.yerr[i]))}V${px(cy(sy, yv + s.yerr[i]))}`;
    if (s.xerr && s.xerr[i] > 0) bars += `M${px(sx.map(xv - s.xerr[i]))} ${px(Y)}H${px(sx.map(xv + s.xerr[i]))}`;
    marks += marker(s.marker, X, Y, r, color);
  }
  return (bars ? `<path d="${bars}" stroke="${color}" stroke-width="1.2" fill="none"/>` : '') + marks;
}

function linePath(x: ArrayLike<number>, y: ArrayLike<number>, sx: Scale, sy: Scale, step: boolean): string {
  let d = '', pen = false;
  for (let i = 0; i < x.length; i++) {
    const ok = Number.isFinite(x[i]) && Number.isFinite(y[i]) && (!sy.log || y[i] > 0);
    if (!ok) { pen = false; continue; }
    const X = px(sx.map(x[i])), Y = px(cy(sy, y[i]));
    if (!pen) d += `M${X} ${Y}`;
    else d += step ? `H${X}V${Y}` : `L${X} ${Y}`;
    pen = true;
  }
  return d;
}

function renderLine(s: LineSeries, sx: Scale, sy: Scale, color: string): string {
  const d = linePath(s.x, s.y, sx, sy, !!s.step);
  return d ? `<path d="${d}"${attrs({ fill: 'none', stroke: color, 'stroke-width': s.width ?? 1.8, 'stroke-dasharray': s.dashed ? '6 4' : undefined, 'stroke-linejoin': 'round' })}/>` : '';
}

function renderBand(s: BandSeries, sx: Scale, sy: Scale, color: string): string {
  // One polygon per run of finite points (a gap in the band must not be bridged).
  const polys: string[] = [];
  let run: number[] = [];
  const flush = () => {
    if (run.length >= 1) {
      let d = '';
      const pts = (arr: ArrayLike<number>, idx: number[]) => idx.map((i) => [sx.map(s.x[i]), cy(sy, arr[i])] as const);
      const up = pts(s.hi, run), lo = pts(s.lo, [...run].reverse());
      const all = [...up, ...lo];
      all.forEach(([X, Y], k) => { d += `${k ? 'L' : 'M'}${px(X)} ${px(Y)}`; });
      polys.push(`<path d="${d}Z" fill="${color}" fill-opacity="${s.opacity ?? 0.3}" stroke="none"/>`);
    }
    run = [];
  };
  for (let i = 0; i < s.x.length; i++) {
    if (Number.isFinite(s.x[i]) && Number.isFinite(s.lo[i]) && Number.isFinite(s.hi[i])) run.push(i);
    else flush();
  }
  flush();
  return polys.join('');
}

function renderLegend(pad: Pad, box: Box): string {
  const items = pad.series.map((s, i) => ({ s, color: seriesColor(s, i) })).filter((it) => it.s.label);
  const notes = pad.notes ?? [];
  const where = pad.legend ?? 'upper right';
  if (where === 'none' || (items.length === 0 && notes.length === 0)) return '';
  const lh = FS + 5, sw = 24;
  const wid = Math.max(0, ...items.map((it) => textWidth(it.s.label!, FS))) + sw + 14;
  const right = where.endsWith('right');
  const top = where.startsWith('upper');
  const x = right ? box.x1 - wid - 8 : box.x0 + 12;
  const hgt = items.length * lh;
  const y = top ? box.y0 + 10 : box.y1 - hgt - 10;
  const out: string[] = [];
  items.forEach((it, k) => {
    const yy = y + k * lh + lh / 2;
    const s = it.s;
    if (s.type === 'points') {
      out.push(`<path d="M${px(x + sw / 2)} ${px(yy - 6)}v12" stroke="${it.color}"/>`);
      out.push(marker(s.marker, x + sw / 2, yy, s.size ?? 3, it.color));
    } else if (s.type === 'band') {
      out.push(`<rect${attrs({ x, y: yy - 6, width: sw, height: 12, fill: it.color, 'fill-opacity': s.opacity ?? 0.3 })}/>`);
    } else {
      if (s.type === 'hist' && s.fill) out.push(`<rect${attrs({ x, y: yy - 6, width: sw, height: 12, fill: it.color, 'fill-opacity': 0.25 })}/>`);
      out.push(`<path d="M${px(x)} ${px(yy)}h${sw}"${attrs({ stroke: it.color, 'stroke-width': 2, 'stroke-dasharray': s.dashed ? '6 4' : undefined })}/>`);
    }
    out.push(text(x + sw + 6, yy + 4.5, label(s.label!)));
  });
  // Notes go in the opposite upper corner so they never collide with the legend.
  notes.forEach((n, k) => {
    const nx = right ? box.x0 + 12 : box.x1 - 12;
    out.push(text(nx, box.y0 + 10 + (k + 0.5) * lh + 4.5, label(n), { 'text-anchor': right ? 'start' : 'end' }));
  });
  return `<g>${out.join('')}</g>`;
}

/* ---------- automatic limits ---------- */

function xValues(s: Series): ArrayLike<number> {
  return s.type === 'hist' ? s.edges : s.x;
}

function xExtent(pads: Pad[], log: boolean): [number, number] {
  let lo = Infinity, hi = -Infinity;
  for (const p of pads) for (const s of p.series) {
    const xs = xValues(s);
    for (let i = 0; i < xs.length; i++) {
      let v = xs[i];
      if (!Number.isFinite(v) || (log && !(v > 0))) continue;
      if (s.type === 'points' && s.xerr) { lo = Math.min(lo, v - s.xerr[i]); hi = Math.max(hi, v + s.xerr[i]); }
      lo = Math.min(lo, v); hi = Math.max(hi, v);
      v = 0;
    }
  }
  if (!Number.isFinite(lo)) return log ? [1, 10] : [0, 1];
  if (pads[0].series.every((s) => s.type === 'hist') || log) return [lo, hi];
  return hi > lo ? [lo, hi] : [lo - 0.5, hi + 0.5];
}

function yExtent(pad: Pad, xlim: [number, number], log: boolean): [number, number] {
  let lo = Infinity, hi = -Infinity, minPos = Infinity;
  const see = (v: number) => {
    if (!Number.isFinite(v)) return;
    lo = Math.min(lo, v); hi = Math.max(hi, v);
    if (v > 0) minPos = Math.min(minPos, v);
  };
  let hasHist = false, histNonNeg = true;
  for (const s of pad.series) {
    if (s.type === 'hist') {
      hasHist = true;
      for (let i = 0; i < s.values.length; i++) {
        if (s.edges[i + 1] < xlim[0] || s.edges[i] > xlim[1]) continue;
        if (s.values[i] < 0) histNonNeg = false;
        see(s.values[i]);
        if (s.errors) see(s.values[i] + s.errors[i]);
      }
    } else if (s.type === 'points') {
      for (let i = 0; i < s.y.length; i++) { see(s.y[i]); if (s.yerr) { see(s.y[i] + s.yerr[i]); if (!log) see(s.y[i] - s.yerr[i]); } }
    } else if (s.type === 'line') {
      for (let i = 0; i < s.y.length; i++) see(s.y[i]);
    } else {
      for (let i = 0; i < s.lo.length; i++) { see(s.lo[i]); see(s.hi[i]); }
    }
  }
  for (const h of pad.hlines ?? []) see(h);
  if (!Number.isFinite(lo)) return log ? [0.1, 10] : [0, 1];
  const legendRoom = pad.series.some((s) => s.label) ? 1.35 : 1.08;
  if (log) {
    const a = Number.isFinite(minPos) ? minPos / 2 : 0.1;
    const b = hi > 0 ? hi : 1;
    const span = Math.log10(b / a);
    return [a, b * 10 ** (span * (legendRoom - 1) + 0.1)];
  }
  // Histograms of counts start at 0 even when an error bar reaches below it.
  if (hasHist && histNonNeg) return [0, hi * legendRoom || 1];
  const pad5 = (hi - lo) * 0.05 || Math.abs(hi) * 0.1 || 1;
  const [a, b] = niceDomain(lo - pad5, hi + pad5 + (legendRoom - 1) * (hi - lo));
  return [a, b];
}

/** Colours of the data/sim/corrected convention, re-exported for callers composing comparison plots. */
export { ROLE, esc };
