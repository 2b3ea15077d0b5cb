import { onnxAvailable, ortLoadError } from '../../compute/engine.js';
import { NtcorrError } from '../../core/errors.js';
import { FlowEngine } from './engine.js';
import { OnnxFlowEngine, type FlowRoute, type OnnxFlowGraphs } from './onnx-engine.js';

/**
 * A flow correction runner on either engine: ONNX Runtime (`onnx`, the default where it loads) or tfjs
 * (`wasm`, `cpu`, `tensorflow`). `auto` = onnx where onnxruntime-node loads, else tfjs' own auto order.
 */
export interface FlowRunner {
  /** What actually runs: `onnx-cpu`, `onnx-cuda:0`, or the tfjs backend name. */
  readonly backend: string;
  readonly batch: number;
  correct(x: Float32Array, c: Float32Array, n: number): Promise<Float32Array>;
  dispose(): Promise<void>;
}

export type EngineKind = 'onnx' | 'tfjs';

/** Which engine a --backend request means. */
export function engineFor(backend: string): EngineKind {
  if (backend === 'onnx') {
    if (!onnxAvailable()) throw new NtcorrError(`--backend onnx: ONNX Runtime does not load here (${ortLoadError()}); use --backend wasm`);
    return 'onnx';
  }
  if (backend === 'auto') return onnxAvailable() ? 'onnx' : 'tfjs';
  if (['wasm', 'cpu', 'tensorflow'].includes(backend)) return 'tfjs';
  throw new NtcorrError(`--backend: expected auto, onnx, wasm, cpu or tensorflow, got "${backend}"`);
}

export interface RunnerOptions {
  backend?: string;
  /** ONNX Runtime device (cpu, cuda[:N], tensorrt[:N], auto); ignored by tfjs. */
  device?: string;
  /** ONNX Runtime intra-op threads of this runner (default 1). */
  intraOp?: number;
  /** ONNX Runtime route (host spline or single graph; default: see onnx-engine.ts flowRoute). */
  route?: FlowRoute;
  /** Prebuilt ONNX correction graphs (workers receive them from the main thread). */
  graphs?: OnnxFlowGraphs;
}

export async function openFlowRunner(bundleDir: string, o: RunnerOptions = {}): Promise<FlowRunner> {
  const backend = o.backend ?? 'auto';
  if (engineFor(backend) === 'onnx') return OnnxFlowEngine.open(bundleDir, { device: o.device, threads: o.intraOp, route: o.route, graphs: o.graphs });
  if (o.device && o.device !== 'cpu') throw new NtcorrError(`--device ${o.device} needs the ONNX Runtime engine (--backend onnx or auto), not tfjs ${backend}`);
  const e = await FlowEngine.open(bundleDir, backend);
  return { backend: e.backend, batch: e.batch, correct: async (x, c, n) => e.correct(x, c, n), dispose: async () => e.dispose() };
}
