import test from 'ava';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/compute/backend.js';
import { dense, type Activation } from '../src/nn/dense.js';
import { ROOT } from './helpers/fixtures.js';

// References: PyTorch autograd (test/data/nn-torch-ref.json, scripts/ref/nn-torch-ref.py) and tfjs' own autodiff.
const ref = JSON.parse(readFileSync(`${ROOT}/test/data/nn-torch-ref.json`, 'utf8'));
const D = ref.dense;

function close(t: { true: (c: boolean, m?: string) => void }, got: ArrayLike<number>, want: number[], tol: number, what: string) {
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / (1 + Math.abs(want[i])));
  t.true(got.length === want.length && worst < tol, `${what}: worst relative deviation ${worst}`);
}

for (const backend of ['wasm', 'cpu']) {
  for (const act of ['relu', 'elu', 'linear'] as Activation[]) {
    for (const masked of [false, true]) {
      test.serial(`dense ${act}${masked ? ' masked' : ''} on ${backend}: value and gradients match PyTorch autograd`, async (t) => {
        await initBackend(backend);
        const key = `${act}${masked ? '_masked' : ''}`;
        const x = tf.tensor2d(D.x, [7, 5]);
        const w = tf.tensor2d(D.w, [5, 4]);
        const b = tf.tensor1d(D.b);
        const mask = masked ? tf.tensor2d(D.mask, [5, 4]) : undefined;
        const dy = tf.tensor2d(D.dy, [7, 4]);
        const y = dense(x, w, b, { activation: act, mask });
        close(t, y.dataSync(), D[key].y, 1e-5, 'y');
        // gradient of sum(y * dy) w.r.t. (x, w, b) is (dy-weighted) backprop, as torch's y.backward(dy)
        const g = tf.grads((xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor) => tf.sum(tf.mul(dense(xi as tf.Tensor2D, wi as tf.Tensor2D, bi as tf.Tensor1D, { activation: act, mask }), dy)));
        const [dx, dw, db] = g([x, w, b]);
        close(t, dx.dataSync(), D[key].dx, 1e-5, 'dx');
        close(t, dw.dataSync(), D[key].dw, 1e-5, 'dw');
        close(t, db.dataSync(), D[key].db, 1e-5, 'db');
        if (masked) {
          const m = mask!.dataSync();
          const dwv = dw.dataSync();
          t.true([...m].every((mi, i) => mi === 1 || dwv[i] === 0), 'masked weights get exactly zero gradient');
        }
      });
    }
  }
}

test.serial('dense gradient equals tfjs autodiff of the same graph on a larger random layer (wasm)', async (t) => {
  await initBackend('wasm');
  const x = tf.randomNormal([256, 33], 0, 1, 'float32', 1) as tf.Tensor2D;
  const w = tf.randomNormal([33, 64], 0, 0.2, 'float32', 2) as tf.Tensor2D;
  const b = tf.randomNormal([64], 0, 0.1, 'float32', 3) as tf.Tensor1D;
  const dy = tf.randomNormal([256, 64], 0, 1, 'float32', 4);
  const mine = tf.grads((a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => tf.sum(tf.mul(dense(a as tf.Tensor2D, c as tf.Tensor2D, d as tf.Tensor1D, { activation: 'relu' }), dy)))([x, w, b]);
  const theirs = tf.grads((a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => tf.sum(tf.mul(tf.relu(tf.add(tf.matMul(a, c), d)), dy)))([x, w, b]);
  for (let i = 0; i < 3; i++) close(t, mine[i].dataSync(), Array.from(theirs[i].dataSync()), 1e-5, `grad ${i}`);
  const noInput = tf.grads((a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => tf.sum(tf.mul(dense(a as tf.Tensor2D, c as tf.Tensor2D, d as tf.Tensor1D, { activation: 'relu', inputGrad: false }), dy)))([x, w, b]);
  close(t, noInput[1].dataSync(), Array.from(theirs[1].dataSync()), 1e-5, 'dW with inputGrad false');
});
