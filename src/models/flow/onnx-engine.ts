import { loadBundle } from '../../bundle/bundle.js';
import { defaultBatch, deviceName, Session } from '../../compute/engine.js';
import type { FlowWeights } from './arch.js';
import { flowFromBundle } from './bundle-io.js';
import { flowOnnxModel, type SplineDType } from './onnx-flow.js';

/**
 * One flow correction session on ONNX Runtime: the unit a worker thread (or the main thread) runs.
 * Same contract as the tfjs FlowEngine: preprocessed x [n, F] and context c [n, C] (is-data slot ignored)
 * in, corrected features out, in batches of `batch` rows.
 */
export class OnnxFlowEngine {
  private constructor(private readonly session: Session, readonly features: number, readonly context: number, readonly batch: number) {}

  get backend(): string {
    return `onnx-${deviceName(this.session.device)}`;
  }

  /** The correction graph of a bundle's flow (built once, in the main thread; workers get the bytes). */
  static graph(weights: FlowWeights, precision: SplineDType = 'float64'): Uint8Array {
    return flowOnnxModel(weights, ['correction'], { precision });
  }

  static async open(bundleDir: string, opts: { device?: string; threads?: number; batch?: number; graph?: Uint8Array } = {}): Promise<OnnxFlowEngine> {
    const { weights } = flowFromBundle(loadBundle(bundleDir));
    const graph = opts.graph ?? OnnxFlowEngine.graph(weights);
    const session = await Session.create(graph, { device: opts.device ?? 'cpu', threads: opts.threads ?? 1, label: `flow ${bundleDir}` });
    return new OnnxFlowEngine(session, weights.arch.features, weights.arch.context, opts.batch ?? defaultBatch(session.device));
  }

  async correct(x: Float32Array, c: Float32Array, n: number): Promise<Float32Array> {
    const F = this.features;
    const C = this.context;
    const out = new Float32Array(n * F);
    for (let s = 0; s < n; s += this.batch) {
      const m = Math.min(this.batch, n - s);
      const r = await this.session.run({ x: { data: x.subarray(s * F, (s + m) * F), dims: [m, F] }, c: { data: c.subarray(s * C, (s + m) * C), dims: [m, C] } });
      out.set(r.x_corr.data, s * F);
    }
    return out;
  }

  async dispose(): Promise<void> {
    await this.session.dispose();
  }
}
