import * as tf from '@tensorflow/tfjs-core';
import type { Params } from './params.js';

export interface AdamOptions {
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
  /** true (AdamW, default): decay is decoupled, p *= 1 - lr*wd. false: L2 added to the gradient (torch Adam). */
  decoupled?: boolean;
}

/**
 * Adam / AdamW with PyTorch's update formula (bias corrections applied to the step size and to sqrt(v),
 * eps added after the square root), so hyper-parameters carry over from torch configs unchanged.
 */
export class Adam {
  lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly decoupled: boolean;
  private t = 0;
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();

  constructor(private readonly params: Params, opts: AdamOptions) {
    this.lr = opts.lr;
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.eps = opts.eps ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? 0;
    this.decoupled = opts.decoupled ?? true;
    for (const [name, p] of params.entries()) {
      this.m.set(name, tf.variable(tf.zerosLike(p), false));
      this.v.set(name, tf.variable(tf.zerosLike(p), false));
    }
  }

  get steps(): number {
    return this.t;
  }

  /** One update; `grads` maps parameter name to its gradient (missing names are skipped). */
  step(grads: Map<string, tf.Tensor>): void {
    this.t += 1;
    const { beta1: b1, beta2: b2, eps, lr, weightDecay: wd } = this;
    const bc1 = 1 - Math.pow(b1, this.t);
    const sqrtBc2 = Math.sqrt(1 - Math.pow(b2, this.t));
    tf.tidy(() => {
      for (const [name, p] of this.params.entries()) {
        let g = grads.get(name);
        if (!g) continue;
        if (wd !== 0 && !this.decoupled) g = tf.add(g, tf.mul(p, wd));
        const m = this.m.get(name)!;
        const v = this.v.get(name)!;
        m.assign(tf.add(tf.mul(m, b1), tf.mul(g, 1 - b1)));
        v.assign(tf.add(tf.mul(v, b2), tf.mul(tf.square(g), 1 - b2)));
        const denom = tf.add(tf.div(tf.sqrt(v), sqrtBc2), eps);
        const base = wd !== 0 && this.decoupled ? tf.mul(p, 1 - lr * wd) : p;
        p.assign(tf.sub(base, tf.mul(tf.div(m, denom), lr / bc1)));
      }
    });
  }

  getState(): { t: number; lr: number; m: Map<string, Float32Array>; v: Map<string, Float32Array> } {
    const copy = (src: Map<string, tf.Variable>) => new Map([...src].map(([k, x]) => [k, new Float32Array(x.dataSync() as Float32Array)] as const));
    return { t: this.t, lr: this.lr, m: copy(this.m), v: copy(this.v) };
  }

  setState(state: { t: number; lr: number; m: Map<string, ArrayLike<number>>; v: Map<string, ArrayLike<number>> }): void {
    this.t = state.t;
    this.lr = state.lr;
    for (const [which, dst] of [[state.m, this.m], [state.v, this.v]] as const) {
      for (const [name, x] of dst) {
        const d = which.get(name);
        if (!d || d.length !== x.size) throw new Error(`optimizer state for ${name} missing or of the wrong size`);
        tf.tidy(() => x.assign(tf.tensor(Float32Array.from(d), x.shape, 'float32')));
      }
    }
  }

  dispose(): void {
    for (const x of [...this.m.values(), ...this.v.values()]) x.dispose();
  }
}

/**
 * Scales all gradients by min(1, maxNorm / (norm + 1e-6)) where norm is their joint L2 norm (torch's
 * clip_grad_norm_). Stays on the device (no sync); returns new gradient tensors and the norm, which the
 * caller owns and disposes.
 */
export function clipByGlobalNorm(grads: Map<string, tf.Tensor>, maxNorm: number): { grads: Map<string, tf.Tensor>; norm: tf.Scalar } {
  const keys = [...grads.keys()];
  // tidy keeps tensors returned in arrays/objects but does not look inside a Map: return an array
  const [norm, ...scaled] = tf.tidy(() => {
    const squares = keys.map((k) => tf.sum(tf.square(grads.get(k)!)));
    const n = tf.sqrt(squares.length === 1 ? squares[0] : tf.addN(squares)) as tf.Scalar;
    const coef = tf.minimum(tf.div(maxNorm, tf.add(n, 1e-6)), 1);
    return [n, ...keys.map((k) => tf.mul(grads.get(k)!, coef))];
  });
  return { grads: new Map(keys.map((k, i) => [k, scaled[i]] as const)), norm: norm as tf.Scalar };
}
