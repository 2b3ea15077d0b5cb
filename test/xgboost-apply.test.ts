import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixture, tempDir, ROOT } from './helpers/fixtures.js';
import { runCli } from './helpers/cli.js';
import { writeParquetTable, type TableColumn } from '../src/io/parquet/index.js';
import { openTable } from '../src/io/formats.js';
import { loadBundle } from '../src/bundle/bundle.js';
import { parseXgbConfig } from '../src/models/xgboost/config.js';
import { loadForest } from '../src/models/xgboost/storage.js';
import { predictMargin } from '../src/models/xgboost/evaluate.js';

const BUNDLE = join(ROOT, 'models', 'photon-mvaid-run3');

function f32(path: string): Float32Array {
  const b = readFileSync(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/**
 * A photon table from the fixture rows: barrel-model rows with |ScEta| < 1.5 and endcap-model rows with
 * |ScEta| >= 1.5, so that the bundle's region selector sends each row to the model XGBoost evaluated it
 * with; the expected mvaID is tanh of XGBoost's margin. Rows with NaN ScEta are kept: they must get NaN.
 */
function photonTable() {
  const bundle = loadBundle(BUNDLE);
  const cfg = parseXgbConfig(BUNDLE, bundle.manifest.config);
  const names = [...new Set(cfg.regions.flatMap((r) => r.inputs))];
  const cols = new Map(names.map((n) => [n, [] as number[]]));
  const expected: number[] = [];
  const sets = [
    { reg: cfg.regions[0], file: 'model_barrel', keep: (a: number) => a < 1.5 },
    { reg: cfg.regions[1], file: 'model_endcap', keep: (a: number) => a >= 1.5 },
  ];
  let nanRows = 0;
  for (const s of sets) {
    const x = f32(fixture('xgboost', `${s.file}.inputs.f32.bin`));
    const m = f32(fixture('xgboost', `${s.file}.margin.f32.bin`));
    const nf = s.reg.inputs.length, iEta = s.reg.inputs.indexOf('ScEta');
    for (let r = 0; r < m.length; r++) {
      const eta = x[r * nf + iEta];
      const isNan = Number.isNaN(eta);
      if (!isNan && !s.keep(Math.abs(eta))) continue;
      if (isNan && nanRows++ > 5) continue;
      for (const n of names) {
        const k = s.reg.inputs.indexOf(n);
        cols.get(n)!.push(k >= 0 ? x[r * nf + k] : 0);
      }
      expected.push(isNan ? NaN : Math.tanh(m[r]));
    }
  }
  const columns: TableColumn[] = names.map((n) => ({ name: n === 'fixedGridRhoAll' ? n : `probe_${n}`, data: Float32Array.from(cols.get(n)!) }));
  return { columns, expected, bundle, cfg };
}

async function readColumn(path: string, name: string): Promise<Float64Array> {
  const src = await openTable(path);
  const out = new Float64Array(src.rows);
  for await (const ch of src.chunks([name], 100_000)) out.set(ch.columns.get(name) as ArrayLike<number>, ch.start);
  await src.close();
  return out;
}

test('ntcorr apply with models/photon-mvaid-run3 reproduces tanh(XGBoost margin) per region; NaN ScEta -> NaN', async (t) => {
  const dir = tempDir();
  const { columns, expected } = photonTable();
  t.true(expected.length > 1500, `${expected.length} rows`);
  const input = join(dir, 'photons.parquet');
  await writeParquetTable(input, columns);
  const r = runCli(['apply', input, '-m', BUNDLE, '-o', join(dir, 'out'), '--quiet']);
  t.is(r.code, 0, r.stderr + r.stdout);
  const got = await readColumn(join(dir, 'out', 'photons.parquet'), 'probe_mvaID_corr');
  let maxd = 0, nan = 0;
  expected.forEach((e, i) => {
    if (Number.isNaN(e)) { nan++; if (!Number.isNaN(got[i])) t.fail(`row ${i}: expected NaN, got ${got[i]}`); return; }
    maxd = Math.max(maxd, Math.abs(got[i] - e));
  });
  t.true(nan > 0);
  t.true(maxd <= 1e-5, `max |diff| ${maxd}`);
});

test('inputs read <prefix><var>_corr when present (ScEta and rho stay raw); missing inputs name the column', async (t) => {
  const dir = tempDir();
  const { columns, cfg, bundle } = photonTable();
  const r9 = columns.find((c) => c.name === 'probe_r9')!.data as Float32Array;
  const eta = columns.find((c) => c.name === 'probe_ScEta')!.data as Float32Array;
  const r9corr = r9.map((v) => v * 0.97);
  const withCorr = [...columns, { name: 'probe_r9_corr', data: r9corr }, { name: 'probe_ScEta_corr', data: eta.map(() => 0.1) }];
  const input = join(dir, 'photons.parquet');
  await writeParquetTable(input, withCorr);
  const r = runCli(['apply', input, '-m', BUNDLE, '-o', join(dir, 'out'), '--quiet']);
  t.is(r.code, 0, r.stderr + r.stdout);
  const got = await readColumn(join(dir, 'out', 'photons.parquet'), 'probe_mvaID_corr');
  // Reference: the barrel forest on rows whose r9 is replaced by r9_corr and everything else raw.
  const forest = loadForest(bundle, cfg.regions[0].model, 'barrel');
  const inputs = cfg.regions[0].inputs;
  const rows: number[] = [];
  for (let i = 0; i < eta.length; i++) if (Math.abs(eta[i]) < 1.5) rows.push(i);
  const x = new Float32Array(rows.length * inputs.length);
  inputs.forEach((v, f) => {
    const col = v === 'r9' ? r9corr : (columns.find((c) => c.name === (v === 'fixedGridRhoAll' ? v : `probe_${v}`))!.data as Float32Array);
    rows.forEach((i, j) => { x[j * inputs.length + f] = col[i]; });
  });
  const m = predictMargin(forest, x, rows.length);
  let maxd = 0, changed = 0;
  rows.forEach((i, j) => { maxd = Math.max(maxd, Math.abs(got[i] - Math.tanh(m[j]))); });
  const raw = photonTable().expected;
  rows.forEach((i) => { if (Math.abs(got[i] - raw[i]) > 1e-4) changed++; });
  t.true(maxd <= 1e-6, `max |diff| ${maxd}`);
  t.true(changed > 100, `only ${changed} of ${rows.length} rows changed`);

  const missing = join(dir, 'missing.parquet');
  await writeParquetTable(missing, columns.filter((c) => c.name !== 'probe_sieie'));
  const bad = runCli(['apply', missing, '-m', BUNDLE, '-o', join(dir, 'out2'), '--quiet']);
  t.not(bad.code, 0);
  t.regex(bad.stderr + bad.stdout, /probe_sieie/);
});

test('--where: unselected rows get NaN (default) and keep the file\'s value with --fill keep', async (t) => {
  const dir = tempDir();
  const { columns, expected } = photonTable();
  const eta = columns.find((c) => c.name === 'probe_ScEta')!.data as Float32Array;
  const old = new Float32Array(eta.length).fill(7);
  const input = join(dir, 'photons.parquet');
  await writeParquetTable(input, [...columns, { name: 'probe_mvaID_corr', data: old }]);
  for (const fill of ['nan', 'keep']) {
    const r = runCli(['apply', input, '-m', BUNDLE, '-o', join(dir, fill), '--quiet', '--force', '--where', 'abs(probe_ScEta) < 1.0', '--fill', fill]);
    t.is(r.code, 0, r.stderr + r.stdout);
    const got = await readColumn(join(dir, fill, 'photons.parquet'), 'probe_mvaID_corr');
    let bad = 0;
    for (let i = 0; i < eta.length; i++) {
      const want = Math.abs(eta[i]) < 1.0 ? expected[i] : fill === 'nan' ? NaN : 7;
      if (Number.isNaN(want) ? !Number.isNaN(got[i]) : !(Math.abs(got[i] - want) <= 1e-5)) bad++;
    }
    t.is(bad, 0, `fill ${fill}`);
  }
});
