import { parentPort, workerData } from 'node:worker_threads';
import { FlowEngine } from './engine.js';

/**
 * Worker thread: its own tfjs backend instance (wasm runs on one core per instance) and its own copy of
 * the flow. Messages: {id, x, c, n} -> {id, y} with transferred buffers, or {id, error}.
 */
const { bundleDir, backend } = workerData as { bundleDir: string; backend: string };
const ready = FlowEngine.open(bundleDir, backend);
ready.then(
  (e) => parentPort!.postMessage({ ready: true, backend: e.backend }),
  (err: Error) => parentPort!.postMessage({ ready: false, error: err.message }),
);
parentPort!.on('message', async (m: { id: number; x: Float32Array; c: Float32Array; n: number }) => {
  try {
    const e = await ready;
    const y = e.correct(m.x, m.c, m.n);
    parentPort!.postMessage({ id: m.id, y }, [y.buffer as ArrayBuffer]);
  } catch (err) {
    parentPort!.postMessage({ id: m.id, error: (err as Error).message });
  }
});
