import { loadBundle } from '../../bundle/bundle.js';
import { defaultBatch, deviceName, resolveDevice, Session, type Device } from '../../compute/engine.js';
import type { FlowWeights } from './arch.js';
import { flowFromBundle } from './bundle-io.js';
import { HostSplineFlow, hostFlowGraphs, hostRouteProblem, type HostFlowGraphs } from './host-flow.js';
import { flowOnnxModel, type SplineDType } from './onnx-flow.js';

/**
 * How the correction runs on ONNX Runtime:
 * * `host`: ONNX Runtime sessions for the float32 MADE slices, the float64 spline between them in the
 *   WebAssembly kernel (host-flow.ts); the default on CPU with one intra-op thread per session (bench/flow.ts:
 *   nsf_a x1.7 forward, x1.9 correction over the single graph on one thread);
 * * `graph`: the one self-contained graph of onnx-flow.ts (also what export-onnx writes); the GPU route
 *   (a device wants few, big runs) and flows the host route cannot plan.
 */
export type FlowRoute = 'host' | 'graph';

/** A correction's ONNX graphs, built once in the main thread; workers make their sessions from the bytes. */
export type OnnxFlowGraphs = { route: 'graph'; bytes: Uint8Array } | { route: 'host'; graphs: HostFlowGraphs };

/**
 * The route a request means: host on CPU with one intra-op thread where the flow allows it, else the
 * single graph. With several intra-op threads the host route's ~100 small runs per batch leave ORT's
 * spinning thread pool fighting the host spline for the cores (bench/flow.ts: ~500 ev/s against ~5,000 on
 * one thread), so intra-op parallelism keeps the single graph.
 */
export function flowRoute(weights: FlowWeights, device: Device, route?: FlowRoute, threads = 1): FlowRoute {
  if (route) return route;
  return device.kind === 'cpu' && threads <= 1 && hostRouteProblem(weights) === undefined ? 'host' : 'graph';
}

/**
 * One flow correction runner on ONNX Runtime: the unit a worker thread (or the main thread) runs.
 * Same contract as the tfjs FlowEngine: preprocessed x [n, F] and context c [n, C] (is-data slot ignored)
 * in, corrected features out, in batches of `batch` rows.
 */
export class OnnxFlowEngine {
  private constructor(
    private readonly run: Session | HostSplineFlow,
    readonly route: FlowRoute,
    readonly features: number,
    readonly context: number,
    readonly batch: number,
  ) {}

  get backend(): string {
    return `onnx-${deviceName(this.run.device)}`;
  }

  /** The correction graphs of a bundle's flow for a route. */
  static graphs(weights: FlowWeights, route: FlowRoute, precision: SplineDType = 'float64'): OnnxFlowGraphs {
    return route === 'host' ? { route, graphs: hostFlowGraphs(weights) } : { route, bytes: flowOnnxModel(weights, ['correction'], { precision }) };
  }

  static async open(bundleDir: string, opts: { device?: string; threads?: number; batch?: number; route?: FlowRoute; graphs?: OnnxFlowGraphs } = {}): Promise<OnnxFlowEngine> {
    const { weights } = flowFromBundle(loadBundle(bundleDir));
    const device = resolveDevice(opts.device ?? 'cpu');
    const graphs = opts.graphs ?? OnnxFlowEngine.graphs(weights, flowRoute(weights, device, opts.route, opts.threads));
    const so = { device, threads: opts.threads ?? 1, label: `flow ${bundleDir}` };
    const run = graphs.route === 'host' ? await HostSplineFlow.create(weights, graphs.graphs, so) : await Session.create(graphs.bytes, so);
    return new OnnxFlowEngine(run, graphs.route, weights.arch.features, weights.arch.context, opts.batch ?? defaultBatch(device));
  }

  async correct(x: Float32Array, c: Float32Array, n: number): Promise<Float32Array> {
    const F = this.features;
    const C = this.context;
    const out = new Float32Array(n * F);
    for (let s = 0; s < n; s += this.batch) {
      const m = Math.min(this.batch, n - s);
      const xs = x.subarray(s * F, (s + m) * F);
      const cs = c.subarray(s * C, (s + m) * C);
      if (this.run instanceof HostSplineFlow) {
        out.set(await this.run.correct(xs, cs, m), s * F);
      } else {
        const r = await this.run.run({ x: { data: xs, dims: [m, F] }, c: { data: cs, dims: [m, C] } });
        out.set(r.x_corr.data, s * F);
      }
    }
    return out;
  }

  async dispose(): Promise<void> {
    await this.run.dispose();
  }
}
