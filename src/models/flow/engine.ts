import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../compute/backend.js';
import { loadBundle } from '../../bundle/bundle.js';
import { flowFromBundle } from './bundle-io.js';
import { correctSimulation } from './correction.js';
import { TfFlow, type InverseMode } from './tf-flow.js';

/**
 * One flow on one tfjs backend: the unit a worker thread (or the main thread, with one thread) runs.
 * Inputs are preprocessed features x [n, F] and context c [n, C] (is-data slot ignored); the result is
 * the corrected features in the same space.
 */
export class FlowEngine {
  private constructor(readonly flow: TfFlow, readonly backend: string, readonly batch: number) {}

  static async open(bundleDir: string, backend = 'auto', batch?: number): Promise<FlowEngine> {
    const used = await initBackend(backend);
    const { weights } = flowFromBundle(loadBundle(bundleDir));
    // Big batches amortise op dispatch; wasm/cpu memory per row is a few kB for a 16-feature flow.
    return new FlowEngine(TfFlow.fromWeights(weights), used, batch ?? (used === 'tensorflow' ? 16384 : 4096));
  }

  correct(x: Float32Array, c: Float32Array, n: number, mode: InverseMode = 'incremental'): Float32Array {
    const { features: F, context: C } = this.flow.arch;
    const out = new Float32Array(n * F);
    for (let s = 0; s < n; s += this.batch) {
      const m = Math.min(this.batch, n - s);
      const r = tf.tidy(() => correctSimulation(this.flow, tf.tensor2d(x.subarray(s * F, (s + m) * F), [m, F]), tf.tensor2d(c.subarray(s * C, (s + m) * C), [m, C]), mode));
      out.set(r.dataSync() as Float32Array, s * F);
      r.dispose();
    }
    return out;
  }

  dispose(): void {
    this.flow.dispose();
  }
}
