import test from 'ava';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { flowYaml, writeFlowSamples } from './helpers/flow-samples.js';
import { runCli } from './helpers/cli.js';
import { tempDir } from './helpers/fixtures.js';
import { openTable } from '../src/io/formats.js';

async function readColumns(path: string, cols: string[]): Promise<Record<string, number[]>> {
  const table = await openTable(path);
  const out: Record<string, number[]> = Object.fromEntries(cols.map((c) => [c, []]));
  for await (const ch of table.chunks(cols, 100_000)) for (const c of cols) out[c].push(...Array.from(ch.columns.get(c) as ArrayLike<number>, Number));
  await table.close();
  return out;
}

/** Two-sample KS statistic, written out plainly here as an independent reference (unit weights). */
function ks(a: number[], b: number[]): number {
  const x = [...a].sort((p, q) => p - q);
  const y = [...b].sort((p, q) => p - q);
  let i = 0, j = 0, d = 0;
  while (i < x.length && j < y.length) {
    const v = Math.min(x[i], y[j]);
    while (i < x.length && x[i] === v) i++;
    while (j < y.length && y[j] === v) j++;
    d = Math.max(d, Math.abs(i / x.length - j / y.length));
  }
  return d;
}

test('ntcorr closure on other files: numbers equal an independent KS of the raw and the apply-corrected columns', async (t) => {
  const dir = tempDir();
  const train = await writeFlowSamples(dir, 3000, 31);
  const bundle = join(dir, 'bundle');
  writeFileSync(join(dir, 'flow.yaml'), flowYaml({ ...train, output: bundle, epochs: 2, hidden: [16, 16] }));
  const r = runCli(['train', 'flow', '--config', join(dir, 'flow.yaml'), '--backend', 'wasm', '--quiet', '--no-closure']);
  t.is(r.code, 0, r.stderr);
  // fresh samples from other seeds: closure runs on any files
  const other = join(dir, 'other');
  const s = await writeFlowSamples(other, 2500, 77);
  const out = join(dir, 'report');
  const c = runCli(['closure', '-m', bundle, '--data', s.data, '--mc', s.mc, '--where', 'probe_pt > 30', '--backend', 'wasm', '--json', '-o', out, '--classifier-events', '2000']);
  t.is(c.code, 0, c.stderr);
  const summary = JSON.parse(c.stdout);
  t.deepEqual(JSON.parse(readFileSync(join(out, 'closure.json'), 'utf8')).variables, summary.variables);
  t.true(existsSync(join(out, 'closure.md')));
  t.true(existsSync(join(out, 'hist_r9.svg')));

  const raw = {
    data: await readColumns(s.data, ['probe_r9', 'probe_pt']),
    mc: await readColumns(s.mc, ['probe_r9', 'probe_pt']),
  };
  const sel = (cols: Record<string, number[]>, name: string) => cols[name].filter((_, i) => cols.probe_pt[i] > 30);
  const r9 = summary.variables.find((v: { variable: string }) => v.variable === 'r9');
  t.true(Math.abs(r9.ks_before - ks(sel(raw.data, 'probe_r9'), sel(raw.mc, 'probe_r9'))) < 1e-9, `KS before ${r9.ks_before}`);
  // after: the same statistic on what `ntcorr apply` writes for the simulation (same seed)
  const a = runCli(['apply', s.mc, '-m', bundle, '-o', join(dir, 'applied'), '--backend', 'wasm', '--quiet']);
  t.is(a.code, 0, a.stderr);
  const corr = await readColumns(join(dir, 'applied', 'mc.parquet'), ['probe_r9_corr', 'probe_pt']);
  t.true(Math.abs(r9.ks_after - ks(sel(raw.data, 'probe_r9'), sel(corr, 'probe_r9_corr'))) < 1e-9, `KS after ${r9.ks_after}`);
  // the data r9 is shifted by +0.02: even two epochs of training reduce the distance
  t.true(r9.ks_after < r9.ks_before);
  t.true(summary.auc_before > 0.55);
});

test('ntcorr closure refuses a bundle that is not a flow and names it', (t) => {
  const c = runCli(['closure', '-m', 'models/sigma-m-over-m', '--data', 'samples/zee_data.parquet', '--mc', 'samples/zee_mc.parquet']);
  t.is(c.code, 1);
  t.regex(c.stderr, /models\/sigma-m-over-m: closure needs a flow bundle \(this one is kind "derived"\)/);
});
