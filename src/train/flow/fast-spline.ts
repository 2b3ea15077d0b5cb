import * as tf from '@tensorflow/tfjs-core';
import '../../nn/gradients.js';
import type { TfFlow } from '../../models/flow/tf-flow.js';

/**
 * zuko's monotonic rational-quadratic spline (zuko-nsf.md §4) for TRAINING: value and hand-written
 * gradient computed on the host in one pass per element, wrapped in tf.customGrad.
 *
 * Why: the tfjs formulation (src/models/flow/tf-spline.ts, used for inference) runs ~60 element-wise
 * ops over [N, F, K+1] tensors with broadcasting, plus their autodiff; on the wasm backend that costs
 * ~40x the MADE network itself and made training ~10x slower than PyTorch. Here each (row, feature)
 * element does its softmax, knot search, spline and exact derivatives in plain float64 JS (a few hundred
 * flops), which is ~20x cheaper. The math is identical to the tfjs version (tested against its autodiff).
 *
 * Output of the op: [N, F + 1] = spline values y (F columns) and, last, the log|det J| summed over the
 * features.
 */
export interface SplineConsts {
  bins: number;
  slope: number;
  bound: number;
}

/** Per-element forward with intermediates, reused by the backward pass. */
function element(
  phi: Float32Array, off: number, K: number, B: number, aWH: number, aD: number, x: number,
  pw: Float64Array, ph: Float64Array, D: Float64Array,
): { k: number; y: number; ladj: number } {
  // soft clip + softmax of widths and heights
  let mw = -Infinity;
  let mh = -Infinity;
  for (let j = 0; j < K; j++) {
    const w = phi[off + j];
    const h = phi[off + K + j];
    pw[j] = w / (1 + aWH * Math.abs(w));
    ph[j] = h / (1 + aWH * Math.abs(h));
    if (pw[j] > mw) mw = pw[j];
    if (ph[j] > mh) mh = ph[j];
  }
  let sw = 0;
  let sh = 0;
  for (let j = 0; j < K; j++) {
    pw[j] = Math.exp(pw[j] - mw);
    ph[j] = Math.exp(ph[j] - mh);
    sw += pw[j];
    sh += ph[j];
  }
  for (let j = 0; j < K; j++) {
    pw[j] /= sw;
    ph[j] /= sh;
  }
  D[0] = 1;
  D[K] = 1;
  for (let j = 1; j < K; j++) {
    const d = phi[off + 2 * K + j - 1];
    D[j] = Math.exp(d / (1 + aD * Math.abs(d)));
  }
  // bin: k = count(X < x) - 1 with X_k = B (2 cumsum - 1); identity outside [X_0, X_K)
  if (!(x > -B)) return { k: -1, y: x, ladj: 0 };
  let cum = 0;
  let k = 0;
  for (; k < K; k++) {
    const next = cum + pw[k];
    if (!(B * (2 * next - 1) < x)) break;
    cum = next;
  }
  if (k >= K) return { k: K, y: x, ladj: 0 };
  let cumh = 0;
  for (let j = 0; j < k; j++) cumh += ph[j];
  const x0 = B * (2 * cum - 1);
  const wk = 2 * B * pw[k];
  const y0 = B * (2 * cumh - 1);
  const hk = 2 * B * ph[k];
  const d0 = D[k];
  const d1 = D[k + 1];
  const s = hk / wk;
  const z = (x - x0) / wk;
  const q = z * (1 - z);
  const den = s + (d0 + d1 - 2 * s) * q;
  const num = s * z * z + d0 * q;
  const jn = 2 * s * q + d0 * (1 - z) * (1 - z) + d1 * z * z;
  return { k, y: y0 + (hk * num) / den, ladj: 2 * Math.log(s) + Math.log(jn) - 2 * Math.log(den) };
}

function forwardHost(phi: Float32Array, x: Float32Array, N: number, F: number, c: SplineConsts): Float32Array {
  const K = c.bins;
  const P = 3 * K - 1;
  const L = Math.abs(Math.log(c.slope));
  const pw = new Float64Array(K);
  const ph = new Float64Array(K);
  const D = new Float64Array(K + 1);
  const out = new Float32Array(N * (F + 1));
  for (let n = 0; n < N; n++) {
    let sum = 0;
    for (let f = 0; f < F; f++) {
      const r = element(phi, (n * F + f) * P, K, c.bound, 2 / L, 1 / L, x[n * F + f], pw, ph, D);
      out[n * (F + 1) + f] = r.y;
      sum += r.ladj;
    }
    out[n * (F + 1) + F] = sum;
  }
  return out;
}

function backwardHost(phi: Float32Array, x: Float32Array, g: Float32Array, N: number, F: number, c: SplineConsts): { dphi: Float32Array; dx: Float32Array } {
  const K = c.bins;
  const P = 3 * K - 1;
  const B = c.bound;
  const L = Math.abs(Math.log(c.slope));
  const aWH = 2 / L;
  const aD = 1 / L;
  const pw = new Float64Array(K);
  const ph = new Float64Array(K);
  const D = new Float64Array(K + 1);
  const gpw = new Float64Array(K);
  const gph = new Float64Array(K);
  const dphi = new Float32Array(N * F * P);
  const dx = new Float32Array(N * F);
  for (let n = 0; n < N; n++) {
    const gl = g[n * (F + 1) + F];
    for (let f = 0; f < F; f++) {
      const off = (n * F + f) * P;
      const gy = g[n * (F + 1) + f];
      const xv = x[n * F + f];
      const r = element(phi, off, K, B, aWH, aD, xv, pw, ph, D);
      const k = r.k;
      if (k < 0 || k >= K) {
        dx[n * F + f] = gy; // identity tails
        continue;
      }
      let cum = 0;
      let cumh = 0;
      for (let j = 0; j < k; j++) {
        cum += pw[j];
        cumh += ph[j];
      }
      const x0 = B * (2 * cum - 1);
      const wk = 2 * B * pw[k];
      const hk = 2 * B * ph[k];
      const d0 = D[k];
      const d1 = D[k + 1];
      const s = hk / wk;
      const z = (xv - x0) / wk;
      const q = z * (1 - z);
      const e = d0 + d1 - 2 * s;
      const den = s + e * q;
      const num = s * z * z + d0 * q;
      const jn = 2 * s * q + d0 * (1 - z) * (1 - z) + d1 * z * z;
      const den2 = den * den;
      // partial derivatives of y and ladj w.r.t. s, z, d0, d1 (and hk directly)
      const dnum_dz = 2 * s * z + d0 * (1 - 2 * z);
      const dden_dz = e * (1 - 2 * z);
      const dy_ds = (hk * (z * z * den - num * (1 - 2 * q))) / den2;
      const dy_dz = (hk * (dnum_dz * den - num * dden_dz)) / den2;
      const dy_dd0 = (hk * q * (den - num)) / den2;
      const dy_dd1 = (-hk * num * q) / den2;
      const dl_ds = 2 / s + (2 * q) / jn - (2 * (1 - 2 * q)) / den;
      const djn_dz = 2 * s * (1 - 2 * z) - 2 * d0 * (1 - z) + 2 * d1 * z;
      const dl_dz = djn_dz / jn - (2 * dden_dz) / den;
      const dl_dd0 = ((1 - z) * (1 - z)) / jn - (2 * q) / den;
      const dl_dd1 = (z * z) / jn - (2 * q) / den;
      const Gs = gy * dy_ds + gl * dl_ds;
      const Gz = gy * dy_dz + gl * dl_dz;
      const Gd0 = gy * dy_dd0 + gl * dl_dd0;
      const Gd1 = gy * dy_dd1 + gl * dl_dd1;
      const Ghk = gy * (num / den) + Gs / wk;
      const Gwk = (-Gs * hk) / (wk * wk) - (Gz * z) / wk;
      const Gx0 = -Gz / wk;
      const Gy0 = gy;
      dx[n * F + f] = Gz / wk;
      // knots -> bin probabilities: x0 = B(2 sum_{j<k} pw_j - 1), wk = 2B pw_k (same for heights)
      for (let j = 0; j < K; j++) {
        gpw[j] = j < k ? 2 * B * Gx0 : j === k ? 2 * B * Gwk : 0;
        gph[j] = j < k ? 2 * B * Gy0 : j === k ? 2 * B * Ghk : 0;
      }
      // softmax and soft clip backward
      let dotw = 0;
      let doth = 0;
      for (let j = 0; j < K; j++) {
        dotw += pw[j] * gpw[j];
        doth += ph[j] * gph[j];
      }
      for (let j = 0; j < K; j++) {
        const w = phi[off + j];
        const h = phi[off + K + j];
        const cw = 1 + aWH * Math.abs(w);
        const ch = 1 + aWH * Math.abs(h);
        dphi[off + j] = (pw[j] * (gpw[j] - dotw)) / (cw * cw);
        dphi[off + K + j] = (ph[j] * (gph[j] - doth)) / (ch * ch);
      }
      // derivatives: D_j = exp(clip(d_{j-1})) for j = 1..K-1, D_0 = D_K = 1
      const addD = (j: number, G: number) => {
        if (j < 1 || j > K - 1) return;
        const d = phi[off + 2 * K + j - 1];
        const cd = 1 + aD * Math.abs(d);
        dphi[off + 2 * K + j - 1] += (G * D[j]) / (cd * cd);
      };
      addD(k, Gd0);
      addD(k + 1, Gd1);
    }
  }
  return { dphi, dx };
}

/**
 * y, sum(ladj) = spline(x | phi) for phi [N, F * (3K - 1)] and x [N, F]; differentiable in phi and x.
 * Returns [N, F + 1]: y in the first F columns, the log-determinant summed over features in the last.
 */
export function splineForwardFast(phi: tf.Tensor2D, x: tf.Tensor2D, c: SplineConsts): tf.Tensor2D {
  const [N, F] = x.shape;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [p, xi, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    save([p, xi]);
    const value = tf.tensor2d(forwardHost(p.dataSync() as Float32Array, xi.dataSync() as Float32Array, N, F, c), [N, F + 1]);
    return {
      value,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [ps, xs] = saved;
        const g = (dy as tf.Tensor).dataSync() as Float32Array;
        const { dphi, dx } = backwardHost(ps.dataSync() as Float32Array, xs.dataSync() as Float32Array, g, N, F, c);
        return [tf.tensor2d(dphi, ps.shape as [number, number]), tf.tensor2d(dx, [N, F])];
      },
    };
  });
  return op(phi, x) as tf.Tensor2D;
}

/**
 * Switches a TfFlow's forward pass (and so logProb) to the host spline for training. Inference
 * (correct/inverse) keeps the model's own tfjs path.
 */
export function useFastSplineForTraining(flow: TfFlow): void {
  const c = { bins: flow.arch.bins, slope: flow.arch.slope, bound: flow.arch.bound };
  const F = flow.arch.features;
  flow.forward = (x: tf.Tensor2D, ctx: tf.Tensor2D) => tf.tidy(() => {
    let v = x;
    let ladj: tf.Tensor1D = tf.zeros([x.shape[0]]);
    for (let t = 0; t < flow.layers.length; t++) {
      const out = splineForwardFast(flow.made(t, v, ctx), v, c);
      const n = out.shape[0];
      v = tf.slice(out, [0, 0], [n, F]);
      ladj = tf.add(ladj, tf.reshape(tf.slice(out, [0, F], [n, 1]), [n]));
    }
    return { y: v, ladj };
  });
}
