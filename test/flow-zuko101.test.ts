import test from 'ava';
import * as tf from '@tensorflow/tfjs-core';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadBundle } from '../src/bundle/bundle.js';
import { initBackend } from '../src/compute/backend.js';
import { readNpy } from '../src/io/torch/npy.js';
import { flowFromBundle } from '../src/models/flow/bundle-io.js';
import type { FlowWeights } from '../src/models/flow/arch.js';
import { forward64, inverse64 } from '../src/models/flow/reference.js';
import { higgsdnaShift } from '../src/models/flow/higgsdna.js';
import { forwardConditions, forwardInputs, inverseInputs, makeContinuous, undoContinuous, unshift } from '../src/models/flow/preprocess.js';
import { TfFlow } from '../src/models/flow/tf-flow.js';
import { correctSimulation } from '../src/models/flow/correction.js';
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
    const got = tf.tidy(() => correctSimulation(flow, tf.tensor2d(Float32Array.from(x.data), [n, F]), tf.tensor2d(Float32Array.from(c.data), [n, C])));
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

/** HiggsDNA's preprocessing of the fixture flows, as the describe file tells import-zuko. */
function importHiggsdna(name: Name): ReturnType<typeof flowFromBundle> {
  const dir = tempDir();
  const iso = name === 'ar' ? '[3, 4, 5]' : '[3, 4]';
  writeFileSync(join(dir, 'describe.yaml'), `variables: [${Array.from({ length: name === 'ar' ? 6 : 5 }, (_, i) => `v${i}`).join(', ')}]\nconditions: [pt, ScEta, phi, rho]\nhiggsdna:\n  Isolation_transform_order: ${iso}\n  shifts: {3: 0.001}\n`);
  const out = join(dir, 'bundle');
  const r = runCli(['import-zuko', join(DATA, name, 'best_model_.pth'), '--zuko-version', '1.0.1', '--preprocessing', join(DATA, name), '--era', '2022postEE', '--describe', join(dir, 'describe.yaml'), '-o', out]);
  if (r.code !== 0) throw new Error(r.stderr);
  return flowFromBundle(loadBundle(out));
}

for (const name of ['ar', 'p2'] as Name[]) {
  test(`zuko 1.0.1 ${name}: --preprocessing reads the .npy files and HiggsDNA's isolation settings; physical inputs -> corrected values as HiggsDNA computes them`, (t) => {
    const { config, weights } = importHiggsdna(name);
    const p = config.preprocessing;
    t.deepEqual(p.inputs.map((v) => v.continuous?.shift), name === 'ar' ? [undefined, undefined, undefined, 0.001, 0.05, 0.05] : [undefined, undefined, undefined, 0.001, 0.05]);
    t.true(p.inputs.every((v) => !v.continuous || v.continuous.convention === 'higgsdna'));
    t.is(p.inputs.some((v) => v.minmax), name === 'p2');
    const raw = arr(name, 'raw');
    const cond = arr(name, 'raw_cond');
    const n = raw.shape[0];
    const F = raw.shape[1];
    const cols = (a: Float64Array, w: number) => Array.from({ length: w }, (_, j) => Float64Array.from({ length: n }, (_, r) => a[r * w + j]));
    const x = forwardInputs(p, cols(raw.data, F), n, { seed: 1, file: 0, rowStart: 0 });
    const c = forwardConditions(p, cols(cond.data, 4), n);
    // Flow-space inputs: the script's (float64) up to the float32 rounding of ntcorr's feature buffer.
    const xs = arr(name, 'x').data;
    let dx = 0;
    for (let i = 0; i < n * F; i++) dx = Math.max(dx, Math.abs(x[i] - xs[i]) / Math.max(1, Math.abs(xs[i])));
    t.true(dx < 1e-6, `flow-space inputs differ by ${dx}`);
    const back = inverseInputs(p, Float32Array.from(correct64(weights, Float64Array.from(x), Float64Array.from(c), n)), n);
    const want = arr(name, 'raw_x_corr').data;
    let d = 0;
    for (let j = 0; j < F; j++) for (let r = 0; r < n; r++) d = Math.max(d, Math.abs(back[j][r] - want[r * F + j]) / Math.max(1e-3, Math.abs(want[r * F + j])));
    t.log(`physical x_corr max relative diff ${d.toExponential(2)} (float32 feature buffers)`);
    t.true(d < 1e-4);
    // Row 0's last isolation is slightly negative (-5e-4): HiggsDNA's log(1e-3 + x) keeps it finite and it is corrected.
    const j = p.inputs.length - 1;
    t.true(Number.isFinite(x[j]));
    t.is(back[j][0], want[j]);
  });
}

test('HiggsDNA isolation edge cases: a value exactly at the shift, slightly negative inputs, the era shift table', (t) => {
  const h = { shift: 0.05, convention: 'higgsdna' as const };
  // HiggsDNA's inverse uses two strict comparisons: exactly the shift is left as it is; ntcorr's maps it to 0.
  t.is(unshift(0.05, h), 0.05);
  t.is(unshift(0.05, { shift: 0.05 }), 0);
  t.is(unshift(0.0499, h), 0);
  t.is(unshift(0.25, h), 0.25 - 0.05);
  // Slightly negative: not shifted, log(1e-3 + x) (finite above -1e-3, NaN below; ntcorr's own convention: NaN).
  t.is(makeContinuous(-5e-4, h, 0), Math.log(1e-3 - 5e-4));
  t.true(Number.isNaN(makeContinuous(-2e-3, h, 0)));
  t.true(Number.isNaN(makeContinuous(-5e-4, { shift: 0.05 }, 0)));
  t.is(undoContinuous(makeContinuous(-5e-4, h, 0), h), 0);
  t.is(makeContinuous(0.3, h, 0), Math.log(1e-3 + 0.3 + 0.05));
  // HiggsDNA's per-era shifts.
  t.is(higgsdnaShift('2022postEE', 6), 0.001);
  t.is(higgsdnaShift('2024', 6), 0.002);
  t.is(higgsdnaShift('2025', 6), 0.02);
  t.is(higgsdnaShift('2025', 8), 0.2);
  t.is(higgsdnaShift('2023preBPix', 9), 0.05);
  t.is(higgsdnaShift('2017', 7), 3.0);
  t.is(higgsdnaShift('2016preVFP', 9), 10.0);
  t.is(higgsdnaShift('2018', 11), 0.05);
});

test('--preprocessing: a .npy with the wrong length names the file and what it should hold; isolations without an era are an error', (t) => {
  const dir = tempDir();
  for (const f of ['input_means', 'input_std', 'conditions_means', 'conditions_std']) copyFileSync(join(DATA, 'ar', `${f}.npy`), join(dir, `${f}.npy`));
  copyFileSync(join(DATA, 'p2', 'input_means.npy'), join(dir, 'input_means.npy'));
  const r = runCli(['import-zuko', join(DATA, 'ar', 'best_model_.pth'), '--zuko-version', '1.0.1', '--preprocessing', dir, '-o', join(dir, 'b')]);
  t.is(r.code, 1);
  t.regex(r.stderr, /input_means\.npy: has shape \(5\), expected \(6,\): one value per flow input/);
  writeFileSync(join(dir, 'd.yaml'), 'higgsdna:\n  Isolation_transform_order: [3, 4]\n');
  const r2 = runCli(['import-zuko', join(DATA, 'ar', 'best_model_.pth'), '--zuko-version', '1.0.1', '--preprocessing', join(DATA, 'ar'), '--describe', join(dir, 'd.yaml'), '-o', join(dir, 'b')]);
  t.is(r2.code, 1);
  t.regex(r2.stderr, /isolation shifts depend on the era: give --era/);
  writeFileSync(join(dir, 'e.yaml'), 'higgsdna:\n  isolation: [3]\n');
  const r3 = runCli(['import-zuko', join(DATA, 'ar', 'best_model_.pth'), '--zuko-version', '1.0.1', '--describe', join(dir, 'e.yaml'), '-o', join(dir, 'b')]);
  t.regex(r3.stderr, /unknown key "higgsdna\.isolation"/);
});
