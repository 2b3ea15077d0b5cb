import test from 'ava';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { flowYaml, writeFlowSamples } from './helpers/flow-samples.js';
import { runCli } from './helpers/cli.js';
import { openTable } from '../src/io/formats.js';
import { tempDir } from './helpers/fixtures.js';

// One tiny training on generated samples whose data/simulation differences are known (see
// helpers/flow-samples.ts); the assertions compare with those known answers, not with our own output.
test('train flow end to end: bundle, fitted preprocessing, loss curve, checkpoint, closure improves a known mismodelling, apply reproduces the test split', async (t) => {
  const dir = tempDir();
  const s = await writeFlowSamples(dir, 6000, 11);
  const out = join(dir, 'bundle');
  const cfg = join(dir, 'flow.yaml');
  writeFileSync(cfg, flowYaml({ ...s, output: out, epochs: 4 }));
  const r = runCli(['train', 'flow', '--config', cfg, '--backend', 'wasm', '--quiet']);
  t.is(r.code, 0, r.stderr + r.stdout);
  t.regex(r.stdout, /epoch 4: train loss [\d.]+, val loss [\d.]+, lr [\d.]+, \d+ events\/s/);

  const m = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
  t.is(m.kind, 'flow');
  t.deepEqual(m.config.variables, ['r9', 'sieie', 'iso']);
  t.deepEqual(m.outputs.map((o: { name: string }) => o.name), ['probe_r9_corr', 'probe_sieie_corr', 'probe_iso_corr']);
  // Preprocessing fitted on data + reweighted simulation: pt in both follows data, 25 + Exp(mean 18),
  // so the fitted condition mean/std must be ~43 and ~18 (simulation alone would give 40 and 15).
  const pre = m.config.preprocessing;
  const [pt, eta] = pre.conditions;
  t.is(pt.name, 'pt');
  t.true(Math.abs(pt.mean - 43) < 1.2, `pt mean ${pt.mean}`);
  t.true(Math.abs(pt.std - 18) < 1.5, `pt std ${pt.std}`);
  // eta ~ U(-2.5, 2.5): mean 0, std 5/sqrt(12)
  t.true(Math.abs(eta.mean) < 0.1);
  t.true(Math.abs(eta.std - 5 / Math.sqrt(12)) < 0.05);
  // iso shift: 10% quantile of the positive values, Exp(mean 2) -> -2 ln(0.9) = 0.211
  const iso = pre.inputs[2];
  t.is(iso.name, 'iso');
  t.true(Math.abs(iso.continuous.shift - 0.211) < 0.04, `iso shift ${iso.continuous.shift}`);
  t.false('continuous' in pre.inputs[0]);
  // fixedGridRhoAll is an event-level column: the collection maps the condition to it
  t.deepEqual(m.config.collections, [{ prefix: 'probe_', columns: { fixedGridRhoAll: 'fixedGridRhoAll' } }]);
  t.is(m.provenance.seed, 3);
  t.true(existsSync(join(out, 'weights.bin')));
  t.true(existsSync(join(out, 'loss.svg')));
  t.true(existsSync(join(out, 'checkpoint', 'state.ckpt')));

  const c = JSON.parse(readFileSync(join(out, 'closure', 'closure.json'), 'utf8'));
  t.is(c.split, 'test');
  const byVar = Object.fromEntries(c.variables.map((v: { variable: string }) => [v.variable, v]));
  // r9 is shifted by +0.02 and widened in data: a clear KS before, much smaller after.
  t.true(byVar.r9.ks_before > 0.15, `r9 KS before ${byVar.r9.ks_before}`);
  t.true(byVar.r9.ks_after < 0.5 * byVar.r9.ks_before, `r9 KS ${byVar.r9.ks_before} -> ${byVar.r9.ks_after}`);
  // mean shift 0.02 (+ widening): W1 before is at least the shift of the means
  t.true(byVar.r9.wasserstein_before > 0.017);
  t.true(c.mean_ks_ratio < 0.6, `mean KS ratio ${c.mean_ks_ratio}`);
  t.true(c.auc_before > 0.6, `AUC before ${c.auc_before}`);
  t.true(c.auc_after < c.auc_before - 0.05, `AUC ${c.auc_before} -> ${c.auc_after}`);
  t.true(existsSync(join(out, 'closure', 'closure.md')));
  t.true(existsSync(join(out, 'closure', 'hist_r9.svg')));

  // `ntcorr apply` with the bundle (a separate process, the kind's own chunked path with worker threads)
  // must write exactly the corrected values closure computed for the test-split rows.
  const applied = join(dir, 'applied');
  const a = runCli(['apply', s.mc, '-m', out, '-o', applied, '--backend', 'wasm', '--quiet']);
  t.is(a.code, 0, a.stderr + a.stdout);
  const test = await readColumns(join(out, 'closure', 'test-corrected.parquet'), ['row', 'r9_corr', 'sieie_corr', 'iso_corr']);
  const app = await readColumns(join(applied, 'mc.parquet'), ['probe_r9_corr', 'probe_sieie_corr', 'probe_iso_corr', 'probe_iso']);
  t.true(test.row.length > 800, `test split rows ${test.row.length}`);
  let compared = 0;
  for (let i = 0; i < test.row.length; i++) {
    const r = test.row[i];
    for (const v of ['r9', 'sieie', 'iso']) {
      if (test[`${v}_corr`][i] !== app[`probe_${v}_corr`][r]) t.fail(`row ${r} ${v}: closure ${test[`${v}_corr`][i]} vs apply ${app[`probe_${v}_corr`][r]}`);
      compared++;
    }
  }
  t.is(compared, 3 * test.row.length);
  // isolation zeros survive the round trip: corrected values below the shift are exactly 0
  t.true(test.iso_corr.some((v) => v === 0) && test.iso_corr.every((v) => v >= 0));
});

async function readColumns(path: string, cols: string[]): Promise<Record<string, number[]>> {
  const table = await openTable(path);
  const out: Record<string, number[]> = Object.fromEntries(cols.map((c) => [c, []]));
  for await (const ch of table.chunks(cols, 100_000)) for (const c of cols) out[c].push(...Array.from(ch.columns.get(c) as ArrayLike<number | bigint>, Number));
  await table.close();
  return out;
}

test('bad inputs fail with messages naming the file and column', async (t) => {
  const dir = tempDir();
  const s = await writeFlowSamples(dir, 300, 5);
  const cfg = join(dir, 'flow.yaml');
  writeFileSync(cfg, flowYaml({ ...s, output: join(dir, 'b') }).replace('variables: [r9, sieie, iso]', 'variables: [r9, sieie, nope]').replace('isolation: {iso: auto}', 'isolation: {}'));
  const r = runCli(['train', 'flow', '--config', cfg, '--backend', 'wasm', '--quiet']);
  t.is(r.code, 1);
  t.regex(r.stderr, /data\.parquet: data: variable column probe_nope not found/);
  writeFileSync(cfg, flowYaml({ ...s, output: join(dir, 'b') }).replace('80 < mass < 100', '80 < masss < 100'));
  const r2 = runCli(['train', 'flow', '--config', cfg, '--backend', 'wasm', '--quiet']);
  t.is(r2.code, 1);
  t.regex(r2.stderr, /selection "80 < masss < 100 and probe_pt > 25" uses column\(s\) not in the file: masss/);
  writeFileSync(cfg, flowYaml({ ...s, output: join(dir, 'b') }));
  const r3 = runCli(['train', 'flow', '--config', cfg, '--resume', '--backend', 'wasm', '--quiet']);
  t.is(r3.code, 1);
  t.regex(r3.stderr, /--resume: no checkpoint at/);
  // several configurations: a failing one is reported and the next one still runs
  const two = flowYaml({ ...s, output: join(dir, 'b') }).replace('variables: [r9, sieie, iso]', 'variables: [r9, sieie, nope]').replace('isolation: {iso: auto}', 'isolation: {}')
    + `  second:\n    data: ${join(dir, 'missing-*.parquet')}\n    mc: ${s.mc}\n    variables: [r9, sieie]\n    conditions: [pt]\n    output: ${join(dir, 'c')}\n`;
  writeFileSync(cfg, two);
  const r4 = runCli(['train', 'flow', '--config', cfg, '--backend', 'wasm', '--quiet']);
  t.is(r4.code, 1);
  t.regex(r4.stderr, /configuration tiny failed: .*probe_nope not found/);
  t.regex(r4.stderr, /configuration second failed: data: no file matches ".*missing-\*\.parquet"/);
  t.regex(r4.stdout, /0 of 2 configuration\(s\) trained, 2 failed/);
});
