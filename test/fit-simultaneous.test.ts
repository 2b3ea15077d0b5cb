/**
 * Simultaneous fits: two categories with their own ranges and components sharing a parameter, one NLL with
 * the constraint added once; MIGRAD, HESSE and MINOS against iminuit 2.11 on the same data
 * (test/data/fits/sim.json from scripts/ref/iminuit-fits.py); the CLI with --data CAT=FILE:COLUMN and
 * per-category plots; toys that generate every category.
 */
import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, tempDir } from './helpers/fixtures.js';
import { runCli } from './helpers/cli.js';
import { buildModel, loadModel, modelCategories, readModelDoc } from '../src/fit/model.js';
import { fitModel, buildNll } from '../src/fit/fit-run.js';
import { UnbinnedNll } from '../src/fit/nll.js';
import { writeParquetTable } from '../src/io/parquet/index.js';
import { runToys } from '../src/fit/toys/run-toy.js';
import { generateModelToy, toyRng } from '../src/fit/toys/generate.js';

const dir = join(ROOT, 'test', 'data', 'fits');
const ref = JSON.parse(readFileSync(join(dir, 'sim.json'), 'utf8'));
const f64 = (file: string): Float64Array => {
  const raw = readFileSync(join(dir, file));
  return new Float64Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
};
const ee = f64('zlike.f64.bin');
const mm = f64('zmm.f64.bin');
const EXAMPLE = join(ROOT, 'examples', 'fit', 'sim-2cat.yaml');
const want = ref.fit_tight;

test('the example model has two categories with their own ranges sharing mu', (t) => {
  const m = loadModel(EXAMPLE);
  const cats = modelCategories(m);
  t.deepEqual(cats.map((c) => c.category), ['ee', 'mm']);
  t.deepEqual(cats.map((c) => [c.observable.lo, c.observable.hi]), [ref.categories.ee.range, ref.categories.mm.range]);
  t.is(cats[0].params, cats[1].params);
  t.is(m.constraints.length, 1);
  t.true(cats.every((c) => c.constraints.length === 0));
  // The simultaneous NLL is the sum of the categories' NLLs plus the constraint, at any point.
  const p = Float64Array.from(m.params, (q) => q.value * 1.01);
  const sum = new UnbinnedNll(cats[0], ee).value(p) + new UnbinnedNll(cats[1], mm).value(p) + 0.5 * ((p[6] - 1.9) / 0.2) ** 2;
  t.true(Math.abs(buildNll(m, [ee, mm]).value(p) - sum) < 1e-9 * Math.abs(sum));
});

test('simultaneous MIGRAD + HESSE + MINOS match iminuit', (t) => {
  const m = loadModel(EXAMPLE);
  const rep = fitModel(m, [ee, mm], { minos: ['mu', 'nsig_mm'] });
  const r = rep.result;
  t.true(r.valid);
  t.deepEqual(r.names, ref.parameters);
  t.true(Math.abs(r.fmin - want.fmin) < 1e-4, `fmin ${r.fmin} vs ${want.fmin}`);
  ref.parameters.forEach((n: string, i: number) => {
    t.true(Math.abs(r.values[i] - want.values[n]) < 0.02 * want.errors[n], `${n}: ${r.values[i]} vs ${want.values[n]}`);
    t.true(Math.abs(r.errors[i] / want.errors[n] - 1) < 3e-3, `${n} error ${r.errors[i]} vs ${want.errors[n]}`);
  });
  // The shared mu is correlated with both categories' parameters exactly as in iminuit.
  const cov = want.covariance as number[][];
  for (let a = 0; a < 9; a++) {
    for (let b = 0; b < 9; b++) {
      const rho = r.covariance[a][b] / (r.errors[a] * r.errors[b]);
      const rhoRef = cov[a][b] / Math.sqrt(cov[a][a] * cov[b][b]);
      t.true(Math.abs(rho - rhoRef) < 3e-3, `rho ${ref.parameters[a]},${ref.parameters[b]}: ${rho} vs ${rhoRef}`);
    }
  }
  for (const n of ['mu', 'nsig_mm']) {
    const mi = rep.minos[n];
    t.true(mi.lowerValid && mi.upperValid);
    t.true(Math.abs(mi.lower / want.minos[n].lower - 1) < 5e-3, `${n} minos lower ${mi.lower} vs ${want.minos[n].lower}`);
    t.true(Math.abs(mi.upper / want.minos[n].upper - 1) < 5e-3, `${n} minos upper ${mi.upper} vs ${want.minos[n].upper}`);
  }
});

test('categories: YAML errors name the category path', (t) => {
  const doc = readModelDoc(EXAMPLE) as Record<string, any>;
  const bad = structuredClone(doc);
  bad.categories.mm.observable.rnage = [1, 2];
  t.regex(t.throws(() => buildModel(bad, 's.yaml'))!.message, /s\.yaml: categories\.mm\.observable\.rnage: unknown key \(did you mean range\?\)/);
  const bad2 = structuredClone(doc);
  bad2.observable = { name: 'm', range: [0, 1] };
  t.regex(t.throws(() => buildModel(bad2, 's.yaml'))!.message, /s\.yaml: observable: unknown key; allowed here: parameters, categories, constraints/);
  const bad3 = structuredClone(doc);
  bad3.categories.mm.components[0].mu = 200;
  t.regex(t.throws(() => buildModel(bad3, 's.yaml'))!.message, /categories\.mm\.components\.signal \(gauss\): no support/);
});

test('toys generate every category in its own range and fit them together', (t) => {
  const m = loadModel(EXAMPLE);
  const gen = Float64Array.from(m.params, (p) => p.value);
  const toy = generateModelToy(m, gen, toyRng(3, 0), 'all');
  t.is(toy.datasets.length, 2);
  const cats = modelCategories(m);
  toy.datasets.forEach((d, k) => {
    t.true(d.xs.every((x) => x >= cats[k].observable.lo && x <= cats[k].observable.hi));
    // Poisson-fluctuated yields around 1400 + 1100 and 1100 + 900.
    t.true(Math.abs(d.xs.length - [2500, 2000][k]) < 5 * Math.sqrt([2500, 2000][k]));
  });
  const results: Array<{ valid: boolean; events: number; values: Float64Array }> = [];
  runToys(m, 0, 4, { seed: 3, vary: 'all' }, (r) => results.push(r));
  t.is(results.length, 4);
  t.true(results.every((r) => r.valid));
  t.is(results[0].events, toy.datasets[0].xs.length + toy.datasets[1].xs.length);
  t.true(results.every((r) => Math.abs(r.values[4] - 91) < 0.5));
});

test('ntcorr fit --data ee=FILE:COLUMN --data mm=FILE:COLUMN writes one JSON and a plot per category', async (t) => {
  const tmp = tempDir();
  const fe = join(tmp, 'ee.parquet');
  const fm = join(tmp, 'mm.parquet');
  await writeParquetTable(fe, [{ name: 'mass', data: ee }]);
  await writeParquetTable(fm, [{ name: 'm_mumu', data: mm }]);
  const out = join(tmp, 'sim');
  const r = runCli(['fit', '--model', EXAMPLE, '--data', `ee=${fe}`, '--data', `mm=${fm}:m_mumu`, '--column', 'mass', '--out', out]);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /\[ee\] .*ee\.parquet: 2500 rows/);
  t.regex(r.stdout, /\[mm\] .*mm\.parquet: 2000 rows/);
  const j = JSON.parse(readFileSync(`${out}.json`, 'utf8'));
  t.true(j.fit.valid);
  t.is(j.categories.mm.column, 'm_mumu');
  t.is(j.categories.ee.events.fitted, 2500);
  t.true(Math.abs(j.fit.parameters.mu.value - want.values.mu) < 0.02 * want.errors.mu);
  t.true(existsSync(`${out}_ee.svg`) && existsSync(`${out}_mm.svg`));
  const miss = runCli(['fit', '--model', EXAMPLE, '--data', `ee=${fe}`, '--column', 'mass', '--no-plot', '--out', out]);
  t.not(miss.code, 0);
  t.regex(miss.stderr, /--data: no data for category mm/);
  const unk = runCli(['fit', '--model', EXAMPLE, '--data', `ee=${fe}`, '--data', `tt=${fm}`, '--column', 'mass', '--no-plot', '--out', out]);
  t.regex(unk.stderr, /unknown category "tt"/);
});
