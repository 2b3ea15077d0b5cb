import test from 'ava';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { ROOT, tempDir } from './helpers/fixtures.js';
import { runCli } from './helpers/cli.js';

const MC = join(ROOT, 'samples/zee_mc.parquet');
const DATA = join(ROOT, 'samples/zee_data.parquet');
const duck: Promise<DuckDBConnection> = DuckDBInstance.create(':memory:').then((d) => d.connect());
const row = async (sql: string) => (await (await duck).runAndReadAll(sql)).getRows()[0].map(Number);

test('committed samples are what scripts/make-samples.ts writes (byte for byte), and stay under 5 MB', async (t) => {
  const dir = tempDir();
  const { spawnSync } = await import('node:child_process');
  const g = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/make-samples.ts'), '--out', dir], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  t.is(g.status, 0, g.stderr);
  const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
  t.is(sha(join(dir, 'zee_mc.parquet')), sha(MC));
  t.is(sha(join(dir, 'zee_data.parquet')), sha(DATA));
  t.true(readFileSync(MC).length + readFileSync(DATA).length < 5e6);
});

test('samples have the HiggsDNA-like schema, a Z peak, isolation peaks at exactly zero and a jagged column', async (t) => {
  const con = await duck;
  const desc = new Map((await con.runAndReadAll(`DESCRIBE SELECT * FROM '${MC}'`)).getRows().map((r) => [r[0], r[1]]));
  for (const who of ['tag', 'probe']) {
    for (const v of ['pt', 'ScEta', 'eta', 'phi', 'r9', 'sieie', 'etaWidth', 'phiWidth', 'sieip', 's4', 'hoe', 'energyRaw', 'energyErr', 'ecalPFClusterIso',
      'hcalPFClusterIso', 'trkSumPtHollowConeDR03', 'trkSumPtSolidConeDR04', 'pfChargedIso', 'pfChargedIsoWorstVtx', 'esEffSigmaRR', 'esEnergyOverRawE', 'mvaID']) {
      t.is(desc.get(`${who}_${v}`), 'FLOAT', `${who}_${v}`);
    }
  }
  t.is(desc.get('event'), 'BIGINT');
  t.is(desc.get('tag_pixelSeed'), 'BOOLEAN');
  t.is(desc.get('Jet_pt'), 'FLOAT[]');
  const [n, mMin, mMax, mMed, zeroIso, barrelES, njOk, solidGeHollow, worstGe] = await row(`SELECT count(*), min(mass), max(mass), median(mass),
    avg((probe_pfChargedIso = 0)::INT), max(probe_esEffSigmaRR) FILTER (WHERE abs(probe_ScEta) < 1.4442),
    avg((len(Jet_pt) = nJet)::INT), avg((tag_trkSumPtSolidConeDR04 >= tag_trkSumPtHollowConeDR03)::INT),
    avg((probe_pfChargedIsoWorstVtx >= probe_pfChargedIso)::INT) FROM '${MC}'`);
  t.is(n, 25000);
  t.true(mMin > 60 && mMax < 120);
  t.true(Math.abs(mMed - 91.19) < 0.5, `median mass ${mMed}`);
  t.true(zeroIso > 0.6 && zeroIso < 0.85, `pfChargedIso zero fraction ${zeroIso}`);
  t.is(barrelES, 0);
  t.is(njOk, 1);
  t.is(solidGeHollow, 1);
  t.is(worstGe, 1);
  const [c] = await row(`SELECT corr(probe_r9, probe_s4) FROM '${MC}'`);
  t.true(c > 0.8, `r9-s4 correlation ${c}`);
});

test('data differ from simulation as documented: lower r9, wider sieie, fewer isolation zeros, changed r9-s4 correlation', async (t) => {
  const q = (f: string) => row(`SELECT avg(probe_r9), stddev(probe_sieie) FILTER (WHERE abs(probe_ScEta) < 1.4442), avg((probe_ecalPFClusterIso = 0)::INT),
    corr(probe_r9, probe_s4), avg(fixedGridRhoAll), stddev(mass) FILTER (WHERE mass BETWEEN 85 AND 97) FROM '${f}'`);
  const [r9m, sieiem, zm, cm, rhom, sm] = await q(MC);
  const [r9d, sieied, zd, cd, rhod, sd] = await q(DATA);
  t.true(r9d < r9m - 0.005, `r9 ${r9d} vs ${r9m}`);
  t.true(sieied > sieiem * 1.05, `sieie width ${sieied} vs ${sieiem}`);
  t.true(Math.abs(zm - 0.38) < 0.02 && Math.abs(zd - 0.30) < 0.02, `ecal iso zeros ${zm} / ${zd}`);
  t.true(cd < cm - 0.01, `r9-s4 corr ${cd} vs ${cm}`);
  t.true(rhod > rhom * 1.03, `rho ${rhod} vs ${rhom}`);
  t.true(sd > sm, `mass width ${sd} vs ${sm}`);
});

test('models/sigma-m-over-m on the samples equals DuckDB computing the same formula; the _corr column appears only with corrected inputs', async (t) => {
  const dir = tempDir();
  const r = runCli(['apply', MC, '-m', join(ROOT, 'models/sigma-m-over-m'), '-o', dir, '--quiet']);
  t.is(r.code, 0, r.stderr + r.stdout);
  const out = join(dir, 'zee_mc.parquet');
  const [bad, cols] = await row(`SELECT count(*) FILTER (WHERE abs(sigma_m_over_m - 0.5*sqrt((tag_energyErr/(tag_pt*cosh(tag_eta)))^2 + (probe_energyErr/(probe_pt*cosh(probe_eta)))^2)) > 1e-7 * sigma_m_over_m),
    (SELECT count(*) FROM (DESCRIBE SELECT * FROM '${out}') WHERE column_name LIKE 'sigma_m_over_m%') FROM '${out}'`);
  t.is(bad, 0);
  t.is(cols, 1);
  // Fake "corrected" energy errors (x1.1) -> sigma_m_over_m_corr is written and is 1.1x the uncorrected.
  const corr = join(dir, 'corr.parquet');
  await (await duck).run(`COPY (SELECT *, tag_energyErr * 1.1 AS tag_energyErr_corr, probe_energyErr * 1.1 AS probe_energyErr_corr FROM '${MC}') TO '${corr}' (FORMAT parquet)`);
  const r2 = runCli(['apply', corr, '-m', join(ROOT, 'models/sigma-m-over-m'), '--in-place', '--quiet']);
  t.is(r2.code, 0, r2.stderr + r2.stdout);
  const [ratioBad] = await row(`SELECT count(*) FILTER (WHERE abs(sigma_m_over_m_corr / sigma_m_over_m - 1.1) > 1e-5) FROM '${corr}'`);
  t.is(ratioBad, 0);
});
