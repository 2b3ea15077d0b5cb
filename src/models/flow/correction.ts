import * as tf from '@tensorflow/tfjs-core';
import type { InverseMode, TfFlow } from './tf-flow.js';

/**
 * What the flow correction is (the `flow` kind, kind.ts): a conditional flow trained on data and
 * simulation with the is-data flag as its last context input maps simulation onto data by
 * z = T(x | c, is-data 0), x_corr = T^-1(z | c, is-data 1). The flow only knows T and T^-1; the flag swap
 * is the correction's. `c` holds every context input, the is-data flag last (its value is ignored).
 * (Its own module, not kind.ts, so the engines in worker threads do not load the kind and its pool.)
 */
export function correctSimulation(flow: TfFlow, x: tf.Tensor2D, c: tf.Tensor2D, mode: InverseMode = 'incremental'): tf.Tensor2D {
  return tf.tidy(() => {
    const { simulation, data } = isDataContexts(c);
    return flow.inverse(flow.forward(x, simulation).y, data, mode);
  });
}

/** c with the is-data flag (last column) set to 0 and to 1. */
function isDataContexts(c: tf.Tensor2D): { simulation: tf.Tensor2D; data: tf.Tensor2D } {
  const [n, C] = c.shape;
  const head = tf.slice(c, [0, 0], [n, C - 1]);
  return {
    simulation: tf.concat([head, tf.zeros([n, 1])], 1) as tf.Tensor2D,
    data: tf.concat([head, tf.ones([n, 1])], 1) as tf.Tensor2D,
  };
}
