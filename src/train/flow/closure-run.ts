import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { loadBundle } from '../../bundle/bundle.js';
import type { FlowArch, FlowWeights } from '../../models/flow/arch.js';
import { buildMasks } from '../../models/flow/masks.js';
import { transformOrder } from '../../models/flow/arch.js';
import { TfFlow } from '../../models/flow/tf-flow.js';
import type { FlowTrainConfig } from './config.js';
import type { Examples } from './load.js';
import type { Prepared } from './prepare.js';
import { applyPreprocessing, invertPreprocessing, type FittedPreprocessing } from './preprocess-apply.js';
import { closureMetrics, writeClosure, type ClosureSummary } from './closure.js';

export interface ClosureReport {
  summary: ClosureSummary;
  dir: string;
  files: string[];
}

/** Reads a trained flow bundle back (weights + preprocessing), as `apply` would. */
export function readFlowBundle(dir: string): { flow: TfFlow; preprocessing: FittedPreprocessing; variables: string[]; conditions: string[]; collections: string[] } {
  const b = loadBundle(dir);
  const cfg = b.manifest.config as { arch: FlowArch; variables: string[]; conditions: string[]; collections: string[]; preprocessing: Omit<FittedPreprocessing, 'variables' | 'conditions' | 'seed' | 'isolation'> & { isolation: { variable: string; shift: number }[] } };
  const t = b.tensors();
  const weights: FlowWeights = {
    arch: cfg.arch,
    transforms: Array.from({ length: cfg.arch.transforms }, (_, ti) => {
      const masks = buildMasks(cfg.arch, ti);
      return {
        order: transformOrder(cfg.arch, ti),
        layers: masks.map((mask, l) => {
          const w = t.get(`t${ti}.l${l}.weight`)!;
          return { out: w.shape[0], in: w.shape[1], weight: w.data as Float32Array, bias: t.get(`t${ti}.l${l}.bias`)!.data as Float32Array, mask };
        }),
      };
    }),
  };
  const p = cfg.preprocessing;
  return {
    flow: TfFlow.fromWeights(weights),
    variables: cfg.variables,
    conditions: cfg.conditions,
    collections: cfg.collections,
    preprocessing: {
      variables: cfg.variables,
      conditions: cfg.conditions,
      isolation: p.isolation.map((i) => ({ ...i, index: cfg.variables.indexOf(i.variable) })),
      inputMean: p.inputMean, inputStd: p.inputStd, conditionMean: p.conditionMean, conditionStd: p.conditionStd,
      seed: 0,
    },
  };
}

/** Corrects simulated examples with a bundle (physical values in, physical values out). */
export function correctExamples(bundleDir: string, e: Examples, idx: Int32Array, seed: number, batch = 8192): Float64Array[] {
  const { flow, preprocessing } = readFlowBundle(bundleDir);
  try {
    const ids = { files: e.files, file: Int32Array.from(idx, (i) => e.file[i]), row: Float64Array.from(idx, (i) => e.row[i]), collection: Uint8Array.from(idx, (i) => e.collection[i]) };
    const p = applyPreprocessing({ ...preprocessing, seed }, e.x.map((a) => Float64Array.from(idx, (i) => a[i])), e.c.map((a) => Float64Array.from(idx, (i) => a[i])), ids);
    const F = p.x.length;
    const C = p.c.length + 1;
    const n = idx.length;
    const out = p.x.map(() => new Float64Array(n));
    for (let s = 0; s < n; s += batch) {
      const m = Math.min(batch, n - s);
      const xb = new Float32Array(m * F);
      const cb = new Float32Array(m * C);
      for (let i = 0; i < m; i++) {
        for (let f = 0; f < F; f++) xb[i * F + f] = p.x[f][s + i];
        for (let k = 0; k < C - 1; k++) cb[i * C + k] = p.c[k][s + i];
      }
      const y = tf.tidy(() => flow.correct(tf.tensor2d(xb, [m, F]), tf.tensor2d(cb, [m, C])));
      const v = y.dataSync();
      y.dispose();
      for (let i = 0; i < m; i++) for (let f = 0; f < F; f++) out[f][s + i] = v[i * F + f];
    }
    return invertPreprocessing(preprocessing, out);
  } finally {
    flow.dispose();
  }
}

/** Closure of a freshly trained bundle on the held-out test split; writes `<output>/closure/`. */
export async function closureOnTestSplit(cfg: FlowTrainConfig, prep: Prepared, opts: { backend: string; log: (s: string) => void; seed?: number }): Promise<ClosureReport> {
  const { data, mc, dataSplit, mcSplit } = prep;
  const seed = opts.seed ?? 0;
  const corrected = correctExamples(cfg.output, mc, mcSplit.test, seed);
  const pick = (e: Examples, idx: Int32Array) => e.x.map((a) => Float64Array.from(idx, (i) => a[i]));
  const input = {
    variables: cfg.variables,
    data: { x: pick(data, dataSplit.test), w: Float64Array.from(dataSplit.test, (i) => data.w[i]) },
    mc: { x: pick(mc, mcSplit.test), w: prep.mcWeights.test },
    corrected,
  };
  const summary = closureMetrics(input, { seed: cfg.training.seed, classifierRows: cfg.closure.classifier_events });
  const dir = join(cfg.output, 'closure');
  const files = await writeClosure(dir, summary, input, { title: `${cfg.name} (test split)`, plots: cfg.closure.plots, extra: { split: 'test', applySeed: seed } });
  opts.log(`closure on the test split: mean KS ${summary.mean_ks_before.toPrecision(3)} -> ${summary.mean_ks_after.toPrecision(3)} (ratio ${summary.mean_ks_ratio.toPrecision(3)}), classifier AUC ${summary.auc_before.toPrecision(3)} -> ${summary.auc_after.toPrecision(3)}; report in ${dir}`);
  return { summary, dir, files };
}
