import test from 'ava';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixture, tempDir, ROOT } from './helpers/fixtures.js';
import { runCli } from './helpers/cli.js';
import { writeParquetTable, type TableColumn } from '../src/io/parquet/index.js';
import { openTable } from '../src/io/formats.js';
import { loadBundle } from '../src/bundle/bundle.js';
import { npyBytes } from '../src/io/torch/npy.js';
import { flowFromBundle } from '../src/models/flow/bundle-io.js';
import { mulberry32 } from '../src/core/random.js';

/**
 * examples/higgsdna/photon-flow.yaml on a flow of the CMS shape (16 features, context 5, bins 10: zuko's
 * nsf_a fixture) with HiggsDNA-style .npy files, then the README's commands on a Zmmg file inside a
 * <dataset>/<variation>/ folder that HiggsDNA already corrected (photon_raw_* columns).
 */
const VARS = ['r9', 'sieie', 'etaWidth', 'phiWidth', 'sieip', 's4', 'hoe', 'ecalPFClusterIso', 'trkSumPtHollowConeDR03', 'trkSumPtSolidConeDR04', 'pfChargedIso', 'pfChargedIsoWorstVtx', 'esEffSigmaRR', 'esEnergyOverRawE', 'hcalPFClusterIso', 'energyErr'];

async function column(path: string, name: string): Promise<Float64Array> {
  const src = await openTable(path);
  const out = new Float64Array(src.rows);
  for await (const ch of src.chunks([name], 100_000)) out.set(ch.columns.get(name) as ArrayLike<number>, ch.start);
  await src.close();
  return out;
}

test('examples/higgsdna: EOS-style files -> bundle -> corrected Zmmg parquet -> mvaID on the corrected inputs; file names kept', async (t) => {
  const dir = tempDir();
  const eos = join(dir, 'eos', 'postEE');
  mkdirSync(eos, { recursive: true });
  const iso = new Set([6, 7, 8, 9, 10, 11, 12, 13, 14]);
  writeFileSync(join(eos, 'input_means.npy'), npyBytes(Float32Array.from(VARS, (_, j) => (iso.has(j) ? -2 : j === 15 ? 1 : 0.5))));
  writeFileSync(join(eos, 'input_std.npy'), npyBytes(Float32Array.from(VARS, (_, j) => (iso.has(j) ? 2 : 1))));
  writeFileSync(join(eos, 'conditions_means.npy'), npyBytes(Float32Array.from([40, 0, 0, 25])));
  writeFileSync(join(eos, 'conditions_std.npy'), npyBytes(Float32Array.from([15, 1.2, 1.8, 8])));
  const bundle = join(dir, 'models', 'cms-flow-2022postEE');
  const r = runCli(['import-zuko', fixture('zuko', 'nsf_a', 'state_dict.pth'), '--zuko-version', '1.6.0', '--preprocessing', eos, '--era', '2022postEE',
    '--describe', join(ROOT, 'examples', 'higgsdna', 'photon-flow.yaml'), '-o', bundle]);
  t.is(r.code, 0, r.stderr);
  const { config } = flowFromBundle(loadBundle(bundle));
  t.deepEqual(config.variables, VARS);
  t.deepEqual(config.preprocessing.inputs.map((v) => v.continuous?.shift ?? null), VARS.map((_, j) => (j === 6 ? 0.001 : iso.has(j) ? 0.05 : null)));

  // A HiggsDNA Zmmg file after HiggsDNA's own correction: photon_<v> corrected, photon_raw_<v> uncorrected.
  const n = 40;
  const u = mulberry32(7);
  const raw = VARS.map((_, j) => Float32Array.from({ length: n }, () => (iso.has(j) ? (u() < 0.3 ? 0 : 2 * u()) : j === 15 ? 1 + u() : 0.3 + 0.5 * u())));
  const cols: TableColumn[] = [
    ...VARS.map((v, j) => ({ name: `photon_raw_${v}`, data: raw[j] })),
    ...VARS.map((v, j) => ({ name: `photon_${v}`, data: Float32Array.from(raw[j], (x) => x * 1.05) })),
    { name: 'photon_pt', data: Float32Array.from({ length: n }, () => 20 + 40 * u()) },
    { name: 'photon_ScEta', data: Float32Array.from({ length: n }, () => 2.4 * (2 * u() - 1)) },
    { name: 'photon_phi', data: Float32Array.from({ length: n }, () => 3 * (2 * u() - 1)) },
    { name: 'photon_eta', data: Float32Array.from({ length: n }, () => 2 * u() - 1) },
    { name: 'photon_energyRaw', data: Float32Array.from({ length: n }, () => 30 + 30 * u()) },
    { name: 'Rho_fixedGridRhoAll', data: Float32Array.from({ length: n }, () => 15 + 20 * u()) },
  ];
  const variation = join(dir, 'ntuples', 'DYto2L', 'nominal');
  mkdirSync(variation, { recursive: true });
  const input = join(variation, 'output_DYto2L_0.parquet');
  await writeParquetTable(input, cols);
  const out = join(dir, 'corrected', 'DYto2L', 'nominal');
  const a = runCli(['apply', input, '-m', bundle, '-o', out, '--quiet']);
  t.is(a.code, 0, a.stderr + a.stdout);
  const corrected = join(out, 'output_DYto2L_0.parquet');
  const r9 = await column(corrected, 'photon_r9_corr');
  t.true(r9.every(Number.isFinite));
  t.true(r9.some((v, i) => v !== raw[0][i]));
  // Zero isolations stay a spike: the corrected values are >= 0, many exactly 0.
  const ecal = await column(corrected, 'photon_ecalPFClusterIso_corr');
  t.true(ecal.every((v) => v >= 0));
  t.true(ecal.filter((v) => v === 0).length > 0);
  const m = runCli(['apply', corrected, '-m', join(ROOT, 'models', 'photon-mvaid-run3'), '--in-place', '--quiet']);
  t.is(m.code, 0, m.stderr + m.stdout);
  const mva = await column(corrected, 'photon_mvaID_corr');
  t.true(mva.every((v) => v >= -1 && v <= 1));
});
