import { WorkerPool } from '../../compute/pool.js';
import { loadBundle } from '../../bundle/bundle.js';
import { resolveDevice } from '../../compute/engine.js';
import { flowFromBundle } from './bundle-io.js';
import { flowRoute, OnnxFlowEngine, type FlowRoute } from './onnx-engine.js';
import { engineFor, openFlowRunner, type FlowRunner } from './runner.js';

/**
 * Runs corrections on `threads` compute lanes: worker threads (one engine each; chunks split into equal
 * slices processed in parallel), or the main thread alone when threads = 1. On a GPU (--device cuda) one
 * session in the main thread feeds the device (workers would only compete for it).
 */
export interface Corrections {
  readonly backend: string;
  readonly threads: number;
  correct(x: Float32Array, c: Float32Array, n: number, F: number, C: number): Promise<Float32Array>;
  close(): Promise<void>;
}

export interface CorrectionOptions {
  /** Use worker threads even for threads = 1 (benchmarks: speed-up per added worker). */
  workers?: boolean;
  /** ONNX Runtime device request (default cpu). */
  device?: string;
  /**
   * ONNX Runtime: one session with `threads` intra-op threads instead of `threads` workers with one each
   * (bench/flow.ts compares them; workers are the default, see README).
   */
  intraOp?: boolean;
  /** ONNX Runtime route: `host` spline or single `graph` (default: host on CPU; tests compare both). */
  route?: FlowRoute;
}

function single(r: FlowRunner, threads: number): Corrections {
  return { backend: r.backend, threads, correct: (x, c, n) => r.correct(x, c, n), close: () => r.dispose() };
}

export async function openCorrections(bundleDir: string, backend: string, threads: number, opts: CorrectionOptions = {}): Promise<Corrections> {
  threads = Math.max(1, Math.floor(threads));
  const onnx = engineFor(backend) === 'onnx';
  const gpu = onnx && resolveDevice(opts.device ?? 'cpu').kind !== 'cpu';
  const route = opts.route;
  if (onnx && (gpu || opts.intraOp)) return single(await openFlowRunner(bundleDir, { backend, device: opts.device, intraOp: gpu ? 1 : threads, route }), gpu ? 1 : threads);
  if (threads === 1 && !opts.workers) return single(await openFlowRunner(bundleDir, { backend, device: opts.device, route }), 1);
  // The ONNX graphs are built once here; every worker makes its sessions from the same bytes.
  const weights = onnx ? flowFromBundle(loadBundle(bundleDir)).weights : undefined;
  const graphs = weights ? OnnxFlowEngine.graphs(weights, flowRoute(weights, resolveDevice(opts.device ?? 'cpu'), route)) : undefined;
  const pool = await WorkerPool.start<{ x: Float32Array; c: Float32Array; n: number }, Float32Array, { backend: string }>({
    callerUrl: import.meta.url, module: 'worker', size: threads, label: 'flow worker',
    data: () => ({ bundleDir, backend, device: opts.device, graphs }),
  });
  return {
    backend: pool.info[0].backend,
    threads,
    async correct(x, c, n, F, C) {
      // Equal contiguous slices, one per worker (at least 256 rows each so small chunks don't pay messaging for nothing).
      const parts = Math.max(1, Math.min(threads, Math.ceil(n / 256)));
      const size = Math.ceil(n / parts);
      const reqs: { x: Float32Array; c: Float32Array; n: number }[] = [];
      for (let s = 0; s < n; s += size) {
        const m = Math.min(size, n - s);
        reqs.push({ x: x.slice(s * F, (s + m) * F), c: c.slice(s * C, (s + m) * C), n: m });
      }
      const ys = await pool.map(reqs, (r) => [r.x.buffer as ArrayBuffer, r.c.buffer as ArrayBuffer]);
      const out = new Float32Array(n * F);
      let o = 0;
      for (const y of ys) { out.set(y, o); o += y.length; }
      return out;
    },
    close: () => pool.close(),
  };
}
