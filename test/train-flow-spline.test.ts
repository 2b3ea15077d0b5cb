import test from 'ava';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/compute/backend.js';
import { splineForward } from '../src/models/flow/tf-spline.js';
import { splineForwardFast } from '../src/train/flow/fast-spline.js';
import { mulberry32 } from '../src/core/random.js';

// The training spline (host-side value + hand-written gradient) against the model's tfjs spline and
// tfjs' automatic differentiation of it: an independent derivation of the same function.
const C = { bins: 8, slope: 1e-3, bound: 5 };

function data(N: number, F: number, seed: number) {
  const r = mulberry32(seed);
  const g = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const P = 3 * C.bins - 1;
  const phi = tf.tensor2d(Float32Array.from({ length: N * F * P }, () => 2.5 * g()), [N, F * P]);
  // mostly inside [-5, 5], some in the identity tails
  const x = tf.tensor2d(Float32Array.from({ length: N * F }, () => 3 * g()), [N, F]);
  // random upstream weights for y and the summed log-determinant
  const wy = tf.tensor2d(Float32Array.from({ length: N * F }, () => g()), [N, F]);
  const wl = tf.tensor1d(Float32Array.from({ length: N }, () => g()));
  return { phi, x, wy, wl };
}

for (const backend of ['cpu', 'wasm']) {
  test.serial(`fast training spline equals the tfjs spline in value and gradient (${backend})`, async (t) => {
    await initBackend(backend);
    const N = 300;
    const F = 3;
    const { phi, x, wy, wl } = data(N, F, backend === 'cpu' ? 1 : 2);
    const ref = tf.tidy(() => splineForward(phi, x, C));
    const fast = splineForwardFast(phi, x, C);
    const fy = tf.slice(fast, [0, 0], [N, F]).dataSync();
    const fl = tf.slice(fast, [0, F], [N, 1]).dataSync();
    const ry = ref.y.dataSync();
    const rl = tf.sum(ref.ladj, 1).dataSync();
    let outside = 0;
    const xs = x.dataSync();
    for (let i = 0; i < N * F; i++) {
      if (Math.abs(xs[i]) >= 5) outside++;
      t.true(Math.abs(fy[i] - ry[i]) < 2e-5 * (1 + Math.abs(ry[i])), `y[${i}] ${fy[i]} vs ${ry[i]}`);
    }
    t.true(outside > 10, 'some points in the tails');
    for (let n = 0; n < N; n++) t.true(Math.abs(fl[n] - rl[n]) < 2e-4 * (1 + Math.abs(rl[n])), `ladj[${n}] ${fl[n]} vs ${rl[n]}`);

    const lossRef = (p: tf.Tensor, xi: tf.Tensor) => {
      const r = splineForward(p as tf.Tensor2D, xi as tf.Tensor2D, C);
      return tf.add(tf.sum(tf.mul(r.y, wy)), tf.sum(tf.mul(tf.sum(r.ladj, 1), wl)));
    };
    const lossFast = (p: tf.Tensor, xi: tf.Tensor) => {
      const o = splineForwardFast(p as tf.Tensor2D, xi as tf.Tensor2D, C);
      return tf.add(tf.sum(tf.mul(tf.slice(o, [0, 0], [N, F]), wy)), tf.sum(tf.mul(tf.reshape(tf.slice(o, [0, F], [N, 1]), [N]), wl)));
    };
    const [gpR, gxR] = tf.grads(lossRef)([phi, x]);
    const [gpF, gxF] = tf.grads(lossFast)([phi, x]);
    const cmp = (a: Float32Array | Int32Array | Uint8Array, b: Float32Array | Int32Array | Uint8Array, what: string) => {
      let scale = 0;
      for (const v of b) scale = Math.max(scale, Math.abs(v));
      let worst = 0;
      for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
      t.true(worst < 5e-4 * scale, `${what}: max |diff| ${worst} (max |grad| ${scale})`);
    };
    cmp(gpF.dataSync(), gpR.dataSync(), 'd/dphi');
    cmp(gxF.dataSync(), gxR.dataSync(), 'd/dx');
  });
}
