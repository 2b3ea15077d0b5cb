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
import { identityPreprocess } from './preprocess.js';
import { weightsFromZuko } from './zuko.js';

export interface ImportOptions {
  checkpoint: string;
  arch: FlowArch;
  out: string;
  name?: string;
  variables?: string[];
  conditions?: string[];
  isDataFlag?: string;
  collections?: string[];
  /** YAML/JSON file with FlowConfig fields that override the above. */
  describe?: string;
  command?: string;
  /** Free text kept in provenance.note. */
  note?: string;
}

/** zuko checkpoint -> flow bundle. Returns the parameter count and output column names. */
export async function importZuko(o: ImportOptions): Promise<{ parameters: number; outputs: string[] }> {
  const problem = archProblem(o.arch);
  if (problem) throw new NtcorrError(`import-zuko: ${problem}`, { file: o.checkpoint });
  if (o.arch.context < 1) throw new NtcorrError('import-zuko: a correction flow needs --context >= 1 (the is-data flag is the last context input)', { file: o.checkpoint });
  const sd = readTorchCheckpoint(o.checkpoint);
  const weights = weightsFromZuko(sd, o.arch, o.checkpoint);
  const F = o.arch.features;
  const C = o.arch.context - 1;
  const variables = o.variables ?? Array.from({ length: F }, (_, i) => `x${i}`);
  const conditions = o.conditions ?? Array.from({ length: C }, (_, i) => `c${i}`);
  let config: FlowConfig = {
    architecture: o.arch,
    variables,
    conditions,
    isDataFlag: o.isDataFlag ?? 'is_data',
    collections: (o.collections?.length ? o.collections : ['']).map((prefix) => ({ prefix })),
    preprocessing: identityPreprocess(variables, conditions),
  };
  if (o.describe) {
    let extra: Partial<FlowConfig>;
    try {
      const text = readFileSync(o.describe, 'utf8');
      extra = (o.describe.endsWith('.json') ? JSON.parse(text) : parseYaml(text)) as Partial<FlowConfig>;
    } catch (e) {
      throw new NtcorrError(`${o.describe}: cannot read the flow description (${(e as Error).message})`, { file: o.describe });
    }
    if (!extra || typeof extra !== 'object' || Array.isArray(extra)) throw new NtcorrError(`${o.describe}: expected a mapping of flow config fields`, { file: o.describe });
    if ('architecture' in extra) throw new NtcorrError(`${o.describe}: the architecture comes from the flags (--features, --context, ...), not from the description`, { file: o.describe });
    checkKeys(extra, ['variables', 'conditions', 'isDataFlag', 'collections', 'outputPattern', 'validity', 'preprocessing'], '', o.describe);
    config = { ...config, ...extra };
    if (extra.variables && !extra.preprocessing) config.preprocessing = identityPreprocess(config.variables, config.conditions);
    if (extra.conditions && !extra.preprocessing) config.preprocessing = identityPreprocess(config.variables, config.conditions);
  }
  const sha = createHash('sha256').update(readFileSync(o.checkpoint)).digest('hex');
  await saveFlowBundle(o.out, {
    name: o.name ?? basename(resolve(o.out)),
    config,
    weights,
    provenance: { source: o.command ?? `import-zuko ${o.checkpoint}`, checkpoint: basename(o.checkpoint), checkpointSha256: sha, zuko: { slope: o.arch.slope, bound: o.arch.bound }, ...(o.note ? { note: o.note } : {}) },
  });
  const parameters = weights.transforms.reduce((s, t) => s + t.layers.reduce((a, L) => a + L.weight.length + L.bias.length, 0), 0);
  return { parameters, outputs: flowColumns(config).outputs.map((x) => x.name) };
}
