/** `ntcorr fit` and `ntcorr toys` end to end, through the real CLI. */
import test from 'ava';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { fixture, tempDir } from './helpers/fixtures.js';
import { runCli } from './helpers/cli.js';
import { writeParquetTable } from '../src/io/parquet/index.js';

const dir = tempDir();
const data = join(dir, 'toy0.parquet');
const raw = readFileSync(fixture('toys', 'toys_0-9.f64.bin'));
const mass = new Float64Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + 3018 * 8));
const ref = JSON.parse(readFileSync(fixture('toys', 'reference_fits.json'), 'utf8')).toys[0];
const ready = writeParquetTable(data, [
  { name: 'mass', data: mass },
  { name: 'half', data: Int32Array.from(mass, (_, i) => i % 2) },
]);

test('ntcorr fit reproduces iminuit on fixture toy 0 and writes JSON + plot', async (t) => {
  await ready;
  const out = join(dir, 'res');
  const r = runCli(['fit', '--model', 'examples/fit/gauss-exp.yaml', '--data', data, '--column', 'mass', '--tol', '1e-6', '--out', out]);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /MIGRAD \+ HESSE: valid/);
  t.regex(r.stdout, /nsig\s+1057\.5/);
  const j = JSON.parse(readFileSync(`${out}.json`, 'utf8'));
  t.is(j.events.fitted, 3018);
  t.true(j.fit.valid);
  for (const [n, v] of Object.entries(ref.fit_tight.values as Record<string, number>)) {
    t.true(Math.abs(j.fit.parameters[n].value - v) < 0.01 * ref.fit_tight.errors[n], n);
    t.true(Math.abs(j.fit.parameters[n].error / ref.fit_tight.errors[n] - 1) < 1e-3, n);
  }
  t.true(Math.abs(j.fit.fmin - ref.fit_tight.fmin) < 1e-4);
  t.is(j.provenance.kind, 'fit');
  t.true(existsSync(`${out}.svg`));
  t.regex(readFileSync(`${out}.svg`, 'utf8'), /<svg/);
});

test('ntcorr fit --where selects rows; --binned and --minos run', async (t) => {
  await ready;
  const out = join(dir, 'half');
  const r = runCli(['fit', '--model', 'examples/fit/gauss-exp.yaml', '--data', data, '--column', 'mass', '--where', 'half == 1', '--binned', '120', '--minos', '--no-plot', '--out', out]);
  t.is(r.code, 0, r.stderr);
  const j = JSON.parse(readFileSync(`${out}.json`, 'utf8'));
  t.is(j.events.selected, 1509);
  t.is(j.binned, 120);
  t.true(j.fit.parameters.nsig.minos_valid);
  t.true(j.fit.parameters.nsig.minos_lower < 0 && j.fit.parameters.nsig.minos_upper > 0);
  // Half the events: the yields are about half of toy 0's.
  t.true(Math.abs(j.fit.parameters.nsig.value + j.fit.parameters.nbkg.value - 1509) < 1);
  t.false(existsSync(`${out}.svg`));
});

test('ntcorr fit: missing column and bad model are clear errors naming the file', async (t) => {
  await ready;
  const r = runCli(['fit', '--model', 'examples/fit/gauss-exp.yaml', '--data', data, '--column', 'mas', '--no-plot', '--out', join(dir, 'x')]);
  t.not(r.code, 0);
  t.regex(r.stderr, /toy0\.parquet: no column "mas"/);
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'observable: {name: m, range: [0, 1]}\nparameters: {a: 1}\ncomponents:\n  - {pdf: gauss, mu: a, sigma: b}\n');
  const r2 = runCli(['fit', '--model', bad, '--data', data, '--column', 'mass']);
  t.not(r2.code, 0);
  t.regex(r2.stderr, /bad\.yaml: .*unknown parameter "b"/);
});

test('ntcorr toys writes parquet, summary.yaml and plots; --help has examples', (t) => {
  const out = join(dir, 'toys');
  const r = runCli(['toys', '--model', 'examples/fit/gauss-exp-constrained.yaml', '-N', '30', '--seed', '4', '--jobs', '2', '--out', out, '--quiet']);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /30 toys in/);
  const s = parse(readFileSync(join(out, 'summary.yaml'), 'utf8'));
  t.is(s.toys, 30);
  t.is(s.seed, 4);
  t.true(s.fraction_valid > 0.9);
  t.true(existsSync(join(out, 'toys.parquet')));
  t.true(existsSync(join(out, 'plots', 'pull_sigma.svg')));
  const h = runCli(['toys', '--help']);
  t.regex(h.stdout, /Examples:/);
  t.regex(runCli(['fit', '--help']).stdout, /Examples:/);
});
