/**
 * What would moving the flow training step's dense part to ONNX Runtime gain? (issue 15, input for a later
 * issue). Times the forward AND hand-written backward of the six MADE hyper-networks of the training bench's
 * flow (16 features + 5 context -> 3x256 -> 16*(3*10-1) outputs, batch 4096) on one thread:
 *   - tfjs (wasm or cpu backend): the same matmuls the trainer's custom-gradient dense layer runs (src/nn);
 *   - ONNX Runtime CPU: one graph per network with weights fed as inputs (they change every step).
 * The spline, the loss and AdamW are left out (host code either way), so this bounds what the engine can
 * win on the part of the step it would take over.
 *
 *   node --import tsx bench/train-step-onnx.ts [--batch 4096] [--steps 5] [--backend wasm|cpu]
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/compute/backend.js';
import { Session } from '../src/compute/engine.js';
import { OnnxGraph } from '../src/compute/onnx/graph.js';
import { mulberry32 } from '../src/core/random.js';

const arg = (name: string, dflt: string): string => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : dflt);
const B = Number(arg('--batch', '4096'));
const STEPS = Number(arg('--steps', '5'));
const BACKEND = arg('--backend', 'wasm');
const TRANSFORMS = 6;
const sizes = [21, 256, 256, 256, 16 * 29];
const rnd = mulberry32(7);
const randn = (n: number, s: number): Float32Array => Float32Array.from({ length: n }, () => (2 * rnd() - 1) * s);
const weights = sizes.slice(1).map((out, l) => ({ w: randn(sizes[l] * out, 1 / Math.sqrt(sizes[l])), b: randn(out, 0.01), mask: Float32Array.from({ length: sizes[l] * out }, () => (rnd() < 0.7 ? 1 : 0)) }));
const x = randn(B * sizes[0], 1);
const gOut = randn(B * sizes[sizes.length - 1], 0.01);
const fmt = (v: number): string => Math.round(v).toLocaleString('en-US');

/** One MADE network's forward + backward as an ONNX graph: outputs dW, db per layer (and dx). */
function stepGraph(): Uint8Array {
  const g = new OnnxGraph('made-step');
  const L = sizes.length - 1;
  const h: string[] = [g.input('x', 'float32', ['batch', sizes[0]])];
  const wm: string[] = [];
  const masks: string[] = [];
  const pre: string[] = [];
  for (let l = 0; l < L; l++) {
    const w = g.input(`w${l}`, 'float32', [sizes[l], sizes[l + 1]]);
    const m = g.input(`m${l}`, 'float32', [sizes[l], sizes[l + 1]]);
    masks.push(m);
    const b = g.input(`b${l}`, 'float32', [sizes[l + 1]]);
    wm.push(g.mul(w, m));
    pre.push(g.add(g.matmul(h[l], wm[l]), b));
    h.push(l < L - 1 ? g.relu(pre[l]) : pre[l]);
  }
  let grad = g.input('g', 'float32', ['batch', sizes[L]]);
  const zero = g.scalar(0);
  for (let l = L - 1; l >= 0; l--) {
    if (l < L - 1) grad = g.op('Where', [g.op('Greater', [pre[l], zero]), grad, zero]);
    const dw = g.mul(g.op('MatMul', [g.op('Transpose', [h[l]], { perm: [1, 0] }), grad]), masks[l]);
    g.output(g.op('Identity', [dw], {}, `dw${l}`));
    g.output(g.op('ReduceSum', [grad, g.i64([0])], { keepdims: 0 }, `db${l}`));
    if (l > 0) grad = g.op('MatMul', [grad, g.op('Transpose', [wm[l]], { perm: [1, 0] })]);
  }
  return g.toBytes();
}

async function onnxRate(): Promise<number> {
  const s = await Session.create(stepGraph(), { threads: 1, label: 'made-step' });
  const feeds: Record<string, { data: Float32Array; dims: number[] }> = { x: { data: x, dims: [B, sizes[0]] }, g: { data: gOut, dims: [B, sizes[sizes.length - 1]] } };
  weights.forEach((p, l) => {
    const d = [sizes[l], sizes[l + 1]];
    feeds[`w${l}`] = { data: p.w, dims: d };
    feeds[`m${l}`] = { data: p.mask, dims: d };
    feeds[`b${l}`] = { data: p.b, dims: [sizes[l + 1]] };
  });
  await s.run(feeds);
  let best = Infinity;
  for (let i = 0; i < STEPS; i++) {
    const t0 = performance.now();
    for (let t = 0; t < TRANSFORMS; t++) await s.run(feeds);
    best = Math.min(best, performance.now() - t0);
  }
  await s.dispose();
  return (B / best) * 1000;
}

async function tfjsRate(): Promise<number> {
  await initBackend(BACKEND);
  const xs = tf.tensor2d(x, [B, sizes[0]]);
  const gs = tf.tensor2d(gOut, [B, sizes[sizes.length - 1]]);
  const ps = weights.map((p, l) => ({ w: tf.tensor2d(p.w, [sizes[l], sizes[l + 1]]), m: tf.tensor2d(p.mask, [sizes[l], sizes[l + 1]]), b: tf.tensor1d(p.b) }));
  const once = (): void => {
    tf.tidy(() => {
      // exactly the trainer's dense layer (src/nn/dense.ts): fused matmul+bias+relu forward, explicit
      // transposes and a ones-matmul for the bias gradient (wasm's strided paths are slow)
      const h: tf.Tensor2D[] = [xs];
      const wm = ps.map((p) => tf.mul(p.w, p.m) as tf.Tensor2D);
      for (let l = 0; l < ps.length; l++) {
        h.push(tf.fused.matMul({ a: h[l], b: wm[l], bias: ps[l].b, activation: l < ps.length - 1 ? 'relu' : 'linear' }) as tf.Tensor2D);
      }
      let grad: tf.Tensor2D = gs;
      const out: tf.Tensor[] = [];
      for (let l = ps.length - 1; l >= 0; l--) {
        if (l < ps.length - 1) grad = tf.mul(grad, tf.step(h[l + 1])) as tf.Tensor2D;
        out.push(tf.mul(tf.matMul(tf.transpose(h[l]), grad), ps[l].m), tf.matMul(tf.ones([1, B]), grad));
        if (l > 0) grad = tf.matMul(grad, tf.transpose(wm[l]));
      }
      for (const o of out) o.dataSync();
    });
  };
  once();
  let best = Infinity;
  for (let i = 0; i < STEPS; i++) {
    const t0 = performance.now();
    for (let t = 0; t < TRANSFORMS; t++) once();
    best = Math.min(best, performance.now() - t0);
  }
  return (B / best) * 1000;
}

const flops = TRANSFORMS * 3 * 2 * sizes.slice(1).reduce((a, out, l) => a + sizes[l] * out, 0);
console.log(`MADE forward+backward, ${TRANSFORMS} networks ${sizes.join('->')}, batch ${B}, 1 thread (${(flops / 1e6).toFixed(1)} MFLOP per event)`);
const ort = await onnxRate();
const tfr = await tfjsRate();
console.log(`  ONNX Runtime CPU : ${fmt(ort)} events/s (${((ort * flops) / 1e9).toFixed(1)} GFLOP/s)`);
console.log(`  tfjs ${BACKEND.padEnd(11)}: ${fmt(tfr)} events/s (${((tfr * flops) / 1e9).toFixed(1)} GFLOP/s)`);
console.log(`  ratio ONNX/tfjs  : x${(ort / tfr).toFixed(2)}; peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
