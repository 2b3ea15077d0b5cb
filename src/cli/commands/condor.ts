import type { Argv, CommandModule } from 'yargs';
import type { Resources } from '../../condor/jobfolder.js';
import { NtcorrError } from '../../core/errors.js';
import { seedOption } from '../options.js';
import { parseRandomizeStart, studyOptions } from './toys.js';

/**
 * `ntcorr condor submit|status|resubmit|dag|run-local|verify`: HTCondor batches, one job per file (or per N
 * files). The heavy modules load inside the handlers so `ntcorr --help` stays fast.
 */

/** The HTCondor resource requests `condor submit` and `condor toys` share (resourceOptions / resourcesFrom). */
interface ResourceArgs {
  'request-cpus'?: number;
  'request-memory'?: string;
  'request-disk'?: string;
  'request-gpus'?: number;
  'max-runtime'?: string;
  flavour?: string;
  'max-retries': number;
  extra: string[];
}

/** The resource options of every job-folder command; `cpus`, `memory` and `disk` are the help texts' words. */
function resourceOptions<T>(y: Argv<T>, help: { cpus: string; memory: string; disk: string }): Argv<T> {
  return y
    .option('request-cpus', { type: 'number', describe: `request_cpus (${help.cpus})` })
    .option('request-memory', { type: 'string', describe: `request_memory, e.g. ${help.memory}` })
    .option('request-disk', { type: 'string', describe: `request_disk, e.g. ${help.disk}` })
    .option('max-runtime', { type: 'string', describe: "CERN +MaxRuntime, e.g. 3h or 10800 (seconds)" })
    .option('flavour', { type: 'string', describe: 'CERN +JobFlavour: espresso, microcentury, longlunch, workday, tomorrow, testmatch, nextweek' })
    .option('max-retries', { type: 'number', default: 2, describe: 'HTCondor reruns a job that exits non-zero up to this many times' })
    .option('extra', { type: 'string', array: true, default: [] as string[], describe: "Extra submit command 'key = value' (repeatable)" });
}

/** The manifest's resources from the options, each unit and name checked (condor/resources.ts). */
async function resourcesFrom(a: ResourceArgs): Promise<Resources> {
  const { checkFlavour, parseDuration, parseExtra, parseSize } = await import('../../condor/resources.js');
  return {
    cpus: a['request-cpus'],
    memory: a['request-memory'] ? parseSize(a['request-memory'], '--request-memory', 'MB') : undefined,
    disk: a['request-disk'] ? parseSize(a['request-disk'], '--request-disk', 'KB') : undefined,
    gpus: a['request-gpus'],
    flavour: a.flavour ? checkFlavour(a.flavour) : undefined,
    maxRuntime: a['max-runtime'] ? parseDuration(a['max-runtime']) : undefined,
    maxRetries: a['max-retries'],
    extra: a.extra.map(parseExtra),
  };
}

interface CommonJobArgs extends ResourceArgs {
  model: string;
  dir: string;
  'out-dir'?: string;
  'in-place'?: boolean;
  transfer: boolean;
  'files-per-job': number;
  'request-gpus'?: number;
  'apply-args'?: string;
  ntcorr?: string;
  tarball?: string;
  setup?: string;
  'files-from'?: string;
  base?: string;
  force: boolean;
  'dry-run': boolean;
}

function jobOptions<T>(y: Argv<T>): Argv<T> {
  return resourceOptions(y, { cpus: 'default 1', memory: '4GB', disk: '10GB' })
    .option('dir', { alias: 'd', type: 'string', describe: 'Job folder to write (submit description, wrapper, lists, logs)' })
    .option('out-dir', { alias: 'o', type: 'string', describe: 'Folder for the corrected files (the inputs\' paths below --base; never over an input)' })
    .option('base', { type: 'string', describe: 'Outputs keep the inputs\' paths below this folder (default: their longest common folder)' })
    .option('in-place', { type: 'boolean', describe: 'Add the columns to the input files themselves (needs a shared filesystem)' })
    .option('transfer', { type: 'boolean', default: false, describe: 'No shared filesystem: HTCondor transfers inputs, model and outputs' })
    .option('files-per-job', { type: 'number', default: 1, describe: 'Files per job (shared filesystem only)' })
    .option('request-gpus', { type: 'number', describe: 'request_gpus, e.g. 1 (add --apply-args "--backend tensorflow")' })
    .option('apply-args', { type: 'string', describe: 'More ntcorr apply options for every job, e.g. "--chunk-rows 50000 --where \'mass > 80\'"' })
    .option('ntcorr', { type: 'string', describe: 'Command that runs ntcorr on the worker (default: this installation, via node)' })
    .option('tarball', { type: 'string', describe: 'ntcorr tarball shipped to the worker and unpacked there (with --transfer)' })
    .option('setup', { type: 'string', describe: "Shell line run first on the worker, e.g. 'source /cvmfs/sft.cern.ch/lcg/views/LCG_107/x86_64-el9-gcc13-opt/setup.sh'" })
    .option('force', { type: 'boolean', default: false, describe: 'Write into an existing, non-empty job folder' })
    .option('files-from', { type: 'string', describe: 'Text file listing input files, one per line (# comments), e.g. from an EOS or DAS listing' })
    .option('dry-run', { type: 'boolean', default: false, describe: 'Write the job folder but do not call condor_submit' });
}

async function createFrom(a: CommonJobArgs & { globs: string[] }, modelMayBeMissing: boolean) {
  const { createJobFolder } = await import('../../condor/create.js');
  const { shellSplit } = await import('../../condor/quote.js');
  const { basename } = await import('node:path');
  const applyArgs = a['apply-args'] ? shellSplit(a['apply-args']) : [];
  const globs = [...(a.globs ?? [])];
  if (a['files-from']) {
    const { readFileSync, existsSync } = await import('node:fs');
    if (!existsSync(a['files-from'])) throw new NtcorrError(`--files-from ${a['files-from']}: no such file`, { file: a['files-from'] });
    globs.push(...readFileSync(a['files-from'], 'utf8').split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#')));
  }
  if (globs.length === 0) throw new NtcorrError('no input files: give files or quoted globs, or --files-from list.txt');
  for (const bad of ['--out-dir', '-o', '--in-place', '--model', '-m', '--base']) {
    if (applyArgs.includes(bad)) throw new NtcorrError(`--apply-args must not contain ${bad}: give it to ntcorr condor itself`);
  }
  // The worker runs `ntcorr apply ... <applyArgs>` later: a typo in them is a usage error now.
  const { checkArgsFor } = await import('../strict.js');
  const { command: applyCommand } = await import('./apply.js');
  await checkArgsFor(applyCommand as unknown as CommandModule, applyArgs, ['input.parquet', '-m', 'model', '-o', 'out'], '--apply-args');
  return createJobFolder({
    dir: a.dir ?? `condor-jobs/${basename(a.model)}`,
    globs,
    model: a.model,
    modelMayBeMissing,
    outDir: a['out-dir'],
    base: a.base,
    inPlace: a['in-place'],
    transfer: a.transfer,
    filesPerJob: a['files-per-job'],
    applyArgs,
    ntcorr: a.ntcorr ? shellSplit(a.ntcorr) : undefined,
    tarball: a.tarball,
    setup: a.setup,
    force: a.force,
    resources: await resourcesFrom(a),
  });
}

async function submitRound(dir: string, submitFile: string, dryRun: boolean, tool: 'condor_submit' | 'condor_submit_dag' = 'condor_submit'): Promise<boolean> {
  if (dryRun) {
    console.log(`dry run: not submitted. To submit: cd ${dir} && ${tool} ${submitFile}`);
    return false;
  }
  const { runCondorTool } = await import('../../condor/submitter.js');
  process.stdout.write(runCondorTool(tool, [submitFile], dir));
  return true;
}

const submit: CommandModule<object, CommonJobArgs & { globs: string[] }> = {
  command: 'submit [globs...]',
  describe: 'Write a job folder that corrects each file in its own HTCondor job, and submit it',
  builder: (y) =>
    jobOptions(y.positional('globs', { type: 'string', array: true, describe: 'Input files or quoted globs' }))
      .option('model', { alias: 'm', type: 'string', demandOption: true, describe: 'Model bundle folder' })
      .example("$0 condor submit '/eos/user/j/jdoe/zee/*.parquet' --model models/zee-flow --out-dir /eos/user/j/jdoe/zee-corr --flavour workday", 'one job per file on a shared filesystem (lxplus + EOS)')
      .example("$0 condor submit 'data/*.parquet' -m models/zee-flow -o out --transfer --request-gpus 1 --apply-args '--backend tensorflow'", 'no shared filesystem; GPU nodes')
      .example("$0 condor submit 'ntuples/*.root' -m models/jets --in-place --files-per-job 10 --max-runtime 2h --dry-run", 'write the folder only, 10 files per job')
      .example('$0 condor submit --files-from eos-files.txt -m models/zee-flow -o /eos/user/j/jdoe/corr', 'inputs listed in a file, one per line') as unknown as Argv<CommonJobArgs & { globs: string[] }>,
  handler: async (a) => {
    const { dir, manifest } = await createFrom(a, false);
    const { SUBMIT_FILE, LIST_FILE, writeManifest } = await import('../../condor/jobfolder.js');
    console.log(`job folder ${dir}: ${manifest.jobs.length} job(s) for ${manifest.jobs.reduce((s, j) => s + j.inputs.length, 0)} file(s) (${SUBMIT_FILE}, ${LIST_FILE})`);
    const submitted = await submitRound(dir, SUBMIT_FILE, a['dry-run']);
    manifest.rounds.push({ name: 'submit', submitFile: SUBMIT_FILE, list: LIST_FILE, jobs: manifest.jobs.map((j) => j.id), time: new Date().toISOString(), submitted });
    writeManifest(dir, manifest);
    console.log(`follow it with: ntcorr condor status ${a.dir ?? dir}`);
  },
};

const status: CommandModule<object, { dir: string; json: boolean; files: boolean }> = {
  command: 'status <dir>',
  describe: 'Which files of a job folder are done (from the outputs\' provenance), failed (logs, exit codes) or pending',
  builder: (y) =>
    y.positional('dir', { type: 'string', demandOption: true, describe: 'Job folder' })
      .option('json', { type: 'boolean', default: false, describe: 'Print the status as JSON' })
      .option('files', { type: 'boolean', default: false, describe: 'List every file, not only the ones that are not done' })
      .example('$0 condor status condor-jobs/zee-flow', 'summary and the failed jobs with their reasons')
      .example('$0 condor status condor-jobs/zee-flow --json > status.json', 'machine-readable'),
  handler: async (a) => {
    const { readManifest } = await import('../../condor/jobfolder.js');
    const { folderStatus } = await import('../../condor/status.js');
    const { resolve } = await import('node:path');
    const dir = resolve(a.dir);
    const m = readManifest(dir);
    const st = await folderStatus(dir, m);
    if (a.json) {
      console.log(JSON.stringify(st, null, 2));
    } else {
      if (!st.modelReady) console.log(`model ${m.model} does not exist yet (training not finished)`);
      for (const j of st.jobs) {
        if (j.state === 'done' && !a.files) continue;
        console.log(`job ${j.id}  ${j.state.padEnd(7)}  ${j.reason ?? ''}`);
        for (const f of j.files) if (a.files || !f.done) console.log(`    ${f.done ? 'done' : 'not done'}  ${f.input} -> ${f.output}${f.done ? '' : `  (${f.reason})`}`);
      }
      const files = st.jobs.flatMap((j) => j.files);
      const { isToysFolder } = await import('../../condor/toys.js');
      console.log(`${st.jobs.length} jobs: ${st.counts.done} done, ${st.counts.failed} failed, ${st.counts.held} held, ${st.counts.pending} pending; ` +
        (isToysFolder(m) ? `${st.jobs.filter((j) => j.state === 'done').reduce((n, j) => n + Number(m.jobs.find((x) => x.id === j.id)!.inputs[0].split(':')[1]), 0)}/${m.toys.total} toys done`
          : `${files.filter((f) => f.done).length}/${files.length} files done`));
      if (st.counts.failed) console.log(`resubmit the failed ones with: ntcorr condor resubmit ${a.dir}`);
      if (isToysFolder(m) && st.counts.done === st.jobs.length) console.log(`all done: ntcorr toys merge ${m.outDir}/job-* --out <folder>`);
    }
    // Non-zero while anything failed or is held, so scripts can test it.
    if (st.counts.failed || st.counts.held) process.exitCode = 1;
  },
};

const resubmit: CommandModule<object, { dir: string; 'dry-run': boolean; held: boolean; pending: boolean }> = {
  command: 'resubmit <dir>',
  describe: 'Queue again only the failed jobs of a job folder (and held/pending ones on request)',
  builder: (y) =>
    y.positional('dir', { type: 'string', demandOption: true, describe: 'Job folder' })
      .option('held', { type: 'boolean', default: false, describe: 'Also resubmit held jobs (condor_rm them first)' })
      .option('pending', { type: 'boolean', default: false, describe: 'Also resubmit jobs with no result yet (after condor_rm, or lost jobs)' })
      .option('dry-run', { type: 'boolean', default: false, describe: 'Write resubmit-N.sub but do not call condor_submit' })
      .example('$0 condor resubmit condor-jobs/zee-flow', 'failed jobs only')
      .example('$0 condor resubmit condor-jobs/zee-flow --held --dry-run', 'also held ones; write the files only'),
  handler: async (a) => {
    const { readManifest, writeManifest } = await import('../../condor/jobfolder.js');
    const { planResubmit } = await import('../../condor/resubmit.js');
    const { resolve } = await import('node:path');
    const dir = resolve(a.dir);
    const m = readManifest(dir);
    const include: ('failed' | 'held' | 'pending')[] = ['failed'];
    if (a.held) include.push('held');
    if (a.pending) include.push('pending');
    const plan = await planResubmit(dir, m, include);
    if (!plan.round) {
      console.log(`nothing to resubmit: ${plan.status.counts.done} done, ${plan.status.counts.pending} pending, ${plan.status.counts.held} held`);
      return;
    }
    console.log(`${plan.round.name}: ${plan.round.jobs.length} job(s) (${plan.round.jobs.join(' ')}) in ${plan.round.submitFile}; old logs in logs/attempt-${plan.round.name.split('-')[1]}/`);
    plan.round.submitted = await submitRound(dir, plan.round.submitFile, a['dry-run']);
    writeManifest(dir, m);
  },
};

type DagArgs = CommonJobArgs & { train: string; 'train-name'?: string; apply: string[]; 'train-args'?: string; 'train-gpus'?: number; 'train-memory'?: string; 'train-flavour'?: string; 'train-max-runtime'?: string; 'train-retries': number };

const dag: CommandModule<object, DagArgs> = {
  command: 'dag',
  describe: 'Write a DAGMan workflow that trains a flow once, then corrects all files; submit it',
  builder: (y) =>
    jobOptions(y)
      .option('train', { type: 'string', demandOption: true, describe: 'Training config (YAML) for ntcorr train flow' })
      .option('apply', { type: 'string', array: true, demandOption: true, describe: 'Files or quoted globs to correct' })
      .option('train-name', { type: 'string', describe: 'Which configuration of the YAML to train (needed when it has several)' })
      .option('model', { alias: 'm', type: 'string', describe: "The bundle training writes (default: the configuration's output)" })
      .option('train-args', { type: 'string', describe: 'More ntcorr train flow options' })
      .option('train-gpus', { type: 'number', describe: 'request_gpus for the training node' })
      .option('train-memory', { type: 'string', describe: 'request_memory for the training node' })
      .option('train-flavour', { type: 'string', describe: '+JobFlavour for the training node' })
      .option('train-max-runtime', { type: 'string', describe: '+MaxRuntime for the training node' })
      .option('train-retries', { type: 'number', default: 1, describe: 'DAGMan RETRY for the training node' })
      .example("$0 condor dag --train examples/flow/flow.yaml --train-name zee-flow --apply '/eos/.../*.parquet' --out-dir /eos/.../corr --train-gpus 1", 'train on a GPU node, then correct every file')
      .example("$0 condor dag --train flow.yaml --apply 'samples/*.parquet' -o out --dry-run", 'write ntcorr.dag and the job folder only') as unknown as Argv<DagArgs>,
  handler: async (a) => {
    const { resolve } = await import('node:path');
    const { existsSync } = await import('node:fs');
    if (!existsSync(a.train)) throw new NtcorrError(`--train ${a.train}: no such file`, { file: a.train });
    // The config is validated now (not hours later on the worker) and names where the bundle goes.
    const { loadFlowConfigs } = await import('../../train/flow/config.js');
    const configs = loadFlowConfigs(a.train, a['train-name'] ? [a['train-name']] : undefined);
    if (configs.length !== 1) {
      throw new NtcorrError(`${a.train} has ${configs.length} configurations (${configs.map((c) => c.name).join(', ')}); pick the one to train with --train-name`, { file: a.train });
    }
    const output = resolve(configs[0].output);
    if (a.model && resolve(a.model) !== output) {
      throw new NtcorrError(`--model ${a.model} is not where configuration "${configs[0].name}" writes its bundle (${configs[0].output}); leave --model out or change output: in ${a.train}`, { file: a.train });
    }
    if (a['train-args']) {
      const { checkArgsFor } = await import('../strict.js');
      const { trainFlowCommand } = await import('./train-flow.js');
      const { shellSplit } = await import('../../condor/quote.js');
      await checkArgsFor(trainFlowCommand as unknown as CommandModule, shellSplit(a['train-args']), ['--config', a.train], '--train-args');
    }
    const { dir, manifest } = await createFrom({ ...a, model: output, globs: a.apply }, true);
    const { writeDag, DAG_FILE } = await import('../../condor/dag.js');
    const { checkFlavour, parseDuration, parseSize } = await import('../../condor/resources.js');
    const { shellSplit } = await import('../../condor/quote.js');
    const { SUBMIT_FILE, LIST_FILE, writeManifest } = await import('../../condor/jobfolder.js');
    writeDag(dir, manifest, {
      config: resolve(a.train),
      workdir: process.cwd(),
      trainArgs: [...(a['train-name'] ? ['--name', a['train-name']] : []), ...(a['train-args'] ? shellSplit(a['train-args']) : [])],
      gpus: a['train-gpus'],
      memory: a['train-memory'] ? parseSize(a['train-memory'], '--train-memory', 'MB') : undefined,
      flavour: a['train-flavour'] ? checkFlavour(a['train-flavour']) : undefined,
      maxRuntime: a['train-max-runtime'] ? parseDuration(a['train-max-runtime']) : undefined,
      retries: a['train-retries'],
    });
    console.log(`DAG ${dir}/${DAG_FILE}: train ${manifest.model}, then ${manifest.jobs.length} apply job(s)`);
    const submitted = await submitRound(dir, DAG_FILE, a['dry-run'], 'condor_submit_dag');
    manifest.rounds.push({ name: 'submit', submitFile: SUBMIT_FILE, list: LIST_FILE, jobs: manifest.jobs.map((j) => j.id), time: new Date().toISOString(), submitted });
    writeManifest(dir, manifest);
  },
};

const runLocalCmd: CommandModule<object, { dir: string; job?: string[]; 'submit-file'?: string; keep: boolean }> = {
  command: 'run-local <dir>',
  describe: 'Run jobs of a job folder on this machine exactly as HTCondor would (scratch folder, transfers, logs)',
  builder: (y) =>
    y.positional('dir', { type: 'string', demandOption: true, describe: 'Job folder' })
      .option('job', { type: 'string', array: true, describe: 'Job id(s) to run (default: all in the submit file\'s list)' })
      .option('submit-file', { type: 'string', describe: 'Submit description to take the jobs from (default ntcorr.sub)' })
      .option('keep', { type: 'boolean', default: false, describe: 'Keep the scratch folders (with --transfer)' })
      .example('$0 condor run-local condor-jobs/zee-flow --job 0000', 'try the first job before submitting the batch')
      .example('$0 condor run-local dag-folder --submit-file train.sub && $0 condor run-local dag-folder', 'a DAG by hand: train, then every apply job'),
  handler: async (a) => {
    const { resolve } = await import('node:path');
    const { readFileSync } = await import('node:fs');
    const { runLocal } = await import('../../condor/local.js');
    const { SUBMIT_FILE, readManifest } = await import('../../condor/jobfolder.js');
    const { parseSubmit, splitQueueItem } = await import('../../condor/submitfile.js');
    const dir = resolve(a.dir);
    readManifest(dir);
    const submitFile = a['submit-file'] ?? SUBMIT_FILE;
    let ids = a.job;
    if (!ids?.length) {
      const q = parseSubmit(readFileSync(resolve(dir, submitFile), 'utf8')).queue;
      // A plain `queue` (the DAG's train.sub) is one job; a list has one per line.
      ids = q?.from ? readFileSync(resolve(dir, q.from), 'utf8').split('\n').filter((l) => l.trim()).map((l) => splitQueueItem(l, 2)[0]) : [submitFile];
    }
    let failed = 0;
    for (const id of ids) {
      const r = runLocal(dir, submitFile, id, { keepSandbox: a.keep });
      const ok = r.exitCode === 0 && !r.held;
      if (!ok) failed++;
      console.log(`job ${id}: exit ${r.exitCode}${r.held ? ` (HTCondor would hold it: ${r.held})` : ''}${r.sandbox ? ` scratch ${r.sandbox}` : ''}`);
    }
    if (failed) process.exitCode = 1;
  },
};

const verify: CommandModule<object, { model: string; files: string[] }> = {
  command: 'verify <files...>',
  describe: 'Check that files carry a model\'s columns and provenance (used by the job wrapper)',
  builder: (y) =>
    y.positional('files', { type: 'string', array: true, demandOption: true })
      .option('model', { alias: 'm', type: 'string', demandOption: true, describe: 'Model bundle folder' })
      .example('$0 condor verify --model models/zee-flow out/zee_mc.parquet', 'exit 0 if the file was corrected by that model'),
  handler: async (a) => {
    const { loadBundle } = await import('../../bundle/bundle.js');
    const { checkOutput } = await import('../../condor/verify.js');
    const b = loadBundle(a.model);
    let bad = 0;
    for (const f of a.files) {
      const c = await checkOutput(f, b.hash);
      if (!c.ok) {
        bad++;
        console.error(`${f}: not done (${c.reason})`);
      }
    }
    if (bad) process.exitCode = 3;
  },
};

type ToysArgs = {
  model: string; 'gen-model'?: string; 'from-fit'?: string; 'gen-values': string; 'randomize-start'?: string; 'gof-bins': number; vary: string; strategy: number; tol: number;
  N: number; 'toys-per-job': number; seed: number; dir?: string; 'out-dir': string; transfer: boolean; tarball?: string;
  ntcorr?: string; setup?: string; force: boolean; 'dry-run': boolean;
} & ResourceArgs;

const toys: CommandModule<object, ToysArgs> = {
  command: 'toys',
  describe: 'Split a toy study over HTCondor jobs (toy ranges; toy i always uses the stream (seed, i)); join them with ntcorr toys merge',
  builder: (y) =>
    resourceOptions(studyOptions(y), { cpus: 'default 1; also the --threads of each job', memory: '2GB', disk: '1GB' })
      .option('model', { alias: 'm', type: 'string', demandOption: true, describe: 'Fitting model YAML' })
      .option('N', { alias: 'n', type: 'number', demandOption: true, describe: 'Toys in the whole study' })
      .option('toys-per-job', { type: 'number', default: 100, describe: 'Toys per job (the last job takes the rest)' })
      .option('seed', seedOption({ default: 1, describe: 'Seed of the study (toy i uses the stream (seed, i) in whichever job runs it)' }))
      .option('dir', { alias: 'd', type: 'string', describe: 'Job folder to write (default condor-jobs/toys-<model>)' })
      .option('out-dir', { alias: 'o', type: 'string', demandOption: true, describe: 'Folder for the job outputs OUT/job-<id>/ (written in place, or transferred back with --transfer)' })
      .option('transfer', { type: 'boolean', default: false, describe: 'No shared filesystem: HTCondor transfers the model file(s) and fit result in, each job\'s toys.parquet + summary.yaml back' })
      .option('tarball', { type: 'string', describe: 'ntcorr tarball shipped to the worker and unpacked there (with --transfer)' })
      .option('ntcorr', { type: 'string', describe: 'Command that runs ntcorr on the worker (default: this installation, via node)' })
      .option('setup', { type: 'string', describe: 'Shell line run first on the worker' })
      .option('force', { type: 'boolean', default: false, describe: 'Write into an existing, non-empty job folder' })
      .option('dry-run', { type: 'boolean', default: false, describe: 'Write the job folder but do not call condor_submit' })
      .example('$0 condor toys -m fit.yaml --from-fit result.json -N 10000 --toys-per-job 500 --seed 7 -o /eos/user/j/jdoe/toys --flavour longlunch', '20 jobs of 500 toys')
      .example('$0 condor toys -m fit.yaml --gen-model gen.yaml -N 2000 --toys-per-job 200 -o toys --transfer', 'no shared filesystem: files in, each job\'s output back to toys/job-<id>/')
      .example('$0 condor status condor-jobs/toys-fit.yaml && $0 toys merge /eos/user/j/jdoe/toys/job-* --out toys-all', 'follow the jobs (condor resubmit reruns failed ones), then merge') as unknown as Argv<ToysArgs>,
  handler: async (a) => {
    const { createToysJobFolder } = await import('../../condor/toys.js');
    const { shellSplit } = await import('../../condor/quote.js');
    const { SUBMIT_FILE, LIST_FILE, writeManifest } = await import('../../condor/jobfolder.js');
    const { basename } = await import('node:path');
    if (!Number.isInteger(a.seed) || a.seed < 0) throw new NtcorrError('--seed must be a non-negative integer');
    if (!Number.isInteger(a['gof-bins']) || a['gof-bins'] < 0) throw new NtcorrError('--gof-bins must be a whole number >= 0');
    if (a['randomize-start'] !== undefined) parseRandomizeStart(a['randomize-start']);
    if (a['gen-values'] === 'sampled' && !a['from-fit']) throw new NtcorrError('--gen-values sampled needs --from-fit (the fit result whose covariance the generating values are drawn from)');
    const toysArgs = [
      '--gen-values', a['gen-values'], '--vary', a.vary, '--strategy', String(a.strategy), '--tol', String(a.tol), '--gof-bins', String(a['gof-bins']),
      ...(a['randomize-start'] !== undefined ? ['--randomize-start', a['randomize-start']] : []),
    ];
    const { dir, manifest } = createToysJobFolder({
      dir: a.dir ?? `condor-jobs/toys-${basename(a.model)}`,
      model: a.model, genModel: a['gen-model'], fromFit: a['from-fit'],
      toys: a.N, toysPerJob: a['toys-per-job'], seed: a.seed, outDir: a['out-dir'], toysArgs, transfer: a.transfer, tarball: a.tarball,
      ntcorr: a.ntcorr ? shellSplit(a.ntcorr) : undefined, setup: a.setup, force: a.force,
      resources: await resourcesFrom(a),
    });
    console.log(`job folder ${dir}: ${manifest.jobs.length} job(s) for ${a.N} toys (${SUBMIT_FILE}, ${LIST_FILE}); outputs ${manifest.outDir}/job-<id>/`);
    const submitted = await submitRound(dir, SUBMIT_FILE, a['dry-run']);
    manifest.rounds.push({ name: 'submit', submitFile: SUBMIT_FILE, list: LIST_FILE, jobs: manifest.jobs.map((j) => j.id), time: new Date().toISOString(), submitted });
    writeManifest(dir, manifest);
    console.log(`follow it with: ntcorr condor status ${a.dir ?? dir}; when all jobs are done: ntcorr toys merge ${manifest.outDir}/job-* --out <folder>`);
  },
};

export const command: CommandModule & { subcommands: CommandModule[] } = {
  subcommands: [submit, status, resubmit, dag, runLocalCmd, verify, toys] as unknown as CommandModule[],
  command: 'condor <action>',
  describe: 'HTCondor batches: submit one job per file, DAGs (train then apply), status, resubmit; toy studies split over jobs',
  builder: (y) =>
    y
      .command(submit as unknown as CommandModule)
      .command(status as unknown as CommandModule)
      .command(resubmit as unknown as CommandModule)
      .command(dag as unknown as CommandModule)
      .command(runLocalCmd as unknown as CommandModule)
      .command(verify as unknown as CommandModule)
      .command(toys as unknown as CommandModule)
      .demandCommand(1, 'Say what to do: ntcorr condor submit|status|resubmit|dag|run-local|verify|toys')
      .example("$0 condor submit 'samples/*.parquet' --model models/sigma-m-over-m --out-dir out --dry-run", 'write a job folder')
      .example('$0 condor status condor-jobs/sigma-m-over-m', 'done / failed / pending'),
  handler: () => {},
};
