import { existsSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { NtcorrError } from '../core/errors.js';
import { TOOL } from '../core/version.js';
import {
  LIST_FILE, SUBMIT_FILE, defaultNtcorrCommand, ensureDir, installTemplate, jobEnv, writeList, writeManifest,
  type JobFolderManifest, type JobSpec, type Resources,
} from './jobfolder.js';
import { checkCondorPath } from './quote.js';
import { submitDescription } from './submitfile.js';

export const TOYS_WRAPPER = 'ntcorr-toys.sh';

/** A toys job folder: an apply job folder's manifest whose jobs carry toy ranges instead of files. */
export interface ToysJobFolderManifest extends JobFolderManifest {
  kind: 'toys';
  toys: { total: number; perJob: number; seed: number; genModel?: string; fromFit?: string };
}

export interface ToysFolderOptions {
  dir: string;
  /** Fitting model YAML. */
  model: string;
  genModel?: string;
  fromFit?: string;
  toys: number;
  toysPerJob: number;
  seed: number;
  outDir: string;
  /** Further `ntcorr toys` options every job gets (already checked against that command). */
  toysArgs: string[];
  ntcorr?: string[];
  setup?: string;
  resources: Resources;
  force?: boolean;
}

/** Job k runs toys [k * perJob, min(total, (k + 1) * perJob)); its one "input" is "FIRST:COUNT", its output OUT/job-<id>. */
export function planToyJobs(total: number, perJob: number, outDir: string): JobSpec[] {
  const n = Math.ceil(total / perJob);
  const width = Math.max(4, String(n - 1).length);
  return Array.from({ length: n }, (_, k) => {
    const id = String(k).padStart(width, '0');
    const first = k * perJob;
    return { id, inputs: [`${first}:${Math.min(total, first + perJob) - first}`], outputs: [resolve(outDir, `job-${id}`)] };
  });
}

/**
 * Writes a job folder that splits one toy study over HTCondor jobs, with the machinery of `ntcorr condor
 * submit` (job.json, job.env, jobs.txt, ntcorr.sub, logs/; `condor run-local` runs its jobs), the wrapper
 * being ntcorr-toys.sh. Shared filesystem: jobs read the model files and write OUT/job-<id>/ in place.
 */
export function createToysJobFolder(o: ToysFolderOptions): { dir: string; manifest: ToysJobFolderManifest } {
  if (!Number.isInteger(o.toys) || o.toys < 1) throw new NtcorrError(`-N ${o.toys}: expected a whole number >= 1`);
  if (!Number.isInteger(o.toysPerJob) || o.toysPerJob < 1) throw new NtcorrError(`--toys-per-job ${o.toysPerJob}: expected a whole number >= 1`);
  const files: Array<[string, string | undefined]> = [['--model', o.model], ['--gen-model', o.genModel], ['--from-fit', o.fromFit]];
  for (const [flag, f] of files) if (f !== undefined && !existsSync(f)) throw new NtcorrError(`${flag} ${f}: no such file`, { file: f });
  const model = resolve(o.model);
  const genModel = o.genModel ? resolve(o.genModel) : undefined;
  const fromFit = o.fromFit ? resolve(o.fromFit) : undefined;
  const outDir = resolve(o.outDir);
  for (const [what, p] of [['model', model], ['generating model', genModel], ['fit result', fromFit], ['output folder', outDir]] as const) if (p) checkCondorPath(p, what);
  const dir = resolve(o.dir);
  if (existsSync(dir) && readdirSync(dir).length > 0 && !o.force) {
    throw new NtcorrError(`${o.dir}: already exists and is not empty; choose another --dir or pass --force to overwrite its job files`, { file: o.dir });
  }
  // Every job gets the same study options; its toy range and output come from its queue line.
  const args = [
    '--seed', String(o.seed), '--threads', String(o.resources.cpus ?? 1),
    ...(genModel ? ['--gen-model', genModel] : []), ...(fromFit ? ['--from-fit', fromFit] : []), ...o.toysArgs,
  ];
  const m: ToysJobFolderManifest = {
    format: 'ntcorr-condor-jobs',
    version: 1,
    kind: 'toys',
    created: new Date().toISOString(),
    tool: TOOL,
    model,
    mode: 'out-dir',
    outDir,
    transfer: false,
    filesPerJob: 1,
    applyArgs: args,
    ntcorr: o.ntcorr ?? defaultNtcorrCommand(),
    setup: o.setup,
    resources: o.resources,
    jobs: planToyJobs(o.toys, o.toysPerJob, outDir),
    rounds: [],
    toys: { total: o.toys, perJob: o.toysPerJob, seed: o.seed, ...(genModel ? { genModel } : {}), ...(fromFit ? { fromFit } : {}) },
  };
  const logs = resolve(dir, 'logs');
  if (existsSync(logs) && readdirSync(logs).length > 0) renameSync(logs, resolve(dir, `logs.before-${m.created.replace(/[:.]/g, '-')}`));
  ensureDir(dir);
  installTemplate(dir, TOYS_WRAPPER);
  writeFileSync(resolve(dir, 'job.env'), `${jobEnv(m)}# APPLY_ARGS above: the ntcorr toys options of every job (${TOYS_WRAPPER} adds --model, --first-toy, -N, --out).\n`);
  writeList(dir, LIST_FILE, m.jobs, false, m);
  writeFileSync(resolve(dir, SUBMIT_FILE), submitDescription(m, LIST_FILE, TOYS_WRAPPER));
  writeManifest(dir, m);
  return { dir, manifest: m };
}
