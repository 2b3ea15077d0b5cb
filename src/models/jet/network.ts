import * as tf from '@tensorflow/tfjs-core';
import { dense } from '../../nn/dense.js';
import { linearInit, normalInit } from '../../nn/init.js';
import { Params } from '../../nn/params.js';
import type { Xoshiro128ss } from '../../core/random.js';
import type { BlockConfig, UnknownCategory } from './config.js';
import { blockLayers, countLayerParams, type Layer } from './layers.js';
import type { JetBlock } from './features.js';
import { jetsBySize, padJets } from './padding.js';

/**
 * Architecture as stored in a bundle (everything needed to rebuild the graph, nothing from code defaults).
 * format 2 (this version): block type "resnet" is ml-jec's; bundles without `format` were written when
 * "resnet" meant today's "resnet_per_unit" (normalizeArch maps them).
 */
export interface JetArch {
  format?: number;
  global: number;
  /** Global (jet-level) categorical features: embedding table rows and widths, fed to the head. */
  globalCategories?: number[];
  globalEmbeddings?: number[];
  globalUnknown?: UnknownCategory;
  types: {
    name: string;
    numerical: number;
    /** Rows of each embedding table: the category list's length (+1 with unknown: 'row'). */
    categories: number[];
    embeddings: number[];
    /** Padding cap of fixed-padding benchmarks; null/absent = none. */
    maxSize?: number | null;
    block: BlockConfig;
    /** Values missing from the category list: 'zero' vector, an extra 'row', or 'error'. Absent = 'row' (former bundles). */
    unknown?: UnknownCategory;
  }[];
  head: BlockConfig;
}

export const ARCH_FORMAT = 2;

/** Fills what former bundles lack (their "resnet" was resnet_per_unit, they had no batch norm/dropout). */
export function normalizeArch(a: JetArch): JetArch {
  const fix = (b: BlockConfig): BlockConfig => ({
    type: !a.format && (b.type as string) === 'resnet' ? 'resnet_per_unit' : b.type,
    num_units: b.num_units,
    batch_norm: b.batch_norm ?? false,
    dropout: b.dropout ?? 0,
  });
  return { ...a, format: ARCH_FORMAT, types: a.types.map((t) => ({ ...t, unknown: t.unknown ?? 'row', block: fix(t.block) })), head: fix(a.head) };
}

/** The layer lists of every block of a network, with the head's input width (what ONNX export walks). */
export function networkLayers(arch: JetArch): { types: { name: string; in: number; layers: Layer[]; out: number }[]; head: { in: number; layers: Layer[]; out: number } } {
  let headIn = arch.global + (arch.globalEmbeddings ?? []).reduce((a, b) => a + b, 0);
  const types = arch.types.map((t) => {
    const inDim = t.numerical + t.embeddings.reduce((a, b) => a + b, 0);
    const { layers, out } = blockLayers(t.name, inDim, t.block);
    headIn += out;
    return { name: t.name, in: inDim, layers, out };
  });
  const h = blockLayers('head', headIn, arch.head);
  return { types, head: { in: headIn, layers: h.layers, out: h.out } };
}

/** A padded batch: per type [B*L, ...] rows (L = longest jet in the batch, capped), 1 in `mask` for real constituents. */
export interface JetBatch {
  size: number;
  global: tf.Tensor2D;
  globalCat: tf.Tensor1D[];
  types: { L: number; num: tf.Tensor2D; cat: tf.Tensor1D[]; mask: tf.Tensor2D }[];
  target?: tf.Tensor2D;
  dispose(): void;
}

/** Training-time state of a forward pass: dropout draws from rng, batch-norm statistics are collected. */
export interface ForwardContext {
  training: boolean;
  rng?: Xoshiro128ss;
  bnUpdates?: { mean: string; variance: string; momentum: number; batchMean: tf.Tensor; batchVar: tf.Tensor }[];
}

function addLayerParams(p: Params, rng: Xoshiro128ss, layers: Layer[]): void {
  for (const l of layers) {
    if (l.op === 'dense') {
      // PyTorch nn.Linear initialisation (ntcorr's choice for every block; ml-jec/Keras uses he_uniform, zero bias)
      const init = linearInit(rng, l.in, l.out);
      p.add(l.w, [l.in, l.out], init.weight);
      if (l.b) p.add(l.b, [l.out], init.bias);
    } else if (l.op === 'batch_norm') {
      p.add(l.beta, [l.units], new Float32Array(l.units));
      p.add(l.mean, [l.units], new Float32Array(l.units), false);
      p.add(l.variance, [l.units], new Float32Array(l.units).fill(1), false);
    } else if (l.op === 'residual') {
      addLayerParams(p, rng, l.main);
      addLayerParams(p, rng, l.bypass);
    }
  }
}

/** Creates the parameters with seeded PyTorch-style initialisation. */
export function createJetParams(arch: JetArch, rng: Xoshiro128ss): Params {
  const p = new Params();
  const net = networkLayers(arch);
  arch.types.forEach((t, k) => {
    t.categories.forEach((v, j) => p.add(`${t.name}/emb${j}`, [v, t.embeddings[j]], normalInit(rng, v * t.embeddings[j])));
    addLayerParams(p, rng, net.types[k].layers);
  });
  (arch.globalCategories ?? []).forEach((v, j) => p.add(`global/emb${j}`, [v, arch.globalEmbeddings![j]], normalInit(rng, v * arch.globalEmbeddings![j])));
  addLayerParams(p, rng, net.head.layers);
  const l = linearInit(rng, net.head.out, 1);
  p.add('out/w', [net.head.out, 1], l.weight); p.add('out/b', [1], l.bias);
  return p;
}

/** Parameter count as Keras counts it (trainable + batch-norm moving statistics), embeddings and output included. */
export function countJetParams(arch: JetArch): number {
  const net = networkLayers(arch);
  let n = 0;
  arch.types.forEach((t, k) => {
    t.categories.forEach((v, j) => { n += v * t.embeddings[j]; });
    n += countLayerParams(net.types[k].layers);
  });
  (arch.globalCategories ?? []).forEach((v, j) => { n += v * arch.globalEmbeddings![j]; });
  return n + countLayerParams(net.head.layers) + net.head.out + 1;
}

const W = (p: Params, n: string) => p.get(n) as unknown as tf.Tensor2D;
const B = (p: Params, n: string) => p.get(n) as unknown as tf.Tensor1D;

/**
 * Runs a layer list on [rows, in] inputs. `mask` ([rows, 1], 1 for real constituents) keeps padding out
 * of batch-norm statistics; `inputGrad` false skips the data gradient of the first dense layers.
 */
export function runLayers(p: Params, layers: Layer[], h: tf.Tensor2D, mask: tf.Tensor2D | undefined, ctx: ForwardContext, inputGrad = true): tf.Tensor2D {
  let needGrad = inputGrad;
  for (const l of layers) {
    if (l.op === 'dense') {
      h = l.b ? dense(h, W(p, l.w), B(p, l.b), { activation: l.activation, inputGrad: needGrad })
        : tf.matMul(h, W(p, l.w)) as tf.Tensor2D; // bias-free (projection, before batch norm): plain autodiff matMul
      if (!l.b && l.activation === 'relu') h = tf.relu(h) as tf.Tensor2D;
    } else if (l.op === 'relu') {
      h = tf.relu(h) as tf.Tensor2D;
    } else if (l.op === 'dropout') {
      if (ctx.training && l.rate > 0) {
        const seed = ctx.rng ? ctx.rng.nextUint32() : 1;
        const keep = tf.cast(tf.greaterEqual(tf.randomUniform(h.shape, 0, 1, 'float32', seed), l.rate), 'float32');
        h = tf.mul(h, tf.mul(keep, 1 / (1 - l.rate))) as tf.Tensor2D;
      }
    } else if (l.op === 'batch_norm') {
      let mean: tf.Tensor, variance: tf.Tensor;
      if (ctx.training) {
        const cnt = mask ? tf.maximum(tf.sum(mask), 1) : tf.scalar(h.shape[0]);
        mean = tf.div(tf.sum(mask ? tf.mul(h, mask) : h, 0), cnt);
        const c = tf.sub(h, mean);
        variance = tf.div(tf.sum(tf.square(mask ? tf.mul(c, mask) : c), 0), cnt); // biased, as Keras
        ctx.bnUpdates?.push({ mean: l.mean, variance: l.variance, momentum: l.momentum, batchMean: tf.keep(mean), batchVar: tf.keep(variance) });
      } else {
        mean = p.get(l.mean);
        variance = p.get(l.variance);
      }
      h = tf.add(tf.div(tf.sub(h, mean), tf.sqrt(tf.add(variance, l.epsilon))), p.get(l.beta)) as tf.Tensor2D;
    } else {
      const main = runLayers(p, l.main, h, mask, ctx, needGrad);
      const bypass = l.bypass.length ? runLayers(p, l.bypass, h, mask, ctx, needGrad) : h;
      h = tf.relu(tf.add(main, bypass)) as tf.Tensor2D;
    }
    needGrad = true;
  }
  return h;
}

/** Moves the batch-norm moving statistics after a training step (Keras' update rule) and frees the batch values. */
export function applyBatchNormUpdates(p: Params, ctx: ForwardContext): void {
  for (const u of ctx.bnUpdates ?? []) {
    tf.tidy(() => {
      const m = p.get(u.mean), v = p.get(u.variance);
      m.assign(tf.add(tf.mul(m, u.momentum), tf.mul(u.batchMean, 1 - u.momentum)));
      v.assign(tf.add(tf.mul(v, u.momentum), tf.mul(u.batchVar, 1 - u.momentum)));
    });
    u.batchMean.dispose();
    u.batchVar.dispose();
  }
  if (ctx.bnUpdates) ctx.bnUpdates.length = 0;
}

const embed = (p: Params, name: string, idx: tf.Tensor1D, rows: number): tf.Tensor2D =>
  // int32 one-hot then cast: tfjs-backend-wasm 4.22's OneHot writes integer bits when asked for float32.
  // An index >= rows (unknown category with unknown: 'zero') gives an all-zero one-hot row, hence a zero vector.
  tf.matMul(tf.cast(tf.oneHot(idx, rows), 'float32') as tf.Tensor2D, W(p, name));

/**
 * Deep Sets forward pass -> [B, 1] predictions of log(pt_gen / pt). Per type, the shared block runs on all
 * (jets x constituents) rows as ONE 2-D matmul (3-D matMul is 13x slower in tfjs), padding is zeroed by the
 * mask, and a reshape + sum over constituents gives one vector per jet. Embeddings are one-hot x table
 * products: gather's gradient needs UnsortedSegmentSum, which the wasm backend lacks.
 */
export function jetForward(p: Params, arch: JetArch, batch: JetBatch, ctx: ForwardContext = { training: false }): tf.Tensor2D {
  const net = networkLayers(arch);
  const parts: tf.Tensor2D[] = arch.global ? [batch.global] : [];
  (arch.globalCategories ?? []).forEach((v, j) => parts.push(embed(p, `global/emb${j}`, batch.globalCat[j], v)));
  arch.types.forEach((t, k) => {
    const bt = batch.types[k];
    const inputs: tf.Tensor2D[] = [bt.num];
    t.categories.forEach((v, j) => inputs.push(embed(p, `${t.name}/emb${j}`, bt.cat[j], v)));
    const x = inputs.length === 1 ? inputs[0] : tf.concat(inputs, 1);
    const h = tf.mul(runLayers(p, net.types[k].layers, x, bt.mask, ctx, t.categories.length > 0), bt.mask) as tf.Tensor2D;
    const U = h.shape[1];
    parts.push(tf.sum(tf.reshape(h, [batch.size, bt.L, U]), 1) as tf.Tensor2D);
  });
  const h = runLayers(p, net.head.layers, parts.length === 1 ? parts[0] : tf.concat(parts, 1), undefined, ctx, true);
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

/** The jets `idx` of a block as batch tensors (padding: see padJets). */
export function makeBatch(block: JetBlock, arch: JetArch, idx: ArrayLike<number>, withTarget: boolean, fixedPadding = false): JetBatch {
  const p = padJets(block, arch, idx, fixedPadding);
  const n = p.n;
  const tensors: tf.Tensor[] = [];
  const keep = <T extends tf.Tensor>(t: T): T => { tensors.push(t); return t; };
  const types = arch.types.map((t, k) => {
    const { L, num, mask, cats } = p.types[k];
    return {
      L,
      num: keep(tf.tensor2d(num, [n * L, t.numerical])),
      cat: cats.map((c) => keep(tf.tensor1d(c, 'int32'))),
      mask: keep(tf.tensor2d(mask, [n * L, 1])),
    };
  });
  const globalCat = p.globalCats.map((c) => keep(tf.tensor1d(c, 'int32')));
  const batch: JetBatch = { size: n, global: keep(tf.tensor2d(p.global, [n, arch.global])), globalCat, types, dispose: () => tensors.forEach((t) => t.dispose()) };
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
  const order = jetsBySize(block);
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
