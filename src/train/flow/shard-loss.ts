import * as tf from '@tensorflow/tfjs-core';
import type { FlowArch } from '../../models/flow/arch.js';
import { TfFlow, type TfFlowStrategies } from '../../models/flow/tf-flow.js';
import { dense } from '../../nn/index.js';
import { hostGradSpline } from './fast-spline.js';

/**
 * What the main thread and every gradient worker run on their shard of a batch: the training-mode flow
 * (dense layers and spline with hand-written gradients) and the shard's share of the batch loss,
 * -sum(w log p) / batchSize, so the shards' losses and gradients add up to those of the whole batch.
 */
export function trainingFlow(arch: FlowArch, seed: number): TfFlow {
  return TfFlow.init(arch, seed, TRAINING_STRATEGIES);
}

export const TRAINING_STRATEGIES: TfFlowStrategies = {
  // Dense layers with a hand-written gradient (src/nn): ~7x faster than tfjs' autodiff of matMul.
  dense: (x, w, b, mask) => dense(x, w, b, { mask }),
  // The spline on the host with its hand-written gradient (fast-spline.ts).
  spline: hostGradSpline,
};

export interface Shard {
  n: number;
  x: Float32Array;
  c: Float32Array;
  w: Float32Array;
}

/** Loss value and gradients (in `flow.variables` order) of one shard; the caller disposes the gradients. */
export function shardGradients(flow: TfFlow, s: Shard, batchSize: number): { loss: number; grads: tf.Tensor[] } {
  const F = flow.arch.features;
  const C = flow.arch.context;
  const vars = flow.variables;
  const { value, grads } = tf.variableGrads(() => tf.tidy(() => {
    const lp = flow.logProb(tf.tensor2d(s.x, [s.n, F]), tf.tensor2d(s.c, [s.n, C]));
    return tf.mul(tf.sum(tf.mul(tf.tensor1d(s.w), lp)), -1 / batchSize) as tf.Scalar;
  }), vars);
  const loss = value.dataSync()[0];
  value.dispose();
  return { loss, grads: vars.map((v) => grads[v.name]) };
}

/** log p(x | c) of `n` rows, no gradients. */
export function hostLogProb(flow: TfFlow, x: Float32Array, c: Float32Array, n: number): Float32Array {
  const lp = tf.tidy(() => flow.logProb(tf.tensor2d(x, [n, flow.arch.features]), tf.tensor2d(c, [n, flow.arch.context])));
  const out = lp.dataSync() as Float32Array;
  lp.dispose();
  return out;
}

/** Float32 views, one per variable, laid end to end over `buf`. */
export function variableViews(buf: SharedArrayBuffer, sizes: number[]): Float32Array[] {
  let off = 0;
  return sizes.map((n) => {
    const v = new Float32Array(buf, off * 4, n);
    off += n;
    return v;
  });
}
