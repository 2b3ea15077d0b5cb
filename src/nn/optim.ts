import * as tf from '@tensorflow/tfjs-core';
import type { Params } from './params.js';

/** What the training loop and checkpoints need from an optimizer (state: step count, lr, up to two slot maps). */
export interface Optimizer {
  lr: number;
  readonly steps: number;
  step(grads: Map<string, tf.Tensor>): void;
  getState(): { t: number; lr: number; m: Map<string, Float32Array>; v: Map<string, Float32Array> };
  setState(state: { t: number; lr: number; m: Map<string, ArrayLike<number>>; v: Map<string, ArrayLike<number>> }): void;
  dispose(): void;
}

/** Slot variables (moments, velocities) per parameter, saved and restored by name. */
class Slots {
  readonly map = new Map<string, tf.Variable>();
  constructor(params: Params) {
    for (const [name, p] of params.entries()) this.map.set(name, tf.variable(tf.zerosLike(p), false));
  }
  get(name: string): tf.Variable { return this.map.get(name)!; }
  copy(): Map<string, Float32Array> {
    return new Map([...this.map].map(([k, x]) => [k, new Float32Array(x.dataSync() as Float32Array)] as const));
  }
  restore(which: Map<string, ArrayLike<number>>): void {
    for (const [name, x] of this.map) {
      const d = which.get(name);
      if (!d || d.length !== x.size) throw new Error(`optimizer state for ${name} missing or of the wrong size`);
      tf.tidy(() => x.assign(tf.tensor(Float32Array.from(d), x.shape, 'float32')));
    }
  }
  dispose(): void { for (const x of this.map.values()) x.dispose(); this.map.clear(); }
}

/**
 * SGD as Keras implements it (ml-jec's optimizer: {algorithm: sgd, momentum, nesterov}): velocity
 * v = momentum * v - lr * g; p += v, or with Nesterov p += momentum * v - lr * g; plain p -= lr * g when
 * momentum is 0. weightDecay > 0 adds decoupled decay p *= 1 - lr * wd (ntcorr's weight_decay).
 */
export class SGD implements Optimizer {
  lr: number;
  private t = 0;
  private readonly vel: Slots;
  constructor(private readonly params: Params, private readonly opts: { lr: number; momentum?: number; nesterov?: boolean; weightDecay?: number }) {
    this.lr = opts.lr;
    this.vel = new Slots(params);
  }
  get steps(): number { return this.t; }
  step(grads: Map<string, tf.Tensor>): void {
    this.t += 1;
    const mom = this.opts.momentum ?? 0, wd = this.opts.weightDecay ?? 0, lr = this.lr;
    tf.tidy(() => {
      for (const [name, p] of this.params.entries()) {
        const g = grads.get(name);
        if (!g) continue;
        const base = wd !== 0 ? tf.mul(p, 1 - lr * wd) : p;
        if (mom === 0) { p.assign(tf.sub(base, tf.mul(g, lr))); continue; }
        const v = this.vel.get(name);
        v.assign(tf.sub(tf.mul(v, mom), tf.mul(g, lr)));
        p.assign(this.opts.nesterov ? tf.add(base, tf.sub(tf.mul(v, mom), tf.mul(g, lr))) : tf.add(base, v));
      }
    });
  }
  getState() { return { t: this.t, lr: this.lr, m: this.vel.copy(), v: new Map<string, Float32Array>() }; }
  setState(s: { t: number; lr: number; m: Map<string, ArrayLike<number>> }): void { this.t = s.t; this.lr = s.lr; this.vel.restore(s.m); }
  dispose(): void { this.vel.dispose(); }
}

/**
 * Rectified Adam with TensorFlow Addons' formula and defaults (ml-jec's algorithm: radam uses
 * tfa.optimizers.RectifiedAdam(): beta1 0.9, beta2 0.999, epsilon 1e-7, sma_threshold 5, no warm-up):
 * sma_inf = 2/(1-b2) - 1, sma_t = sma_inf - 2 t b2^t / (1 - b2^t); with m^ = m/(1-b1^t), v^ = sqrt(v/(1-b2^t)),
 * the step is lr * r_t * m^ / (v^ + eps) when sma_t >= 5 (r_t the variance rectification), else lr * m^.
 */
export class RAdam implements Optimizer {
  lr: number;
  private t = 0;
  private readonly m: Slots;
  private readonly v: Slots;
  constructor(private readonly params: Params, private readonly opts: { lr: number; beta1?: number; beta2?: number; eps?: number; weightDecay?: number }) {
    this.lr = opts.lr;
    this.m = new Slots(params);
    this.v = new Slots(params);
  }
  get steps(): number { return this.t; }
  step(grads: Map<string, tf.Tensor>): void {
    this.t += 1;
    const b1 = this.opts.beta1 ?? 0.9, b2 = this.opts.beta2 ?? 0.999, eps = this.opts.eps ?? 1e-7, wd = this.opts.weightDecay ?? 0, lr = this.lr, t = this.t;
    const b1t = Math.pow(b1, t), b2t = Math.pow(b2, t);
    const smaInf = 2 / (1 - b2) - 1;
    const smaT = smaInf - (2 * t * b2t) / (1 - b2t);
    const rect = smaT >= 5 ? Math.sqrt(((smaT - 4) / (smaInf - 4)) * ((smaT - 2) / (smaInf - 2)) * (smaInf / smaT)) : 0;
    tf.tidy(() => {
      for (const [name, p] of this.params.entries()) {
        const g = grads.get(name);
        if (!g) continue;
        const m = this.m.get(name), v = this.v.get(name);
        m.assign(tf.add(tf.mul(m, b1), tf.mul(g, 1 - b1)));
        v.assign(tf.add(tf.mul(v, b2), tf.mul(tf.square(g), 1 - b2)));
        const mHat = tf.div(m, 1 - b1t);
        const upd = smaT >= 5 ? tf.mul(tf.div(mHat, tf.add(tf.sqrt(tf.div(v, 1 - b2t)), eps)), rect) : mHat;
        const base = wd !== 0 ? tf.mul(p, 1 - lr * wd) : p;
        p.assign(tf.sub(base, tf.mul(upd, lr)));
      }
    });
  }
  getState() { return { t: this.t, lr: this.lr, m: this.m.copy(), v: this.v.copy() }; }
  setState(s: { t: number; lr: number; m: Map<string, ArrayLike<number>>; v: Map<string, ArrayLike<number>> }): void { this.t = s.t; this.lr = s.lr; this.m.restore(s.m); this.v.restore(s.v); }
  dispose(): void { this.m.dispose(); this.v.dispose(); }
}

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
export class Adam implements Optimizer {
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
