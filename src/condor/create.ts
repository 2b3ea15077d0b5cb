import { existsSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { NtcorrError } from '../core/errors.js';
import { TOOL } from '../core/version.js';
import { expandFiles } from '../io/files.js';
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
  if (outDir) {
    checkCondorPath(outDir, 'output folder');
    const seen = new Map<string, string>();
    for (const f of inputs) {
      const b = basename(f);
      if (seen.has(b)) throw new NtcorrError(`${f} and ${seen.get(b)} would both be written to ${outDir}/${b}; correct them in separate batches or use --in-place`, { file: f });
      seen.set(b, f);
    }
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
    transfer: o.transfer,
    filesPerJob: o.filesPerJob,
    applyArgs: o.applyArgs,
    ntcorr: o.ntcorr ?? defaultNtcorrCommand(),
    tarball: o.tarball ? resolve(o.tarball) : undefined,
    setup: o.setup,
    resources: o.resources,
    jobs: planJobs(inputs, o.filesPerJob, (f) => outputPathFor(f, mode, outDir)),
    rounds: [],
  };
  // --force over an earlier folder: its logs would make status report the old jobs, so set them aside.
  const logs = resolve(dir, 'logs');
  if (existsSync(logs) && readdirSync(logs).length > 0) renameSync(logs, resolve(dir, `logs.before-${m.created.replace(/[:.]/g, '-')}`));
  ensureDir(dir);
  installTemplate(dir, WRAPPER);
  writeFileSync(resolve(dir, 'job.env'), jobEnv(m));
  writeList(dir, LIST_FILE, m.jobs, m.transfer);
  writeFileSync(resolve(dir, SUBMIT_FILE), submitDescription(m));
  writeManifest(dir, m);
  return { dir, manifest: m };
}

export { MANIFEST };
