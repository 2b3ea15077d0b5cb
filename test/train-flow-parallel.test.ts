import test from 'ava';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/compute/backend.js';
import { mulberry32 } from '../src/core/random.js';
import { Adam, Params } from '../src/nn/index.js';
import { DataParallel } from '../src/train/flow/data-parallel.js';
import { trainingFlow } from '../src/train/flow/shard-loss.js';
import type { Batch } from '../src/train/flow/dataset.js';
import { runCli } from './helpers/cli.js';

// Data-parallel training (main thread + gradient workers) must follow the same trajectory as one thread:
// the loss of a step is the whole batch's, and after a few AdamW steps the weights agree to float32
// rounding. Training on only the first half of each batch (what a lost worker shard would amount to)
// must NOT agree, so the comparison can fail.
const arch = { features: 3, context: 2, bins: 6, transforms: 2, hidden: [16, 16], slope: 1e-3, bound: 5 };

function batch(seed: number, n: number): Batch {
  const r = mulberry32(seed);
  return {
    size: n,
    x: Float32Array.from({ length: n * 3 }, () => 3 * (r() - 0.5)),
    c: Float32Array.from({ length: n * 2 }, (_, i) => (i % 2 ? (r() < 0.5 ? 1 : 0) : r())),
    w: Float32Array.from({ length: n }, () => 0.5 + r()),
  };
}
const copy = (b: Batch): Batch => ({ size: b.size, x: b.x.slice(), c: b.c.slice(), w: b.w.slice() });
const half = (b: Batch): Batch => {
  const m = b.size >> 1;
  return { size: m, x: b.x.slice(0, m * 3), c: b.c.slice(0, m * 2), w: b.w.slice(0, m) };
};

async function train(threads: number, batches: Batch[]): Promise<{ losses: number[]; weights: Float32Array; lp: Float32Array }> {
  const flow = trainingFlow(arch, 7);
  const params = new Params();
  flow.layers.forEach((ls, t) => ls.forEach((L, l) => { params.adopt(`t${t}.l${l}.w`, L.w); params.adopt(`t${t}.l${l}.b`, L.b); }));
  const opt = new Adam(params, { lr: 1e-2, weightDecay: 1e-4 });
  const dp = await DataParallel.start(flow, threads, 'wasm');
  try {
    const losses: number[] = [];
    for (const b of batches) losses.push(await dp.step(copy(b), params, opt, 5));
    const probe = batch(99, 301);
    const lp = await dp.logProb(probe.x, probe.c, probe.size);
    const weights = Float32Array.from(flow.variables.flatMap((v) => Array.from(v.dataSync() as Float32Array)));
    return { losses, weights, lp };
  } finally {
    await dp.close();
    opt.dispose();
    flow.dispose();
  }
}

const maxRelDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / (1e-3 + Math.abs(a[i])));
  return m;
};

test('two threads follow the one-thread trajectory (loss, weights, log-probabilities)', async (t) => {
  await initBackend('wasm');
  const batches = [batch(1, 257), batch(2, 256), batch(3, 255), batch(4, 128)];
  const one = await train(1, batches);
  const two = await train(2, batches);
  const three = await train(3, batches);
  t.is(two.weights.length, one.weights.length);
  for (let i = 0; i < batches.length; i++) {
    t.true(Math.abs(two.losses[i] - one.losses[i]) < 1e-5 * Math.abs(one.losses[i]), `step ${i}: loss ${two.losses[i]} vs ${one.losses[i]}`);
    t.true(Math.abs(three.losses[i] - one.losses[i]) < 1e-5 * Math.abs(one.losses[i]), `step ${i}: loss ${three.losses[i]} vs ${one.losses[i]}`);
  }
  t.true(maxRelDiff(one.weights, two.weights) < 1e-3, `weights differ by ${maxRelDiff(one.weights, two.weights)}`);
  t.true(maxRelDiff(one.weights, three.weights) < 1e-3, `weights differ by ${maxRelDiff(one.weights, three.weights)}`);
  t.true(maxRelDiff(one.lp, two.lp) < 1e-4, `log p differs by ${maxRelDiff(one.lp, two.lp)}`);
  // the same data minus half of every batch moves the weights visibly: the check above has teeth
  const halves = await train(1, batches.map(half));
  t.true(maxRelDiff(one.weights, halves.weights) > 1e-2, `half batches gave weights within ${maxRelDiff(one.weights, halves.weights)}`);
  // the first step's loss is the whole batch's mean weighted NLL, independently computed
  const ref = trainingFlow(arch, 7);
  const b = batches[0];
  const lp = tf.tidy(() => ref.logProb(tf.tensor2d(b.x, [b.size, 3]), tf.tensor2d(b.c, [b.size, 2])).dataSync());
  ref.dispose();
  let s = 0;
  for (let i = 0; i < b.size; i++) s -= b.w[i] * lp[i];
  t.true(Math.abs(two.losses[0] - s / b.size) < 1e-5 * Math.abs(s / b.size), `${two.losses[0]} vs ${s / b.size}`);
});

test('two threads are deterministic run to run (bit-identical weights)', async (t) => {
  await initBackend('wasm');
  const batches = [batch(5, 200), batch(6, 199)];
  const a = await train(2, batches);
  const b = await train(2, batches);
  t.deepEqual(Buffer.from(a.weights.buffer), Buffer.from(b.weights.buffer));
});

test('train flow and closure refuse a thread count that is not a whole number >= 1', (t) => {
  for (const [cmd, extra] of [['train', ['flow', '--config', 'examples/flow/flow.yaml']], ['closure', ['-m', 'models/zee-flow', '--data', 'samples/zee_data.parquet', '--mc', 'samples/zee_mc.parquet']]] as const) {
    for (const bad of ['0', '1.5']) {
      const r = runCli([cmd, ...extra, '--threads', bad]);
      t.not(r.code, 0, `${cmd} --threads ${bad}`);
      t.regex(r.stderr, new RegExp(`--threads: expected a whole number >= 1, got ${bad.replace('.', '\\.')}`));
    }
  }
});
