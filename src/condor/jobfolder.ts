import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkKeys } from '../core/config-keys.js';
import { NtcorrError } from '../core/errors.js';
import { TOOL } from '../core/version.js';
import { mirroredPath, relativeTo } from '../io/files.js';
import { bashArray } from './quote.js';

/**
 * A job folder is everything condor_submit needs plus what `status`/`resubmit` read back:
 *   job.json      this manifest (jobs, their input and output files, options, submission rounds)
 *   job.env       settings the wrapper sources on the worker (ntcorr command, model, output mode)
 *   ntcorr-job.sh the wrapper (copied from condor/ in the ntcorr package)
 *   ntcorr.sub    the submit description, queueing one job per line of jobs.txt
 *   logs/         job-<id>.out/.err/.log per job
 */
export interface JobSpec {
  /** Zero-padded job number, also the name of its log files. */
  id: string;
  /** Absolute input paths. */
  inputs: string[];
  /** Absolute paths where the corrected files end up on the submit side (= inputs with --in-place). */
  outputs: string[];
}

export interface SubmitRound {
  /** "submit", "resubmit-1", ... */
  name: string;
  submitFile: string;
  list: string;
  jobs: string[];
  time: string;
  /** false for --dry-run. */
  submitted: boolean;
}

export interface Resources {
  cpus?: number;
  memory?: string;
  disk?: string;
  gpus?: number;
  flavour?: string;
  maxRuntime?: number;
  maxRetries: number;
  extra: { key: string; value: string }[];
}

export interface JobFolderManifest {
  format: 'ntcorr-condor-jobs';
  version: 1;
  created: string;
  tool: string;
  /** Absolute path of the model bundle (for DAGs, where training will write it). */
  model: string;
  mode: 'out-dir' | 'in-place';
  outDir?: string;
  /** Outputs mirror the inputs' paths below this folder (default: their longest common folder); also the root of draw keys. */
  base?: string;
  /** true: no shared filesystem, HTCondor moves inputs, model and outputs. */
  transfer: boolean;
  filesPerJob: number;
  /** Extra `ntcorr apply` arguments, passed through unchanged. */
  applyArgs: string[];
  /** How the worker runs ntcorr (words of one command). */
  ntcorr: string[];
  /** ntcorr tarball transferred to the worker and unpacked there (replaces `ntcorr`). */
  tarball?: string;
  /** Shell line run first on the worker (e.g. source an LCG view that provides node). */
  setup?: string;
  resources: Resources;
  jobs: JobSpec[];
  rounds: SubmitRound[];
}

export const MANIFEST = 'job.json';
export const WRAPPER = 'ntcorr-job.sh';
export const SUBMIT_FILE = 'ntcorr.sub';
export const LIST_FILE = 'jobs.txt';

/** The ntcorr package's condor/ folder (templates), from src/condor or dist/condor alike. */
export function templatesDir(): string {
  return fileURLToPath(new URL('../../condor/', import.meta.url));
}

/**
 * The command that runs this very ntcorr on a worker with the same filesystem: node + the package's
 * launcher (bin/ntcorr.js over dist/), or, when running from source (this file is .ts), node + tsx +
 * src/cli/main.ts. Found from this module's own location, not argv, so it is right however we were started.
 */
export function defaultNtcorrCommand(): string[] {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts')) {
    // --import must be an absolute URL: the job runs in its own scratch folder, where 'tsx' does not resolve.
    return [process.execPath, '--import', import.meta.resolve('tsx'), fileURLToPath(new URL('../cli/main.ts', import.meta.url))];
  }
  return [process.execPath, fileURLToPath(new URL('../../bin/ntcorr.js', import.meta.url))];
}

/** Splits files into jobs of `perJob` files each; ids are zero-padded so listings sort. */
export function planJobs(inputs: string[], perJob: number, outputOf: (input: string) => string): JobSpec[] {
  const n = Math.ceil(inputs.length / perJob);
  const width = Math.max(4, String(n - 1).length);
  const jobs: JobSpec[] = [];
  for (let j = 0; j < n; j++) {
    const files = inputs.slice(j * perJob, (j + 1) * perJob);
    jobs.push({ id: String(j).padStart(width, '0'), inputs: files, outputs: files.map(outputOf) });
  }
  return jobs;
}

/** Where `ntcorr apply --out-dir D --base B` writes the output of `input` (D/<path below B>), or the input itself. */
export function outputPathFor(input: string, mode: 'out-dir' | 'in-place', outDir?: string, base?: string): string {
  return mode === 'in-place' ? input : mirroredPath(input, base ?? dirname(input), outDir as string);
}

/** The input's path below the job folder's base (forward slashes): where its output goes below --out-dir, and its draw key. */
export function relativeInput(m: Pick<JobFolderManifest, 'base'>, input: string): string {
  return relativeTo(input, m.base ?? dirname(input));
}

/** The name of a transfer job's output in the scratch folder: never an input's name, so a failed job sends nothing back over anything. */
export function scratchOutputName(job: JobSpec): string {
  return `ntcorr-out-${job.id}${extname(job.outputs[0])}`;
}

/** job.env: plain bash assignments, sourced by the wrapper. NTCORR_CMD in the job's environment overrides NTCORR. */
export function jobEnv(m: JobFolderManifest): string {
  const lines = [
    `# Settings for ${WRAPPER}, written by ${TOOL}. Sourced by bash on the worker; edit to adapt.`,
    `# NTCORR: the command that runs ntcorr there (override per job with environment = "NTCORR_CMD=..." in the submit file).`,
    `NTCORR=${bashArray(m.ntcorr)}`,
    `NTCORR_TARBALL=${bashArray(m.tarball ? [basename(m.tarball)] : [])}`,
    `# SETUP: one shell line run before anything else (e.g. source /cvmfs/.../setup.sh to get node).`,
    `SETUP=${bashArray(m.setup ? [m.setup] : [])}`,
    `# MODEL: the bundle folder (its basename when HTCondor transfers it).`,
    `MODEL=${bashArray([m.transfer ? basename(m.model) : m.model])}`,
    `MODE=${m.mode}`,
    `OUT_DIR=${bashArray(m.outDir && !m.transfer ? [m.outDir] : [])}`,
    `# BASE: outputs keep the inputs' paths below this folder, and random draws are keyed on that path.`,
    `BASE=${bashArray(m.base && !m.transfer ? [m.base] : [])}`,
    `# TRANSFER=1: no shared filesystem; inputs arrive in the scratch folder and outputs are sent back by HTCondor.`,
    `TRANSFER=${m.transfer ? 1 : 0}`,
    `APPLY_ARGS=${bashArray(m.applyArgs)}`,
    '',
  ];
  return lines.join('\n');
}

/**
 * One queue-list line per job, in the variables the submit file's queue statement names. With transfers:
 * the scratch output name, the input's path below the base (= the output's below --out-dir), the input.
 */
export function listLine(job: JobSpec, transfer: boolean, m?: Pick<JobFolderManifest, 'base'>): string {
  // The last variable takes the rest of the line, so only it may hold the comma-separated file list.
  return transfer ? `${job.id} ${scratchOutputName(job)} ${relativeInput(m ?? {}, job.inputs[0])} ${job.inputs.join(',')}` : `${job.id} ${job.inputs.join(',')}`;
}

export function queueVars(transfer: boolean): string[] {
  return transfer ? ['job', 'outname', 'outrel', 'inputs'] : ['job', 'inputs'];
}

export function writeList(dir: string, name: string, jobs: JobSpec[], transfer: boolean, m?: Pick<JobFolderManifest, 'base'>): void {
  writeFileSync(join(dir, name), jobs.map((j) => listLine(j, transfer, m)).join('\n') + '\n');
}

export function readManifest(dir: string): JobFolderManifest {
  const path = join(dir, MANIFEST);
  if (!existsSync(path)) throw new NtcorrError(`${dir}: not an ntcorr job folder (no ${MANIFEST}); make one with ntcorr condor submit`, { file: dir });
  let m: JobFolderManifest;
  try {
    m = JSON.parse(readFileSync(path, 'utf8')) as JobFolderManifest;
  } catch (e) {
    throw new NtcorrError(`${path}: not valid JSON (${(e as Error).message})`, { file: path });
  }
  if (m === null || typeof m !== 'object' || Array.isArray(m)) throw new NtcorrError(`${path}: expected a JSON object (the job folder manifest)`, { file: path });
  if (m.format !== 'ntcorr-condor-jobs') throw new NtcorrError(`${path}: format ${JSON.stringify(m.format)}, expected "ntcorr-condor-jobs"`, { file: path });
  checkManifest(m, path);
  return m;
}

const MANIFEST_KEYS = ['format', 'version', 'kind', 'created', 'tool', 'model', 'mode', 'outDir', 'base', 'transfer', 'filesPerJob', 'applyArgs', 'ntcorr', 'tarball', 'setup', 'resources', 'jobs', 'rounds', 'toys'] as const;
/** A toys folder (src/condor/toys.ts) adds kind: "toys" and its study (toy ranges instead of files). */
const TOYS_KEYS = ['total', 'perJob', 'seed', 'genModel', 'fromFit'] as const;
const RESOURCE_KEYS = ['cpus', 'memory', 'disk', 'gpus', 'flavour', 'maxRuntime', 'maxRetries', 'extra'] as const;
const JOB_KEYS = ['id', 'inputs', 'outputs'] as const;
const ROUND_KEYS = ['name', 'submitFile', 'list', 'jobs', 'time', 'submitted'] as const;

/**
 * job.json is edited by hand at times (paths moved, a job dropped): a mistyped or unknown key, or a field
 * of the wrong shape, is an error naming the file and the key, never ignored. The shapes of the fields that
 * decide what runs and where it writes (mode, paths, jobs) are checked too.
 */
function checkManifest(m: JobFolderManifest, path: string): void {
  const bad = (at: string, want: string): never => { throw new NtcorrError(`${path}: ${at}: expected ${want}`, { file: path }); };
  const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  const strings = (v: unknown, at: string): void => { if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) bad(at, 'a list of strings'); };
  checkKeys(m, MANIFEST_KEYS, '', path);
  if (m.version !== 1) bad('version', '1 (written by this ntcorr)');
  const t = m as { kind?: unknown; toys?: unknown };
  if (t.kind !== undefined && t.kind !== 'toys') bad('kind', '"toys" or no kind (an apply folder)');
  if ((t.kind === 'toys') !== (t.toys !== undefined)) bad(t.kind === 'toys' ? 'toys' : 'kind', t.kind === 'toys' ? 'the toy study (kind is "toys")' : '"toys" (the folder has a toys study)');
  if (t.toys !== undefined) {
    const toys = t.toys;
    if (!isObj(toys)) return bad('toys', 'an object');
    checkKeys(toys, TOYS_KEYS, 'toys', path);
    for (const k of ['total', 'perJob', 'seed'] as const) if (!Number.isInteger(toys[k])) bad(`toys.${k}`, 'a whole number');
    for (const k of ['genModel', 'fromFit'] as const) if (toys[k] !== undefined && typeof toys[k] !== 'string') bad(`toys.${k}`, 'a string');
  }
  if (m.mode !== 'out-dir' && m.mode !== 'in-place') bad('mode', '"out-dir" or "in-place"');
  if (typeof m.model !== 'string') bad('model', 'the model bundle path (a string)');
  if (typeof m.transfer !== 'boolean') bad('transfer', 'true or false');
  for (const k of ['outDir', 'base', 'tarball', 'setup'] as const) if (m[k] !== undefined && typeof m[k] !== 'string') bad(k, 'a string');
  if (m.mode === 'out-dir' && typeof m.outDir !== 'string') bad('outDir', 'the output folder (mode is "out-dir")');
  strings(m.applyArgs, 'applyArgs');
  strings(m.ntcorr, 'ntcorr');
  if (!isObj(m.resources)) bad('resources', 'an object');
  checkKeys(m.resources, RESOURCE_KEYS, 'resources', path);
  if (!Array.isArray(m.resources.extra)) bad('resources.extra', 'a list');
  m.resources.extra.forEach((e, i) => { if (!isObj(e)) bad(`resources.extra[${i}]`, 'an object'); checkKeys(e, ['key', 'value'], `resources.extra[${i}]`, path); });
  if (!Array.isArray(m.jobs)) bad('jobs', 'a list');
  m.jobs.forEach((j, i) => {
    if (!isObj(j)) bad(`jobs[${i}]`, 'an object');
    checkKeys(j, JOB_KEYS, `jobs[${i}]`, path);
    if (typeof j.id !== 'string') bad(`jobs[${i}].id`, 'a string');
    strings(j.inputs, `jobs[${i}].inputs`);
    strings(j.outputs, `jobs[${i}].outputs`);
    if (j.inputs.length !== j.outputs.length) bad(`jobs[${i}]`, `as many outputs as inputs (${j.outputs.length} for ${j.inputs.length})`);
  });
  if (!Array.isArray(m.rounds)) bad('rounds', 'a list');
  m.rounds.forEach((r, i) => { if (!isObj(r)) bad(`rounds[${i}]`, 'an object'); checkKeys(r, ROUND_KEYS, `rounds[${i}]`, path); });
}

export function writeManifest(dir: string, m: JobFolderManifest): void {
  writeFileSync(join(dir, MANIFEST), JSON.stringify(m, null, 2) + '\n');
}

/** Copies a template from condor/ into the job folder, executable. */
export function installTemplate(dir: string, name: string): void {
  const src = join(templatesDir(), name);
  if (!existsSync(src)) throw new NtcorrError(`ntcorr installation is missing its template ${src}`, { file: src });
  const dst = join(dir, name);
  copyFileSync(src, dst);
  chmodSync(dst, 0o755);
}

export function ensureDir(dir: string): string {
  const abs = resolve(dir);
  mkdirSync(join(abs, 'logs'), { recursive: true });
  return abs;
}
