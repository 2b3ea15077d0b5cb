import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { NtcorrError } from '../../core/errors.js';
import { checkKeys } from '../../core/config-keys.js';
import { readTorchCheckpoint } from '../../io/torch/checkpoint.js';
import { type FlowArch, archProblem } from './arch.js';
import { flowColumns, saveFlowBundle } from './bundle-io.js';
import type { FlowConfig } from './config.js';
import { type ArchFlags, checkArchFlags, detectArch } from './detect.js';
import { type HiggsdnaIsolation, readHiggsdnaPreprocessing } from './higgsdna.js';
import { identityPreprocess } from './preprocess.js';
import { weightsFromZuko } from './zuko.js';
import { resolveSlope } from './zuko-version.js';

export interface ImportOptions {
  checkpoint: string;
  /** Architecture flags: optional, read from the checkpoint; each given one must agree with it. */
  flags?: ArchFlags;
  /** zuko release the flow was trained with (sets the slope); required unless `slope` is given. */
  zukoVersion?: string;
  slope?: number;
  bound?: number;
  out: string;
  name?: string;
  variables?: string[];
  conditions?: string[];
  isDataFlag?: string;
  collections?: string[];
  /** HiggsDNA flow folder with input_means.npy, input_std.npy, conditions_means.npy, conditions_std.npy (and min/max_values.npy). */
  preprocessing?: string;
  /** HiggsDNA era (picks the isolation shifts), e.g. 2022postEE. */
  era?: string;
  /** YAML/JSON file with FlowConfig fields (and a `higgsdna` block) that override the above. */
  describe?: string;
  command?: string;
  /** Free text kept in provenance.note. */
  note?: string;
}

/** Keys a describe file may set. */
const DESCRIBE_KEYS = ['variables', 'conditions', 'isDataFlag', 'collections', 'outputPattern', 'validity', 'preprocessing', 'higgsdna'];

export interface DescribeFile extends Partial<Omit<FlowConfig, 'architecture'>> {
  /** HiggsDNA isolation settings: indexes (or HiggsDNA's name Isolation_transform_order), era, shifts, spread. */
  higgsdna?: Partial<HiggsdnaIsolation> & { Isolation_transform_order?: number[]; isolation_indexes?: number[] };
}

export function readDescribe(path: string): DescribeFile {
  let extra: DescribeFile;
  try {
    const text = readFileSync(path, 'utf8');
    extra = (path.endsWith('.json') ? JSON.parse(text) : parseYaml(text)) as DescribeFile;
  } catch (e) {
    throw new NtcorrError(`${path}: cannot read the flow description (${(e as Error).message})`, { file: path });
  }
  if (!extra || typeof extra !== 'object' || Array.isArray(extra)) throw new NtcorrError(`${path}: the flow description must be a mapping`, { file: path });
  if ('architecture' in extra) throw new NtcorrError(`${path}: the architecture comes from the checkpoint, not from the description`, { file: path });
  for (const k of Object.keys(extra)) if (!DESCRIBE_KEYS.includes(k)) throw new NtcorrError(`${path}: unknown key "${k}" (allowed: ${DESCRIBE_KEYS.join(', ')})`, { file: path });
  for (const k of Object.keys(extra.higgsdna ?? {})) {
    if (!['era', 'shifts', 'spread', 'indexes', 'isolation_indexes', 'Isolation_transform_order'].includes(k)) throw new NtcorrError(`${path}: unknown key "higgsdna.${k}" (allowed: era, Isolation_transform_order, shifts, spread)`, { file: path });
  }
  return extra;
}

/** zuko checkpoint -> flow bundle. Returns the architecture, parameter count and output column names. */
export async function importZuko(o: ImportOptions): Promise<{ arch: FlowArch; parameters: number; outputs: string[] }> {
  const { slope, zukoVersion } = resolveSlope(o.zukoVersion, o.slope);
  const sd = readTorchCheckpoint(o.checkpoint);
  const found = detectArch(sd, o.checkpoint);
  checkArchFlags(found, o.flags ?? {}, o.checkpoint, sd);
  const arch: FlowArch = { ...found, slope, bound: o.bound ?? 5, ...(zukoVersion ? { zukoVersion } : {}) };
  const problem = archProblem(arch);
  if (problem) throw new NtcorrError(`${o.checkpoint}: ${problem}`, { file: o.checkpoint });
  if (arch.context < 1) throw new NtcorrError(`${o.checkpoint}: the flow has no context inputs; a correction flow needs the is-data flag as its last context input`, { file: o.checkpoint });
  const weights = weightsFromZuko(sd, arch, o.checkpoint);
  const F = arch.features;
  const C = arch.context - 1;
  const extra: DescribeFile = o.describe ? readDescribe(o.describe) : {};
  const variables = extra.variables ?? o.variables ?? Array.from({ length: F }, (_, i) => `x${i}`);
  const conditions = extra.conditions ?? o.conditions ?? Array.from({ length: C }, (_, i) => `c${i}`);
  const where = o.describe ?? 'import-zuko';
  if (variables.length !== F) throw new NtcorrError(`${where}: ${variables.length} variables given, but the checkpoint has ${F} features (${sd.has('transform.transforms.0.order') ? 'transform.transforms.0.order' : 'checkpoint'})`);
  if (conditions.length !== C) throw new NtcorrError(`${where}: ${conditions.length} conditions given, but the checkpoint has ${arch.context} context inputs (transform.transforms.0.hyper.0.weight): ${C} conditions + the is-data flag`);
  const h = extra.higgsdna;
  const iso: HiggsdnaIsolation | undefined = h || o.era ? {
    indexes: h?.Isolation_transform_order ?? h?.isolation_indexes ?? h?.indexes ?? [],
    era: o.era ?? h?.era,
    ...(h?.shifts ? { shifts: h.shifts } : {}),
    ...(h?.spread !== undefined ? { spread: h.spread } : {}),
  } : undefined;
  if (extra.preprocessing && o.preprocessing) throw new NtcorrError(`${where}: preprocessing is given twice (the description's "preprocessing" and --preprocessing ${o.preprocessing}); keep one`);
  if (iso?.indexes.length && !o.preprocessing) throw new NtcorrError(`${where}: higgsdna isolation settings need --preprocessing DIR (the folder with input_means.npy, ...)`);
  const preprocessing = extra.preprocessing
    ?? (o.preprocessing ? readHiggsdnaPreprocessing(o.preprocessing, variables, conditions, iso) : identityPreprocess(variables, conditions));
  const config: FlowConfig = {
    architecture: arch,
    variables,
    conditions,
    isDataFlag: extra.isDataFlag ?? o.isDataFlag ?? 'is_data',
    collections: extra.collections ?? (o.collections?.length ? o.collections : ['']).map((prefix) => ({ prefix })),
    ...(extra.outputPattern !== undefined ? { outputPattern: extra.outputPattern } : {}),
    ...(extra.validity !== undefined ? { validity: extra.validity } : {}),
    preprocessing,
  };
  const sha = createHash('sha256').update(readFileSync(o.checkpoint)).digest('hex');
  await saveFlowBundle(o.out, {
    name: o.name ?? basename(resolve(o.out)),
    config,
    weights,
    provenance: {
      source: o.command ?? `import-zuko ${o.checkpoint}`,
      checkpoint: basename(o.checkpoint),
      checkpointSha256: sha,
      zuko: { ...(zukoVersion ? { version: zukoVersion } : {}), slope, bound: arch.bound },
      ...(o.preprocessing ? { preprocessingFrom: basename(resolve(o.preprocessing)), ...(iso?.era ? { era: iso.era } : {}) } : {}),
      ...(o.note ? { note: o.note } : {}),
    },
  });
  const parameters = weights.transforms.reduce((s, t) => s + t.layers.reduce((a, L) => a + L.weight.length + L.bias.length, 0), 0);
  return { arch, parameters, outputs: flowColumns(config).outputs.map((x) => x.name) };
}
