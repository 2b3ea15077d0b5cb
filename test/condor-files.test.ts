import test from 'ava';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { writeBundle } from '../src/bundle/bundle.js';
import { createJobFolder, type CreateOptions } from '../src/condor/create.js';
import { parseDag } from '../src/condor/dag.js';
import { readManifest } from '../src/condor/jobfolder.js';
import { checkFlavour, parseDuration, parseExtra, parseSize } from '../src/condor/resources.js';
import { NtcorrError } from '../src/core/errors.js';
import { parseSubmit, splitQueueItem } from '../src/condor/submitfile.js';
import { ROOT, fixture, tempDir } from './helpers/fixtures.js';
import { runCli } from './helpers/cli.js';

// The generated files read back field by field. Condor itself cannot run here; where a check needs a
// shell's reading (job.env, train.env) real bash does the reading.

const HIGGSDNA = fixture('parquet', 'higgsdna');
const inputs = readdirSync(HIGGSDNA).filter((f) => f.endsWith('.parquet')).sort().map((f) => join(HIGGSDNA, f));

async function bundle(dir: string): Promise<string> {
  await writeBundle(dir, {
    name: 'smm', kind: 'derived', inputs: ['tag_pt'], outputs: [{ name: 'sigma_m_over_m' }], config: { columns: { sigma_m_over_m: 'tag_pt' } },
    provenance: { createdBy: 'test', created: '2026-01-01', source: 'hand-written' },
  });
  return dir;
}

/** The CLI run from another folder (the helper's `--import tsx` only resolves from the repo root). */
function runCliIn(cwd: string, args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), join(ROOT, 'src/cli/main.ts'), ...args], { cwd, encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** What bash sees after `source FILE`: each named array, one element per line. */
function bashArrays(file: string, names: string[]): Record<string, string[]> {
  const script = `source ${JSON.stringify(file)}; ` + names.map((n) => `echo "@@${n}"; for x in "\${${n}[@]}"; do printf '%s\\n' "$x"; done`).join('; ');
  const r = spawnSync('bash', ['-c', script], { encoding: 'utf8' });
  const out: Record<string, string[]> = {};
  let cur = '';
  for (const line of r.stdout.split('\n')) {
    if (line.startsWith('@@')) { cur = line.slice(2); out[cur] = []; } else if (cur && line !== '') out[cur].push(line);
  }
  return out;
}

test('submit --dry-run writes a submit description that queues one job per file from jobs.txt', async (t) => {
  const tmp = tempDir();
  const model = await bundle(join(tmp, 'smm'));
  const r = runCli(['condor', 'submit', join(HIGGSDNA, '*.parquet'), '--model', model, '--out-dir', join(tmp, 'out'), '-d', join(tmp, 'jobs'),
    '--request-memory', '4GB', '--request-gpus', '1', '--request-cpus', '2', '--flavour', 'workday', '--max-runtime', '2h30m',
    '--max-retries', '3', '--extra', '+AccountingGroup = "group_u_CMS.u_zh.users"', '--extra', 'requirements = (OpSysAndVer == "AlmaLinux9")',
    "--apply-args=--chunk-rows 5000 --where 'mass > 80'", '--dry-run']);
  t.is(r.code, 0, r.stderr);
  const dir = join(tmp, 'jobs');
  const sub = parseSubmit(readFileSync(join(dir, 'ntcorr.sub'), 'utf8'));
  const c = sub.commands;
  t.is(c.get('universe'), 'vanilla');
  t.is(c.get('executable'), 'ntcorr-job.sh');
  t.is(c.get('arguments'), '"$(job) $(inputs)"');
  t.is(c.get('output'), 'logs/job-$(job).out');
  t.is(c.get('error'), 'logs/job-$(job).err');
  t.is(c.get('log'), 'logs/job-$(job).log');
  t.is(c.get('should_transfer_files'), 'IF_NEEDED');
  t.is(c.get('transfer_input_files'), 'job.env');
  t.false(c.has('transfer_output_files'));
  t.is(c.get('max_retries'), '3');
  t.is(c.get('success_exit_code'), '0');
  t.is(c.get('request_memory'), '4GB');
  t.is(c.get('request_gpus'), '1');
  t.is(c.get('request_cpus'), '2');
  t.is(c.get('+JobFlavour'), '"workday"');
  t.is(c.get('+MaxRuntime'), String(2 * 3600 + 30 * 60));
  t.is(c.get('+AccountingGroup'), '"group_u_CMS.u_zh.users"');
  t.is(c.get('requirements'), '(OpSysAndVer == "AlmaLinux9")');
  t.deepEqual(sub.queue, { vars: ['job', 'inputs'], from: 'jobs.txt', count: 1 });

  const lines = readFileSync(join(dir, 'jobs.txt'), 'utf8').trim().split('\n');
  t.deepEqual(lines, inputs.map((f, i) => `${String(i).padStart(4, '0')} ${f}`));
  t.deepEqual(lines.map((l) => splitQueueItem(l, 2)), inputs.map((f, i) => [String(i).padStart(4, '0'), f]));

  // The wrapper is there and executable; job.env reads back in bash with quoting intact.
  t.truthy(readdirSync(dir).includes('ntcorr-job.sh'));
  const env = bashArrays(join(dir, 'job.env'), ['NTCORR', 'MODEL', 'OUT_DIR', 'APPLY_ARGS', 'MODE', 'TRANSFER', 'SETUP']);
  t.deepEqual(env.APPLY_ARGS, ['--chunk-rows', '5000', '--where', 'mass > 80']);
  t.deepEqual(env.MODEL, [model]);
  t.deepEqual(env.OUT_DIR, [join(tmp, 'out')]);
  t.deepEqual(env.MODE, ['out-dir']);
  t.deepEqual(env.TRANSFER, ['0']);
  t.deepEqual(env.SETUP, []);
  // This checkout's ntcorr (from source here: node + tsx + src/cli/main.ts), by absolute paths.
  t.deepEqual(env.NTCORR, [process.execPath, '--import', import.meta.resolve('tsx'), join(ROOT, 'src', 'cli', 'main.ts')]);

  const m = JSON.parse(readFileSync(join(dir, 'job.json'), 'utf8'));
  t.is(m.jobs.length, inputs.length);
  t.deepEqual(m.jobs.map((j: { outputs: string[] }) => j.outputs[0]), inputs.map((f) => join(tmp, 'out', basename(f))));
  t.like(m.rounds[0], { name: 'submit', submitFile: 'ntcorr.sub', list: 'jobs.txt', submitted: false });
});

test('--transfer (inputs from --files-from): inputs, model and job.env go in; the one output comes back to --out-dir by remap', async (t) => {
  const tmp = tempDir();
  const model = await bundle(join(tmp, 'smm'));
  const list = join(tmp, 'files.txt'); // inputs from a listing, as from EOS or DAS
  writeFileSync(list, `# listing\n${inputs.join('\n')}\n\n`);
  const r = runCli(['condor', 'submit', '--files-from', list, '-m', model, '-o', join(tmp, 'out'), '-d', join(tmp, 'jobs'), '--transfer', '--dry-run']);
  t.is(r.code, 0, r.stderr);
  const dir = join(tmp, 'jobs');
  const c = parseSubmit(readFileSync(join(dir, 'ntcorr.sub'), 'utf8'));
  t.is(c.commands.get('should_transfer_files'), 'YES');
  t.is(c.commands.get('when_to_transfer_output'), 'ON_EXIT');
  t.is(c.commands.get('transfer_input_files'), `job.env, $(inputs), ${model}`);
  // no transfer_output_files: only what the job created at the top of its scratch folder comes back (the verified output)
  t.false(c.commands.has('transfer_output_files'));
  t.is(c.commands.get('transfer_output_remaps'), `"$(outname) = ${join(tmp, 'out')}/$(outrel)"`);
  t.deepEqual(c.queue?.vars, ['job', 'outname', 'outrel', 'inputs']);
  const lines = readFileSync(join(dir, 'jobs.txt'), 'utf8').trim().split('\n');
  t.deepEqual(lines.map((l) => splitQueueItem(l, 4)), inputs.map((f, i) => [String(i).padStart(4, '0'), `ntcorr-out-${String(i).padStart(4, '0')}.parquet`, basename(f), f]));
  const env = bashArrays(join(dir, 'job.env'), ['MODEL', 'TRANSFER', 'OUT_DIR']);
  t.deepEqual(env.MODEL, ['smm']); // the transferred folder's name in the scratch folder
  t.deepEqual(env.TRANSFER, ['1']);
  t.deepEqual(env.OUT_DIR, []);
});

test('job.json read back strictly: an unknown or mistyped key (top level or nested) or a wrong shape is an error naming the file and key', async (t) => {
  const tmp = tempDir();
  const model = await bundle(join(tmp, 'smm'));
  const dir = join(tmp, 'jobs');
  await createJobFolder({ globs: inputs.slice(0, 2), model, outDir: join(tmp, 'out'), dir, transfer: false, filesPerJob: 1, applyArgs: [], resources: { maxRetries: 0, extra: [] } } satisfies CreateOptions);
  const path = join(dir, 'job.json');
  const good = readFileSync(path, 'utf8');
  t.is(readManifest(dir).jobs.length, 2);
  const edit = (f: (m: any) => void): void => { const m = JSON.parse(good); f(m); writeFileSync(path, JSON.stringify(m)); };
  const cases: Array<[string, (m: any) => void, RegExp]> = [
    ['typo at the top', (m) => { m.outdir = m.outDir; delete m.outDir; }, /job\.json: outdir: unknown key \(expected one of format, version, .*outDir/],
    ['unknown key in a job', (m) => { m.jobs[1].input = m.jobs[1].inputs; }, /job\.json: jobs\[1\]\.input: unknown key \(expected one of id, inputs, outputs\)/],
    ['unknown resource', (m) => { m.resources.memmory = '4GB'; }, /job\.json: resources\.memmory: unknown key/],
    ['unknown key in a round', (m) => { m.rounds.push({ name: 'submit', submitFile: 'ntcorr.sub', list: 'jobs.txt', jobs: [], time: '', submitted: false, held: true }); }, /job\.json: rounds\[0\]\.held: unknown key/],
    ['wrong mode', (m) => { m.mode = 'inplace'; }, /job\.json: mode: expected "out-dir" or "in-place"/],
    ['outputs not matching inputs', (m) => { m.jobs[0].outputs = []; }, /job\.json: jobs\[0\]: expected as many outputs as inputs/],
    // a toys folder (condor toys) is the same manifest plus kind and its study, checked as strictly
    ['unknown kind', (m) => { m.kind = 'toy'; }, /job\.json: kind: expected "toys" or no kind/],
    ['toys study without its kind', (m) => { m.toys = { total: 4, perJob: 2, seed: 1 }; }, /job\.json: kind: expected "toys"/],
    ['unknown key in the toys study', (m) => { m.kind = 'toys'; m.toys = { total: 4, perJob: 2, seed: 1, per_job: 2 }; }, /job\.json: toys\.per_job: unknown key \(expected one of total, perJob, seed, genModel, fromFit\)/],
    ['toys count not a number', (m) => { m.kind = 'toys'; m.toys = { total: '4', perJob: 2, seed: 1 }; }, /job\.json: toys\.total: expected a whole number/],
  ];
  for (const [what, f, re] of cases) {
    edit(f);
    const e = t.throws(() => readManifest(dir), { instanceOf: NtcorrError }, what);
    t.regex(e!.message, re, what);
    t.true(e!.message.startsWith(path), what);
  }
  // the commands that read it stop with that message (exit 1) before doing anything
  edit((m) => { m.outdir = m.outDir; delete m.outDir; });
  for (const cmd of [['condor', 'status', dir], ['condor', 'resubmit', dir, '--dry-run']]) {
    const r = runCli(cmd);
    t.is(r.code, 1, cmd.join(' '));
    t.regex(r.stderr, /job\.json: outdir: unknown key/, cmd.join(' '));
  }
  t.false(readdirSync(dir).some((f) => f.startsWith('resubmit-')));
});

test('--files-per-job groups files; the last job takes the remainder', async (t) => {
  const tmp = tempDir();
  const model = await bundle(join(tmp, 'smm'));
  const src = join(tmp, 'in');
  mkdirSync(src);
  for (const n of ['a', 'b', 'c', 'd', 'e']) copyFileSync(inputs[0], join(src, `${n}.parquet`));
  const r = runCli(['condor', 'submit', join(src, '*.parquet'), '-m', model, '--in-place', '--files-per-job', '2', '-d', join(tmp, 'jobs'), '--dry-run']);
  t.is(r.code, 0, r.stderr);
  const lines = readFileSync(join(tmp, 'jobs', 'jobs.txt'), 'utf8').trim().split('\n');
  t.deepEqual(lines, [
    `0000 ${src}/a.parquet,${src}/b.parquet`,
    `0001 ${src}/c.parquet,${src}/d.parquet`,
    `0002 ${src}/e.parquet`,
  ]);
  const env = bashArrays(join(tmp, 'jobs', 'job.env'), ['MODE', 'OUT_DIR']);
  t.deepEqual(env.MODE, ['in-place']);
  t.deepEqual(env.OUT_DIR, []);
});

test('dag --dry-run: train node, then the apply jobs', async (t) => {
  const tmp = tempDir();
  const cfg = join(ROOT, 'examples', 'flow', 'flow.yaml');
  const model = join(tmp, 'models', 'zee-flow'); // the configuration's output (relative to the run folder); not there yet
  const r = runCliIn(tmp, ['condor', 'dag', '--train', cfg, '--train-name', 'zee-flow', '--apply', join(HIGGSDNA, '*.parquet'), '-o', join(tmp, 'out'), '-d', join(tmp, 'dag'),
    '--train-gpus', '1', '--train-memory', '8GB', '--flavour', 'longlunch', '--train-args=--seed 7', '--dry-run']);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /condor_submit_dag ntcorr\.dag/);
  const dir = join(tmp, 'dag');
  const d = parseDag(readFileSync(join(dir, 'ntcorr.dag'), 'utf8'));
  t.deepEqual([...d.jobs], [['train', 'train.sub'], ['apply', 'ntcorr.sub']]);
  t.deepEqual(d.edges, [['train', 'apply']]);
  t.is(d.retries.get('train'), 1);
  const tr = parseSubmit(readFileSync(join(dir, 'train.sub'), 'utf8'));
  t.is(tr.commands.get('executable'), 'ntcorr-train.sh');
  t.is(tr.commands.get('request_gpus'), '1');
  t.is(tr.commands.get('request_memory'), '8GB');
  t.is(tr.commands.get('+JobFlavour'), '"longlunch"');
  t.is(tr.commands.get('transfer_input_files'), 'train.env');
  t.deepEqual(tr.queue, { vars: [], from: undefined, count: 1 });
  const env = bashArrays(join(dir, 'train.env'), ['CONFIG', 'BUNDLE', 'TRAIN_ARGS', 'WORKDIR']);
  t.deepEqual(env, { CONFIG: [cfg], BUNDLE: [model], TRAIN_ARGS: ['--name', 'zee-flow', '--seed', '7'], WORKDIR: [tmp] });
  // The apply node is the ordinary job folder, reading the bundle the train node writes.
  const ap = parseSubmit(readFileSync(join(dir, 'ntcorr.sub'), 'utf8'));
  t.deepEqual(ap.queue?.vars, ['job', 'inputs']);
  t.deepEqual(bashArrays(join(dir, 'job.env'), ['MODEL']).MODEL, [model]);
  // status before training: nothing done, model not there yet.
  const st = runCli(['condor', 'status', dir, '--json']);
  const js = JSON.parse(st.stdout);
  t.false(js.modelReady);
  t.deepEqual(js.counts, { done: 0, failed: 0, held: 0, pending: inputs.length });
  // A file with several configurations needs --train-name; --model must agree with the config.
  const many = runCliIn(tmp, ['condor', 'dag', '--train', cfg, '--apply', inputs[0], '-o', join(tmp, 'out'), '-d', join(tmp, 'dag2'), '--dry-run']);
  t.regex(many.stderr, /has \d+ configurations .*--train-name/);
  const wrong = runCliIn(tmp, ['condor', 'dag', '--train', cfg, '--train-name', 'smoke', '-m', 'models/other', '--apply', inputs[0], '-o', join(tmp, 'out'), '-d', join(tmp, 'dag3'), '--dry-run']);
  t.regex(wrong.stderr, /is not where configuration "smoke" writes its bundle/);
});

test('bad options fail with a message naming what was expected', async (t) => {
  const tmp = tempDir();
  const model = await bundle(join(tmp, 'smm'));
  const base = { globs: [join(HIGGSDNA, '*.parquet')], model, transfer: false, filesPerJob: 1, applyArgs: [], resources: { maxRetries: 2, extra: [] } };
  let n = 0;
  const create = (o: Partial<CreateOptions>) => createJobFolder({ ...base, dir: join(tmp, `j${n++}`), ...o });
  const cases: [Partial<CreateOptions>, RegExp][] = [
    [{ outDir: join(tmp, 'o'), inPlace: true }, /exclude each other/],
    [{}, /--out-dir D, or --in-place/],
    [{ inPlace: true, transfer: true }, /--in-place needs a shared filesystem/],
    [{ outDir: join(tmp, 'o'), transfer: true, filesPerJob: 2 }, /--files-per-job > 1 needs a shared filesystem/],
    [{ outDir: join(tmp, 'o'), globs: [join(tmp, 'nothing-*.parquet')] }, /nothing-\*\.parquet: matches no file/],
    [{ outDir: join(tmp, 'o'), model: tmp }, /not a model bundle \(no model\.json\)/],
    [{ outDir: join(tmp, 'o'), globs: [fixture('xgboost')] }, /not an ntuple \(expected \.parquet or \.root\)/],
  ];
  for (const [o, re] of cases) await t.throwsAsync(create(o), { instanceOf: NtcorrError, message: re }, JSON.stringify(o));
  t.throws(() => checkFlavour('lunch'), { message: /espresso, microcentury, longlunch, workday, tomorrow, testmatch, nextweek/ });
  t.throws(() => parseDuration('3 hours'), { message: /duration like 3h/ });
  t.throws(() => parseSize('lots', '--request-memory', 'MB'), { message: /size like 4GB/ });
  t.throws(() => parseExtra('queue 5'), { message: /key = value/ });
  t.is(parseDuration('1d2h'), 26 * 3600);
  t.is(parseDuration('90m'), 5400);
  t.is(parseDuration('10800'), 10800);
  t.is(parseSize('4 GB', 'x', 'MB'), '4GB');
  t.is(parseSize('2048', 'x', 'MB'), '2048MB');
  t.is(parseSize('512m', 'x', 'MB'), '512MB');
  // Two inputs with the same name share an output folder: their outputs mirror their paths below the common folder.
  const dup = join(tmp, 'dup');
  mkdirSync(join(dup, 'x'), { recursive: true });
  mkdirSync(join(dup, 'y'));
  copyFileSync(inputs[0], join(dup, 'x', 'same.parquet'));
  copyFileSync(inputs[0], join(dup, 'y', 'same.parquet'));
  const mirrored = await create({ outDir: join(tmp, 'o'), globs: [join(dup, '*/same.parquet')] });
  t.deepEqual(mirrored.manifest.jobs.map((j) => j.outputs[0]), [join(tmp, 'o', 'x', 'same.parquet'), join(tmp, 'o', 'y', 'same.parquet')]);
  // An output that is an input (out-dir = the inputs' folder) is refused.
  await t.throwsAsync(create({ outDir: join(dup, 'x'), globs: [join(dup, 'x', 'same.parquet')] }), { message: /which is that input itself/ });
  // A path HTCondor's lists cannot carry is refused up front.
  copyFileSync(inputs[0], join(dup, 'a,b.parquet'));
  await t.throwsAsync(create({ outDir: join(tmp, 'o'), globs: [join(dup, 'a,b.parquet')] }), { message: /HTCondor submit files cannot carry/ });
  // An existing job folder is not overwritten without --force.
  await create({ outDir: join(tmp, 'o'), dir: join(tmp, 'again') });
  await t.throwsAsync(create({ outDir: join(tmp, 'o'), dir: join(tmp, 'again') }), { message: /already exists and is not empty/ });
  writeFileSync(join(tmp, 'again', 'logs', 'job-0000.out'), 'ntcorr-job: job=0000 exit=1\n');
  await t.notThrowsAsync(create({ outDir: join(tmp, 'o'), dir: join(tmp, 'again'), force: true }));
  t.deepEqual(readdirSync(join(tmp, 'again', 'logs')), []); // the old attempt's logs are set aside, not read as this batch's
  t.is(readdirSync(join(tmp, 'again')).filter((f) => f.startsWith('logs.before-')).length, 1);
  // Through the CLI: --apply-args may not take over the options ntcorr condor sets itself.
  const r = runCli(['condor', 'submit', inputs[0], '-m', model, '-o', join(tmp, 'o'), '--apply-args=--out-dir x', '-d', join(tmp, 'jx'), '--dry-run']);
  t.is(r.code, 1);
  t.regex(r.stderr, /--apply-args must not contain --out-dir/);
});

test('without --dry-run: a missing condor_submit is a clear error; a present one is called in the job folder', async (t) => {
  const tmp = tempDir();
  const model = await bundle(join(tmp, 'smm'));
  const args = ['condor', 'submit', join(HIGGSDNA, '*.parquet'), '-m', model, '-o', join(tmp, 'o')];
  const bin = join(tmp, 'bin');
  mkdirSync(bin);
  const r = runCli([...args, '-d', join(tmp, 'j1')], { env: { NTCORR_CONDOR_BIN_DIR: bin } });
  t.is(r.code, 1);
  t.regex(r.stderr, /condor_submit is not installed here .*cd .*j1 && condor_submit ntcorr\.sub/);
  // HTCondor cannot run here; a stand-in condor_submit records how it was called.
  writeFileSync(join(bin, 'condor_submit'), `#!/bin/sh\necho "$PWD $*" > ${JSON.stringify(join(tmp, 'called'))}\necho "2 job(s) submitted to cluster 42."\n`);
  chmodSync(join(bin, 'condor_submit'), 0o755);
  const ok = runCli([...args, '-d', join(tmp, 'j2')], { env: { NTCORR_CONDOR_BIN_DIR: bin } });
  t.is(ok.code, 0, ok.stderr);
  t.regex(ok.stdout, /submitted to cluster 42/);
  t.is(readFileSync(join(tmp, 'called'), 'utf8').trim(), `${join(tmp, 'j2')} ntcorr.sub`);
  t.true(JSON.parse(readFileSync(join(tmp, 'j2', 'job.json'), 'utf8')).rounds[0].submitted);
});
