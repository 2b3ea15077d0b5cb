import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../compute/backend.js';
import type { FlowArch } from '../../models/flow/arch.js';
import { hostLogProb, shardGradients, trainingFlow, variableViews, type Shard } from './shard-loss.js';

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
interface Job extends Shard {
  id: number;
  kind: 'grad' | 'logprob';
  version: number;
  batchSize: number;
}

const init = workerData as Init;
const ready = (async () => {
  await initBackend(init.backend);
  const flow = trainingFlow(init.arch, 0);
  const sizes = flow.variables.map((v) => v.size);
  return { flow, weights: variableViews(init.weights, sizes), grads: variableViews(init.grads, sizes) };
})();
ready.then(
  () => parentPort!.postMessage({ ready: true, backend: tf.getBackend() }),
  (e: Error) => parentPort!.postMessage({ ready: false, error: e.message }),
);

let version = -1;
parentPort!.on('message', async (job: Job) => {
  try {
    const { flow, weights, grads } = await ready;
    if (job.version !== version) {
      flow.variables.forEach((v, i) => tf.tidy(() => v.assign(tf.tensor(weights[i], v.shape, 'float32'))));
      version = job.version;
    }
    if (job.kind === 'logprob') {
      const lp = hostLogProb(flow, job.x, job.c, job.n);
      parentPort!.postMessage({ id: job.id, lp }, [lp.buffer as ArrayBuffer]);
      return;
    }
    const r = shardGradients(flow, job, job.batchSize);
    r.grads.forEach((g, i) => {
      grads[i].set(g.dataSync() as Float32Array);
      g.dispose();
    });
    parentPort!.postMessage({ id: job.id, loss: r.loss });
  } catch (e) {
    parentPort!.postMessage({ id: job.id, error: (e as Error).message });
  }
});
