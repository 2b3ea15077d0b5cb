/**
 * Toy study of the fixture model (extended Gauss + exponential, ~3000 events a toy, fitted from the truth with
 * MIGRAD + HESSE): over 1000 toys the pulls must have mean 0 and width 1 within 3 standard errors, and the
 * output must not depend on the number of worker threads.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { parquetReadObjects } from 'hyparquet';
import { ROOT, tempDir } from './helpers/fixtures.js';
import { runToyStudy } from '../src/fit/toys/study.js';
import { runToyPool } from '../src/fit/toys/pool.js';
import { readModelDoc } from '../src/fit/model.js';
import type { ToyResult } from '../src/fit/toys/run-toy.js';

const MODEL = join(ROOT, 'examples/fit/gauss-exp.yaml');

interface PSum {
  n: number; pull_mean: number; pull_mean_error: number; pull_width: number; pull_width_error: number; fraction_valid: number;
  pull_fit: { mean: number; mean_error: number; width: number; width_error: number; valid: boolean };
}

test('1000 toys: pulls unbiased with unit width, all fits valid, parquet has every toy', async (t) => {
  const out = tempDir();
  const res = await runToyStudy({ model: MODEL, toys: 1000, seed: 12345, jobs: 2, vary: 'all', out, plots: true });
  const s = parse(readFileSync(join(out, 'summary.yaml'), 'utf8')) as { toys: number; valid: number; parameters: Record<string, PSum> };
  t.is(s.toys, 1000);
  t.true(s.valid >= 990, `valid fits ${s.valid}`);
  t.deepEqual(Object.keys(s.parameters), ['nsig', 'nbkg', 'mu', 'sigma', 'lam']);
  for (const [name, p] of Object.entries(s.parameters)) {
    // The standard errors are those of a mean and of a standard deviation of n Gaussian numbers.
    t.true(Math.abs(p.pull_mean) < 3 * p.pull_mean_error, `${name}: pull mean ${p.pull_mean} ± ${p.pull_mean_error}`);
    t.true(Math.abs(p.pull_width - 1) < 3 * p.pull_width_error, `${name}: pull width ${p.pull_width} ± ${p.pull_width_error}`);
    t.true(Math.abs(p.pull_mean_error - 1 / Math.sqrt(p.n)) < 0.1 / Math.sqrt(p.n));
    // The Gaussian fitted to the pull histogram agrees with them (and is itself unbiased, unit width).
    t.true(p.pull_fit.valid);
    t.true(Math.abs(p.pull_fit.mean - p.pull_mean) < 0.3 * p.pull_mean_error, `${name}: fit mean ${p.pull_fit.mean}`);
    t.true(Math.abs(p.pull_fit.width - 1) < 3 * p.pull_fit.width_error, `${name}: fit width ${p.pull_fit.width}`);
  }
  const rows = (await parquetReadObjects({ file: await fileBuffer(join(out, 'toys.parquet')) })) as Array<Record<string, unknown>>;
  t.is(rows.length, 5000);
  const first = rows.filter((r) => r.toy === 0);
  t.deepEqual(first.map((r) => r.parameter), ['nsig', 'nbkg', 'mu', 'sigma', 'lam']);
  t.is(first[0].gen, 1000);
  // Pull column = (value - gen) / error, recomputed independently here.
  for (const r of rows.slice(0, 50)) t.true(Math.abs((r.pull as number) - ((r.value as number) - (r.gen as number)) / (r.error as number)) < 1e-12);
  // Mean of the fitted nsig over toys close to the generated 1000 (independent of the summary code).
  const nsig = rows.filter((r) => r.parameter === 'nsig' && r.valid).map((r) => r.value as number);
  const m = nsig.reduce((a, b) => a + b, 0) / nsig.length;
  t.true(Math.abs(m - 1000) < 3 * (Math.sqrt(1000) * 1.2) / Math.sqrt(nsig.length), `mean nsig ${m}`);
  t.true(res.files.some((f) => f.endsWith('pull_nsig.svg')));
});

async function fileBuffer(p: string): Promise<ArrayBuffer> {
  const b = readFileSync(p);
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

test('toys are identical for 1 and 3 worker threads (per-toy seeds)', async (t) => {
  const doc = readModelDoc(MODEL);
  const collect = async (jobs: number) => {
    const out: ToyResult[] = [];
    await runToyPool(doc, MODEL, { toys: 24, seed: 99, vary: 'all', jobs, chunk: 5 }, (r) => out.push(r));
    return out;
  };
  const a = await collect(1);
  const b = await collect(3);
  t.deepEqual(a.map((r) => r.toy), Array.from({ length: 24 }, (_, i) => i));
  t.deepEqual(b.map((r) => r.toy), a.map((r) => r.toy));
  t.deepEqual(b.map((r) => Array.from(r.values)), a.map((r) => Array.from(r.values)));
  t.deepEqual(b.map((r) => r.events), a.map((r) => r.events));
  // Different seeds give different toys.
  const c: ToyResult[] = [];
  await runToyPool(doc, MODEL, { toys: 3, seed: 100, vary: 'all', jobs: 1 }, (r) => c.push(r));
  t.notDeepEqual(c.map((r) => r.events), a.slice(0, 3).map((r) => r.events));
});

test('--vary none keeps the yields at their generating values', async (t) => {
  const doc = readModelDoc(MODEL);
  const out: ToyResult[] = [];
  await runToyPool(doc, MODEL, { toys: 5, seed: 1, vary: 'none', jobs: 1 }, (r) => out.push(r));
  t.deepEqual(out.map((r) => r.events), [3000, 3000, 3000, 3000, 3000]);
});

test('numerical-gradient model (Crystal Ball + Chebyshev, limits, fixed tails): toys fit and stay unbiased', async (t) => {
  const model = join(ROOT, 'examples/fit/cb-cheb.yaml');
  const out = tempDir();
  await runToyStudy({ model, toys: 100, seed: 3, jobs: 2, vary: 'all', out, plots: false });
  const s = parse(readFileSync(join(out, 'summary.yaml'), 'utf8')) as { valid: number; parameters: Record<string, PSum> };
  t.true(s.valid >= 97, `valid ${s.valid}`);
  t.false('alpha' in s.parameters);
  for (const [name, p] of Object.entries(s.parameters)) {
    // 100 toys: looser than the 1000-toy test but still catches a biased or mis-scaled fitter.
    t.true(Math.abs(p.pull_mean) < 3.5 * p.pull_mean_error, `${name}: pull mean ${p.pull_mean} ± ${p.pull_mean_error}`);
    t.true(Math.abs(p.pull_width - 1) < 3.5 * p.pull_width_error, `${name}: pull width ${p.pull_width} ± ${p.pull_width_error}`);
  }
});

test('failed fits are kept and flagged, not dropped', async (t) => {
  const out = tempDir();
  // A call limit of 4 stops every MIGRAD before convergence.
  await runToyStudy({ model: MODEL, toys: 12, seed: 5, jobs: 1, vary: 'all', out, plots: false, minimize: { maxfcn: 4 } });
  const s = parse(readFileSync(join(out, 'summary.yaml'), 'utf8')) as { toys: number; valid: number; fraction_valid: number };
  t.is(s.toys, 12);
  t.is(s.valid, 0);
  t.is(s.fraction_valid, 0);
  const rows = (await parquetReadObjects({ file: await fileBuffer(join(out, 'toys.parquet')) })) as Array<Record<string, unknown>>;
  t.is(rows.length, 60);
  t.true(rows.every((r) => r.valid === false && r.converged === false && r.status === 'not converged'));
});
