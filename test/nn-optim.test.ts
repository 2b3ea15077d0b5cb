import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/compute/backend.js';
import { Adam, RAdam, SGD, clipByGlobalNorm } from '../src/nn/optim.js';
import { Params } from '../src/nn/params.js';
import { EarlyStopping, KerasReduceLROnPlateau, ReduceLROnPlateau, piecewiseLinear } from '../src/nn/schedule.js';
import { Xoshiro128ss } from '../src/core/random.js';
import { linearInit } from '../src/nn/init.js';
import { dense } from '../src/nn/dense.js';
import { trainLoop } from '../src/nn/loop.js';
import { loadCheckpoint, saveCheckpoint } from '../src/nn/checkpoint.js';
import { ROOT, tempDir } from './helpers/fixtures.js';

// Expected values come from PyTorch 2.13 (scripts/ref/nn-torch-ref.py -> test/data/nn-torch-ref.json).
const ref = JSON.parse(readFileSync(`${ROOT}/test/data/nn-torch-ref.json`, 'utf8'));

test.before(async () => { await initBackend('wasm'); });

function maxRel(a: ArrayLike<number>, b: number[]): number {
  let w = 0;
  for (let i = 0; i < b.length; i++) w = Math.max(w, Math.abs(a[i] - b[i]) / (1e-3 + Math.abs(b[i])));
  return w;
}

for (const kind of ['adam', 'adamw'] as const) {
  test.serial(`${kind} trajectory matches torch.optim.${kind === 'adam' ? 'Adam' : 'AdamW'} over 6 steps`, (t) => {
    const R = ref[kind];
    const params = new Params();
    params.add('p', [3, 4], Float32Array.from(R.p0));
    const opt = new Adam(params, { lr: R.lr, beta1: R.beta1, beta2: R.beta2, eps: R.eps, weightDecay: R.weight_decay, decoupled: kind === 'adamw' });
    R.grads.forEach((g: number[], i: number) => {
      const gt = tf.tensor(g, [3, 4]);
      opt.step(new Map([['p', gt]]));
      gt.dispose();
      const dev = maxRel(params.get('p').dataSync(), R.trajectory[i]);
      t.true(dev < 2e-5, `step ${i + 1}: relative deviation ${dev}`);
    });
    t.is(opt.steps, 6);
  });
}

test.serial('Adam state round-trips through getState/setState and continues identically', (t) => {
  const R = ref.adamw;
  const mk = () => { const p = new Params(); p.add('p', [3, 4], Float32Array.from(R.p0)); return p; };
  const pa = mk();
  const oa = new Adam(pa, { lr: R.lr, beta1: R.beta1, beta2: R.beta2, eps: R.eps, weightDecay: R.weight_decay });
  const stepWith = (o: Adam, i: number) => { const g = tf.tensor(R.grads[i], [3, 4]); o.step(new Map([['p', g]])); g.dispose(); };
  for (let i = 0; i < 3; i++) stepWith(oa, i);
  const pb = mk();
  pb.restore(pa.snapshot());
  const ob = new Adam(pb, { lr: 1, beta1: R.beta1, beta2: R.beta2, eps: R.eps, weightDecay: R.weight_decay });
  ob.setState(oa.getState());
  for (let i = 3; i < 6; i++) { stepWith(oa, i); stepWith(ob, i); }
  t.true(maxRel(pb.get('p').dataSync(), R.trajectory[5]) < 2e-5);
  t.deepEqual(Array.from(pa.get('p').dataSync()), Array.from(pb.get('p').dataSync()));
});

for (const maxNorm of ['1', '100']) {
  test.serial(`clipByGlobalNorm(max ${maxNorm}) matches torch clip_grad_norm_`, (t) => {
    const C = ref.clip;
    const R = C.results[maxNorm === '1' ? '1.0' : '100.0'];
    const grads = new Map<string, tf.Tensor>([['a', tf.tensor(C.a)], ['b', tf.tensor(C.b, [2, 3])]]);
    const { grads: out, norm } = clipByGlobalNorm(grads, Number(maxNorm));
    t.true(Math.abs(norm.dataSync()[0] - R.norm) < 1e-5 * R.norm);
    t.true(maxRel(out.get('a')!.dataSync(), R.a) < 1e-5);
    t.true(maxRel(out.get('b')!.dataSync(), R.b) < 1e-5);
  });
}

test('ReduceLROnPlateau gives torch ReduceLROnPlateau learning rates epoch by epoch', (t) => {
  const P = ref.plateau;
  const s = new ReduceLROnPlateau({ factor: P.factor, patience: P.patience, threshold: P.threshold, cooldown: P.cooldown, minLr: P.min_lr });
  let lr = 1;
  const lrs = P.metrics.map((m: number) => (lr = s.step(m, lr)));
  t.deepEqual(lrs.map((x: number) => +x.toPrecision(12)), P.lrs);
});

test('EarlyStopping stops after patience epochs without improvement and keeps the best snapshot', (t) => {
  const es = new EarlyStopping<number>({ patience: 3, minDelta: 0.01 });
  const losses = [1, 0.8, 0.795, 0.7, 0.71, 0.695, 0.72, 0.9];
  const stops = losses.map((l, i) => es.update(i + 1, l, () => i + 1));
  // 0.795 is not better than 0.8 by > 0.01; 0.695 not better than 0.7 by > 0.01 -> best epoch 4, stop at epoch 7
  t.deepEqual(stops, [false, false, false, false, false, false, true, true]);
  t.is(es.bestEpoch, 4);
  t.is(es.bestWeights, 4);
});

test('Rng is reproducible per seed, uniform in [0,1) with the right moments, normals N(0,1)', (t) => {
  const a = Xoshiro128ss.fromSeed(42), b = Xoshiro128ss.fromSeed(42), c = Xoshiro128ss.fromSeed(43);
  const xa = Array.from({ length: 5 }, () => a.nextUint32());
  t.deepEqual(xa, Array.from({ length: 5 }, () => b.nextUint32()));
  t.notDeepEqual(xa, Array.from({ length: 5 }, () => c.nextUint32()));
  const r = Xoshiro128ss.fromSeed(7);
  const n = 200_000;
  let s = 0, s2 = 0, ns = 0, ns2 = 0, lo = 1, hi = 0;
  for (let i = 0; i < n; i++) {
    const u = r.uniform(); s += u; s2 += u * u; lo = Math.min(lo, u); hi = Math.max(hi, u);
    const z = r.normal(); ns += z; ns2 += z * z;
  }
  t.true(lo >= 0 && hi < 1);
  t.true(Math.abs(s / n - 0.5) < 5 * Math.sqrt(1 / 12 / n));
  t.true(Math.abs(s2 / n - s * s / n / n - 1 / 12) < 0.002);
  t.true(Math.abs(ns / n) < 5 / Math.sqrt(n));
  t.true(Math.abs(ns2 / n - 1) < 0.02);
  const st = r.getState();
  const next = r.uniform();
  r.setState(st);
  t.is(r.uniform(), next);
  const p = Xoshiro128ss.fromSeed(1).permutation(100);
  t.deepEqual([...p].sort((x, y) => x - y), Array.from({ length: 100 }, (_, i) => i));
});

// A small regression problem trained with the loop: learns, and a run interrupted after 3 epochs and
// resumed from its checkpoint ends with exactly the weights of an uninterrupted run.
function setup(seed: number) {
  const rng = Xoshiro128ss.fromSeed(seed);
  const params = new Params();
  const l1 = linearInit(rng, 2, 16), l2 = linearInit(rng, 16, 1);
  params.add('w1', [2, 16], l1.weight); params.add('b1', [16], l1.bias);
  params.add('w2', [16, 1], l2.weight); params.add('b2', [1], l2.bias);
  const data = Xoshiro128ss.fromSeed(99);
  const n = 512;
  const x = new Float32Array(2 * n), y = new Float32Array(n);
  for (let i = 0; i < n; i++) { x[2 * i] = data.normal(); x[2 * i + 1] = data.normal(); y[i] = Math.sin(x[2 * i]) + 0.5 * x[2 * i + 1] ** 2; }
  const X = tf.tensor2d(x, [n, 2]), Y = tf.tensor2d(y, [n, 1]);
  const optimizer = new Adam(params, { lr: 0.01, weightDecay: 1e-4 });
  const scheduler = new ReduceLROnPlateau({ patience: 1, factor: 0.5 });
  const earlyStopping = new EarlyStopping<Map<string, { shape: number[]; data: Float32Array }>>({ patience: 50 });
  const loss = (b: { x: tf.Tensor2D; y: tf.Tensor2D }) => tf.tidy(() => {
    const h = dense(b.x, params.get('w1') as unknown as tf.Tensor2D, params.get('b1') as unknown as tf.Tensor1D, { activation: 'relu', inputGrad: false });
    return tf.mean(tf.square(tf.sub(dense(h, params.get('w2') as unknown as tf.Tensor2D, params.get('b2') as unknown as tf.Tensor1D), b.y))) as tf.Scalar;
  });
  const batches = function* () {
    const perm = rng.permutation(n);
    for (let s = 0; s < n; s += 64) {
      const idx = tf.tensor1d(perm.subarray(s, s + 64), 'int32');
      const b = { x: tf.gather(X, idx) as tf.Tensor2D, y: tf.gather(Y, idx) as tf.Tensor2D, size: 64 };
      yield b;
      idx.dispose(); b.x.dispose(); b.y.dispose();
    }
  };
  const validate = () => tf.tidy(() => loss({ x: X, y: Y }).dataSync()[0]);
  return { rng, params, optimizer, scheduler, earlyStopping, loss, batches, validate };
}

test.serial('trainLoop learns, and checkpoint + resume reproduces the uninterrupted run exactly', async (t) => {
  const dir = tempDir();
  const a = setup(5);
  const before = a.validate();
  const full = await trainLoop({ ...a, maxEpochs: 6, epochEvents: 512, clipNorm: 5 });
  const after = a.validate();
  t.true(after < 0.5 * before, `loss ${before} -> ${after}`);
  t.is(full.history.length, 6);

  const b = setup(5);
  const ckpt = join(dir, 'checkpoint.bin');
  await trainLoop({ ...b, maxEpochs: 3, epochEvents: 512, clipNorm: 5, onEpochEnd: async (rec, history) => saveCheckpoint(ckpt, b, { epoch: rec.epoch, history, extra: { note: 'x' } }) });
  const c = setup(123); // different init and RNG: everything must come from the checkpoint
  const info = loadCheckpoint(ckpt, c);
  t.is(info.epoch, 3);
  t.deepEqual(info.extra, { note: 'x' });
  const resumed = await trainLoop({ ...c, maxEpochs: 6, startEpoch: info.epoch, history: info.history as never, epochEvents: 512, clipNorm: 5 });
  t.is(resumed.history.length, 6);
  for (const name of a.params.names()) t.deepEqual(Array.from(c.params.get(name).dataSync()), Array.from(a.params.get(name).dataSync()), name);
  t.is(c.optimizer.lr, a.optimizer.lr);
});

// SGD (Keras formula) and RAdam (TensorFlow Addons' formula) against torch (scripts/ref/optim-torch-ref.py).
const oref = JSON.parse(readFileSync(`${ROOT}/test/data/optim-torch-ref.json`, 'utf8'));
for (const [name, make] of [
  ['sgd', (p: Params) => new SGD(p, { lr: oref.lr })],
  ['sgd_momentum', (p: Params) => new SGD(p, { lr: oref.lr, momentum: 0.9 })],
  ['sgd_nesterov', (p: Params) => new SGD(p, { lr: oref.lr, momentum: 0.9, nesterov: true })],
  ['radam', (p: Params) => new RAdam(p, { lr: oref.lr, eps: 1e-8 })],
] as const) {
  test.serial(`${name} trajectory matches torch over 10 steps (RAdam: unrectified steps first, rectified from step 6)`, (t) => {
    const params = new Params();
    params.add('p', [2, 3], Float32Array.from(oref.p0));
    const opt = make(params);
    oref.grads.forEach((g: number[], i: number) => {
      const gt = tf.tensor(g, [2, 3]);
      opt.step(new Map([['p', gt]]));
      gt.dispose();
      const dev = maxRel(params.get('p').dataSync(), oref[name][i]);
      t.true(dev < 2e-5, `step ${i + 1}: relative deviation ${dev}`);
    });
    t.is(opt.steps, 10);
  });
}

test('piecewise-linear schedule: ml-jec\'s interpolation between zero-based epochs', (t) => {
  const f = piecewiseLinear([0, 2, 6], [1e-3, 5e-4, 1e-4]);
  t.deepEqual([0, 1, 2, 4, 6].map((e) => +f(e).toPrecision(12)), [1e-3, 7.5e-4, 5e-4, 3e-4, 1e-4]);
});

test('KerasReduceLROnPlateau gives Keras ReduceLROnPlateau learning rates epoch by epoch (scripts/ref/keras-plateau-ref.py)', (t) => {
  const kref = JSON.parse(readFileSync(`${ROOT}/test/data/keras-plateau-ref.json`, 'utf8'));
  for (const c of kref.cases) {
    const s = new KerasReduceLROnPlateau({ factor: c.factor, patience: c.patience, minDelta: c.min_delta, minLr: c.min_lr, cooldown: c.cooldown });
    let lr = 1;
    const lrs = kref.metrics.map((m: number) => (lr = s.step(m, lr)));
    lrs.forEach((v: number, i: number) => t.true(Math.abs(v - c.lrs[i]) <= 1e-6 * c.lrs[i] + 1e-12, `case ${JSON.stringify(c)} epoch ${i}: ${v} vs ${c.lrs[i]}`));
  }
});
