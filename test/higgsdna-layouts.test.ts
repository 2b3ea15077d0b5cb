import test from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixture, tempDir, ROOT } from './helpers/fixtures.js';
import { runCli } from './helpers/cli.js';
import { writeParquetTable, type TableColumn } from '../src/io/parquet/index.js';
import { openTable } from '../src/io/formats.js';
import { loadBundle } from '../src/bundle/bundle.js';
import { readNpy } from '../src/io/torch/npy.js';
import { parseXgbConfig } from '../src/models/xgboost/config.js';

/**
 * HiggsDNA's three sample layouts with the bundled models: Zee (tag_/probe_, fixedGridRhoAll), Zmmg
 * (photon_, Rho_fixedGridRhoAll) and diphoton (lead_/sublead_). Small files generated here; the mvaID
 * reference is XGBoost's own margin on the fixture photons (../shared/fixtures/xgboost).
 */
const MVAID = join(ROOT, 'models', 'photon-mvaid-run3');
const SMM = join(ROOT, 'models', 'sigma-m-over-m');

function f32(path: string): Float32Array {
  const b = readFileSync(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** 200 barrel + 200 endcap fixture photons: every mvaID input, and tanh(XGBoost margin). */
function photons() {
  const cfg = parseXgbConfig(MVAID, loadBundle(MVAID).manifest.config);
  const names = [...new Set(cfg.regions.flatMap((r) => r.inputs))];
  const cols = new Map(names.map((n) => [n, [] as number[]]));
  const expected: number[] = [];
  cfg.regions.forEach((reg, k) => {
    const file = k === 0 ? 'model_barrel' : 'model_endcap';
    const x = f32(fixture('xgboost', `${file}.inputs.f32.bin`));
    const m = f32(fixture('xgboost', `${file}.margin.f32.bin`));
    const nf = reg.inputs.length, iEta = reg.inputs.indexOf('ScEta');
    let kept = 0;
    for (let r = 0; r < m.length && kept < 200; r++) {
      const a = Math.abs(x[r * nf + iEta]);
      if (!(k === 0 ? a < 1.5 : a >= 1.5)) continue;
      kept++;
      for (const n of names) cols.get(n)!.push(reg.inputs.includes(n) ? x[r * nf + reg.inputs.indexOf(n)] : 0);
      expected.push(Math.tanh(m[r]));
    }
  });
  return { names, cols, expected, n: expected.length };
}

async function column(path: string, name: string): Promise<Float64Array> {
  const src = await openTable(path);
  const out = new Float64Array(src.rows);
  for await (const ch of src.chunks([name], 100_000)) out.set(ch.columns.get(name) as ArrayLike<number>, ch.start);
  await src.close();
  return out;
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

function apply(input: string, model: string, out: string): void {
  const r = runCli(['apply', input, '-m', model, '-o', out, '--quiet']);
  if (r.code !== 0) throw new Error(r.stderr + r.stdout);
}

test('Zmmg layout (photon_, Rho_fixedGridRhoAll): mvaID = tanh(XGBoost margin); sigma_m/m = the photon term', async (t) => {
  const dir = tempDir();
  const { names, cols, expected, n } = photons();
  const kin = { pt: Float32Array.from({ length: n }, (_, i) => 20 + i), eta: Float32Array.from({ length: n }, (_, i) => -2 + (4 * i) / n), energyErr: Float32Array.from({ length: n }, (_, i) => 0.5 + 0.01 * i) };
  const columns: TableColumn[] = [
    ...names.map((v) => ({ name: v === 'fixedGridRhoAll' ? 'Rho_fixedGridRhoAll' : `photon_${v}`, data: Float32Array.from(cols.get(v)!) })),
    { name: 'photon_pt', data: kin.pt }, { name: 'photon_eta', data: kin.eta }, { name: 'photon_energyErr', data: kin.energyErr },
    { name: 'muon1_pt', data: Float32Array.from({ length: n }, () => 40) },
  ];
  const input = join(dir, 'zmmg.parquet');
  await writeParquetTable(input, columns);
  apply(input, MVAID, join(dir, 'a'));
  const mva = await column(join(dir, 'a', 'zmmg.parquet'), 'photon_mvaID_corr');
  t.true(maxDiff(mva, expected) <= 1e-5, `mvaID max |diff| ${maxDiff(mva, expected)}`);
  apply(input, SMM, join(dir, 'b'));
  const smm = await column(join(dir, 'b', 'zmmg.parquet'), 'sigma_m_over_m');
  const want = Array.from({ length: n }, (_, i) => 0.5 * kin.energyErr[i] / (kin.pt[i] * Math.cosh(kin.eta[i])));
  t.true(maxDiff(smm, want) <= 1e-7 * Math.max(...want) * 10);
});

test('diphoton layout (lead_/sublead_): mvaID for both photons; sigma_m/m from both energy errors', async (t) => {
  const dir = tempDir();
  const { names, cols, expected, n } = photons();
  const rev = (a: number[]) => Float32Array.from(a).reverse();
  const lead = names.filter((v) => v !== 'fixedGridRhoAll').map((v) => ({ name: `lead_${v}`, data: Float32Array.from(cols.get(v)!) }));
  const sub = names.filter((v) => v !== 'fixedGridRhoAll').map((v) => ({ name: `sublead_${v}`, data: rev(cols.get(v)!) }));
  const rho = { name: 'fixedGridRhoAll', data: Float32Array.from(cols.get('fixedGridRhoAll')!) };
  const kin = (p: string, k: number): TableColumn[] => [
    { name: `${p}pt`, data: Float32Array.from({ length: n }, (_, i) => 30 + k * i) },
    { name: `${p}eta`, data: Float32Array.from({ length: n }, (_, i) => Math.sin(i + k)) },
    { name: `${p}energyErr`, data: Float32Array.from({ length: n }, (_, i) => 0.4 + 0.003 * i * k) },
  ];
  const input = join(dir, 'diphoton.parquet');
  await writeParquetTable(input, [...lead, ...sub, rho, ...kin('lead_', 1), ...kin('sublead_', 2)]);
  apply(input, MVAID, join(dir, 'a'));
  const l = await column(join(dir, 'a', 'diphoton.parquet'), 'lead_mvaID_corr');
  t.true(maxDiff(l, expected) <= 1e-5);
  // sublead: the same model on a Zee-layout file holding those photons as probe_ (that path is tested against XGBoost).
  const zee = join(dir, 'zee.parquet');
  await writeParquetTable(zee, [...sub.map((c) => ({ name: c.name.replace('sublead_', 'probe_'), data: c.data })), rho]);
  apply(zee, MVAID, join(dir, 'z'));
  const s = await column(join(dir, 'a', 'diphoton.parquet'), 'sublead_mvaID_corr');
  t.deepEqual(Array.from(s), Array.from(await column(join(dir, 'z', 'zee.parquet'), 'probe_mvaID_corr')));
  t.true(maxDiff(s, [...expected].reverse()) > 0.01, 'sublead photons differ from lead ones');
  apply(input, SMM, join(dir, 'b'));
  const smm = await column(join(dir, 'b', 'diphoton.parquet'), 'sigma_m_over_m');
  const [lk, sk] = [kin('lead_', 1), kin('sublead_', 2)];
  const term = (k: TableColumn[], i: number) => ((k[2].data as Float32Array)[i] / ((k[0].data as Float32Array)[i] * Math.cosh((k[1].data as Float32Array)[i]))) ** 2;
  const want = Array.from({ length: n }, (_, i) => 0.5 * Math.sqrt(term(lk, i) + term(sk, i)));
  t.true(maxDiff(smm, want) <= 1e-6 * Math.max(...want));
});

test('a file with no layout of sigma-m-over-m names what each layout lacks', async (t) => {
  const dir = tempDir();
  const input = join(dir, 'odd.parquet');
  await writeParquetTable(input, [{ name: 'pho_pt', data: Float32Array.from([1, 2]) }]);
  const r = runCli(['apply', input, '-m', SMM, '-o', join(dir, 'o'), '--quiet']);
  t.not(r.code, 0);
  t.regex(r.stderr + r.stdout, /no sample layout of model sigma-m-over-m fits the file \(zee lacks tag_energyErr.*; diphoton lacks lead_energyErr.*; zmmg lacks photon_energyErr/);
});

test('flow on a HiggsDNA-corrected Zmmg file: rawPrefix reads photon_raw_* (the uncorrected values), Rho_fixedGridRhoAll through the column map', async (t) => {
  const dir = tempDir();
  const D = join(ROOT, 'test', 'data', 'zuko101', 'ar');
  const vars = ['v0', 'v1', 'v2', 'v3', 'v4', 'v5'];
  writeFileSync(join(dir, 'd.yaml'), [
    `variables: [${vars.join(', ')}]`, 'conditions: [pt, ScEta, phi, fixedGridRhoAll]',
    'collections:', '  - {prefix: probe_, columns: {fixedGridRhoAll: fixedGridRhoAll}}', '  - {prefix: photon_, rawPrefix: raw_, columns: {fixedGridRhoAll: Rho_fixedGridRhoAll}}',
    'higgsdna:', '  Isolation_transform_order: [3, 4, 5]', '  shifts: {3: 0.001}', ''].join('\n'));
  const bundle = join(dir, 'flow');
  const r = runCli(['import-zuko', join(D, 'best_model_.pth'), '--zuko-version', '1.0.1', '--preprocessing', D, '--era', '2022postEE', '--describe', join(dir, 'd.yaml'), '-o', bundle]);
  t.is(r.code, 0, r.stderr);
  const raw = readNpy(join(D, 'io', 'raw.npy')).data as Float64Array;
  const cond = readNpy(join(D, 'io', 'raw_cond.npy')).data as Float64Array;
  const want = readNpy(join(D, 'io', 'raw_x_corr.npy')).data as Float64Array;
  const n = cond.length / 4;
  const col = (a: Float64Array, w: number, j: number, f = 1) => Float32Array.from({ length: n }, (_, i) => a[i * w + j] * f);
  const conds: TableColumn[] = ['pt', 'ScEta', 'phi'].map((c, j) => ({ name: `photon_${c}`, data: col(cond, 4, j) }));
  const rho = { name: 'Rho_fixedGridRhoAll', data: col(cond, 4, 3) };
  // HiggsDNA after its own correction: photon_<v> corrected (here: scaled), photon_raw_<v> the original.
  const corrected = join(dir, 'zmmg_higgsdna.parquet');
  await writeParquetTable(corrected, [...vars.map((v, j) => ({ name: `photon_${v}`, data: col(raw, 6, j, 1.1) })), ...vars.map((v, j) => ({ name: `photon_raw_${v}`, data: col(raw, 6, j) })), ...conds, rho]);
  const plain = join(dir, 'zmmg_plain.parquet');
  await writeParquetTable(plain, [...vars.map((v, j) => ({ name: `photon_${v}`, data: col(raw, 6, j) })), ...conds, rho]);
  apply(corrected, bundle, join(dir, 'o1'));
  apply(plain, bundle, join(dir, 'o2'));
  let worst = 0;
  for (const [j, v] of vars.entries()) {
    const a = await column(join(dir, 'o1', 'zmmg_higgsdna.parquet'), `photon_${v}_corr`);
    const b = await column(join(dir, 'o2', 'zmmg_plain.parquet'), `photon_${v}_corr`);
    t.deepEqual(Array.from(a), Array.from(b), v);
    for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(a[i] - want[i * 6 + j]) / Math.max(1e-2, Math.abs(want[i * 6 + j])));
  }
  t.log(`physical x_corr (float32 path) vs HiggsDNA formulas + zuko float64: max relative diff ${worst.toExponential(2)}`);
  t.true(worst < 2e-3);
});
