import { resolveDevice } from '../../compute/engine.js';
import { WorkerPool } from '../../compute/pool.js';
import { sliceJetBlock, type JetBlock } from './features.js';
import type { JetArch } from './network.js';
import { jetOnnxGraph, type Weights } from './onnx-graph.js';
import { JetOnnxRunner } from './onnx-infer.js';

/**
 * Jet inference on ONNX Runtime over `threads` compute lanes, as flow corrections run (flow/pool.ts): on the
 * CPU, worker threads with one single-threaded session each, every block split into equal contiguous
 * slices (bench/jet.ts: 2 workers ~x1.1 over one session with 2 intra-op threads, ~x1.8 over one thread);
 * one main-thread session when threads = 1 or on a GPU. A jet's prediction depends on its own constituents
 * only, so the split changes nothing (test/jet-onnx.test.ts).
 */
export interface JetPredictor {
  predict(block: JetBlock): Promise<Float32Array>;
  close(): Promise<void>;
}

/** Below this many jets per worker a block goes to one worker (messaging would cost more than it saves). */
const MIN_SLICE = 512;

export async function openJetPredictor(arch: JetArch, w: Weights, opts: { device?: string; threads?: number; label?: string } = {}): Promise<JetPredictor> {
  const threads = Math.max(1, Math.floor(opts.threads ?? 1));
  const label = opts.label ?? 'jet network';
  // Built once, here (a missing tensor is an error naming it); workers make their sessions from the bytes.
  const graph = jetOnnxGraph(arch, w, { packed: true });
  if (threads === 1 || resolveDevice(opts.device ?? 'cpu').kind !== 'cpu') {
    const r = await JetOnnxRunner.fromGraph(graph, arch, false, { device: opts.device, threads: 1, label });
    return { predict: (b) => r.predict(b), close: () => r.close() };
  }
  const pool = await WorkerPool.start<JetBlock, Float32Array>({ callerUrl: import.meta.url, module: 'worker', size: threads, label: 'jet worker', data: () => ({ arch, graph, label }) });
  return {
    async predict(block) {
      const parts = Math.max(1, Math.min(threads, Math.floor(block.n / MIN_SLICE)));
      const bounds = Array.from({ length: parts + 1 }, (_, k) => Math.round((k * block.n) / parts));
      const slices = bounds.slice(0, -1).map((s, k) => sliceJetBlock(block, arch, s, bounds[k + 1]));
      const preds = await pool.map(slices, (b) => [b.global.buffer, b.globalCat.buffer, b.pt.buffer, ...b.types.flatMap((t) => [t.offsets.buffer, t.num.buffer, t.cat.buffer])] as ArrayBuffer[]);
      const out = new Float32Array(block.n);
      preds.forEach((p, k) => out.set(p, bounds[k]));
      return out;
    },
    close: () => pool.close(),
  };
}
