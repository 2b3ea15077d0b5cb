/**
 * The added fit PDFs against scipy (test/data/fits/pdfs.json from scripts/ref/scipy-pdfs.py): Johnson SU,
 * Student t, Breit-Wigner, Voigtian, ARGUS (analytic or numerical normalisation on the range), Gaussian KDE
 * (exact, FFT, adaptive, smeared; Scott/Silverman widths as scipy.stats.gaussian_kde) and binned templates
 * (plain and Gaussian-smeared); samples follow each; a fit with a KDE signal shape.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './helpers/fixtures.js';
import { makePdf, type PdfKind } from '../src/fit/pdfs/index.js';
import { Kde, Template } from '../src/fit/pdfs/nonparametric.js';
import { Xoshiro128ss } from '../src/core/random.js';
import { buildModel } from '../src/fit/model.js';
import { fitModel } from '../src/fit/fit-run.js';

const ref = JSON.parse(readFileSync(join(ROOT, 'test', 'data', 'fits', 'pdfs.json'), 'utf8'));
const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);

test('parametric shapes match scipy: normalised density and interval fractions to 1e-9', (t) => {
  t.true(ref.cases.length >= 15);
  for (const c of ref.cases) {
    const [lo, hi] = c.range;
    const pdf = makePdf(c.kind as PdfKind, lo, hi);
    t.is(pdf.check(c.params), null);
    const xs = Float64Array.from(c.x as number[]);
    const out = new Float64Array(xs.length);
    pdf.density(xs, c.params, out);
    c.density.forEach((d: number, i: number) => t.true(rel(out[i], d) < 1e-9 || Math.abs(out[i] - d) < 1e-14, `${c.name} ${c.params} at ${xs[i]}: ${out[i]} vs ${d}`));
    c.intervals.forEach(([a, b]: [number, number], k: number) => t.true(rel(pdf.integral(a, b, c.params), c.fractions[k]) < 1e-9 || Math.abs(pdf.integral(a, b, c.params) - c.fractions[k]) < 1e-15, `${c.name} ${c.params} [${a}, ${b}]: ${pdf.integral(a, b, c.params)} vs ${c.fractions[k]}`));
    t.true(rel(pdf.integral(lo, hi, c.params), 1) < 1e-12);
  }
});

test('parameter domains are checked', (t) => {
  t.regex(makePdf('johnsonsu', 0, 1).check([0, -1, 0, 1])!, /lambda must be > 0/);
  t.regex(makePdf('studentt', 0, 1).check([0, 1, 0])!, /nu must be > 0/);
  t.regex(makePdf('breitwigner', 0, 1).check([0, 0])!, /width must be > 0/);
  t.regex(makePdf('voigtian', 0, 1).check([0, 1, -1])!, /sigma must be > 0/);
  t.regex(makePdf('argus', 5, 6).check([4, -1, 0.5])!, /m0 \(4\) must be above/);
});

test('samples follow each new PDF (chi-square over 24 bins of 30k draws)', (t) => {
  const rng = Xoshiro128ss.fromSeedAndStream(99, 1);
  const k = ref.kde;
  const shapes: Array<[string, ReturnType<typeof makePdf>, number[]]> = ref.cases.map((c: any) => [c.name, makePdf(c.kind, c.range[0], c.range[1]), c.params]);
  shapes.push(['kde', new Kde(60, 120, { samples: Float64Array.from(k.samples), bandwidth: 1.2, adaptive: true, method: 'exact', smear: true }), [0.8]]);
  shapes.push(['template', new Template(60, 120, { edges: Float64Array.from(ref.template.edges), counts: Float64Array.from(ref.template.counts), smear: true }), [1.7]]);
  for (const [name, pdf, p] of shapes) {
    const n = 30_000;
    const xs = new Float64Array(n);
    pdf.sample(rng, p, n, xs, 0);
    const nb = 24;
    const counts = new Float64Array(nb);
    const { lo, hi } = pdf;
    for (const x of xs) counts[Math.min(nb - 1, Math.floor(((x - lo) / (hi - lo)) * nb))]++;
    t.true(xs.every((x) => x >= lo && x <= hi));
    let chi2 = 0;
    let ndf = -1;
    for (let b = 0; b < nb; b++) {
      const e = n * pdf.integral(lo + ((hi - lo) * b) / nb, lo + ((hi - lo) * (b + 1)) / nb, p);
      if (e < 5) continue;
      chi2 += (counts[b] - e) ** 2 / e;
      ndf++;
    }
    t.true(chi2 < ndf + 5 * Math.sqrt(2 * ndf), `${name}: chi2 ${chi2.toFixed(1)} / ${ndf}`);
  }
});

test('KDE matches scipy.stats.gaussian_kde (Scott; weighted Silverman) and the adaptive / smeared references', (t) => {
  const k = ref.kde;
  const xs = Float64Array.from(k.x);
  const out = new Float64Array(xs.length);
  const check = (pdf: Kde, want: number[], p: number[], tol: number, label: string) => {
    pdf.density(xs, p, out);
    const peak = Math.max(...want);
    want.forEach((d, i) => t.true(rel(out[i], d) < tol || Math.abs(out[i] - d) < (label === 'fft' ? tol * peak : 1e-12), `${label} at ${xs[i]}: ${out[i]} vs ${d}`));
  };
  const samples = Float64Array.from(k.samples);
  const weights = Float64Array.from(k.weights);
  const scott = new Kde(60, 120, { samples, bandwidth: 'scott', adaptive: false, method: 'exact', smear: false });
  t.true(rel(scott.h, k.scott.h) < 1e-12);
  check(scott, k.scott.density, [], 1e-10, 'scott');
  const silv = new Kde(60, 120, { samples, weights, bandwidth: 'silverman', adaptive: false, method: 'exact', smear: false });
  t.true(rel(silv.h, k.silverman_weighted.h) < 1e-12, `${silv.h} vs ${k.silverman_weighted.h}`);
  check(silv, k.silverman_weighted.density, [], 1e-10, 'silverman weighted');
  check(new Kde(60, 120, { samples, bandwidth: 1.2, adaptive: true, method: 'exact', smear: false }), k['adaptive_h1.2'].density, [], 1e-10, 'adaptive');
  check(new Kde(60, 120, { samples, bandwidth: 1.2, adaptive: false, method: 'exact', smear: true }), k['fixed_h1.2_smear0.8'].density, [0.8], 1e-10, 'smeared');
  // FFT on a 4096-point grid: linear interpolation, ~(dx/h)^2 relative.
  check(new Kde(60, 120, { samples, bandwidth: 1.2, adaptive: false, method: 'fft', smear: true }), k['fixed_h1.2_smear0.8'].density, [0.8], 2e-4, 'fft');
  const fft = new Kde(60, 120, { samples, bandwidth: 1.2, adaptive: false, method: 'fft', smear: false });
  t.true(rel(fft.integral(60, 120, []), 1) < 1e-12);
  t.throws(() => new Kde(60, 120, { samples, bandwidth: 1, adaptive: true, method: 'fft', smear: false }), { message: /adaptive widths need method: exact/ });
});

test('templates: plain histogram and Gaussian-smeared convolution match the references', (t) => {
  const r = ref.template;
  const xs = Float64Array.from(r.x);
  const out = new Float64Array(xs.length);
  const edges = Float64Array.from(r.edges);
  const counts = Float64Array.from(r.counts);
  new Template(60, 120, { edges, counts, smear: false }).density(xs, [], out);
  r.density.forEach((d: number, i: number) => t.true(rel(out[i], d) < 1e-12, `plain at ${xs[i]}`));
  const sm = new Template(60, 120, { edges, counts, smear: true });
  sm.density(xs, [r.smear], out);
  r.density_smeared.forEach((d: number, i: number) => t.true(rel(out[i], d) < 1e-9, `smeared at ${xs[i]}: ${out[i]} vs ${d}`));
  t.true(rel(sm.integral(70, 90, [r.smear]), r.fraction_smeared_70_90) < 1e-9);
  t.true(rel(sm.integral(60, 120, [r.smear]), 1) < 1e-12);
});

test('a fit with a KDE signal shape from simulation and a smeared template: YAML, yields recovered', (t) => {
  const rng = Xoshiro128ss.fromSeedAndStream(5, 5);
  const mc = Float64Array.from({ length: 2000 }, () => 91 + 2.5 * rng.normal());
  const yaml = (pdf: Record<string, unknown>) => buildModel({
    observable: { name: 'm', range: [60, 120] },
    parameters: { nsig: { value: 900, step: 30 }, nbkg: { value: 600, step: 30 }, lam: { value: -0.02, step: 0.002 }, res: { value: 0.5, step: 0.1, limits: [0, 5] } },
    components: [{ name: 'signal', ...pdf, yield: 'nsig' }, { name: 'background', pdf: 'exponential', lambda: 'lam', yield: 'nbkg' }],
  }, 'kde.yaml');
  // Data: the same shape widened by a 1.5 resolution, plus background.
  const sig = makePdf('gauss', 60, 120);
  const bkg = makePdf('exponential', 60, 120);
  const data = new Float64Array(1600);
  sig.sample(rng, [91, Math.hypot(2.5, 1.5)], 1000, data, 0);
  bkg.sample(rng, [-0.03], 600, data, 1000);
  for (const spec of [{ pdf: 'kde', samples: Array.from(mc), bandwidth: 'scott', smear: 'res' }, { pdf: 'kde', samples: Array.from(mc), method: 'fft', smear: 'res' }, { pdf: 'template', samples: Array.from(mc), bins: 120, smear: 'res' }]) {
    const m = yaml(spec);
    const r = fitModel(m, data).result;
    t.true(r.valid, `${spec.pdf} ${'method' in spec ? spec.method : ''}`);
    t.true(Math.abs(r.values[0] - 1000) < 3 * r.errors[0], `nsig ${r.values[0]} +- ${r.errors[0]}`);
    t.true(Math.abs(r.values[3] - 1.5) < 0.4, `resolution ${r.values[3]}`);
  }
  t.regex(t.throws(() => yaml({ pdf: 'kde', samples: [1, 2, 3], bandwith: 2 }))!.message, /bandwith: unknown key \(did you mean bandwidth\?\)/);
  t.regex(t.throws(() => yaml({ pdf: 'kde' }))!.message, /kde\.yaml: components\.signal \(kde\) needs samples/);
});

test('ntcorr fit and toys: kde samples read from a simulation file named in the model (relative path)', async (t) => {
  const { tempDir } = await import('./helpers/fixtures.js');
  const { runCli } = await import('./helpers/cli.js');
  const { writeParquetTable } = await import('../src/io/parquet/index.js');
  const { writeFileSync } = await import('node:fs');
  const dir = tempDir();
  const rng = Xoshiro128ss.fromSeedAndStream(8, 8);
  await writeParquetTable(join(dir, 'mc.parquet'), [{ name: 'mass', data: Float64Array.from({ length: 3000 }, () => 91 + 2.5 * rng.normal()) }]);
  const data = new Float64Array(1500);
  makePdf('gauss', 60, 120).sample(rng, [91, 2.5], 1000, data, 0);
  makePdf('exponential', 60, 120).sample(rng, [-0.03], 500, data, 1000);
  await writeParquetTable(join(dir, 'data.parquet'), [{ name: 'mass', data }]);
  writeFileSync(join(dir, 'm.yaml'), [
    'observable: {name: mass, range: [60, 120]}',
    'parameters: {nsig: {value: 900, step: 30}, nbkg: {value: 600, step: 30}, lam: {value: -0.02, step: 0.002}}',
    'components:',
    '  - {name: signal, pdf: kde, samples: {file: mc.parquet, column: mass}, bandwidth: silverman, yield: nsig}',
    '  - {name: background, pdf: exponential, lambda: lam, yield: nbkg}',
  ].join('\n'));
  const r = runCli(['fit', '--model', join(dir, 'm.yaml'), '--data', join(dir, 'data.parquet'), '--column', 'mass', '--no-plot', '--out', join(dir, 'fit')]);
  t.is(r.code, 0, r.stderr);
  const j = JSON.parse(readFileSync(join(dir, 'fit.json'), 'utf8'));
  t.true(Math.abs(j.fit.parameters.nsig.value - 1000) < 3 * j.fit.parameters.nsig.error);
  const toys = runCli(['toys', '--model', join(dir, 'm.yaml'), '-N', '6', '--jobs', '2', '--seed', '1', '--out', join(dir, 'toys'), '--quiet']);
  t.is(toys.code, 0, toys.stderr);
  t.regex(toys.stdout, /6 toys in/);
});
