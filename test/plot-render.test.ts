import test from 'ava';
import { Resvg } from '@resvg/resvg-js';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { comparisonFigure, niceTicks, renderFigure, renderHeatmap, profileFigure, savePlot, linearScale, logScale } from '../src/plot/index.js';
import { tempDir } from './helpers/fixtures.js';

/** Rasterises at scale 1 and returns an RGBA pixel reader. */
function raster(svg: string): { w: number; h: number; at(x: number, y: number): [number, number, number, number] } {
  const img = new Resvg(svg, { background: 'white', font: { loadSystemFonts: true } }).render();
  const px = img.pixels;
  return { w: img.width, h: img.height, at: (x, y) => { const i = (Math.round(y) * img.width + Math.round(x)) * 4; return [px[i], px[i + 1], px[i + 2], px[i + 3]]; } };
}

test('nice ticks follow 1-2-5 steps', (t) => {
  t.deepEqual(niceTicks(0, 1, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  t.deepEqual(niceTicks(-3.7, 12.2, 4), [0, 5, 10]);
  t.deepEqual(niceTicks(0, 1000, 5), [0, 200, 400, 600, 800, 1000]);
  const lg = logScale([0.5, 2000], [0, 100]);
  t.deepEqual(lg.ticks().filter((k) => k.major).map((k) => k.value), [1, 10, 100, 1000]);
  t.true(Math.abs(lg.map(1) - 100 * (Math.log10(1 / 0.5) / Math.log10(4000))) < 1e-9);
  t.is(linearScale([0, 10], [100, 200]).map(2.5), 125);
});

test('a histogram bin is painted where the axis says it is', (t) => {
  // One filled bin [2, 3) of height 5 on x in [0, 10], y in [0, 10]: pixels inside the bin are the fill
  // colour, pixels in an empty bin are white.
  const svg = renderFigure({ width: 600, height: 400, main: { xlim: [0, 10], ylim: [0, 10], series: [
    { type: 'hist', edges: [0, 1, 2, 3, 4, 10], values: [0, 0, 5, 0, 0], color: '#ff0000', fill: 1 }] } });
  t.true(svg.startsWith('<svg'));
  const r = raster(svg);
  t.is(r.w, 600);
  // Plot area: left 78, right 24, top 16, bottom 52 (figure.ts margins without a title).
  const sx = linearScale([0, 10], [78, 600 - 24]);
  const sy = linearScale([0, 10], [400 - 52, 16]);
  const inside = r.at(sx.map(2.5), sy.map(2.5));
  t.deepEqual(inside.slice(0, 3), [255, 0, 0]);
  t.deepEqual(r.at(sx.map(5.5), sy.map(2.5)).slice(0, 3), [255, 255, 255]);
  t.deepEqual(r.at(sx.map(2.5), sy.map(7.5)).slice(0, 3), [255, 255, 255]);
});

test('comparison figure: ratio pad holds data/sim with propagated errors', (t) => {
  const fig = comparisonFigure({ edges: [0, 1, 2], data: { values: [10, 20], errors: [1, 2] }, sim: { values: [5, 40], errors: [0, 0] } });
  t.truthy(fig.ratio);
  const pts = fig.ratio!.series[0];
  if (pts.type !== 'points') return t.fail();
  t.deepEqual(Array.from(pts.y), [2, 0.5]);
  t.deepEqual(Array.from(pts.yerr!), [0.2, 0.05]);
  const svg = renderFigure(fig);
  t.regex(svg, /Data \/ sim\./);
  t.regex(svg, /Simulation/);
});

test('labels are escaped and sub/superscripts become tspans', (t) => {
  const svg = renderFigure({ main: { xlabel: 'p_{T} <a&b>', series: [{ type: 'line', x: [0, 1], y: [0, 1], label: 'x^{2}' }] } });
  t.regex(svg, /p<tspan baseline-shift="sub" font-size="70%">T<\/tspan> &lt;a&amp;b&gt;/);
  t.regex(svg, /x<tspan baseline-shift="super"/);
});

test('savePlot writes SVG and a PNG of twice the size; heatmap and profile render', async (t) => {
  const dir = tempDir();
  const h = renderHeatmap({ matrix: [[1, -0.5], [-0.5, 1]], rowLabels: ['a', 'b'], valueScale: 100, decimals: 0 });
  t.regex(h, />-50</);
  const saved = await savePlot(join(dir, 'heat'), h);
  t.true(existsSync(saved.svg));
  t.truthy(saved.png, saved.warning);
  const png = readFileSync(saved.png!);
  t.deepEqual([...png.subarray(1, 4)].map((c) => String.fromCharCode(c)).join(''), 'PNG');
  const width = png.readUInt32BE(16);
  t.is(width, 2 * Number(/width="(\d+)"/.exec(h)![1]));
  const p = renderFigure(profileFigure({ edges: [0, 1, 2], series: [{ label: 'data', median: [1, 2], q25: [0.5, 1.5], q75: [1.5, 2.5] }] }));
  // Band (2 bins -> one polygon) and median line are drawn.
  t.is((p.match(/fill-opacity="0.07"/g) ?? []).length, 1);
  t.is((p.match(/stroke-dasharray/g) ?? []).length, 2);
});
