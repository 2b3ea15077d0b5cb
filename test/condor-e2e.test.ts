import test from 'ava';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadBundle } from '../src/bundle/bundle.js';
import { readManifest } from '../src/condor/jobfolder.js';
import { runLocal } from '../src/condor/local.js';
import { planResubmit } from '../src/condor/resubmit.js';
import { folderStatus } from '../src/condor/status.js';
import { parseSubmit, splitQueueItem } from '../src/condor/submitfile.js';
import { ROOT, tempDir } from './helpers/fixtures.js';
import { runCli } from './helpers/cli.js';
import { type Check, compare, lastProvenanceHash, truncated } from './helpers/condor-check.js';

// Each job's wrapper runs here exactly as its queue line would make HTCondor run it (runLocal: the
// list line's variables expanded into the submit commands, scratch folder + transfers when the submit
// file asks for them, HTCondor's bare environment), on real HiggsDNA files, through the real `ntcorr
// apply`. Values are checked against DuckDB computing the same expression on the input.

const SAMPLE_DATA = join(ROOT, 'samples', 'zee_data.parquet');
const SAMPLE_MC = join(ROOT, 'samples', 'zee_mc.parquet');

// models/sigma-m-over-m: the seed analysis' sigma_m/m, stored as float32 (hence the relative tolerance).
const SMM: Check = {
  column: 'sigma_m_over_m',
  sql: '0.5*sqrt(pow(i.tag_energyErr/(i.tag_pt*cosh(i.tag_eta)), 2) + pow(i.probe_energyErr/(i.probe_pt*cosh(i.probe_eta)), 2))',
  relTol: 1e-7,
};



test('shared filesystem, the committed samples and sigma-m-over-m model: jobs run from their queue lines; a truncated file fails its job; status and resubmit pick exactly it', async (t) => {
  const tmp = tempDir();
  // The committed Zee samples and the bundled sigma_m/m model, as a user's first batch would use them.
  const bundle = join(ROOT, 'models', 'sigma-m-over-m');
  const hash = loadBundle(bundle).hash;
  const inDir = join(tmp, 'in');
  mkdirSync(inDir);
  copyFileSync(SAMPLE_DATA, join(inDir, 'a_data.parquet'));
  copyFileSync(SAMPLE_MC, join(inDir, 'b_mc.parquet'));
  truncated(SAMPLE_DATA, join(inDir, 'c_truncated.parquet'));
  const out = join(tmp, 'out');
  const dir = join(tmp, 'jobs');
  const r = runCli(['condor', 'submit', join(inDir, '*.parquet'), '-m', bundle, '-o', out, '-d', dir, '--files-per-job', '2', '--dry-run']);
  t.is(r.code, 0, r.stderr);

  // Every line of the queue list, run as HTCondor would.
  const list = readFileSync(join(dir, 'jobs.txt'), 'utf8').trim().split('\n').map((l) => splitQueueItem(l, 2));
  t.deepEqual(list, [['0000', `${inDir}/a_data.parquet,${inDir}/b_mc.parquet`], ['0001', `${inDir}/c_truncated.parquet`]]);
  const runs = list.map(([id]) => runLocal(dir, 'ntcorr.sub', id));
  t.is(runs[0].exitCode, 0, readFileSync(join(dir, 'logs', 'job-0000.err'), 'utf8'));
  t.not(runs[1].exitCode, 0);
  t.regex(readFileSync(join(dir, 'logs', 'job-0000.out'), 'utf8'), /ntcorr-job: job=0000 exit=0\n$/);
  t.regex(readFileSync(join(dir, 'logs', 'job-0001.out'), 'utf8'), /ntcorr-job: job=0001 exit=[1-9]\d*\n$/);
  t.regex(readFileSync(join(dir, 'logs', 'job-0001.err'), 'utf8'), /c_truncated\.parquet/);

  // Outputs exist, carry this model's provenance, and the values are DuckDB's.
  for (const [src, name] of [[SAMPLE_DATA, 'a_data.parquet'], [SAMPLE_MC, 'b_mc.parquet']]) {
    const c = await compare(src, join(out, name), SMM);
    t.is(c.rows, c.inputRows);
    t.true(c.rows > 1000);
    t.is(c.bad, 0, name);
    t.is(await lastProvenanceHash(join(out, name)), hash);
  }
  t.false(existsSync(join(out, 'c_truncated.parquet')));
  t.deepEqual(readFileSync(join(inDir, 'a_data.parquet')), readFileSync(SAMPLE_DATA)); // inputs untouched

  const st = await folderStatus(dir, readManifest(dir));
  t.deepEqual(st.jobs.map((j) => [j.id, j.state]), [['0000', 'done'], ['0001', 'failed']]);
  t.regex(st.jobs[1].reason!, /exit code [1-9]/);
  t.deepEqual(st.jobs[1].files.map((f) => [f.output, f.done]), [[join(out, 'c_truncated.parquet'), false]]);
  const cli = runCli(['condor', 'status', dir]);
  t.is(cli.code, 1); // something failed
  t.regex(cli.stdout, /2 jobs: 1 done, 1 failed, 0 held, 0 pending; 2\/3 files done/);

  // resubmit queues exactly the failed job, from its own list, with the old logs set aside.
  const rs = runCli(['condor', 'resubmit', dir, '--dry-run']);
  t.is(rs.code, 0, rs.stderr);
  const sub = parseSubmit(readFileSync(join(dir, 'resubmit-1.sub'), 'utf8'));
  t.deepEqual(sub.queue, { vars: ['job', 'inputs'], from: 'jobs.resubmit-1.txt', count: 1 });
  t.is(readFileSync(join(dir, 'jobs.resubmit-1.txt'), 'utf8'), `0001 ${inDir}/c_truncated.parquet\n`);
  t.deepEqual(readdirSync(join(dir, 'logs', 'attempt-1')).sort(), ['job-0001.err', 'job-0001.out']);
  t.true(existsSync(join(dir, 'logs', 'job-0000.out')));

  // The file is fixed (re-copied); the resubmitted job succeeds and the whole folder is done.
  copyFileSync(SAMPLE_DATA, join(inDir, 'c_truncated.parquet'));
  t.is(runLocal(dir, 'resubmit-1.sub', '0001').exitCode, 0);
  t.is((await compare(SAMPLE_DATA, join(out, 'c_truncated.parquet'), SMM)).bad, 0);
  const st2 = await folderStatus(dir, readManifest(dir));
  t.deepEqual(st2.counts, { done: 2, failed: 0, held: 0, pending: 0 });
  const again = await planResubmit(dir, readManifest(dir));
  t.is(again.round, undefined);
  // A rerun of a finished job (as HTCondor's max_retries or a duplicate would do) skips its done files.
  t.is(runLocal(dir, 'ntcorr.sub', '0000').exitCode, 0);
  t.regex(readFileSync(join(dir, 'logs', 'job-0000.out'), 'utf8'), /skip/i);
});

