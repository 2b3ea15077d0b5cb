import test from 'ava';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadBundle, writeBundle } from '../src/bundle/bundle.js';
import { readManifest } from '../src/condor/jobfolder.js';
import { runLocal } from '../src/condor/local.js';
import { folderStatus } from '../src/condor/status.js';
import { fixture, tempDir } from './helpers/fixtures.js';
import { runCli } from './helpers/cli.js';
import { type Check, compare as compareWith, lastProvenanceHash, truncated } from './helpers/condor-check.js';

// Continues condor-e2e.test.ts (split to keep each file short): jobs run from their queue lines as
// HTCondor would run them, here with transfers (scratch folder) and --in-place, on real HiggsDNA files
// through the real `ntcorr apply`; values checked against DuckDB computing the same expression.

const DATA = fixture('parquet', 'higgsdna', 'Data_2016_job1.parquet');
const TTH = fixture('parquet', 'higgsdna', 'ttH_M125_2018_job1.parquet');
const EXPR = 'LeadPhoton_pt / Diphoton_mass';

const LEAD: Check = { column: 'lead_pt_over_m', sql: 'i.LeadPhoton_pt::DOUBLE / i.Diphoton_mass::DOUBLE', relTol: 0 };

async function model(dir: string): Promise<string> {
  await writeBundle(dir, {
    name: 'lead-pt-over-m', kind: 'derived', inputs: ['LeadPhoton_pt', 'Diphoton_mass'], outputs: [{ name: 'lead_pt_over_m', type: 'float64' }],
    config: { columns: { lead_pt_over_m: EXPR } }, provenance: { createdBy: 'test', created: '2026-01-01', source: 'hand-written' },
  });
  return dir;
}

const compare = (input: string, out: string, check: Check = LEAD) => compareWith(input, out, check);

test('no shared filesystem (--transfer): scratch folder, transferred inputs and model, output remapped to --out-dir', async (t) => {
  const tmp = tempDir();
  const bundle = await model(join(tmp, 'model'));
  const hash = loadBundle(bundle).hash;
  const inDir = join(tmp, 'in');
  mkdirSync(inDir);
  copyFileSync(TTH, join(inDir, 'a_tth.parquet'));
  truncated(TTH, join(inDir, 'b_truncated.parquet'));
  const out = join(tmp, 'out');
  const dir = join(tmp, 'jobs');
  t.is(runCli(['condor', 'submit', join(inDir, '*.parquet'), '-m', bundle, '-o', out, '-d', dir, '--transfer', '--dry-run']).code, 0);
  const good = runLocal(dir, 'ntcorr.sub', '0000');
  const bad = runLocal(dir, 'ntcorr.sub', '0001');
  t.is(good.exitCode, 0, readFileSync(join(dir, 'logs', 'job-0000.err'), 'utf8'));
  t.is(good.held, undefined);
  t.not(bad.exitCode, 0);
  t.is(bad.held, undefined); // no transfer_output_files: nothing missing to hold on, the exit code decides
  const c = await compare(TTH, join(out, 'a_tth.parquet'));
  t.is(c.bad, 0);
  t.is(c.rows, c.inputRows);
  t.is(await lastProvenanceHash(join(out, 'a_tth.parquet')), hash);
  t.false(existsSync(join(out, 'b_truncated.parquet')), 'a failed job sends nothing back');
  t.regex(readFileSync(join(dir, 'logs', 'job-0000.out'), 'utf8'), /transfer 1/); // it really ran in transfer mode
  const st = await folderStatus(dir, readManifest(dir));
  t.deepEqual(st.jobs.map((j) => j.state), ['done', 'failed']);
  t.regex(st.jobs[1].files[0].reason!, /missing/);
});

test('--in-place on a shared filesystem: the inputs gain the columns; status reads their provenance', async (t) => {
  const tmp = tempDir();
  const bundle = await model(join(tmp, 'model'));
  const inDir = join(tmp, 'in');
  mkdirSync(inDir);
  copyFileSync(DATA, join(inDir, 'a.parquet'));
  const dir = join(tmp, 'jobs');
  t.is(runCli(['condor', 'submit', join(inDir, 'a.parquet'), '-m', bundle, '--in-place', '-d', dir, '--dry-run']).code, 0);
  const before = await folderStatus(dir, readManifest(dir));
  t.deepEqual(before.counts, { done: 0, failed: 0, held: 0, pending: 1 });
  t.is(runLocal(dir, 'ntcorr.sub', '0000').exitCode, 0, readFileSync(join(dir, 'logs', 'job-0000.err'), 'utf8'));
  t.is((await compare(DATA, join(inDir, 'a.parquet'))).bad, 0);
  t.deepEqual((await folderStatus(dir, readManifest(dir))).counts, { done: 1, failed: 0, held: 0, pending: 0 });
});

test('--transfer --out-dir <the inputs\' folder> is refused (a failing job used to replace a good input with a 0-byte file)', (t) => {
  const tmp = tempDir();
  const inDir = join(tmp, 'in');
  mkdirSync(inDir);
  copyFileSync(TTH, join(inDir, 'a.parquet'));
  const before = readFileSync(join(inDir, 'a.parquet'));
  const r = runCli(['condor', 'submit', join(inDir, '*.parquet'), '-m', join(tmp, 'model'), '-o', inDir, '-d', join(tmp, 'jobs'), '--transfer', '--dry-run']);
  t.not(r.code, 0);
  // the model check comes first; with a real model the overwrite check speaks
  return model(join(tmp, 'model')).then(() => {
    for (const extra of [['--transfer'], []]) {
      const q = runCli(['condor', 'submit', join(inDir, '*.parquet'), '-m', join(tmp, 'model'), '-o', inDir, '-d', join(tmp, `jobs${extra.length}`), ...extra, '--dry-run']);
      t.is(q.code, 1, q.stdout);
      t.regex(q.stderr, /the output of .*a\.parquet would be .*a\.parquet, which is that input itself; choose another --out-dir, or --in-place/);
      t.false(existsSync(join(tmp, `jobs${extra.length}`, 'ntcorr.sub')));
    }
    t.deepEqual(readFileSync(join(inDir, 'a.parquet')), before);
  });
});

test('--transfer: a failing job never overwrites an existing output; outputs mirror the inputs\' paths (same basename in two datasets)', async (t) => {
  const tmp = tempDir();
  const bundle = await model(join(tmp, 'model'));
  const in1 = join(tmp, 'in', 'ttH', 'nominal');
  const in2 = join(tmp, 'in', 'data', 'nominal');
  mkdirSync(in1, { recursive: true });
  mkdirSync(in2, { recursive: true });
  copyFileSync(TTH, join(in1, 'f.parquet'));
  truncated(TTH, join(in2, 'f.parquet'));
  const out = join(tmp, 'out');
  mkdirSync(join(out, 'data', 'nominal'), { recursive: true });
  // a good output from an earlier run sits where the failing job's output would go
  writeFileSync(join(out, 'data', 'nominal', 'f.parquet'), 'earlier good output');
  const dir = join(tmp, 'jobs');
  const sub = runCli(['condor', 'submit', join(in1, 'f.parquet'), join(in2, 'f.parquet'), '-m', bundle, '-o', out, '-d', dir, '--transfer', '--dry-run']);
  t.is(sub.code, 0, sub.stderr);
  t.deepEqual(readManifest(dir).jobs.map((j) => j.outputs[0]), [join(out, 'ttH', 'nominal', 'f.parquet'), join(out, 'data', 'nominal', 'f.parquet')]);
  const good = runLocal(dir, 'ntcorr.sub', '0000');
  const bad = runLocal(dir, 'ntcorr.sub', '0001');
  t.is(good.exitCode, 0, readFileSync(join(dir, 'logs', 'job-0000.err'), 'utf8'));
  t.not(bad.exitCode, 0);
  t.is(bad.held, undefined);
  t.is(readFileSync(join(out, 'data', 'nominal', 'f.parquet'), 'utf8'), 'earlier good output');
  t.is((await compare(TTH, join(out, 'ttH', 'nominal', 'f.parquet'))).bad, 0);
  // nothing else came back into the job folder
  t.deepEqual(readFileSync(join(dir, 'jobs.txt'), 'utf8').trim().split('\n').map((l) => l.split(' ').slice(0, 3)), [
    ['0000', 'ntcorr-out-0000.parquet', 'ttH/nominal/f.parquet'], ['0001', 'ntcorr-out-0001.parquet', 'data/nominal/f.parquet'],
  ]);
  t.false(existsSync(join(dir, 'ntcorr-out-0000.parquet')));
});

test('shared filesystem, two datasets in one job (--files-per-job 2): outputs mirror the paths below the base, the wrapper verifies them there', async (t) => {
  const tmp = tempDir();
  const bundle = await model(join(tmp, 'model'));
  const a = join(tmp, 'in', 'ttH', 'nominal', 'f.parquet');
  const b = join(tmp, 'in', 'data', 'nominal', 'f.parquet');
  mkdirSync(join(tmp, 'in', 'ttH', 'nominal'), { recursive: true });
  mkdirSync(join(tmp, 'in', 'data', 'nominal'), { recursive: true });
  copyFileSync(TTH, a);
  copyFileSync(DATA, b);
  const out = join(tmp, 'out');
  const dir = join(tmp, 'jobs');
  const sub = runCli(['condor', 'submit', a, b, '-m', bundle, '-o', out, '-d', dir, '--files-per-job', '2', '--dry-run']);
  t.is(sub.code, 0, sub.stderr);
  const r = runLocal(dir, 'ntcorr.sub', '0000');
  t.is(r.exitCode, 0, readFileSync(join(dir, 'logs', 'job-0000.err'), 'utf8') + readFileSync(join(dir, 'logs', 'job-0000.out'), 'utf8'));
  t.is((await compare(TTH, join(out, 'ttH', 'nominal', 'f.parquet'))).bad, 0);
  t.is((await compare(DATA, join(out, 'data', 'nominal', 'f.parquet'))).bad, 0);
  t.deepEqual((await folderStatus(dir, readManifest(dir))).counts, { done: 1, failed: 0, held: 0, pending: 0 });
});
