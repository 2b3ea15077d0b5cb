import * as tf from '@tensorflow/tfjs-core';
import { dense } from '../../nn/dense.js';
import { linearInit, normalInit } from '../../nn/init.js';
import { Params } from '../../nn/params.js';
import type { Rng } from '../../nn/rng.js';
import type { BlockConfig } from './config.js';
import type { JetBlock } from './features.js';

/** Architecture as stored in a bundle (everything needed to rebuild the graph, nothing from code defaults). */
export interface JetArch {
  global: number;
  types: { name: string; numerical: number; categories: number[]; embeddings: number[]; maxSize: number; block: BlockConfig }[];
  head: BlockConfig;
}

/** A padded batch: per type [B*L, ...] rows (L = longest jet in the batch, capped), 1 in `mask` for real constituents. */
export interface JetBatch {
  size: number;
  global: tf.Tensor2D;
  types: { L: number; num: tf.Tensor2D; cat: tf.Tensor1D[]; mask: tf.Tensor2D }[];
  target?: tf.Tensor2D;
  dispose(): void;
}

function blockParams(p: Params, rng: Rng, prefix: string, inDim: number, b: BlockConfig): number {
  let d = inDim;
  b.num_units.forEach((u, i) => {
    if (b.type === 'mlp') {
      const l = linearInit(rng, d, u);
      p.add(`${prefix}/l${i}/w`, [d, u], l.weight); p.add(`${prefix}/l${i}/b`, [u], l.bias);
    } else {
      if (d !== u) { const l = linearInit(rng, d, u); p.add(`${prefix}/r${i}/proj/w`, [d, u], l.weight); p.add(`${prefix}/r${i}/proj/b`, [u], l.bias); }
      const a = linearInit(rng, u, u), c = linearInit(rng, u, u);
      p.add(`${prefix}/r${i}/w1`, [u, u], a.weight); p.add(`${prefix}/r${i}/b1`, [u], a.bias);
      p.add(`${prefix}/r${i}/w2`, [u, u], c.weight); p.add(`${prefix}/r${i}/b2`, [u], c.bias);
    }
    d = u;
  });
  return d;
}

/** Creates the parameters with seeded PyTorch-style initialisation. */
export function createJetParams(arch: JetArch, rng: Rng): Params {
  const p = new Params();
  let headIn = arch.global;
  for (const t of arch.types) {
    t.categories.forEach((v, j) => p.add(`${t.name}/emb${j}`, [v, t.embeddings[j]], normalInit(rng, v * t.embeddings[j])));
    headIn += blockParams(p, rng, t.name, t.numerical + t.embeddings.reduce((a, b) => a + b, 0), t.block);
  }
  const out = blockParams(p, rng, 'head', headIn, arch.head);
  const l = linearInit(rng, out, 1);
  p.add('out/w', [out, 1], l.weight); p.add('out/b', [1], l.bias);
  return p;
}

const W = (p: Params, n: string) => p.get(n) as unknown as tf.Tensor2D;
const B = (p: Params, n: string) => p.get(n) as unknown as tf.Tensor1D;

/**
 * mlp: dense+ReLU per entry of num_units. resnet: per entry u, a projection to u if the width changes, then
 * h = relu(h + W2 relu(W1 h + b1) + b2).
 */
function runBlock(p: Params, prefix: string, h: tf.Tensor2D, b: BlockConfig, inputGrad: boolean): tf.Tensor2D {
  b.num_units.forEach((u, i) => {
    if (b.type === 'mlp') {
      h = dense(h, W(p, `${prefix}/l${i}/w`), B(p, `${prefix}/l${i}/b`), { activation: 'relu', inputGrad: i > 0 || inputGrad });
    } else {
      if (h.shape[1] !== u) h = dense(h, W(p, `${prefix}/r${i}/proj/w`), B(p, `${prefix}/r${i}/proj/b`), { inputGrad: i > 0 || inputGrad });
      const a = dense(h, W(p, `${prefix}/r${i}/w1`), B(p, `${prefix}/r${i}/b1`), { activation: 'relu' });
      const c = dense(a, W(p, `${prefix}/r${i}/w2`), B(p, `${prefix}/r${i}/b2`));
      h = tf.relu(tf.add(h, c)) as tf.Tensor2D;
    }
  });
  return h;
}

/**
 * Deep Sets forward pass -> [B, 1] predictions of log(pt_gen / pt). Per type, the shared block runs on all
 * (jets x constituents) rows as ONE 2-D matmul (3-D matMul is 13x slower in tfjs), padding is zeroed by the
 * mask, and a reshape + sum over constituents gives one vector per jet. Embeddings are one-hot x table
 * products: gather's gradient needs UnsortedSegmentSum, which the wasm backend lacks.
 */
export function jetForward(p: Params, arch: JetArch, batch: JetBatch): tf.Tensor2D {
  const parts: tf.Tensor2D[] = arch.global ? [batch.global] : [];
  arch.types.forEach((t, k) => {
    const bt = batch.types[k];
    const inputs: tf.Tensor2D[] = [bt.num];
    // int32 one-hot then cast: tfjs-backend-wasm 4.22's OneHot writes integer bits when asked for float32
    t.categories.forEach((v, j) => inputs.push(tf.matMul(tf.cast(tf.oneHot(bt.cat[j], v), 'float32') as tf.Tensor2D, W(p, `${t.name}/emb${j}`))));
    const x = inputs.length === 1 ? inputs[0] : tf.concat(inputs, 1);
    const h = tf.mul(runBlock(p, t.name, x, t.block, t.categories.length > 0), bt.mask) as tf.Tensor2D;
    const U = h.shape[1];
    parts.push(tf.sum(tf.reshape(h, [batch.size, bt.L, U]), 1) as tf.Tensor2D);
  });
  const h = runBlock(p, 'head', parts.length === 1 ? parts[0] : tf.concat(parts, 1), arch.head, true);
  return dense(h, W(p, 'out/w'), B(p, 'out/b'));
}

/**
 * Mean MAE/Huber loss over the jets with |target| < 1 (ml-jec drops the others). Denominator: the number
 * of kept jets in the batch (at least 1), so every kept jet weighs the same whatever the batch's share
 * of dropped jets.
 */
export function jetLoss(pred: tf.Tensor2D, target: tf.Tensor2D, loss: { type: 'mae' | 'huber'; delta: number }): tf.Scalar {
  return tf.tidy(() => {
    const kept = tf.less(tf.abs(target), 1);
    const keep = tf.cast(kept, 'float32');
    const safeTarget = tf.where(kept, target, tf.zerosLike(target)); // dropped jets may have |target| = inf (inf*0 = NaN)
    const a = tf.abs(tf.sub(pred, safeTarget));
    let l: tf.Tensor = a;
    if (loss.type === 'huber') {
      const q = tf.minimum(a, loss.delta);
      l = tf.add(tf.mul(tf.square(q), 0.5), tf.mul(tf.sub(a, q), loss.delta)); // torch HuberLoss(delta)
    }
    return tf.div(tf.sum(tf.mul(l, keep)), tf.maximum(tf.sum(keep), 1)) as tf.Scalar;
  });
}

/**
 * Pads the jets `idx` of a block into batch tensors, to the longest jet of the batch per type (or to the
 * type's maxSize with `fixedPadding`, as ml-jec does: only for benchmarks against it).
 */
export function makeBatch(block: JetBlock, arch: JetArch, idx: ArrayLike<number>, withTarget: boolean, fixedPadding = false): JetBatch {
  const n = idx.length;
  const G = arch.global;
  const g = new Float32Array(n * G);
  for (let r = 0; r < n; r++) g.set(block.global.subarray(idx[r] * G, idx[r] * G + G), r * G);
  const tensors: tf.Tensor[] = [];
  const keep = <T extends tf.Tensor>(t: T): T => { tensors.push(t); return t; };
  const types = arch.types.map((t, k) => {
    const tb = block.types[k];
    let L = fixedPadding ? t.maxSize : 1;
    for (let r = 0; r < n; r++) L = Math.max(L, tb.offsets[idx[r] + 1] - tb.offsets[idx[r]]);
    const N = t.numerical, C = t.categories.length;
    const num = new Float32Array(n * L * N);
    const mask = new Float32Array(n * L);
    const cats = t.categories.map(() => new Int32Array(n * L));
    for (let r = 0; r < n; r++) {
      const s = tb.offsets[idx[r]], e = tb.offsets[idx[r] + 1];
      num.set(tb.num.subarray(s * N, e * N), r * L * N);
      for (let q = 0; q < e - s; q++) {
        mask[r * L + q] = 1;
        for (let j = 0; j < C; j++) cats[j][r * L + q] = tb.cat[(s + q) * C + j];
      }
    }
    return {
      L,
      num: keep(tf.tensor2d(num, [n * L, N])),
      cat: cats.map((c) => keep(tf.tensor1d(c, 'int32'))),
      mask: keep(tf.tensor2d(mask, [n * L, 1])),
    };
  });
  const batch: JetBatch = { size: n, global: keep(tf.tensor2d(g, [n, G])), types, dispose: () => tensors.forEach((t) => t.dispose()) };
  if (withTarget && block.target) {
    const y = new Float32Array(n);
    for (let r = 0; r < n; r++) y[r] = block.target[idx[r]];
    batch.target = keep(tf.tensor2d(y, [n, 1]));
  }
  return batch;
}

/**
 * Predictions of log(pt_gen / pt) for every jet of a block, in batches. Jets are batched in order of
 * constituent count so each batch pads to a length close to its jets' own (padding to the longest jet of
 * a random batch multiplies the work several times); outputs are scattered back to the input order.
 */
export function predictBlock(p: Params, arch: JetArch, block: JetBlock, batchSize = 1024, fixedPadding = false): Float32Array {
  const out = new Float32Array(block.n);
  const key = new Float64Array(block.n);
  for (const tb of block.types) for (let i = 0; i < block.n; i++) key[i] += tb.offsets[i + 1] - tb.offsets[i];
  const order = Int32Array.from({ length: block.n }, (_, i) => i).sort((a, b) => key[a] - key[b] || a - b);
  for (let s = 0; s < block.n; s += batchSize) {
    const idx = order.subarray(s, Math.min(s + batchSize, block.n));
    const batch = makeBatch(block, arch, idx, false, fixedPadding);
    const y = tf.tidy(() => jetForward(p, arch, batch));
    const v = y.dataSync() as Float32Array;
    for (let i = 0; i < idx.length; i++) out[idx[i]] = v[i];
    y.dispose();
    batch.dispose();
  }
  return out;
}
