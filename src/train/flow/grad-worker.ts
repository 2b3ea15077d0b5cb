import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../compute/backend.js';
import { serveWorker } from '../../compute/pool.js';
import type { FlowArch } from '../../models/flow/arch.js';
import type { Job, Reply } from './data-parallel.js';
import { hostLogProb, shardGradients, trainingFlow, variableViews } from './shard-loss.js';

/**
 * Gradient worker of data-parallel flow training (data-parallel.ts): its own tfjs backend (wasm runs on one
 * core per instance) and its own copy of the flow. Before each job it copies the current weights from the
 * shared weight buffer; it writes its shard's gradients into its own shared buffer and answers with the
 * shard's loss.
 */
interface Init {
  arch: FlowArch;
  backend: string;
  weights: SharedArrayBuffer;
  grads: SharedArrayBuffer;
}

serveWorker<Init, Job, Reply>(async (init) => {
  await initBackend(init.backend);
  const flow = trainingFlow(init.arch, 0);
  const sizes = flow.variables.map((v) => v.size);
  const weights = variableViews(init.weights, sizes);
  const grads = variableViews(init.grads, sizes);
  let version = -1;
  return {
    info: { backend: tf.getBackend() },
    handle: (job) => {
      if (job.version !== version) {
        flow.variables.forEach((v, i) => tf.tidy(() => v.assign(tf.tensor(weights[i], v.shape, 'float32'))));
        version = job.version;
      }
      if (job.kind === 'logprob') {
        const lp = hostLogProb(flow, job.x, job.c, job.n);
        return { result: { lp }, transfer: [lp.buffer as ArrayBuffer] };
      }
      const r = shardGradients(flow, job, job.batchSize);
      r.grads.forEach((g, i) => {
        grads[i].set(g.dataSync() as Float32Array);
        g.dispose();
      });
      return { result: { loss: r.loss } };
    },
  };
});
