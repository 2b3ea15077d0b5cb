import * as tf from '@tensorflow/tfjs-core';
import { WorkerPool } from '../../compute/pool.js';
import type { TfFlow } from '../../models/flow/tf-flow.js';
import { applyGradients, type Adam, type Params } from '../../nn/index.js';
import type { Batch } from './dataset.js';
import { hostLogProb, shardGradients, variableViews, type Shard } from './shard-loss.js';

/**
 * Data-parallel flow training over `threads` cores: each batch is cut into `threads` contiguous shards;
 * this thread computes the first shard's gradients, worker threads (grad-worker.ts, one tfjs backend each)
 * the others, at the same time. Gradients are summed here in shard order, clipped and applied by the one
 * optimizer; the new weights go to the workers through a shared buffer before the next step.
 *
 * Why: the wasm backend runs on one core per instance (tfjs disables its threads in Node), and PyTorch
 * uses every core. Results depend on `threads` only through float summation order, and are identical run
 * to run for the same `threads` (so --resume stays bit-identical).
 */
export class DataParallel {
  private version = 0;

  private constructor(
    private readonly flow: TfFlow,
    private readonly pool: WorkerPool<Job, Reply> | undefined,
    private readonly weightViews: Float32Array[],
    private readonly gradViews: Float32Array[][],
  ) {}

  /** Starts `threads - 1` workers (none for threads = 1) holding copies of `flow`'s architecture. */
  static async start(flow: TfFlow, threads: number, backend: string): Promise<DataParallel> {
    const sizes = flow.variables.map((v) => v.size);
    const total = sizes.reduce((a, b) => a + b, 0);
    const weights = new SharedArrayBuffer(total * 4);
    const n = Math.max(0, threads - 1);
    const grads = Array.from({ length: n }, () => new SharedArrayBuffer(total * 4));
    const pool = n === 0 ? undefined : await WorkerPool.start<Job, Reply>({
      callerUrl: import.meta.url, module: 'grad-worker', size: n, label: 'flow training worker',
      data: (i) => ({ arch: flow.arch, backend, weights, grads: grads[i] }),
    });
    return new DataParallel(flow, pool, variableViews(weights, sizes), grads.map((g) => variableViews(g, sizes)));
  }

  get threads(): number {
    return (this.pool?.size ?? 0) + 1;
  }

  /** One optimisation step on `batch`; returns the batch's mean weighted NLL (the loss). */
  async step(batch: Batch, params: Params, optimizer: Adam, clipNorm?: number): Promise<number> {
    const shards = this.shards(batch);
    this.publishWeights();
    const jobs = shards.slice(1).map((s, k) => this.send(k, { kind: 'grad', batchSize: batch.size, ...s }, s));
    const own = shardGradients(this.flow, shards[0], batch.size);
    let replies: Reply[];
    try {
      replies = await Promise.all(jobs);
    } catch (e) {
      own.grads.forEach((g) => g.dispose());
      throw e;
    }
    const nameOf = new Map(params.entries().map(([name, v]) => [v, name] as const));
    const byName = new Map<string, tf.Tensor>();
    this.flow.variables.forEach((v, i) => {
      let g = own.grads[i];
      for (let k = 0; k < replies.length; k++) {
        const sum = tf.tidy(() => tf.add(g, tf.tensor(this.gradViews[k][i], v.shape, 'float32')));
        g.dispose();
        g = sum;
      }
      byName.set(nameOf.get(v)!, g);
    });
    applyGradients(optimizer, byName, clipNorm);
    return replies.reduce((s, r) => s + r.loss!, own.loss);
  }

  /** log p(x | c) of `n` rows, split over the threads like a training batch. */
  logProb = async (x: Float32Array, c: Float32Array, n: number): Promise<Float32Array> => {
    const shards = this.shards({ size: n, x, c, w: new Float32Array(n) });
    this.publishWeights();
    const jobs = shards.slice(1).map((s, k) => this.send(k, { kind: 'logprob', batchSize: n, ...s }, s));
    const own = hostLogProb(this.flow, shards[0].x, shards[0].c, shards[0].n);
    const parts = [own, ...(await Promise.all(jobs)).map((r) => r.lp!)];
    const out = new Float32Array(n);
    let o = 0;
    for (const p of parts) { out.set(p, o); o += p.length; }
    return out;
  };

  async close(): Promise<void> {
    await this.pool?.close();
  }

  /** Contiguous shards, the first one for this thread; the others are copies (their buffers are transferred). */
  private shards(b: Batch): Shard[] {
    const F = this.flow.arch.features;
    const C = this.flow.arch.context;
    const parts = Math.max(1, Math.min(this.threads, b.size));
    const per = Math.ceil(b.size / parts);
    const out: Shard[] = [];
    for (let s = 0; s < b.size; s += per) {
      const e = Math.min(b.size, s + per);
      const own = s === 0;
      const cut = (a: Float32Array, width: number) => (own ? a.subarray(s * width, e * width) : a.slice(s * width, e * width));
      out.push({ n: e - s, x: cut(b.x, F), c: cut(b.c, C), w: cut(b.w, 1) });
    }
    return out;
  }

  /** Copies the current weights into the shared buffer (workers pick them up with the next job). */
  private publishWeights(): void {
    if (!this.pool) return;
    this.flow.variables.forEach((v, i) => this.weightViews[i].set(v.dataSync() as Float32Array));
    this.version++;
  }

  private send(k: number, job: Omit<Job, 'version'>, s: Shard): Promise<Reply> {
    return this.pool!.request({ ...job, version: this.version }, { worker: k, transfer: [s.x.buffer as ArrayBuffer, s.c.buffer as ArrayBuffer, s.w.buffer as ArrayBuffer] });
  }
}

/** A job for grad-worker.ts: one shard's gradients (kind 'grad') or log-probabilities ('logprob'). */
export interface Job extends Shard {
  kind: 'grad' | 'logprob';
  version: number;
  batchSize: number;
}

export interface Reply {
  loss?: number;
  lp?: Float32Array;
}
