import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
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
  if (m.format !== 'ntcorr-condor-jobs') throw new NtcorrError(`${path}: format ${JSON.stringify(m.format)}, expected "ntcorr-condor-jobs"`, { file: path });
  return m;
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
