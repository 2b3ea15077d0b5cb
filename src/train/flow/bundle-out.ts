import { join } from 'node:path';
import { writeFileAtomic } from '../../core/atomic.js';
import { saveFlowBundle } from '../../models/flow/bundle-io.js';
import type { FlowConfig } from '../../models/flow/config.js';
import type { PreprocessParams } from '../../models/flow/preprocess.js';
import type { TfFlow } from '../../models/flow/tf-flow.js';
import type { EpochRecord } from '../../nn/index.js';
import type { FlowTrainConfig } from './config.js';

export interface TrainedBundleInput {
  cfg: FlowTrainConfig;
  seed: number;
  flow: TfFlow;
  preprocessing: PreprocessParams;
  /** Resolved column names per collection (event-level conditions such as fixedGridRhoAll). */
  collections: { prefix: string; columns: Record<string, string> }[];
  history: EpochRecord[];
  bestEpoch: number;
  command: string;
  backend: string;
  summary: Record<string, unknown>;
}

/** The bundle config the `flow` kind reads (src/models/flow/config.ts) for a trained configuration. */
export function trainedFlowConfig(b: Pick<TrainedBundleInput, 'cfg' | 'flow' | 'preprocessing' | 'collections'>): FlowConfig {
  return {
    architecture: b.flow.arch,
    variables: b.cfg.variables,
    conditions: b.cfg.conditions,
    isDataFlag: 'is_data',
    // Conditions found as event-level columns in training (fixedGridRhoAll) are mapped explicitly for every
    // collection the bundle corrects; everything else is <prefix><name>.
    collections: b.cfg.apply_collections.map((prefix) => {
      const eventLevel = Object.entries(b.collections[0]?.columns ?? {}).filter(([name, col]) => col === name);
      const cols = { ...Object.fromEntries(eventLevel), ...(b.collections.find((c) => c.prefix === prefix)?.columns ?? {}) };
      return Object.keys(cols).length ? { prefix, columns: cols } : { prefix };
    }),
    preprocessing: b.preprocessing,
  };
}

/**
 * Writes the trained flow as a `flow` bundle through the model's own writer (same format as import-zuko:
 * zuko state-dict tensor names), with training provenance; the per-epoch history goes beside it in
 * checkpoint/ (sub-folders and plots are not part of the bundle hash).
 */
export async function writeTrainedBundle(dir: string, b: TrainedBundleInput): Promise<void> {
  const { cfg } = b;
  await saveFlowBundle(dir, {
    name: cfg.name,
    config: trainedFlowConfig(b),
    weights: b.flow.toWeights(),
    provenance: {
      source: `${b.command} (configuration ${cfg.name} of ${cfg.file})`,
      seed: b.seed,
      backend: b.backend,
      data: cfg.data,
      mc: cfg.mc,
      selection: cfg.selection ?? null,
      bestEpoch: b.bestEpoch,
      epochs: b.history.length,
      bestValidationNll: b.history.find((h) => h.epoch === b.bestEpoch)?.val_loss ?? null,
      training: cfg.training,
      reweight: cfg.reweight,
      ...b.summary,
    },
  });
  await writeFileAtomic(join(dir, 'checkpoint', 'history.json'), JSON.stringify(b.history, null, 1) + '\n');
}
