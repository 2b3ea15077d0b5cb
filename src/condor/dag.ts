import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { NtcorrError } from '../core/errors.js';
import { TOOL } from '../core/version.js';
import { SUBMIT_FILE, installTemplate, type JobFolderManifest } from './jobfolder.js';
import { bashArray, checkCondorPath } from './quote.js';

export const DAG_FILE = 'ntcorr.dag';
export const TRAIN_SUBMIT = 'train.sub';
export const TRAIN_WRAPPER = 'ntcorr-train.sh';

export interface TrainSpec {
  config: string;
  /** Folder the training runs in (the config's relative paths resolve there). */
  workdir: string;
  /** Extra `ntcorr train flow` arguments (e.g. --name zee-2022). */
  trainArgs: string[];
  gpus?: number;
  memory?: string;
  flavour?: string;
  maxRuntime?: number;
  retries: number;
}

/**
 * A two-node DAG: `train` runs `ntcorr train flow` once and writes the bundle where the apply job folder
 * expects it; `apply` is the job folder's own submit description (one job per file), started only after
 * training succeeded. condor_submit for the apply node runs when DAGMan reaches it, so the bundle
 * (transferred to workers with --transfer) exists by then.
 */
export function writeDag(dir: string, m: JobFolderManifest, t: TrainSpec): void {
  const config = resolve(t.config);
  checkCondorPath(config, 'training config');
  installTemplate(dir, TRAIN_WRAPPER);
  writeFileSync(join(dir, 'train.env'), [
    `# Settings for ${TRAIN_WRAPPER}, written by ${TOOL}. Training runs on a shared filesystem (it reads the`,
    `# files its config names and writes the bundle that the apply jobs then read).`,
    `NTCORR=${bashArray(m.ntcorr)}`,
    `SETUP=${bashArray(m.setup ? [m.setup] : [])}`,
    `CONFIG=${bashArray([config])}`,
    `# WORKDIR: where the config's relative paths (data, mc, output) are resolved.`,
    `WORKDIR=${bashArray([t.workdir])}`,
    `BUNDLE=${bashArray([m.model])}`,
    `TRAIN_ARGS=${bashArray(t.trainArgs)}`,
    '',
  ].join('\n'));
  const sub = [
    `# ntcorr DAG node "train": trains ${m.model} from ${config} once.`,
    `universe                = vanilla`,
    `executable              = ${TRAIN_WRAPPER}`,
    `output                  = logs/train.out`,
    `error                   = logs/train.err`,
    `log                     = logs/train.log`,
    `should_transfer_files   = IF_NEEDED`,
    `when_to_transfer_output = ON_EXIT`,
    `transfer_input_files    = train.env`,
    `request_cpus            = ${m.resources.cpus ?? 1}`,
  ];
  const memory = t.memory ?? m.resources.memory;
  if (memory) sub.push(`request_memory          = ${memory}`);
  if (t.gpus) sub.push(`request_gpus            = ${t.gpus}`);
  if (t.flavour ?? m.resources.flavour) sub.push(`+JobFlavour             = "${t.flavour ?? m.resources.flavour}"`);
  if (t.maxRuntime ?? m.resources.maxRuntime) sub.push(`+MaxRuntime             = ${t.maxRuntime ?? m.resources.maxRuntime}`);
  for (const e of m.resources.extra) sub.push(`${e.key.padEnd(23)} = ${e.value}`);
  sub.push('queue', '');
  writeFileSync(join(dir, TRAIN_SUBMIT), sub.join('\n'));
  writeFileSync(join(dir, DAG_FILE), [
    `# ntcorr DAG, written by ${TOOL}: train once, then correct every file (${m.jobs.length} jobs).`,
    `# Submit with: condor_submit_dag ${DAG_FILE}`,
    `JOB train ${TRAIN_SUBMIT}`,
    `JOB apply ${SUBMIT_FILE}`,
    `PARENT train CHILD apply`,
    `RETRY train ${t.retries}`,
    '',
  ].join('\n'));
}

/** DAG file read back: nodes, edges and retries (for tests and for checking hand-edited DAGs). */
export interface ParsedDag {
  jobs: Map<string, string>;
  edges: [string, string][];
  retries: Map<string, number>;
}

export function parseDag(text: string): ParsedDag {
  const d: ParsedDag = { jobs: new Map(), edges: [], retries: new Map() };
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const w = line.split(/\s+/);
    const kw = w[0].toUpperCase();
    if (kw === 'JOB') d.jobs.set(w[1], w[2]);
    else if (kw === 'RETRY') d.retries.set(w[1], Number(w[2]));
    else if (kw === 'PARENT') {
      const c = w.findIndex((x) => x.toUpperCase() === 'CHILD');
      if (c < 0) throw new NtcorrError(`DAG line without CHILD: ${line}`);
      for (const p of w.slice(1, c)) for (const ch of w.slice(c + 1)) d.edges.push([p, ch]);
    } else throw new NtcorrError(`DAG line not understood: ${line}`);
  }
  return d;
}
