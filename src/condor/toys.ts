import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { parquetMetadata } from 'hyparquet';
import { NtcorrError, errorMessage } from '../core/errors.js';
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
  /** No shared filesystem: HTCondor transfers the model file(s), fit result (and tarball) in and each job's output back. */
  transfer?: boolean;
  tarball?: string;
  /** Further `ntcorr toys` options every job gets (already checked against that command). */
  toysArgs: string[];
  ntcorr?: string[];
  setup?: string;
  resources: Resources;
  force?: boolean;
}

export function isToysFolder(m: JobFolderManifest): m is ToysJobFolderManifest {
  return (m as Partial<ToysJobFolderManifest>).kind === 'toys';
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

/** The names a transfer job sends back (flat, at the top of its scratch folder: HTCondor does not scan sub-folders). */
export function toyScratchNames(id: string): { table: string; summary: string } {
  return { table: `ntcorr-toys-${id}.parquet`, summary: `ntcorr-toys-${id}.summary.yaml` };
}

/** Files a model's kde/template components read (samples: {file}); HTCondor would have to transfer them too. */
function sampleFiles(model: string): string[] {
  let doc: Record<string, unknown> | null;
  try {
    doc = parse(readFileSync(model, 'utf8')) as Record<string, unknown> | null;
  } catch (e) {
    throw new NtcorrError(`${model}: not valid YAML (${errorMessage(e)})`, { file: model });
  }
  if (!doc || typeof doc !== 'object') return [];
  const lists: unknown[] = [doc.components];
  if (doc.categories && typeof doc.categories === 'object') for (const c of Object.values(doc.categories as Record<string, Record<string, unknown>>)) lists.push(c?.components);
  const files: string[] = [];
  for (const list of lists) {
    if (!Array.isArray(list)) continue;
    for (const comp of list as Array<Record<string, unknown>>) {
      const s = comp?.samples as Record<string, unknown> | undefined;
      if (s && typeof s === 'object' && typeof s.file === 'string') files.push(s.file);
    }
  }
  return files;
}

/**
 * Writes a job folder that splits one toy study over HTCondor jobs, with the machinery of `ntcorr condor
 * submit` (job.json, job.env, jobs.txt, ntcorr.sub, logs/; `condor run-local` runs its jobs, `condor
 * status`/`resubmit` follow them), the wrapper being ntcorr-toys.sh. Shared filesystem: jobs read the model
 * files and write OUT/job-<id>/ in place. --transfer: the model file(s) and fit result travel in, and a job's
 * verified toys.parquet + summary.yaml come back to OUT/job-<id>/ (remapped from per-job scratch names).
 */
export function createToysJobFolder(o: ToysFolderOptions): { dir: string; manifest: ToysJobFolderManifest } {
  if (!Number.isInteger(o.toys) || o.toys < 1) throw new NtcorrError(`-N ${o.toys}: expected a whole number >= 1`);
  if (!Number.isInteger(o.toysPerJob) || o.toysPerJob < 1) throw new NtcorrError(`--toys-per-job ${o.toysPerJob}: expected a whole number >= 1`);
  const transfer = o.transfer === true;
  const files: Array<[string, string | undefined]> = [['--model', o.model], ['--gen-model', o.genModel], ['--from-fit', o.fromFit], ['--tarball', o.tarball]];
  for (const [flag, f] of files) if (f !== undefined && !existsSync(f)) throw new NtcorrError(`${flag} ${f}: no such file`, { file: f });
  if (o.tarball && !transfer) throw new NtcorrError('--tarball needs --transfer (it is shipped to the worker by HTCondor)');
  const model = resolve(o.model);
  const genModel = o.genModel ? resolve(o.genModel) : undefined;
  const fromFit = o.fromFit ? resolve(o.fromFit) : undefined;
  const outDir = resolve(o.outDir);
  for (const [what, p] of [['model', model], ['generating model', genModel], ['fit result', fromFit], ['output folder', outDir]] as const) if (p) checkCondorPath(p, what);
  if (existsSync(outDir) && !statSync(outDir).isDirectory()) throw new NtcorrError(`--out-dir ${o.outDir}: is a file, expected a folder`, { file: o.outDir });
  if (transfer) {
    // Transferred files land flat in the scratch folder under their basenames: two equal names would collide.
    const shipped = [['--model', model], ['--gen-model', genModel], ['--from-fit', fromFit], ['--tarball', o.tarball ? resolve(o.tarball) : undefined]] as const;
    const seen = new Map<string, string>([['job.env', 'the job folder\'s job.env']]);
    for (const [flag, p] of shipped) {
      if (!p) continue;
      const other = seen.get(basename(p));
      if (other) throw new NtcorrError(`${flag} ${p}: with --transfer it arrives as ${basename(p)} in the job's scratch folder, as does ${other}; rename one of them`, { file: p });
      seen.set(basename(p), `${flag} ${p}`);
    }
    for (const [flag, p] of [['--model', model], ['--gen-model', genModel]] as const) {
      const samples = p ? sampleFiles(p) : [];
      if (samples.length) {
        throw new NtcorrError(`${flag} ${p}: its components read simulation samples (${samples.join(', ')}), which --transfer does not ship; run on a shared filesystem (without --transfer)`, { file: p });
      }
    }
  }
  const dir = resolve(o.dir);
  if (existsSync(dir) && readdirSync(dir).length > 0 && !o.force) {
    throw new NtcorrError(`${o.dir}: already exists and is not empty; choose another --dir or pass --force to overwrite its job files`, { file: o.dir });
  }
  const jobs = planToyJobs(o.toys, o.toysPerJob, outDir);
  // Outputs of an earlier study would count as done (or be merged) as if they were this one's.
  const stale = jobs.map((j) => j.outputs[0]).filter((p) => existsSync(join(p, 'summary.yaml')) || existsSync(join(p, 'toys.parquet')));
  if (stale.length && !o.force) {
    throw new NtcorrError(`--out-dir ${o.outDir}: ${stale[0]} already holds toy outputs${stale.length > 1 ? ` (and ${stale.length - 1} more job folders)` : ''}; choose another --out-dir or pass --force`, { file: stale[0] });
  }
  // Every job gets the same study options; its toy range and output come from its queue line. With
  // transfers the files are in the job's scratch folder under their basenames.
  const here = (p: string): string => (transfer ? basename(p) : p);
  const args = [
    '--seed', String(o.seed), '--threads', String(o.resources.cpus ?? 1),
    ...(genModel ? ['--gen-model', here(genModel)] : []), ...(fromFit ? ['--from-fit', here(fromFit)] : []), ...o.toysArgs,
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
    transfer,
    filesPerJob: 1,
    applyArgs: args,
    ntcorr: o.ntcorr ?? defaultNtcorrCommand(),
    tarball: o.tarball ? resolve(o.tarball) : undefined,
    setup: o.setup,
    resources: o.resources,
    jobs,
    rounds: [],
    toys: { total: o.toys, perJob: o.toysPerJob, seed: o.seed, ...(genModel ? { genModel } : {}), ...(fromFit ? { fromFit } : {}) },
  };
  const logs = resolve(dir, 'logs');
  if (existsSync(logs) && readdirSync(logs).length > 0) renameSync(logs, resolve(dir, `logs.before-${m.created.replace(/[:.]/g, '-')}`));
  ensureDir(dir);
  // HTCondor's output remaps do not create folders: make each job's output folder on the submit side.
  if (transfer) for (const j of jobs) mkdirSync(j.outputs[0], { recursive: true });
  installTemplate(dir, TOYS_WRAPPER);
  writeFileSync(resolve(dir, 'job.env'), `${jobEnv(m)}# APPLY_ARGS above: the ntcorr toys options of every job (${TOYS_WRAPPER} adds --model, --first-toy, -N, --out).\n`);
  writeToysList(dir, LIST_FILE, m.jobs);
  writeFileSync(resolve(dir, SUBMIT_FILE), toysSubmitDescription(m, LIST_FILE));
  writeManifest(dir, m);
  return { dir, manifest: m };
}

/** Toy queue lines are "<id> FIRST:COUNT" with or without transfers (the remaps need only $(job)). */
export function writeToysList(dir: string, name: string, jobs: JobSpec[]): void {
  writeList(dir, name, jobs, false);
}

/**
 * The submit description of a toys folder: the apply one's resources and logs, the toys wrapper, and with
 * --transfer the study's files in and the job's two scratch outputs remapped to OUT/job-<id>/. As for apply
 * jobs there is no transfer_output_files: the wrapper creates those names only for a checked output, so a
 * failed job sends nothing back over anything.
 */
export function toysSubmitDescription(m: ToysJobFolderManifest, listFile: string): string {
  const text = submitDescription({ ...m, transfer: false }, listFile, TOYS_WRAPPER)
    .replace(/^# ntcorr job folder: .*$/m, () => `# ntcorr toys job folder: one job per line of ${listFile} (job id, FIRST:COUNT of the toys it runs).`)
    .replace(/^batch_name .*$/m, () => `batch_name              = ntcorr-toys-${basename(m.model).replace(/[^A-Za-z0-9_.-]/g, '_')}`);
  if (!m.transfer) return text;
  const t = m.toys;
  const inputs = ['job.env', m.model, ...(t.genModel ? [t.genModel] : []), ...(t.fromFit ? [t.fromFit] : []), ...(m.tarball ? [m.tarball] : [])];
  const names = toyScratchNames('$(job)');
  const out = `${m.outDir}/job-$(job)`;
  return text.replace(/^should_transfer_files .*\n^when_to_transfer_output .*\n^transfer_input_files .*\n/m, () => [
    `should_transfer_files   = YES`,
    `when_to_transfer_output = ON_EXIT`,
    `transfer_input_files    = ${inputs.join(', ')}`,
    `transfer_output_remaps  = "${names.table} = ${out}/toys.parquet; ${names.summary} = ${out}/summary.yaml"`,
    '',
  ].join('\n'));
}

export interface ToyOutputCheck {
  ok: boolean;
  reason?: string;
  configHash?: string;
}

/**
 * A toy job's output counts as done when OUT/job-<id>/summary.yaml is this study's summary of exactly the
 * job's toy range (seed, first_toy, toys) and toys.parquet is a readable table with a row per toy and
 * parameter. That all jobs share one configuration is for `toys merge` (which refuses otherwise) and status.
 */
export function checkToyOutput(m: ToysJobFolderManifest, job: JobSpec): ToyOutputCheck {
  const dir = job.outputs[0];
  const [first, count] = job.inputs[0].split(':').map(Number);
  const sp = join(dir, 'summary.yaml');
  const tp = join(dir, 'toys.parquet');
  if (!existsSync(sp)) return { ok: false, reason: 'no summary.yaml' };
  if (!existsSync(tp)) return { ok: false, reason: 'no toys.parquet' };
  let s: Record<string, unknown>;
  try {
    s = parse(readFileSync(sp, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    return { ok: false, reason: `summary.yaml: not valid YAML (${errorMessage(e)})` };
  }
  if (!s || typeof s !== 'object' || typeof s.config_hash !== 'string') return { ok: false, reason: 'summary.yaml: no config_hash (not a summary of ntcorr toys)' };
  for (const [k, want] of [['seed', m.toys.seed], ['first_toy', first], ['toys', count]] as const) {
    if (s[k] !== want) return { ok: false, reason: `summary.yaml: ${k} ${JSON.stringify(s[k])}, expected ${want} (the output of another job or study)` };
  }
  try {
    const b = readFileSync(tp);
    const rows = Number(parquetMetadata(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer).num_rows);
    if (rows === 0 || rows % count !== 0) return { ok: false, reason: `toys.parquet: ${rows} rows is not a row per parameter of ${count} toys` };
  } catch (e) {
    return { ok: false, reason: `toys.parquet: ${errorMessage(e)}` };
  }
  return { ok: true, configHash: s.config_hash };
}
