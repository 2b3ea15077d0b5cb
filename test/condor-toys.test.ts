/**
 * Toy job folders (`ntcorr condor toys`) are first-class job folders: `condor status` reads their outputs,
 * `condor resubmit` queues the failed jobs again, and with --transfer (no shared filesystem; run through the
 * run-local emulation of HTCondor's transfers, as the apply transfer tests) the model files and fit result
 * travel in, each job's toys come back to OUT/job-<id>/, a failed job sends nothing back, and `toys merge`
 * of the transferred outputs equals one run of all toys.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { parquetReadObjects } from 'hyparquet';
import { ROOT, tempDir } from './helpers/fixtures.js';
import { runCli } from './helpers/cli.js';
import { ntcorrTarball } from './helpers/condor-check.js';
import { runLocal } from '../src/condor/local.js';
import { readManifest } from '../src/condor/jobfolder.js';
import { folderStatus } from '../src/condor/status.js';
import { planResubmit } from '../src/condor/resubmit.js';
import { parseSubmit } from '../src/condor/submitfile.js';
import { createToysJobFolder } from '../src/condor/toys.js';

const MODEL = join(ROOT, 'examples/fit/gauss-exp.yaml');
const tmp = tempDir();
const yamlOf = (p: string) => parse(readFileSync(p, 'utf8')) as Record<string, any>;
const rowsOf = async (p: string) => {
  const b = readFileSync(p);
  return (await parquetReadObjects({ file: b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer })) as Array<Record<string, unknown>>;
};
const resources = { maxRetries: 0, extra: [] };


test('condor toys --transfer: files in, checked outputs back per job; a failed job overwrites nothing; status, resubmit, merge = one run', async (t) => {
  // The study's files, apart from the job folder and the outputs (as on a submit node).
  const src = join(tmp, 'study');
  mkdirSync(join(src, 'gen'), { recursive: true });
  copyFileSync(MODEL, join(src, 'gauss-exp.yaml'));
  copyFileSync(MODEL, join(src, 'gen', 'gauss-exp-gen.yaml'));
  const fit = { nsig: { value: 1040, error: 40 }, nbkg: { value: 1990, error: 55 }, mu: { value: 5281, error: 2.5 }, sigma: { value: 49, error: 2 }, lam: { value: -0.00105, error: 5e-5 } };
  writeFileSync(join(src, 'fit.json'), JSON.stringify({ fit: { parameters: fit } }));
  const jobs = join(tmp, 'tjobs');
  const outs = join(tmp, 'tout');
  const tgz = ntcorrTarball(tmp);
  const study = ['--gen-model', join(src, 'gen', 'gauss-exp-gen.yaml'), '--from-fit', join(src, 'fit.json'), '--randomize-start', '1.5', '--seed', '13'];
  const r = runCli(['condor', 'toys', '-m', join(src, 'gauss-exp.yaml'), '-N', '6', '--toys-per-job', '2', '-d', jobs, '-o', outs,
    '--transfer', '--tarball', tgz, '--ntcorr', 'no-such-ntcorr', '--max-retries', '0', '--dry-run', ...study]);
  t.is(r.code, 0, r.stderr);
  t.deepEqual(readFileSync(join(jobs, 'jobs.txt'), 'utf8').trim().split('\n'), ['0000 0:2', '0001 2:2', '0002 4:2']);
  const sub = parseSubmit(readFileSync(join(jobs, 'ntcorr.sub'), 'utf8')).commands;
  t.is(sub.get('executable'), 'ntcorr-toys.sh');
  t.is(sub.get('should_transfer_files'), 'YES');
  t.is(sub.get('transfer_input_files'), `job.env, ${join(src, 'gauss-exp.yaml')}, ${join(src, 'gen', 'gauss-exp-gen.yaml')}, ${join(src, 'fit.json')}, ${tgz}`);
  t.is(sub.get('transfer_output_remaps'), `"ntcorr-toys-$(job).parquet = ${outs}/job-$(job)/toys.parquet; ntcorr-toys-$(job).summary.yaml = ${outs}/job-$(job)/summary.yaml"`);
  t.false(sub.has('transfer_output_files')); // a listed file that a failed job lacks would hold the job
  const env = readFileSync(join(jobs, 'job.env'), 'utf8');
  t.regex(env, /^MODEL=\(gauss-exp\.yaml\)$/m);
  t.regex(env, /^TRANSFER=1$/m);
  t.regex(env, /^APPLY_ARGS=\(.*--gen-model gauss-exp-gen\.yaml --from-fit fit\.json .*\)$/m);
  t.true(readdirSync(outs).length === 3); // remaps do not create folders: they exist before any job runs

  // A failed job (its ntcorr exits 1) sends nothing back: what is in its output folder stays as it was.
  writeFileSync(join(outs, 'job-0001', 'toys.parquet'), 'left by someone else');
  const failed = runLocal(jobs, 'ntcorr.sub', '0001', { env: { NTCORR_CMD: 'false' } });
  t.is(failed.exitCode, 1);
  t.is(failed.held, undefined);
  t.is(readFileSync(join(outs, 'job-0001', 'toys.parquet'), 'utf8'), 'left by someone else');
  t.false(existsSync(join(outs, 'job-0001', 'summary.yaml')));
  t.deepEqual(readdirSync(jobs).filter((f) => f.startsWith('ntcorr-toys-')), []);
  const ok = runLocal(jobs, 'ntcorr.sub', '0000');
  t.is(ok.exitCode, 0, readFileSync(join(jobs, 'logs', 'job-0000.err'), 'utf8'));
  t.deepEqual(readdirSync(join(outs, 'job-0000')).sort(), ['summary.yaml', 'toys.parquet']);

  const st = await folderStatus(jobs, readManifest(jobs));
  t.deepEqual(st.counts, { done: 1, failed: 1, held: 0, pending: 1 });
  t.deepEqual(st.jobs.map((j) => j.state), ['done', 'failed', 'pending']);
  t.regex(st.jobs[1].reason!, /^exit code 1/);
  t.deepEqual(st.jobs[1].files, [{ input: 'toys 2..3', output: join(outs, 'job-0001'), done: false, reason: 'no summary.yaml' }]);
  const cs = runCli(['condor', 'status', jobs]);
  t.is(cs.code, 1);
  t.regex(cs.stdout, /3 jobs: 1 done, 1 failed, 0 held, 1 pending; 2\/6 toys done/);

  // resubmit: the failed job only, with the same transfers.
  const rs = runCli(['condor', 'resubmit', jobs, '--dry-run']);
  t.is(rs.code, 0, rs.stderr);
  t.regex(rs.stdout, /resubmit-1: 1 job\(s\) \(0001\) in resubmit-1\.sub/);
  t.is(readFileSync(join(jobs, 'jobs.resubmit-1.txt'), 'utf8'), '0001 2:2\n');
  const rsub = parseSubmit(readFileSync(join(jobs, 'resubmit-1.sub'), 'utf8')).commands;
  for (const k of ['executable', 'transfer_input_files', 'transfer_output_remaps', 'arguments']) t.is(rsub.get(k), sub.get(k), k);
  t.true(existsSync(join(jobs, 'logs', 'attempt-1', 'job-0001.out')));
  t.is(runLocal(jobs, 'resubmit-1.sub', '0001').exitCode, 0);
  t.is(runLocal(jobs, 'ntcorr.sub', '0002').exitCode, 0);
  const done = runCli(['condor', 'status', jobs]);
  t.is(done.code, 0, done.stdout);
  t.regex(done.stdout, /3 jobs: 3 done, 0 failed, 0 held, 0 pending; 6\/6 toys done/);

  // An output of another configuration is not done (toys merge would refuse it too).
  const s2 = join(outs, 'job-0002', 'summary.yaml');
  const text = readFileSync(s2, 'utf8');
  writeFileSync(s2, text.replace(/^config_hash: (\S+)$/m, `config_hash: ${'f'.repeat(64)}`));
  const other = await folderStatus(jobs, readManifest(jobs));
  t.deepEqual(other.jobs.map((j) => j.state), ['done', 'done', 'failed']);
  t.regex(other.jobs[2].reason!, /config_hash ffffffffffff is not the other jobs' [0-9a-f]{12} \(the output of another study\)/);
  writeFileSync(s2, text);

  // The transferred outputs merge into exactly one run of all six toys (run where the files have the
  // names the jobs saw: summary.yaml records model/gen_model/from_fit as given).
  const merged = join(tmp, 'tmerged');
  const m = runCli(['toys', 'merge', ...['0000', '0001', '0002'].map((id) => join(outs, `job-${id}`)), '--out', merged, '--no-plots']);
  t.is(m.code, 0, m.stderr);
  const ref = join(tmp, 'tref');
  mkdirSync(ref);
  for (const f of ['gauss-exp.yaml', 'gen/gauss-exp-gen.yaml', 'fit.json']) copyFileSync(join(src, f), join(ref, f.replace('gen/', '')));
  const single = join(tmp, 'tsingle');
  // Through the tarball's launcher (its tsx import is absolute; runCli's resolves from the cwd).
  const s = spawnSync(process.execPath, [join(tmp, 'pkg', 'package', 'bin', 'ntcorr.js'), 'toys', '--model', 'gauss-exp.yaml', '-N', '6', '--threads', '1', '--out', single, '--quiet', '--no-plots',
    '--gen-model', 'gauss-exp-gen.yaml', '--from-fit', 'fit.json', '--randomize-start', '1.5', '--seed', '13'], { cwd: ref, encoding: 'utf8' });
  t.is(s.status, 0, s.stderr);
  const a = await rowsOf(join(single, 'toys.parquet'));
  t.is(a.length, 30);
  t.deepEqual(await rowsOf(join(merged, 'toys.parquet')), a); // every float bit for bit
  const sa = yamlOf(join(single, 'summary.yaml'));
  const sb = yamlOf(join(merged, 'summary.yaml'));
  t.is(sb.provenance.configHash, sa.config_hash);
  delete sa.provenance;
  delete sb.provenance;
  t.deepEqual(sb, sa);
  t.is(sa.model, 'gauss-exp.yaml');
  t.is(sa.generating_values.nsig, 1040); // from the transferred fit result
});

test('condor status / resubmit of a shared-filesystem toys folder: failed and wrong outputs are resubmitted and rerun', async (t) => {
  const jobs = join(tmp, 'sjobs');
  const outs = join(tmp, 'sout');
  const r = runCli(['condor', 'toys', '-m', MODEL, '-N', '4', '--toys-per-job', '2', '--seed', '3', '-d', jobs, '-o', outs, '--dry-run']);
  t.is(r.code, 0, r.stderr);
  t.is(parseSubmit(readFileSync(join(jobs, 'ntcorr.sub'), 'utf8')).commands.get('transfer_input_files'), 'job.env');
  t.is(runLocal(jobs, 'ntcorr.sub', '0000', { env: { NTCORR_CMD: 'false' } }).exitCode, 1);
  t.is(runLocal(jobs, 'ntcorr.sub', '0001').exitCode, 0, readFileSync(join(jobs, 'logs', 'job-0001.err'), 'utf8'));
  // Job 0000's folder gets job 0001's output: seed and toy range say it is not job 0000's.
  cpSync(join(outs, 'job-0001'), join(outs, 'job-0000'), { recursive: true });
  const m = readManifest(jobs);
  const st = await folderStatus(jobs, m);
  t.deepEqual(st.jobs.map((j) => j.state), ['failed', 'done']);
  t.regex(st.jobs[0].files[0].reason!, /^summary\.yaml: first_toy 2, expected 0 \(the output of another job or study\)$/);
  const plan = await planResubmit(jobs, m);
  t.deepEqual(plan.round?.jobs, ['0000']);
  const rsub = parseSubmit(readFileSync(join(jobs, 'resubmit-1.sub'), 'utf8')).commands;
  t.is(rsub.get('executable'), 'ntcorr-toys.sh');
  t.is(rsub.get('should_transfer_files'), 'IF_NEEDED');
  t.is(runLocal(jobs, 'resubmit-1.sub', '0000').exitCode, 0);
  const after = await folderStatus(jobs, readManifest(jobs));
  t.deepEqual(after.counts, { done: 2, failed: 0, held: 0, pending: 0 });
  t.is(yamlOf(join(outs, 'job-0000', 'summary.yaml')).first_toy, 0);
  t.is((await planResubmit(jobs, readManifest(jobs))).round, undefined);
  // A new study over these outputs would take them for its own: refused without --force.
  t.throws(() => createToysJobFolder({ dir: join(tmp, 'again'), model: MODEL, toys: 4, toysPerJob: 2, seed: 4, outDir: outs, toysArgs: [], resources }),
    { message: new RegExp(`--out-dir .*: ${join(outs, 'job-0000')} already holds toy outputs \\(and 1 more job folders\\); choose another --out-dir or pass --force`) });
});

test('condor toys --transfer refuses what cannot travel: equal basenames, simulation samples, --tarball without --transfer', (t) => {
  const other = join(tmp, 'other');
  mkdirSync(other, { recursive: true });
  copyFileSync(MODEL, join(other, 'gauss-exp.yaml'));
  const base = { dir: join(tmp, 'refused'), model: MODEL, toys: 4, toysPerJob: 2, seed: 1, outDir: join(tmp, 'rout'), toysArgs: [], resources };
  t.throws(() => createToysJobFolder({ ...base, genModel: join(other, 'gauss-exp.yaml'), transfer: true }),
    { message: /--gen-model .*other\/gauss-exp\.yaml: with --transfer it arrives as gauss-exp\.yaml in the job's scratch folder, as does --model .*examples\/fit\/gauss-exp\.yaml; rename one of them/ });
  const kde = join(other, 'kde.yaml');
  writeFileSync(kde, [
    'observable: {name: m, range: [0, 10]}',
    'parameters:',
    '  n: {value: 100, step: 10}',
    'components:',
    '  - {name: sim, pdf: kde, samples: {file: mc.parquet, column: m}, yield: n}',
    '',
  ].join('\n'));
  t.throws(() => createToysJobFolder({ ...base, model: kde, transfer: true }),
    { message: /--model .*kde\.yaml: its components read simulation samples \(mc\.parquet\), which --transfer does not ship; run on a shared filesystem/ });
  const tgz = join(other, 'x.tgz');
  writeFileSync(tgz, '');
  t.throws(() => createToysJobFolder({ ...base, tarball: tgz }), { message: /--tarball needs --transfer/ });
  t.false(existsSync(base.dir));
});
