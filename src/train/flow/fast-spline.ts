import * as tf from '@tensorflow/tfjs-core';
import '../../nn/gradients.js';
import type { RQSpline } from '../../models/flow/rqs.js';
import { splineInverse, type TfSplineStrategy } from '../../models/flow/tf-spline.js';

/**
 * The training strategy of the rational-quadratic spline (models/flow/rqs.ts, zuko-nsf.md §4): value and
 * hand-written gradient computed on the host in one pass per element, wrapped in tf.customGrad.
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
/**
 * exp(x) for the spline's soft-clipped arguments (|x| < 2 ln(1/slope), about 14): range reduction
 * x = n ln2 + r, |r| <= ln2/2, and a degree-9 Taylor polynomial (relative error < 2e-10, far below
 * float32's 6e-8). Why by hand: V8's Math.exp costs ~40 ns here and the softmaxes take 2K of them per
 * element, which made them most of the spline's time. Falls back to Math.exp outside the table.
 */
const LN2_HI = 0.6931471803691238;
const LN2_LO = 1.9082149292705877e-10;
const POW2 = Float64Array.from({ length: 129 }, (_, i) => 2 ** (i - 64));
function expFast(x: number): number {
  const n = Math.round(x * Math.LOG2E);
  if (!(n >= -64 && n <= 64)) return Math.exp(x);
  const r = x - n * LN2_HI - n * LN2_LO;
  const p = 1 + r * (1 + r * (1 / 2 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120 + r * (1 / 720 + r * (1 / 5040 + r * (1 / 40320 + r / 362880))))))));
  return p * POW2[n + 64];
}

/**
 * Per-call constants: bins K, parameters per feature P = 3K - 1, bound B, and the soft-clip factors of the
 * widths/heights (2/L) and derivatives (1/L) with L = |log slope| (zuko's clipping).
 */
function constants(c: RQSpline): { K: number; P: number; B: number; aWH: number; aD: number } {
  const L = Math.abs(Math.log(c.slope));
  return { K: c.bins, P: 3 * c.bins - 1, B: c.bound, aWH: 2 / L, aD: 1 / L };
}

/** What the forward pass keeps for the backward pass: normalised bin widths/heights and the bin index. */
interface Saved {
  pw: Float64Array;
  ph: Float64Array;
  /** Bin of each element, -1 or K outside the spline's support (identity tails). */
  bin: Int16Array;
}

/**
 * Forward pass over all (row, feature) elements. Per element: soft clip + softmax of widths and heights
 * (kept for the backward pass, so it never recomputes the 2K exponentials), knot search, and the
 * derivatives of bin k only (2 exponentials instead of K-1).
 */
function forwardHost(phi: Float32Array, x: Float32Array, N: number, F: number, c: RQSpline): { out: Float32Array; saved: Saved } {
  const { K, P, B, aWH, aD } = constants(c);
  const E = N * F;
  const pwAll = new Float64Array(E * K);
  const phAll = new Float64Array(E * K);
  const bin = new Int16Array(E);
  const out = new Float32Array(N * (F + 1));
  for (let n = 0; n < N; n++) {
    let sum = 0;
    for (let f = 0; f < F; f++) {
      const e = n * F + f;
      const off = e * P;
      const o = e * K;
      // Soft clip bounds the logits to |v| < L/2 (about 3.5), so the softmax needs no max subtraction.
      let sw = 0;
      let sh = 0;
      for (let j = 0; j < K; j++) {
        const w = phi[off + j];
        const h = phi[off + K + j];
        const ew = expFast(w / (1 + aWH * Math.abs(w)));
        const eh = expFast(h / (1 + aWH * Math.abs(h)));
        pwAll[o + j] = ew;
        phAll[o + j] = eh;
        sw += ew;
        sh += eh;
      }
      const iw = 1 / sw;
      const ih = 1 / sh;
      for (let j = 0; j < K; j++) {
        pwAll[o + j] *= iw;
        phAll[o + j] *= ih;
      }
      const xv = x[e];
      // bin: k = count(X < x) - 1 with X_k = B (2 cumsum - 1); identity outside [X_0, X_K)
      let k = -1;
      let cum = 0;
      let cumh = 0;
      if (xv > -B) {
        k = 0;
        for (; k < K; k++) {
          const next = cum + pwAll[o + k];
          if (!(B * (2 * next - 1) < xv)) break;
          cum = next;
          cumh += phAll[o + k];
        }
      }
      bin[e] = k;
      if (k < 0 || k >= K) {
        out[n * (F + 1) + f] = xv;
        continue;
      }
      const x0 = B * (2 * cum - 1);
      const wk = 2 * B * pwAll[o + k];
      const y0 = B * (2 * cumh - 1);
      const hk = 2 * B * phAll[o + k];
      const d0 = derivative(phi, off + 2 * K, k, K, aD);
      const d1 = derivative(phi, off + 2 * K, k + 1, K, aD);
      const s = hk / wk;
      const z = (xv - x0) / wk;
      const q = z * (1 - z);
      const den = s + (d0 + d1 - 2 * s) * q;
      const num = s * z * z + d0 * q;
      const jn = 2 * s * q + d0 * (1 - z) * (1 - z) + d1 * z * z;
      out[n * (F + 1) + f] = y0 + (hk * num) / den;
      // log(s^2 jn / den^2) with one logarithm instead of three
      sum += Math.log((s * s * jn) / (den * den));
    }
    out[n * (F + 1) + F] = sum;
  }
  return { out, saved: { pw: pwAll, ph: phAll, bin } };
}

/** Knot derivative D_j = exp(softclip(d_{j-1})) for j = 1..K-1; D_0 = D_K = 1 (linear tails). */
function derivative(phi: Float32Array, dOff: number, j: number, K: number, aD: number): number {
  if (j < 1 || j > K - 1) return 1;
  const d = phi[dOff + j - 1];
  return expFast(d / (1 + aD * Math.abs(d)));
}

/** d(soft clip) / d(input) times D_j, the chain factor of knot derivative j's raw parameter. */
function derivativeGrad(phi: Float32Array, dOff: number, j: number, aD: number, D: number): number {
  const cd = 1 + aD * Math.abs(phi[dOff + j - 1]);
  return D / (cd * cd);
}

function backwardHost(phi: Float32Array, x: Float32Array, g: Float32Array, N: number, F: number, c: RQSpline, saved: Saved): { dphi: Float32Array; dx: Float32Array } {
  const { K, P, B, aWH, aD } = constants(c);
  const { pw, ph, bin } = saved;
  const dphi = new Float32Array(N * F * P);
  const dx = new Float32Array(N * F);
  for (let n = 0; n < N; n++) {
    const gl = g[n * (F + 1) + F];
    for (let f = 0; f < F; f++) {
      const e = n * F + f;
      const off = e * P;
      const o = e * K;
      const gy = g[n * (F + 1) + f];
      const xv = x[e];
      const k = bin[e];
      if (k < 0 || k >= K) {
        dx[e] = gy; // identity tails
        continue;
      }
      let cum = 0;
      let cumh = 0;
      for (let j = 0; j < k; j++) {
        cum += pw[o + j];
        cumh += ph[o + j];
      }
      const x0 = B * (2 * cum - 1);
      const wk = 2 * B * pw[o + k];
      const hk = 2 * B * ph[o + k];
      const d0 = derivative(phi, off + 2 * K, k, K, aD);
      const d1 = derivative(phi, off + 2 * K, k + 1, K, aD);
      const s = hk / wk;
      const z = (xv - x0) / wk;
      const q = z * (1 - z);
      const ee = d0 + d1 - 2 * s;
      const den = s + ee * q;
      const num = s * z * z + d0 * q;
      const jn = 2 * s * q + d0 * (1 - z) * (1 - z) + d1 * z * z;
      const den2 = den * den;
      // partial derivatives of y and ladj w.r.t. s, z, d0, d1 (and hk directly)
      const dnum_dz = 2 * s * z + d0 * (1 - 2 * z);
      const dden_dz = ee * (1 - 2 * z);
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
      dx[e] = Gz / wk;
      // knots -> bin probabilities: x0 = B(2 sum_{j<k} pw_j - 1), wk = 2B pw_k (same for heights), so the
      // gradient w.r.t. pw_j is 2B Gx0 below k, 2B Gwk at k, 0 above; then softmax and soft clip backward.
      const dotw = 2 * B * (Gx0 * cum + Gwk * pw[o + k]);
      const doth = 2 * B * (Gy0 * cumh + Ghk * ph[o + k]);
      for (let j = 0; j < K; j++) {
        const gpw = j < k ? 2 * B * Gx0 : j === k ? 2 * B * Gwk : 0;
        const gph = j < k ? 2 * B * Gy0 : j === k ? 2 * B * Ghk : 0;
        const w = phi[off + j];
        const h = phi[off + K + j];
        const cw = 1 + aWH * Math.abs(w);
        const ch = 1 + aWH * Math.abs(h);
        dphi[off + j] = (pw[o + j] * (gpw - dotw)) / (cw * cw);
        dphi[off + K + j] = (ph[o + j] * (gph - doth)) / (ch * ch);
      }
      if (k >= 1) dphi[off + 2 * K + k - 1] += Gd0 * derivativeGrad(phi, off + 2 * K, k, aD, d0);
      if (k + 1 <= K - 1) dphi[off + 2 * K + k] += Gd1 * derivativeGrad(phi, off + 2 * K, k + 1, aD, d1);
    }
  }
  return { dphi, dx };
}

/**
 * y, sum(ladj) = spline(x | phi) for phi [N, F * (3K - 1)] and x [N, F]; differentiable in phi and x.
 * Returns [N, F + 1]: y in the first F columns, the log-determinant summed over features in the last.
 */
export function splineForwardFast(phi: tf.Tensor2D, x: tf.Tensor2D, c: RQSpline): tf.Tensor2D {
  const [N, F] = x.shape;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [p, xi, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    save([p, xi]);
    const { out, saved } = forwardHost(p.dataSync() as Float32Array, xi.dataSync() as Float32Array, N, F, c);
    return {
      value: tf.tensor2d(out, [N, F + 1]),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], kept: tf.Tensor[]) => {
        const [ps, xs] = kept;
        const g = (dy as tf.Tensor).dataSync() as Float32Array;
        const { dphi, dx } = backwardHost(ps.dataSync() as Float32Array, xs.dataSync() as Float32Array, g, N, F, c, saved);
        return [tf.tensor2d(dphi, ps.shape as [number, number]), tf.tensor2d(dx, [N, F])];
      },
    };
  });
  return op(phi, x) as tf.Tensor2D;
}

/**
 * The host spline as a flow strategy for training (TfFlow.init(arch, seed, { spline: hostGradSpline, ... })).
 * Its inverse is the tfjs one: training never inverts, and inference (correct/inverse) keeps the model's
 * own tfjs path.
 */
export const hostGradSpline: TfSplineStrategy = {
  forward(phi, x, c) {
    const out = splineForwardFast(phi, x, c);
    const [n, F] = x.shape;
    return { y: tf.slice(out, [0, 0], [n, F]), ladj: tf.reshape(tf.slice(out, [0, F], [n, 1]), [n]) };
  },
  inverse: splineInverse,
};
