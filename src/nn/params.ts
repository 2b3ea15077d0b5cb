import * as tf from '@tensorflow/tfjs-core';

/**
 * Named trainable tensors of one model. tfjs variable names are global to the engine (two models may not
 * share one), so variables get engine-unique names and this store keeps the model's own names.
 */
export class Params {
  private readonly byName = new Map<string, tf.Variable>();

  /** `trainable` false: state that is saved and restored with the weights but gets no gradient (batch-norm statistics). */
  add(name: string, shape: number[], data: Float32Array, trainable = true): tf.Variable {
    if (this.byName.has(name)) throw new Error(`parameter ${name} defined twice`);
    const v = tf.variable(tf.tensor(data, shape, 'float32'), trainable);
    this.byName.set(name, v);
    return v;
  }

  /** Registers a variable a model created itself (e.g. the flow's MADE layers) under a model-local name. */
  adopt(name: string, v: tf.Variable): tf.Variable {
    if (this.byName.has(name)) throw new Error(`parameter ${name} defined twice`);
    this.byName.set(name, v);
    return v;
  }

  get(name: string): tf.Variable {
    const v = this.byName.get(name);
    if (!v) throw new Error(`no parameter ${name}`);
    return v;
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  variables(): tf.Variable[] {
    return [...this.byName.values()];
  }

  entries(): [string, tf.Variable][] {
    return [...this.byName.entries()];
  }

  /** Total number of scalars. */
  count(): number {
    let n = 0;
    for (const v of this.byName.values()) n += v.size;
    return n;
  }

  /** Copies of the current values (best-weights snapshots, bundles, checkpoints). */
  snapshot(): Map<string, { shape: number[]; data: Float32Array }> {
    const out = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const [name, v] of this.byName) out.set(name, { shape: v.shape.slice(), data: new Float32Array(v.dataSync() as Float32Array) });
    return out;
  }

  /** Sets values from a snapshot; every parameter must be present with its shape. */
  restore(values: Map<string, { shape: number[]; data: ArrayLike<number> }>): void {
    for (const [name, v] of this.byName) {
      const s = values.get(name);
      if (!s) throw new Error(`parameter ${name} missing from saved values`);
      if (s.data.length !== v.size) throw new Error(`parameter ${name}: saved size ${s.data.length}, model needs ${v.size} (shape [${v.shape}])`);
      tf.tidy(() => v.assign(tf.tensor(Float32Array.from(s.data), v.shape, 'float32')));
    }
  }

  dispose(): void {
    for (const v of this.byName.values()) v.dispose();
    this.byName.clear();
  }
}
