import { serveWorker } from '../../compute/pool.js';
import type { JetBlock } from './features.js';
import type { JetArch } from './network.js';
import { JetOnnxRunner } from './onnx-infer.js';

/** Jet inference worker thread: one single-threaded ONNX Runtime session on the packed graph the main thread built; blocks of jets -> predictions. */
serveWorker<{ arch: JetArch; graph: Uint8Array; label: string }, JetBlock, Float32Array>(async (init) => {
  const runner = await JetOnnxRunner.fromGraph(init.graph, init.arch, false, { threads: 1, label: init.label });
  return {
    handle: async (block) => {
      const pred = await runner.predict(block);
      return { result: pred, transfer: [pred.buffer as ArrayBuffer] };
    },
  };
});
