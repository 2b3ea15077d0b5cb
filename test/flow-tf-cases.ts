import type { ExecutionContext, TestFn } from 'ava';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/compute/backend.js';
import { correctSimulation } from '../src/models/flow/correction.js';
import { TfFlow } from '../src/models/flow/tf-flow.js';
import { weightsFromZuko } from '../src/models/flow/zuko.js';
import { fixtureArch, fixtureTensors, io, maxAbsDiff, type FixtureName } from './flow-fixtures.js';

/**
 * The tfjs (float32) flow against zuko's float64 outputs, for one backend. Tolerances are about 3x
 * zuko's own float32-vs-float64 differences (manifest.json: y 3.4e-5, log_prob 4.8e-4, x_corr 5.9e-5).
 */
export const TOL = { y: 1e-4, ladj: 1.5e-3, logProb: 1.5e-3, inverse: 3e-4, xCorr: 3e-4 };

export function registerTfCases(test: TestFn, backend: 'wasm' | 'cpu'): void {
  const rowsFor = (name: FixtureName) => (name === 'nsf_c' ? 256 : backend === 'cpu' ? 24 : 64);
  const load = (name: FixtureName) => {
    const arch = fixtureArch(name);
    const n = rowsFor(name);
    const t2 = (a: string, w: number) => tf.tensor2d(Float32Array.from(io(name, a).data.subarray(0, n * w)), [n, w]);
    return { arch, n, flow: TfFlow.fromWeights(weightsFromZuko(fixtureTensors(name), arch, name)), t2 };
  };

  test.before(async (t: ExecutionContext) => {
    t.is(await initBackend(backend), backend);
  });

  for (const name of ['nsf_c', 'nsf_a'] as FixtureName[]) {
    test(`${backend} ${name}: forward, ladj, log_prob within float32 tolerance of zuko float64`, async (t) => {
      const { arch, n, flow, t2 } = load(name);
      const F = arch.features;
      const x = t2('x', F);
      const c = t2('c', arch.context);
      const { y, ladj } = flow.forward(x, c);
      const lp = flow.logProb(x, c);
      const dy = maxAbsDiff(await y.data(), io(name, 'y').data, n * F);
      const dl = maxAbsDiff(await ladj.data(), io(name, 'ladj').data, n);
      const dp = maxAbsDiff(await lp.data(), io(name, 'log_prob').data, n);
      t.log(`max |diff| y ${dy.toExponential(2)} ladj ${dl.toExponential(2)} log_prob ${dp.toExponential(2)}`);
      t.true(dy < TOL.y);
      t.true(dl < TOL.ladj);
      t.true(dp < TOL.logProb);
      flow.dispose();
    });

    test(`${backend} ${name}: inverse and correction (incremental and naive) match zuko; incremental = naive to float32 rounding`, async (t) => {
      const { arch, n, flow, t2 } = load(name);
      const F = arch.features;
      const y = t2('y', F);
      const c = t2('c', arch.context);
      const inc = await flow.inverse(y, c, 'incremental').data();
      const naive = await flow.inverse(y, c, 'naive').data();
      const xBack = io(name, 'x_back').data;
      const di = maxAbsDiff(inc, xBack, n * F);
      const dn = maxAbsDiff(naive, xBack, n * F);
      const dd = maxAbsDiff(inc, naive);
      const corr = await correctSimulation(flow, t2('x', F), c).data();
      const dc = maxAbsDiff(corr, io(name, 'x_corr').data, n * F);
      const corrNaive = await correctSimulation(flow, t2('x', F), c, 'naive').data();
      t.log(`inverse inc ${di.toExponential(2)} naive ${dn.toExponential(2)} inc-vs-naive ${dd.toExponential(2)} x_corr ${dc.toExponential(2)}`);
      t.true(di < TOL.inverse);
      t.true(dn < TOL.inverse);
      // float32 rounding compounds over 6 transforms x 16 steps (zuko's own f32 round trip is off by 7e-5);
      // the float64 test (flow-incremental) shows the two agree to 1e-10 in exact-enough arithmetic.
      t.true(dd < TOL.inverse);
      t.true(dc < TOL.xCorr);
      t.true(maxAbsDiff(corr, corrNaive) < TOL.xCorr);
      // No tensor leaks: a further correction (plans already built) leaves the tensor count unchanged.
      const xt = t2('x', F);
      const before = tf.memory().numTensors;
      correctSimulation(flow, xt, c).dispose();
      flow.inverse(y, c, 'naive').dispose();
      t.is(tf.memory().numTensors, before);
      flow.dispose();
    });
  }

  test(`${backend}: logProb is differentiable with respect to every variable`, async (t) => {
    const { arch, flow, t2 } = load('nsf_c');
    const trainable = TfFlow.fromWeights(flow.toWeights(), { trainable: true });
    const x = t2('x', arch.features);
    const c = t2('c', arch.context);
    const { value, grads } = tf.variableGrads(() => tf.neg(tf.mean(trainable.logProb(x, c))) as tf.Scalar, trainable.variables);
    t.true(Number.isFinite((await value.data())[0]));
    t.is(Object.keys(grads).length, trainable.variables.length);
    let nonzero = 0;
    for (const g of Object.values(grads)) {
      const d = await g.data();
      t.true(d.every(Number.isFinite));
      if (d.some((v) => v !== 0)) nonzero++;
    }
    t.is(nonzero, trainable.variables.length);
    // Finite-difference check of one output-layer bias entry (float32: loose tolerance).
    const b = trainable.layers[0][2].b;
    const g0 = (await grads[b.name].data())[0];
    const loss = () => tf.tidy(() => tf.neg(tf.mean(trainable.logProb(x, c))).dataSync()[0]);
    const orig = b.dataSync().slice();
    const eps = 1e-2;
    const bump = (d: number) => { const v = orig.slice(); v[0] += d; b.assign(tf.tensor1d(v)); };
    bump(eps); const lp = loss(); bump(-eps); const lm = loss(); bump(0);
    t.true(Math.abs((lp - lm) / (2 * eps) - g0) < 2e-3 + 0.02 * Math.abs(g0));
    trainable.dispose();
    flow.dispose();
  });
}
