import { existsSync, mkdirSync, readdirSync, realpathSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { NtcorrError } from '../core/errors.js';
import { TOOL } from '../core/version.js';
import { commonFolder, expandFiles } from '../io/files.js';
import { formatNameOf } from '../io/formats.js';
import {
  LIST_FILE, MANIFEST, SUBMIT_FILE, WRAPPER, defaultNtcorrCommand, ensureDir, installTemplate, jobEnv, outputPathFor, planJobs,
  writeList, writeManifest, type JobFolderManifest, type Resources,
} from './jobfolder.js';
import { checkCondorPath } from './quote.js';
import { submitDescription } from './submitfile.js';

export interface CreateOptions {
  dir: string;
  globs: string[];
  model: string;
  /** The bundle may not exist yet (DAG: training writes it). */
  modelMayBeMissing?: boolean;
  outDir?: string;
  /** Outputs mirror the inputs' paths below this folder (default: the inputs' longest common folder). */
  base?: string;
  inPlace?: boolean;
  transfer: boolean;
  filesPerJob: number;
  applyArgs: string[];
  ntcorr?: string[];
  tarball?: string;
  setup?: string;
  resources: Resources;
  force?: boolean;
}

/**
 * Absolute ntuple paths of the arguments (src/io/files.ts: an existing path is that file, in the order
 * given); a pattern that matches nothing stops the submission before anything is written.
 */
export async function expandInputs(globs: string[]): Promise<string[]> {
  const { files, unmatched } = await expandFiles(globs, { absolute: true });
  if (unmatched.length) throw new NtcorrError(unmatched.map((g) => `${g}: matches no file`).join('; '), { file: unmatched[0] });
  if (files.length === 0) throw new NtcorrError('no input files');
  for (const f of files) {
    if (!existsSync(f)) throw new NtcorrError(`${f}: no such file`, { file: f });
    const ext = formatNameOf(f);
    if (ext !== '.parquet' && ext !== '.root') throw new NtcorrError(`${f}: not an ntuple (expected .parquet or .root)`, { file: f });
  }
  return files;
}

const real = (p: string): string => {
  try { return realpathSync(p); } catch { return resolve(p); }
};

/**
 * A job's output may never be an input (of any job): with --transfer HTCondor would copy whatever the job
 * leaves over it, and on a shared filesystem apply would refuse it only at run time. Two inputs to one
 * output are refused as well. Only an explicit --in-place (atomic, on a shared filesystem) replaces inputs.
 */
export function checkNoOverwrite(inputs: string[], outputs: string[], outDirArg: string): void {
  const byReal = new Map(inputs.map((f) => [real(f), f]));
  const seen = new Map<string, string>();
  inputs.forEach((f, i) => {
    const out = real(outputs[i]);
    const victim = byReal.get(out);
    if (victim !== undefined) {
      throw new NtcorrError(`--out-dir ${outDirArg}: the output of ${f} would be ${outputs[i]}, which is ${victim === f ? 'that input itself' : `the input ${victim}`}; choose another --out-dir, or --in-place to add the columns to the inputs (shared filesystem; each job replaces its files atomically)`, { file: f });
    }
    const other = seen.get(out);
    if (other !== undefined) throw new NtcorrError(`${f} and ${other} would both be written to ${outputs[i]}; give --base so their paths below it differ, or correct them in separate batches`, { file: f });
    seen.set(out, f);
  });
}

/** Writes a complete job folder (see jobfolder.ts) and returns its manifest; submits nothing. */
export async function createJobFolder(o: CreateOptions): Promise<{ dir: string; manifest: JobFolderManifest }> {
  if (!o.inPlace && !o.outDir) throw new NtcorrError('say where outputs go: --out-dir D, or --in-place');
  if (o.inPlace && o.outDir) throw new NtcorrError('--out-dir and --in-place exclude each other');
  if (o.inPlace && o.transfer) {
    throw new NtcorrError('--in-place needs a shared filesystem: files HTCondor transfers back are not written atomically over the originals; use --out-dir with --transfer');
  }
  if (o.transfer && o.filesPerJob !== 1) {
    throw new NtcorrError('--files-per-job > 1 needs a shared filesystem: with --transfer each job carries one file (HTCondor transfers back one named output per job)');
  }
  if (!Number.isInteger(o.filesPerJob) || o.filesPerJob < 1) throw new NtcorrError(`--files-per-job ${o.filesPerJob}: expected a whole number >= 1`);
  const model = resolve(o.model);
  if (!o.modelMayBeMissing && !existsSync(resolve(model, 'model.json'))) {
    throw new NtcorrError(`${o.model}: not a model bundle (no model.json)`, { file: o.model });
  }
  const dir = resolve(o.dir);
  if (existsSync(dir) && readdirSync(dir).length > 0 && !o.force) {
    throw new NtcorrError(`${o.dir}: already exists and is not empty; choose another --dir or pass --force to overwrite its job files`, { file: o.dir });
  }
  const inputs = await expandInputs(o.globs);
  const outDir = o.outDir ? resolve(o.outDir) : undefined;
  const mode = o.inPlace ? 'in-place' : 'out-dir';
  for (const f of inputs) checkCondorPath(f, 'input');
  checkCondorPath(model, 'model');
  const base = o.base !== undefined ? resolve(o.base) : commonFolder(inputs);
  if (outDir) {
    checkCondorPath(outDir, 'output folder');
    checkCondorPath(base, 'base folder');
    if (existsSync(outDir) && !statSync(outDir).isDirectory()) throw new NtcorrError(`--out-dir ${o.outDir}: is a file, expected a folder`, { file: o.outDir });
    checkNoOverwrite(inputs, inputs.map((f) => outputPathFor(f, mode, outDir, base)), o.outDir!);
  }
  if (o.tarball) {
    if (!existsSync(o.tarball)) throw new NtcorrError(`--tarball ${o.tarball}: no such file`, { file: o.tarball });
    if (!o.transfer) throw new NtcorrError('--tarball needs --transfer (it is shipped to the worker by HTCondor)');
  }
  const m: JobFolderManifest = {
    format: 'ntcorr-condor-jobs',
    version: 1,
    created: new Date().toISOString(),
    tool: TOOL,
    model,
    mode,
    outDir,
    base,
    transfer: o.transfer,
    filesPerJob: o.filesPerJob,
    applyArgs: o.applyArgs,
    ntcorr: o.ntcorr ?? defaultNtcorrCommand(),
    tarball: o.tarball ? resolve(o.tarball) : undefined,
    setup: o.setup,
    resources: o.resources,
    jobs: planJobs(inputs, o.filesPerJob, (f) => outputPathFor(f, mode, outDir, base)),
    rounds: [],
  };
  // --force over an earlier folder: its logs would make status report the old jobs, so set them aside.
  const logs = resolve(dir, 'logs');
  if (existsSync(logs) && readdirSync(logs).length > 0) renameSync(logs, resolve(dir, `logs.before-${m.created.replace(/[:.]/g, '-')}`));
  ensureDir(dir);
  // HTCondor's output remaps do not create folders: make the mirrored output tree on the submit side.
  if (m.transfer) for (const j of m.jobs) for (const f of j.outputs) mkdirSync(dirname(f), { recursive: true });
  installTemplate(dir, WRAPPER);
  writeFileSync(resolve(dir, 'job.env'), jobEnv(m));
  writeList(dir, LIST_FILE, m.jobs, m.transfer, m);
  writeFileSync(resolve(dir, SUBMIT_FILE), submitDescription(m));
  writeManifest(dir, m);
  return { dir, manifest: m };
}

export { MANIFEST };
