/**
 * sPlot sWeights against a numpy sPlot of the same fit (test/data/fits/splot.json from
 * scripts/ref/iminuit-fits.py), and `ntcorr fit --sweights` writing them as columns beside the data, in place:
 * every original column and row kept, NaN for rows not fitted.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, tempDir } from './helpers/fixtures.js';
import { runCli } from './helpers/cli.js';
import { buildModel } from '../src/fit/model.js';
import { computeSWeights } from '../src/fit/splot.js';
import { writeParquetTable } from '../src/io/parquet/index.js';
import { openTable } from '../src/io/formats.js';

const dir = join(ROOT, 'test', 'data', 'fits');
const ref = JSON.parse(readFileSync(join(dir, 'splot.json'), 'utf8'));
const raw = readFileSync(join(dir, 'zlike.f64.bin'));
const xs = new Float64Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
const modelDoc = {
  observable: { name: 'mass', range: [60, 120] },
  parameters: { nsig: { value: 1400, step: 30 }, nbkg: { value: 1100, step: 30 }, mu: { value: 91, step: 0.5 }, sigma: { value: 3, step: 0.1 }, lam: { value: -0.02, step: 0.002 } },
  components: [
    { name: 'signal', pdf: 'gauss', mu: 'mu', sigma: 'sigma', yield: 'nsig' },
    { name: 'background', pdf: 'exponential', lambda: 'lam', yield: 'nbkg' },
  ],
};

test('sWeights match a numpy sPlot at the same fitted values', (t) => {
  const m = buildModel(modelDoc);
  const v = ref.values;
  const sw = computeSWeights(m, [v.nsig, v.nbkg, v.mu, v.sigma, v.lam], xs);
  t.deepEqual(sw.names, ref.components);
  ref.components.forEach((c: string, k: number) => {
    ref.first_100[c].forEach((want: number, e: number) => t.true(Math.abs(sw.weights[k][e] - want) < 1e-9 * Math.max(1, Math.abs(want)), `${c}[${e}]`));
    const sum = sw.weights[k].reduce((a, b) => a + b, 0);
    t.true(Math.abs(sum - ref.sums[k]) < 1e-7 * Math.abs(ref.sums[k]));
    t.true(Math.abs(sw.weights[k].reduce((a, b) => a + b * b, 0) / ref.sum_squares[k] - 1) < 1e-9);
    t.true(Math.abs(sw.weights[k].reduce((a, b, e) => a + b * xs[e], 0) / ref.checksum_x[k] - 1) < 1e-9);
  });
  for (let a = 0; a < 2; a++) for (let b = 0; b < 2; b++) t.true(Math.abs(sw.covariance[a][b] / ref.yield_covariance[a][b] - 1) < 1e-9);
  // The sWeights of a component sum to its yield (at the fitted point, where the extended NLL is stationary).
  t.true(Math.abs(ref.sums[0] - v.nsig) < 0.05);
});

test('ntcorr fit --sweights writes sw_<component> columns in place, NaN outside the range', async (t) => {
  const tmp = tempDir();
  const file = join(tmp, 'data.parquet');
  // Two extra rows outside the range (kept, NaN sWeights) and an extra column that must survive.
  const mass = Float64Array.from([...xs, 10, 500]);
  const id = Int32Array.from(mass, (_, i) => i);
  await writeParquetTable(file, [{ name: 'mass', data: mass }, { name: 'id', data: id }]);
  const model = join(tmp, 'm.yaml');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(model, JSON.stringify(modelDoc));
  const r = runCli(['fit', '--model', model, '--data', file, '--column', 'mass', '--sweights', '--no-plot', '--out', join(tmp, 'fit')]);
  t.is(r.code, 0, r.stderr);
  const src = await openTable(file);
  t.is(src.rows, mass.length);
  t.deepEqual(src.columns.map((c) => c.name), ['mass', 'id', 'sw_signal', 'sw_background']);
  t.true(src.provenance.some((p) => p.kind === 'sweights'));
  const got: Record<string, number[]> = { mass: [], id: [], sw_signal: [] };
  for await (const ch of src.chunks(['mass', 'id', 'sw_signal'], 1000)) for (const k of Object.keys(got)) got[k].push(...Array.from(ch.columns.get(k) as ArrayLike<number>));
  await src.close();
  t.deepEqual(got.mass, Array.from(mass));
  t.deepEqual(got.id, Array.from(id));
  t.true(Number.isNaN(got.sw_signal[mass.length - 1]) && Number.isNaN(got.sw_signal[mass.length - 2]));
  const j = JSON.parse(readFileSync(join(tmp, 'fit.json'), 'utf8'));
  t.true(Math.abs(j.sweights.sums.signal - j.fit.parameters.nsig.value) < 0.5);
  t.true(Math.abs(got.sw_signal[0] - ref.first_100.signal[0]) < 1e-3);
  // A second run would clash with the columns: an error, the file untouched.
  const before = readFileSync(file);
  const r2 = runCli(['fit', '--model', model, '--data', file, '--column', 'mass', '--sweights', '--no-plot', '--out', join(tmp, 'fit2')]);
  t.not(r2.code, 0);
  t.regex(r2.stderr, /already has a column "sw_signal"/);
  t.deepEqual(readFileSync(file), before);
});

test('fit --sweights takes the in-place lock: a held lock fails at once (file untouched); with --wait-lock it waits, then writes', async (t) => {
  const { writeFileSync, existsSync } = await import('node:fs');
  const { lockFile, lockPathFor } = await import('../src/core/lock.js');
  const { spawnCli } = await import('./helpers/cli.js');
  const tmp = tempDir();
  const file = join(tmp, 'data.parquet');
  await writeParquetTable(file, [{ name: 'mass', data: Float64Array.from(xs) }]);
  const model = join(tmp, 'm.yaml');
  writeFileSync(model, JSON.stringify(modelDoc));
  const args = ['fit', '--model', model, '--data', file, '--column', 'mass', '--sweights', '--no-plot', '--out', join(tmp, 'fit')];
  const held = await lockFile(file);
  const before = readFileSync(file);
  const r = runCli(args);
  t.is(r.code, 1, r.stderr);
  t.regex(r.stderr, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: locked by another ntcorr run \\(process ${process.pid} on .*--wait-lock`));
  t.deepEqual(readFileSync(file), before, 'the data file is untouched');
  t.false(existsSync(join(tmp, 'fit.json')), 'nothing was fitted or written');
  // --wait-lock: the run says it waits, does not touch the file while the lock is held, and goes on once released
  const child = spawnCli([...args, '--wait-lock', '300']);
  let stderr = '';
  const exited = new Promise<number | null>((res) => child.on('exit', (c) => res(c)));
  const waiting = new Promise<boolean>((res) => child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); if (/waiting up to 300 s for the lock held by process/.test(stderr)) res(true); }));
  t.true(await Promise.race([waiting, exited.then(() => false)]), `it waits: ${stderr}`);
  t.deepEqual(readFileSync(file), before, 'not written while the other run holds the lock');
  held.release();
  t.is(await exited, 0, stderr);
  const src = await openTable(file);
  t.deepEqual(src.columns.map((c) => c.name), ['mass', 'sw_signal', 'sw_background']);
  await src.close();
  t.false(existsSync(lockPathFor(file)), 'its own lock removed after the run');
});
