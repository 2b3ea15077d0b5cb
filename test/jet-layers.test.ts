import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/compute/backend.js';
import { blockLayers } from '../src/models/jet/layers.js';
import { applyBatchNormUpdates, runLayers, type ForwardContext } from '../src/models/jet/network.js';
import { Params } from '../src/nn/params.js';
import { ROOT } from './helpers/fixtures.js';

// Batch norm as ml-jec uses it, against real Keras 3 (scripts/ref/keras-batchnorm-ref.py).
const K = JSON.parse(readFileSync(join(ROOT, 'test/data/keras-batchnorm-ref.json'), 'utf8'));

test.before(async () => { await initBackend('wasm'); });

const close = (t: { true: (c: boolean, m?: string) => void }, a: ArrayLike<number>, b: number[], what: string, tol = 2e-5) => {
  t.true(a.length === b.length, `${what}: length ${a.length} vs ${b.length}`);
  let w = 0;
  for (let i = 0; i < b.length; i++) w = Math.max(w, Math.abs(a[i] - b[i]) / (1e-3 + Math.abs(b[i])));
  t.true(w < tol, `${what}: relative deviation ${w}`);
};

function block(): { p: Params; layers: ReturnType<typeof blockLayers>['layers'] } {
  const { layers } = blockLayers('b', 4, { type: 'mlp', num_units: [5, 3], batch_norm: true });
  const p = new Params();
  p.add('b/l0/w', [4, 5], Float32Array.from(K.w1));
  p.add('b/l1/w', [5, 3], Float32Array.from(K.w2));
  p.add('b/l0/bn/beta', [5], Float32Array.from(K.beta1));
  p.add('b/l1/bn/beta', [3], Float32Array.from(K.beta2));
  p.add('b/l0/bn/moving_mean', [5], new Float32Array(5), false);
  p.add('b/l0/bn/moving_variance', [5], new Float32Array(5).fill(1), false);
  p.add('b/l1/bn/moving_mean', [3], new Float32Array(3), false);
  p.add('b/l1/bn/moving_variance', [3], new Float32Array(3).fill(1), false);
  return { p, layers };
}

test('mlp + batch_norm: training output, gradients, moving statistics and inference output equal Keras\'', (t) => {
  const { p, layers } = block();
  const x = tf.tensor2d(K.x, [7, 4]);
  const g = tf.tensor2d(K.g, [7, 3]);
  const ctx: ForwardContext = { training: true, bnUpdates: [] };
  let out: Float32Array = new Float32Array();
  const names = ['b/l0/w', 'b/l0/bn/beta', 'b/l1/w', 'b/l1/bn/beta'];
  const vars = names.map((n) => p.get(n));
  const { grads } = tf.variableGrads(() => {
    const y = runLayers(p, layers, x, undefined, ctx);
    out = y.dataSync() as Float32Array;
    return tf.sum(tf.mul(y, g)) as tf.Scalar;
  }, vars);
  close(t, out, K.train_out, 'training-mode output');
  close(t, grads[vars[0].name].dataSync(), K.grad_w1, 'dW1');
  close(t, grads[vars[1].name].dataSync(), K.grad_beta1, 'dbeta1');
  close(t, grads[vars[2].name].dataSync(), K.grad_w2, 'dW2');
  close(t, grads[vars[3].name].dataSync(), K.grad_beta2, 'dbeta2');
  applyBatchNormUpdates(p, ctx);
  close(t, p.get('b/l0/bn/moving_mean').dataSync(), K.moving_mean1, 'moving mean 1');
  close(t, p.get('b/l0/bn/moving_variance').dataSync(), K.moving_variance1, 'moving variance 1');
  close(t, p.get('b/l1/bn/moving_mean').dataSync(), K.moving_mean2, 'moving mean 2');
  close(t, p.get('b/l1/bn/moving_variance').dataSync(), K.moving_variance2, 'moving variance 2');
  close(t, runLayers(p, layers, x, undefined, { training: false }).dataSync(), K.infer_out, 'inference output');
});

test('batch-norm statistics skip padded constituents: padded rows change nothing for the real ones', (t) => {
  const a = block(), b = block();
  const x = tf.tensor2d(K.x, [7, 4]);
  // the same 7 rows with 3 padding rows of garbage interleaved, masked out
  const pad = tf.tensor2d([[9, 9, 9, 9], [-5, 3, 8, 1], [0, 0, 0, 0]]);
  const xp = tf.concat([tf.slice(x, [0, 0], [3, 4]), tf.slice(pad, [0, 0], [2, 4]), tf.slice(x, [3, 0], [4, 4]), tf.slice(pad, [2, 0], [1, 4])]) as tf.Tensor2D;
  const mask = tf.tensor2d([1, 1, 1, 0, 0, 1, 1, 1, 1, 0], [10, 1]);
  const ca: ForwardContext = { training: true, bnUpdates: [] }, cb: ForwardContext = { training: true, bnUpdates: [] };
  const ya = runLayers(a.p, a.layers, x, undefined, ca).arraySync();
  const yb = runLayers(b.p, b.layers, xp, mask, cb).arraySync();
  const real = [0, 1, 2, 5, 6, 7, 8];
  real.forEach((r, i) => close(t, yb[r], ya[i], `row ${i}`, 1e-5));
  applyBatchNormUpdates(a.p, ca);
  applyBatchNormUpdates(b.p, cb);
  close(t, b.p.get('b/l1/bn/moving_variance').dataSync(), Array.from(a.p.get('b/l1/bn/moving_variance').dataSync()), 'moving variance', 1e-5);
});

test('layer lists: ml-jec resnet pairs, projections only when widths differ, odd last layer', (t) => {
  const { layers, out } = blockLayers('h', 157, { type: 'resnet', num_units: [300, 157, 300, 157, 300, 157, 20] });
  t.is(out, 20);
  t.deepEqual(layers.map((l) => l.op), ['residual', 'residual', 'residual', 'dense']);
  t.true(layers.slice(0, 3).every((l) => l.op === 'residual' && l.bypass.length === 0));
  const c = blockLayers('ch', 19, { type: 'resnet', num_units: [100, 100, 100, 100] }).layers;
  t.deepEqual(c[0].op === 'residual' && c[0].bypass.map((l) => l.op === 'dense' && [l.in, l.out, l.b ?? null]), [[19, 100, null]]);
  t.true(c[1].op === 'residual' && c[1].bypass.length === 0);
});

test('ml-jec resnet block [6, 4, 3] (projected pair, odd last layer) gives Keras\' output and count', (t) => {
  const R = K.resnet;
  const { layers, out } = blockLayers('r', 5, { type: 'resnet', num_units: [6, 4, 3] });
  t.is(out, 3);
  const p = new Params();
  const add = (n: string, shape: number[], v: number[]) => p.add(n, shape, Float32Array.from(v));
  add('r/res1/dense1/w', [5, 6], R.d1w); add('r/res1/dense1/b', [6], R.d1b);
  add('r/res1/dense2/w', [6, 4], R.d2w); add('r/res1/dense2/b', [4], R.d2b);
  add('r/res1/projection/w', [5, 4], R.pw);
  add('r/last/w', [4, 3], R.lw); add('r/last/b', [3], R.lb);
  t.is(p.count(), R.params);
  close(t, runLayers(p, layers, tf.tensor2d(R.x, [6, 5]), undefined, { training: false }).dataSync(), R.out, 'resnet output');
});
