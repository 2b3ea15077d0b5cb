import * as tf from '@tensorflow/tfjs-core';
// tfjs-core alone registers no gradients; logProb must be differentiable for training.
import '../../nn/gradients.js';
import { type FlowArch, type FlowWeights, layerSizes, paramsPerFeature, effectivePasses, transformOrder } from './arch.js';
import { buildMasks } from './masks.js';
import { planTransform } from './incremental.js';
import { mulberry32 } from '../../core/random.js';
import { rqsOf, type RQSpline } from './rqs.js';
import { tfSpline, type TfSplineStrategy } from './tf-spline.js';

/**
 * The zuko-compatible NSF in tfjs (float32, any backend), composed of MADE hyper-networks (masked dense
 * layers) and univariate rational-quadratic transforms (rqs.ts). Parameters are tf.Variables (trainable),
 * so `logProb` is differentiable for training; `forward` and `inverse` (incremental or naive) serve
 * inference (the simulation correction built from them is models/flow/correction.ts).
 * Layout of one MADE layer: w [in, out] (x @ w), b [out], mask [in, out] (constant).
 */

/** One masked dense layer, `x @ (w * mask) + b`. */
export type MaskedDense = (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, mask: tf.Tensor2D) => tf.Tensor2D;

export const maskedDense: MaskedDense = (x, w, b, mask) => tf.add(tf.matMul(x, tf.mul(w, mask)), b) as tf.Tensor2D;

/**
 * How a flow computes its layers. Inference uses tfjs ops with autodiff; training plugs in versions with
 * hand-written gradients (src/nn's dense, train/flow/fast-spline.ts), which are several times faster.
 */
export interface TfFlowStrategies {
  dense: MaskedDense;
  spline: TfSplineStrategy;
}

export const TFJS_STRATEGIES: TfFlowStrategies = { dense: maskedDense, spline: tfSpline };

export interface TfLayer {
  w: tf.Variable<tf.Rank.R2>;
  b: tf.Variable<tf.Rank.R1>;
  mask: tf.Tensor2D;
}

export type InverseMode = 'incremental' | 'naive';

/** Constant slices of the incremental plan of one transform (built from the current weights). */
interface TfPlan {
  steps: number;
  featureOrder: tf.Tensor1D;
  restoreOrder: tf.Tensor1D;
  featureBlock: [number, number][];
  /** [layer][step]: weight slice [prefixIn, blockWidth] and bias slice, or null for an empty block. */
  slices: ({ w: tf.Tensor2D; b: tf.Tensor1D } | null)[][];
}

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c];
  return out;
}

export class TfFlow {
  private plans?: TfPlan[];
  readonly spline: RQSpline;

  private constructor(
    readonly arch: FlowArch,
    readonly layers: TfLayer[][],
    readonly strategies: TfFlowStrategies,
  ) {
    this.spline = rqsOf(arch);
  }

  /** Builds the model from host weights (bundle, zuko import). Masks come from the architecture. */
  static fromWeights(w: FlowWeights, opts: { trainable?: boolean; strategies?: TfFlowStrategies } = {}): TfFlow {
    const trainable = opts.trainable ?? false;
    const layers = w.transforms.map((tr, t) => {
      const masks = buildMasks(w.arch, t);
      return tr.layers.map((L, l) => ({
        w: tf.variable(tf.tensor2d(transpose(L.weight, L.out, L.in), [L.in, L.out]), trainable) as tf.Variable<tf.Rank.R2>,
        b: tf.variable(tf.tensor1d(L.bias), trainable) as tf.Variable<tf.Rank.R1>,
        mask: tf.keep(tf.tensor2d(transpose(Float32Array.from(masks[l]), L.out, L.in), [L.in, L.out])),
      }));
    });
    return new TfFlow(w.arch, layers, opts.strategies ?? TFJS_STRATEGIES);
  }

  /** Fresh model with PyTorch's default nn.Linear init, U(-1/sqrt(fan_in), 1/sqrt(fan_in)), seeded. */
  static init(arch: FlowArch, seed: number, strategies?: TfFlowStrategies): TfFlow {
    return TfFlow.fromWeights(initialWeights(arch, seed), { trainable: true, strategies });
  }

  /** Every trainable parameter (weights then bias, per layer, per transform). */
  get variables(): tf.Variable[] {
    return this.layers.flatMap((ls) => ls.flatMap((L) => [L.w, L.b]));
  }

  /** Raw MADE output phi [N, F*P] of transform t for input concat(x, c). */
  made(t: number, x: tf.Tensor2D, c: tf.Tensor2D): tf.Tensor2D {
    let h: tf.Tensor2D = this.arch.context > 0 ? tf.concat([x, c], 1) : x;
    const ls = this.layers[t];
    ls.forEach((L, l) => {
      h = this.strategies.dense(h, L.w, L.b, L.mask);
      if (l < ls.length - 1) h = tf.relu(h);
    });
    return h;
  }

  /** x -> z through all transforms (t_0 first), with the summed log|det J| [N]. Differentiable. */
  forward(x: tf.Tensor2D, c: tf.Tensor2D): { y: tf.Tensor2D; ladj: tf.Tensor1D } {
    return tf.tidy(() => {
      let v = x;
      let ladj: tf.Tensor1D = tf.zeros([x.shape[0]]);
      for (let t = 0; t < this.layers.length; t++) {
        // One tidy per transform bounds memory to one transform's intermediates; under a gradient tape the
        // tensors backprop needs are kept by the engine regardless.
        const prev = ladj;
        const r = tf.tidy(() => {
          const f = this.strategies.spline.forward(this.made(t, v, c), v, this.spline);
          return { y: f.y, ladj: tf.add(prev, f.ladj) as tf.Tensor1D };
        });
        v = r.y;
        ladj = r.ladj;
      }
      return { y: v, ladj };
    });
  }

  /** log p(x | c) = base log-prob of z + log|det J| [N]. Differentiable (training loss = -mean). */
  logProb(x: tf.Tensor2D, c: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => {
      const { y, ladj } = this.forward(x, c);
      const base = tf.sub(tf.mul(tf.sum(tf.square(y), 1), -0.5), this.arch.features * HALF_LOG_2PI);
      return tf.add(base, ladj);
    });
  }

  /** z -> x. 'incremental' computes every MADE unit once; 'naive' re-runs the MADE `passes` times (zuko). */
  inverse(z: tf.Tensor2D, c: tf.Tensor2D, mode: InverseMode = 'incremental'): tf.Tensor2D {
    if (mode === 'incremental') this.ensurePlans();
    return tf.tidy(() => {
      let v = z;
      for (let t = this.layers.length - 1; t >= 0; t--) v = mode === 'naive' ? this.inverseNaive(t, v, c) : this.inverseIncremental(t, v, c);
      return v;
    });
  }

  private inverseNaive(t: number, y: tf.Tensor2D, c: tf.Tensor2D): tf.Tensor2D {
    let x: tf.Tensor2D = tf.zerosLike(y);
    for (let p = 0; p < effectivePasses(this.arch); p++) {
      const prev = x;
      x = tf.tidy(() => this.strategies.spline.inverse(this.made(t, prev, c), y, this.spline));
      prev.dispose();
    }
    return x;
  }

  private inverseIncremental(t: number, y: tf.Tensor2D, c: tf.Tensor2D): tf.Tensor2D {
    const plan = this.plans![t];
    const P = paramsPerFeature(this.arch);
    const n = y.shape[0];
    const ySorted = tf.gather(y, plan.featureOrder, 1) as tf.Tensor2D;
    // acts[l]: the units of layer l's input computed so far (layer 0 input: context, then features by step).
    const acts: tf.Tensor2D[] = [this.arch.context > 0 ? c : tf.zeros([n, 0])];
    const xs: tf.Tensor2D[] = [];
    for (let l = 0; l < plan.slices.length; l++) acts.push(tf.zeros([n, 0]));
    const last = plan.slices.length - 1;
    for (let s = 0; s < plan.steps; s++) {
      // One tidy per step: only the growing activations and the produced features survive it.
      const before = [...acts];
      const out: tf.Tensor2D[] = tf.tidy(() => {
        const a = [...acts];
        plan.slices.forEach((perStep, l) => {
          const sl = perStep[s];
          if (!sl) return;
          const input = a[l].shape[1] === sl.w.shape[0] ? a[l] : tf.slice(a[l], [0, 0], [n, sl.w.shape[0]]);
          let h = tf.add(tf.matMul(input, sl.w), sl.b) as tf.Tensor2D;
          if (l < last) h = tf.relu(h);
          a[l + 1] = l < last ? (tf.concat([a[l + 1], h], 1) as tf.Tensor2D) : h;
        });
        const [f0, f1] = plan.featureBlock[s];
        if (f1 === f0) return a;
        const phi = a[last + 1];
        if (phi.shape[1] !== (f1 - f0) * P) throw new Error('incremental inverse: plan inconsistent with layer sizes');
        const xNew = this.strategies.spline.inverse(phi, tf.slice(ySorted, [0, f0], [n, f1 - f0]), this.spline);
        a[0] = tf.concat([a[0], xNew], 1) as tf.Tensor2D;
        return [...a, xNew];
      });
      const next = out.slice(0, acts.length);
      const xb = out.length > acts.length ? out[acts.length] : undefined;
      for (const t of before) if (!next.includes(t) && t !== c) t.dispose();
      acts.splice(0, acts.length, ...next);
      if (xb) xs.push(xb);
    }
    return tf.gather(tf.concat(xs, 1), plan.restoreOrder, 1) as tf.Tensor2D;
  }

  /**
   * Builds the incremental-inverse slices from the current weights. Call `weightsChanged()` after
   * training steps so the next inverse rebuilds them.
   */
  private ensurePlans(): void {
    if (this.plans) return;
    const w = this.toWeights();
    this.plans = w.transforms.map((_, t) => {
      const p = planTransform(w, t);
      const restore = new Int32Array(p.featureOrder.length);
      p.featureOrder.forEach((f, q) => (restore[f] = q));
      return {
        steps: p.steps,
        featureOrder: tf.keep(tf.tensor1d(Int32Array.from(p.featureOrder), 'int32')),
        restoreOrder: tf.keep(tf.tensor1d(restore, 'int32')),
        featureBlock: p.featureBlock,
        slices: p.layers.map((L) => L.block.map(([b0, b1], s) => {
          if (b1 === b0) return null;
          const rows = L.prefixIn[s];
          const ws = new Float32Array(rows * (b1 - b0));
          for (let i = 0; i < rows; i++) ws.set(L.weight.subarray(i * L.out + b0, i * L.out + b1), i * (b1 - b0));
          return { w: tf.keep(tf.tensor2d(ws, [rows, b1 - b0])), b: tf.keep(tf.tensor1d(L.bias.slice(b0, b1))) };
        })),
      };
    });
  }

  /** Drops cached inverse plans (call after the variables were updated). */
  weightsChanged(): void {
    this.disposePlans();
  }

  private disposePlans(): void {
    for (const p of this.plans ?? []) {
      p.featureOrder.dispose();
      p.restoreOrder.dispose();
      for (const per of p.slices) for (const s of per) if (s) { s.w.dispose(); s.b.dispose(); }
    }
    this.plans = undefined;
  }

  /** Current parameters on the host, in zuko's layout (weight (out, in)). */
  toWeights(): FlowWeights {
    return {
      arch: this.arch,
      transforms: this.layers.map((ls, t) => {
        const masks = buildMasks(this.arch, t);
        return {
          order: transformOrder(this.arch, t),
          layers: ls.map((L, l) => {
            const [inN, out] = L.w.shape;
            return { in: inN, out, weight: transpose(L.w.dataSync() as Float32Array, inN, out), bias: Float32Array.from(L.b.dataSync()), mask: masks[l] };
          }),
        };
      }),
    };
  }

  dispose(): void {
    this.disposePlans();
    for (const ls of this.layers) for (const L of ls) { L.w.dispose(); L.b.dispose(); L.mask.dispose(); }
  }
}

/** Host weights with PyTorch's default nn.Linear init (fan_in = full input width), from a seed. */
export function initialWeights(arch: FlowArch, seed: number): FlowWeights {
  const rnd = mulberry32(seed);
  const sizes = layerSizes(arch);
  return {
    arch,
    transforms: Array.from({ length: arch.transforms }, (_, t) => {
      const masks = buildMasks(arch, t);
      return {
        order: transformOrder(arch, t),
        layers: masks.map((mask, l) => {
          const [inN, out] = [sizes[l], sizes[l + 1]];
          const a = 1 / Math.sqrt(inN);
          const u = () => (2 * rnd() - 1) * a;
          return { in: inN, out, mask, weight: Float32Array.from({ length: out * inN }, u), bias: Float32Array.from({ length: out }, u) };
        }),
      };
    }),
  };
}
