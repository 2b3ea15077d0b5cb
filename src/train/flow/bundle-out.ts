import { writeBundle } from '../../bundle/bundle.js';
import { TOOL } from '../../core/version.js';
import type { EpochRecord } from '../../nn/index.js';
import type { TfFlow } from '../../models/flow/tf-flow.js';
import type { FlowTrainConfig } from './config.js';
import type { FittedPreprocessing } from './preprocess-apply.js';
import { writeFileAtomic } from '../../core/atomic.js';
import { join } from 'node:path';

export interface TrainedBundleInput {
  cfg: FlowTrainConfig;
  seed: number;
  flow: TfFlow;
  preprocessing: FittedPreprocessing;
  history: EpochRecord[];
  bestEpoch: number;
  command: string;
  backend: string;
  summary: Record<string, unknown>;
}

/**
 * Writes the trained flow as a `flow` bundle: architecture, variables/conditions/collections, the fitted
 * preprocessing and the MADE weights in zuko's layout (weight (out, in)), plus the training history
 * (checkpoint/ and plots are beside it, not part of the bundle hash).
 */
export async function writeTrainedBundle(dir: string, b: TrainedBundleInput): Promise<void> {
  const w = b.flow.toWeights();
  const tensors = w.transforms.flatMap((tr, t) => tr.layers.flatMap((L, l) => [
    { name: `t${t}.l${l}.weight`, shape: [L.out, L.in], data: L.weight },
    { name: `t${t}.l${l}.bias`, shape: [L.out], data: L.bias },
  ]));
  const { cfg } = b;
  const prefixes = cfg.collections;
  await writeBundle(dir, {
    name: cfg.name,
    kind: 'flow',
    inputs: [...new Set(prefixes.flatMap((p) => [...cfg.variables.map((v) => p + v), ...cfg.conditions.map((c) => p + c)]))],
    outputs: prefixes.flatMap((p) => cfg.variables.map((v) => ({ name: `${p}${v}_corr`, type: 'float32' as const, description: `${p}${v} corrected to data by the flow` }))),
    config: {
      arch: w.arch,
      variables: cfg.variables,
      conditions: cfg.conditions,
      collections: prefixes,
      preprocessing: {
        isolation: b.preprocessing.isolation.map((i) => ({ variable: i.variable, shift: i.shift })),
        inputMean: b.preprocessing.inputMean,
        inputStd: b.preprocessing.inputStd,
        conditionMean: b.preprocessing.conditionMean,
        conditionStd: b.preprocessing.conditionStd,
      },
    },
    provenance: {
      createdBy: TOOL,
      created: new Date().toISOString(),
      source: `${b.command} (configuration ${cfg.name} of ${cfg.file})`,
      seed: b.seed,
      backend: b.backend,
      data: cfg.data,
      mc: cfg.mc,
      selection: cfg.selection ?? null,
      bestEpoch: b.bestEpoch,
      training: cfg.training,
      ...b.summary,
    },
  }, tensors);
  await writeFileAtomic(join(dir, 'checkpoint', 'history.json'), JSON.stringify(b.history, null, 1) + '\n');
}
