import * as tf from '@tensorflow/tfjs-core';
import './gradients.js';

/** Activations the fused dense layer supports (each has a gradient computable from the output alone). */
export type Activation = 'linear' | 'relu' | 'elu';

export interface DenseOptions {
  activation?: Activation;
  /**
   * Constant 0/1 mask of W's shape [in, out] (MADE's autoregressive masks). The layer uses W * mask and the
   * gradient of W is masked too, so masked weights never move.
   */
  mask?: tf.Tensor2D;
  /** false: the gradient w.r.t. x is not needed (first layer on data) and is returned as zeros, skipping one matmul. */
  inputGrad?: boolean;
}

/**
 * y = act(x @ (W [* mask]) + b) with a hand-written gradient. Why: tfjs' autodiff of fused matMul is ~7x
 * slower than computing dx = g W^T, dW = x^T g, db = sum(g) ourselves (measurements.md), and the activation
 * gradient is taken from the saved output so nothing but x, W and y is kept.
 * x: [n, in], w: [in, out], b: [out].
 */
export function dense(x: tf.Tensor2D, w: tf.Tensor2D | tf.Variable, b: tf.Tensor1D | tf.Variable, opts: DenseOptions = {}): tf.Tensor2D {
  const act = opts.activation ?? 'linear';
  const mask = opts.mask;
  const inputGrad = opts.inputGrad ?? true;
  const f = tf.customGrad(((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xi, wi, bi] = args as tf.Tensor[];
    const save = args[3] as tf.GradSaveFunc;
    const wm = (mask ? tf.mul(wi, mask) : wi) as tf.Tensor2D;
    const y = tf.fused.matMul({ a: xi as tf.Tensor2D, b: wm, bias: bi, activation: act });
    save([xi, wm, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [xs, ws, ys] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
        let g = dy as tf.Tensor2D;
        if (act === 'relu') g = tf.mul(g, tf.step(ys));
        else if (act === 'elu') g = tf.mul(g, tf.add(tf.minimum(ys, 0), 1)); // elu' = 1 for y>0, y+1 below
        // explicit transposes: wasm's matMul with transpose flags is many times slower (strided reads)
        const dx = inputGrad ? tf.matMul(g, tf.transpose(ws)) : tf.zerosLike(xs);
        let dw: tf.Tensor = tf.matMul(tf.transpose(xs), g);
        if (mask) dw = tf.mul(dw, mask);
        // column sums as a [1, n] x [n, out] matmul: wasm's Sum over axis 0 walks memory with a stride
        const db = tf.reshape(tf.matMul(tf.ones([1, g.shape[0]]), g), [g.shape[1]]);
        return [dx, dw, db];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(x, w, b) as tf.Tensor2D;
}
