import * as tf from '@tensorflow/tfjs-core';
import type { RQSpline } from './rqs.js';

/**
 * The tfjs strategy of the rational-quadratic spline (rqs.ts), float32, batched over rows and features.
 * Knot selection is a one-hot multiply-and-sum, never `gather`: gather's gradient needs
 * UnsortedSegmentSum, which the wasm backend lacks. Rows outside the knots take the identity through
 * arithmetic blending (no `where`), so no NaN from the unused branch can leak into gradients.
 */

/**
 * How a tfjs flow evaluates its univariate transforms: phi [N, F*(3K-1)] (the hyper-network output) and
 * x or y [N, F]. `forward` returns y and the log|det J| summed over the features [N].
 */
export interface TfSplineStrategy {
  forward(phi: tf.Tensor2D, x: tf.Tensor2D, s: RQSpline): { y: tf.Tensor2D; ladj: tf.Tensor1D };
  inverse(phi: tf.Tensor2D, y: tf.Tensor2D, s: RQSpline): tf.Tensor2D;
}

interface Knots {
  X: tf.Tensor3D;
  Y: tf.Tensor3D;
  D: tf.Tensor3D;
}

const cumCache = new Map<number, tf.Tensor2D>();

/** [K, K+1] matrix T with T[i][j] = 1 for i < j: `p @ T` = pad(cumsum(p), (1, 0)) in one matmul. */
function cumMatrix(K: number): tf.Tensor2D {
  let m = cumCache.get(K);
  if (!m || m.isDisposed) {
    const a = new Float32Array(K * (K + 1));
    for (let i = 0; i < K; i++) for (let j = i + 1; j <= K; j++) a[i * (K + 1) + j] = 1;
    m = tf.keep(tf.tensor2d(a, [K, K + 1]));
    cumCache.set(K, m);
  }
  return m;
}

/** phi [N, nf*(3K-1)] -> knots X, Y, D of shape [N, nf, K+1]. */
export function knots(phi: tf.Tensor2D, nf: number, s: RQSpline): Knots {
  const K = s.bins;
  const N = phi.shape[0];
  const L = Math.log(s.slope);
  const p = tf.reshape(phi, [N, nf, 3 * K - 1]);
  const [w, h, d] = tf.split(p, [K, K, K - 1], 2) as tf.Tensor3D[];
  const clip = (v: tf.Tensor3D, scale: number) => tf.div(v, tf.add(1, tf.abs(tf.mul(v, scale / L))));
  const edges = (v: tf.Tensor3D): tf.Tensor3D => {
    const sm = tf.softmax(clip(v, 2));
    const cum = tf.matMul(tf.reshape(sm, [N * nf, K]), cumMatrix(K));
    return tf.reshape(tf.sub(tf.mul(cum, 2 * s.bound), s.bound), [N, nf, K + 1]);
  };
  const D = tf.exp(tf.pad(clip(d, 1), [[0, 0], [0, 0], [1, 1]])) as tf.Tensor3D;
  return { X: edges(w), Y: edges(h), D };
}

/** Selects bin values: returns [lo, hi] = (sum(onehot*v[:K]), sum(onehot*v[1:])). */
function pick(onehot: tf.Tensor3D, v: tf.Tensor3D, K: number): [tf.Tensor2D, tf.Tensor2D] {
  const [N, nf] = v.shape;
  const lo = tf.slice(v, [0, 0, 0], [N, nf, K]);
  const hi = tf.slice(v, [0, 0, 1], [N, nf, K]);
  return [tf.sum(tf.mul(onehot, lo), 2), tf.sum(tf.mul(onehot, hi), 2)];
}

/** One-hot of the bin with edges[k] < v <= edges[k+1] (zuko's searchsorted with strict '<'); all zero outside. */
function binOneHot(edges: tf.Tensor3D, v: tf.Tensor2D, K: number): tf.Tensor3D {
  const [N, nf] = edges.shape;
  // edges < v  <=>  not (edges >= v); greaterEqual has a (zero) gradient registered, less has none.
  const lt = tf.sub(1, tf.cast(tf.greaterEqual(edges, tf.expandDims(v, 2)), 'float32')) as tf.Tensor3D;
  return tf.sub(tf.slice(lt, [0, 0, 0], [N, nf, K]), tf.slice(lt, [0, 0, 1], [N, nf, K]));
}

interface Bin {
  inside: tf.Tensor2D;
  x0: tf.Tensor2D; w: tf.Tensor2D; y0: tf.Tensor2D; h: tf.Tensor2D; d0: tf.Tensor2D; d1: tf.Tensor2D;
}

function selectBin(k: Knots, onehot: tf.Tensor3D, K: number): Bin {
  const inside = tf.sum(onehot, 2) as tf.Tensor2D;
  const outside = tf.sub(1, inside);
  const [x0, x1] = pick(onehot, k.X, K);
  const [y0, y1] = pick(onehot, k.Y, K);
  const [d0, d1] = pick(onehot, k.D, K);
  // Outside the knots every quantity is 0; make widths/heights/derivatives 1 there so the formulas stay finite.
  return {
    inside, x0, y0,
    w: tf.add(tf.sub(x1, x0), outside), h: tf.add(tf.sub(y1, y0), outside),
    d0: tf.add(d0, outside), d1: tf.add(d1, outside),
  };
}

/** y = spline(x), ladj = log dy/dx per element ([N, nf] each). */
export function splineForward(phi: tf.Tensor2D, x: tf.Tensor2D, s: RQSpline): { y: tf.Tensor2D; ladj: tf.Tensor2D } {
  const K = s.bins;
  const nf = x.shape[1];
  const k = knots(phi, nf, s);
  const b = selectBin(k, binOneHot(k.X, x, K), K);
  const sl = tf.div(b.h, b.w);
  const z = tf.div(tf.sub(x, b.x0), b.w);
  const omz = tf.sub(1, z);
  const zz = tf.mul(z, omz);
  const e = tf.sub(tf.add(b.d0, b.d1), tf.mul(sl, 2));
  const den = tf.add(sl, tf.mul(e, zz));
  const num = tf.mul(b.h, tf.add(tf.mul(sl, tf.square(z)), tf.mul(b.d0, zz)));
  const yIn = tf.add(b.y0, tf.div(num, den));
  const jac = tf.div(
    tf.mul(tf.square(sl), tf.add(tf.add(tf.mul(tf.mul(sl, 2), zz), tf.mul(b.d0, tf.square(omz))), tf.mul(b.d1, tf.square(z)))),
    tf.square(den),
  );
  const outside = tf.sub(1, b.inside);
  return {
    y: tf.add(tf.mul(b.inside, yIn), tf.mul(outside, x)),
    ladj: tf.mul(b.inside, tf.log(jac)),
  };
}

/** x = spline^-1(y) ([N, nf]). */
export function splineInverse(phi: tf.Tensor2D, y: tf.Tensor2D, s: RQSpline): tf.Tensor2D {
  const K = s.bins;
  const nf = y.shape[1];
  const k = knots(phi, nf, s);
  const b = selectBin(k, binOneHot(k.Y, y, K), K);
  const sl = tf.div(b.h, b.w);
  const yy = tf.sub(y, b.y0);
  const e = tf.sub(tf.add(b.d0, b.d1), tf.mul(sl, 2));
  const a = tf.add(tf.mul(b.h, tf.sub(sl, b.d0)), tf.mul(yy, e));
  const bb = tf.sub(tf.mul(b.h, b.d0), tf.mul(yy, e));
  const c = tf.neg(tf.mul(sl, yy));
  const disc = tf.relu(tf.sub(tf.square(bb), tf.mul(tf.mul(a, c), 4))); // >= 0 in exact arithmetic; relu absorbs float32 rounding
  const z = tf.div(tf.mul(c, 2), tf.sub(tf.neg(bb), tf.sqrt(disc)));
  const xIn = tf.add(b.x0, tf.mul(z, b.w));
  return tf.add(tf.mul(b.inside, xIn), tf.mul(tf.sub(1, b.inside), y));
}

/** The tfjs spline as a flow strategy (autodiff gradients). */
export const tfSpline: TfSplineStrategy = {
  forward(phi, x, s) {
    const f = splineForward(phi, x, s);
    return { y: f.y, ladj: tf.sum(f.ladj, 1) as tf.Tensor1D };
  },
  inverse: splineInverse,
};
