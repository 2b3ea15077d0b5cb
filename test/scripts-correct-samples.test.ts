import test from 'ava';
import { DuckDBInstance } from '@duckdb/node-api';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeBundle } from '../src/bundle/bundle.js';
import { ROOT, fixture, tempDir } from './helpers/fixtures.js';

// The shell driver, run by bash on sample folders as a user would, with the real ntcorr (from source).

const DATA = fixture('parquet', 'higgsdna', 'Data_2016_job1.parquet');
const TTH = fixture('parquet', 'higgsdna', 'ttH_M125_2018_job1.parquet');
const NTCORR = `${process.execPath} --import ${import.meta.resolve('tsx')} ${join(ROOT, 'src/cli/main.ts')}`;

function driver(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync('bash', [join(ROOT, 'scripts/correct-samples.sh'), ...args], { encoding: 'utf8', env: { ...process.env, NTCORR } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

test('loops over sample folders, one log each, summary; a bad file fails its sample and the exit code', async (t) => {
  const tmp = tempDir();
  const model = join(tmp, 'model');
  await writeBundle(model, {
    name: 'lead-pt-over-m', kind: 'derived', inputs: ['LeadPhoton_pt', 'Diphoton_mass'], outputs: [{ name: 'lead_pt_over_m', type: 'float64' }],
    config: { columns: { lead_pt_over_m: 'LeadPhoton_pt / Diphoton_mass' } }, provenance: { createdBy: 'test', created: '2026-01-01', source: 'hand-written' },
  });
  const inRoot = join(tmp, 'samples');
  for (const s of ['Zee', 'Hgg', 'Zmmg', 'notes']) mkdirSync(join(inRoot, s), { recursive: true });
  copyFileSync(DATA, join(inRoot, 'Zee', 'zee_1.parquet'));
  copyFileSync(TTH, join(inRoot, 'Hgg', 'hgg_1.parquet'));
  copyFileSync(TTH, join(inRoot, 'Zmmg', 'zmmg_1.parquet'));
  const b = readFileSync(DATA);
  writeFileSync(join(inRoot, 'Zmmg', 'zmmg_2.parquet'), b.subarray(0, b.length >> 1)); // truncated
  writeFileSync(join(inRoot, 'notes', 'README.txt'), 'not a sample');
  const out = join(tmp, 'out');

  const r = driver(['-m', model, '-i', inRoot, '-o', out]);
  t.is(r.code, 1, r.stdout + r.stderr);
  const summary = r.stdout.slice(r.stdout.indexOf('sample '));
  // Samples found by scanning (alphabetical), the folder without ntuples ignored.
  t.regex(r.stdout, /3 sample\(s\): Hgg Zee Zmmg/);
  t.regex(summary, /^Hgg\s+1\s+ok\s/m);
  t.regex(summary, /^Zee\s+1\s+ok\s/m);
  t.regex(summary, /^Zmmg\s+2\s+FAILED\s.*Zmmg\.log: .*zmmg_2\.parquet/m);
  t.regex(r.stdout, /2 of 3 sample\(s\) ok, 1 failed/);
  for (const s of ['Hgg', 'Zee', 'Zmmg']) t.true(existsSync(join(out, 'logs', `${s}.log`)), s);
  t.regex(readFileSync(join(out, 'logs', 'Zmmg.log'), 'utf8'), /zmmg_2\.parquet/);

  // Outputs: the good files of every sample, values equal to DuckDB's own computation.
  const con = await (await DuckDBInstance.create(':memory:')).connect();
  for (const [src, o] of [[DATA, 'Zee/zee_1.parquet'], [TTH, 'Hgg/hgg_1.parquet'], [TTH, 'Zmmg/zmmg_1.parquet']]) {
    const [n, bad] = (await con.runAndReadAll(`SELECT count(*), count(*) FILTER (WHERE o.lead_pt_over_m IS DISTINCT FROM i.LeadPhoton_pt::DOUBLE / i.Diphoton_mass::DOUBLE)
      FROM read_parquet('${join(out, o)}') o POSITIONAL JOIN read_parquet('${src}') i`)).getRows()[0];
    t.true(Number(n) > 1000, o);
    t.is(Number(bad), 0, o);
  }
  t.false(existsSync(join(out, 'Zmmg', 'zmmg_2.parquet')));

  // Named samples only; all good -> exit 0. A named sample with no files fails.
  const ok = driver(['-m', model, '-i', inRoot, '-o', join(tmp, 'out2'), '-s', 'Zee Hgg', '-j', '2']);
  t.is(ok.code, 0, ok.stdout + ok.stderr);
  t.regex(ok.stdout, /2 of 2 sample\(s\) ok, 0 failed/);
  const missing = driver(['-m', model, '-i', inRoot, '-o', join(tmp, 'out3'), '-s', 'Zee Wjets', '-n']);
  t.is(missing.code, 0); // dry run prints commands only
  t.regex(missing.stdout, /apply --quiet --model .* --out-dir .*out3\/Zee --jobs 1 .*zee_1\.parquet/);
  const absent = driver(['-m', model, '-i', inRoot, '-o', join(tmp, 'out4'), '-s', 'Wjets']);
  t.is(absent.code, 1);
  t.regex(absent.stdout, /^Wjets\s+0\s+FAILED\s.*no \.parquet\/\.root files/m);
  const bad = driver(['-m', join(tmp, 'nope'), '-i', inRoot, '-o', out]);
  t.is(bad.code, 2);
  t.regex(bad.stderr, /nope is not a model bundle/);
});
