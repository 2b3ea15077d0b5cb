import test from 'ava';
import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadBundle } from '../src/bundle/bundle.js';
import { initBackend } from '../src/compute/backend.js';
import { readNpy } from '../src/io/torch/npy.js';
import { flowFromBundle } from '../src/models/flow/bundle-io.js';
import type { FlowWeights } from '../src/models/flow/arch.js';
import { forward64, inverse64 } from '../src/models/flow/reference.js';
import { TfFlow } from '../src/models/flow/tf-flow.js';
import { ROOT, tempDir } from './helpers/fixtures.js';
import { runCli } from './helpers/cli.js';
import { maxAbsDiff } from './flow-fixtures.js';

/**
 * zuko 1.0.1 flows (the version HiggsDNA pins) made by scripts/ref/make-zuko101-fixtures.py with zuko's
 * own source: `ar` fully autoregressive (6 features, 3 transforms), `p2` passes=2 (5 features, 2 transforms).
 */
const DATA = join(ROOT, 'test', 'data', 'zuko101');
type Name = 'ar' | 'p2';
const arr = (name: Name, a: string) => {
  const v = readNpy(join(DATA, name, 'io', `${a}.npy`));
  return { shape: v.shape, data: Float64Array.from(v.data as Float64Array) };
};
const info = (name: Name) => JSON.parse(readFileSync(join(DATA, name, 'info.json'), 'utf8')) as { zuko_f32_vs_f64_max_abs_x_corr: number; features: number; transforms: number; passes: number | null };

function importBundle(name: Name, extra: string[]): FlowWeights {
  const out = join(tempDir(), name);
  const r = runCli(['import-zuko', join(DATA, name, 'best_model_.pth'), ...extra, '-o', out]);
  if (r.code !== 0) throw new Error(r.stderr);
  return flowFromBundle(loadBundle(out)).weights;
}

/** The correction in float64: z = T(x | c, 0), x_corr = T^-1(z | c, 1). */
function correct64(w: FlowWeights, x: Float64Array, c: Float64Array, n: number): Float64Array {
  const C = w.arch.context;
  const c0 = Float64Array.from(c);
  const c1 = Float64Array.from(c);
  for (let r = 0; r < n; r++) {
    c0[r * C + C - 1] = 0;
    c1[r * C + C - 1] = 1;
  }
  return inverse64(w, forward64(w, x, c0, n).y, c1, n);
}

test.before(async () => {
  await initBackend('cpu');
});

for (const name of ['ar', 'p2'] as Name[]) {
  test(`zuko 1.0.1 ${name}: --zuko-version 1.0.1 reproduces zuko's float64 x_corr to 1e-9; 1.6 settings (slope 1e-3) do not`, (t) => {
    const x = arr(name, 'x');
    const c = arr(name, 'c');
    const n = x.shape[0];
    const want = arr(name, 'x_corr').data;
    const w = importBundle(name, ['--zuko-version', '1.0.1']);
    t.is(w.arch.slope, 1e-4);
    t.is(w.arch.zukoVersion, '1.0.1');
    t.is(w.arch.transforms, info(name).transforms);
    t.is(w.arch.passes, info(name).passes ?? undefined);
    const d = maxAbsDiff(correct64(w, x.data, c.data, n), want);
    const lp = maxAbsDiff(forward64(w, x.data, c.data, n).logProb, arr(name, 'log_prob').data);
    const w16 = importBundle(name, ['--zuko-version', '1.6.0']);
    t.is(w16.arch.slope, 1e-3);
    const d16 = maxAbsDiff(correct64(w16, x.data, c.data, n), want);
    const lp16 = maxAbsDiff(forward64(w16, x.data, c.data, n).logProb, arr(name, 'log_prob').data);
    t.log(`x_corr max |diff|: zuko 1.0.1 settings ${d.toExponential(2)}, 1.6 settings ${d16.toExponential(2)}; log_prob ${lp.toExponential(2)} vs ${lp16.toExponential(2)}`);
    t.true(d < 1e-9);
    t.true(lp < 1e-9);
    // The wrong slope is a different flow: far outside float32 noise.
    t.true(d16 > 1e-3);
    t.true(lp16 > 1e-3);
  });

  test(`zuko 1.0.1 ${name}: the float32 (tfjs) correction is within zuko's own float32 error`, async (t) => {
    const x = arr(name, 'x');
    const c = arr(name, 'c');
    const n = x.shape[0];
    const F = x.shape[1];
    const C = c.shape[1];
    const want = arr(name, 'x_corr').data;
    const zuko32 = maxAbsDiff(arr(name, 'x_corr_f32').data, want);
    t.is(zuko32, info(name).zuko_f32_vs_f64_max_abs_x_corr);
    const flow = TfFlow.fromWeights(importBundle(name, ['--zuko-version', '1.0.1']));
    const got = tf.tidy(() => flow.correct(tf.tensor2d(Float32Array.from(x.data), [n, F]), tf.tensor2d(Float32Array.from(c.data), [n, C])));
    const d = maxAbsDiff(await got.data(), want);
    got.dispose();
    flow.dispose();
    t.log(`float32 x_corr max |diff| vs zuko float64: ntcorr ${d.toExponential(2)}, zuko float32 ${zuko32.toExponential(2)}`);
    t.true(d <= 3 * zuko32);
  });
}

test('zuko 1.0.1: a whole pickled model and a training checkpoint are refused with what to save instead', (t) => {
  const whole = runCli(['import-zuko', join(DATA, 'whole_model.pth'), '--zuko-version', '1.0.1', '-o', join(tempDir(), 'x')]);
  t.is(whole.code, 1);
  t.regex(whole.stderr, /whole_model\.pth: this is a whole pickled model .*zuko\.flows\.spline\.NSF.*torch\.save\(flow\.state_dict\(\), 'best_model_\.pth'\)/);
  const ckpt = runCli(['import-zuko', join(DATA, 'training_checkpoint.pth'), '--zuko-version', '1.0.1', '-o', join(tempDir(), 'x')]);
  t.is(ckpt.code, 1);
  t.regex(ckpt.stderr, /training_checkpoint\.pth: this is a training checkpoint \(keys epoch, model_state_dict, optimizer_state_dict\).*torch\.save\(ckpt\["model_state_dict"\], 'best_model_\.pth'\)/);
});
