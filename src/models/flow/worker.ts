import { serveWorker } from '../../compute/pool.js';
import { openFlowRunner, type RunnerOptions } from './runner.js';

/**
 * Flow worker thread: its own engine (an ONNX Runtime session with one intra-op thread, or a tfjs
 * backend instance) and its own copy of the flow. Requests {x, c, n} -> corrected x, buffers transferred.
 */
serveWorker<{ bundleDir: string } & RunnerOptions, { x: Float32Array; c: Float32Array; n: number }, Float32Array>(async (init) => {
  const runner = await openFlowRunner(init.bundleDir, init);
  return {
    info: { backend: runner.backend },
    handle: async (m) => {
      const y = await runner.correct(m.x, m.c, m.n);
      return { result: y, transfer: [y.buffer as ArrayBuffer] };
    },
  };
});
