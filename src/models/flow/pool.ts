import type { Worker } from 'node:worker_threads';
import { startWorker } from '../../compute/start-worker.js';
import { FlowEngine } from './engine.js';

/**
 * Runs corrections on `threads` engines: worker threads (one tfjs backend each; chunks split into
 * slices processed in parallel), or the main thread alone when threads = 1.
 */
export interface Corrections {
  readonly backend: string;
  readonly threads: number;
  correct(x: Float32Array, c: Float32Array, n: number, F: number, C: number): Promise<Float32Array>;
  close(): Promise<void>;
}

/** `workers: true` uses worker threads even for threads = 1 (benchmarks: speed-up per added worker). */
export async function openCorrections(bundleDir: string, backend: string, threads: number, opts: { workers?: boolean } = {}): Promise<Corrections> {
  if (threads <= 1 && !opts.workers) {
    const e = await FlowEngine.open(bundleDir, backend);
    return {
      backend: e.backend,
      threads: 1,
      correct: async (x, c, n) => e.correct(x, c, n),
      close: async () => e.dispose(),
    };
  }
  const workers: Worker[] = [];
  const pending = new Map<number, { resolve: (y: Float32Array) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  threads = Math.max(1, threads);
  const started = await Promise.all(Array.from({ length: threads }, () => new Promise<string>((resolve, reject) => {
    const w = startWorker(import.meta.url, 'worker', { bundleDir, backend });
    workers.push(w);
    w.once('message', (m: { ready: boolean; backend?: string; error?: string }) => (m.ready ? resolve(m.backend!) : reject(new Error(m.error))));
    w.on('message', (m: { id?: number; y?: Float32Array; error?: string }) => {
      if (m.id === undefined) return;
      const p = pending.get(m.id);
      pending.delete(m.id);
      if (m.error) p?.reject(new Error(`flow worker: ${m.error}`));
      else p?.resolve(m.y!);
    });
    w.on('error', (e) => {
      reject(e);
      for (const p of pending.values()) p.reject(e);
      pending.clear();
    });
  }))).catch(async (e) => {
    await Promise.all(workers.map((w) => w.terminate()));
    throw e;
  });
  const send = (w: Worker, x: Float32Array, c: Float32Array, n: number) => new Promise<Float32Array>((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve, reject });
    w.postMessage({ id, x, c, n }, [x.buffer as ArrayBuffer, c.buffer as ArrayBuffer]);
  });
  let rr = 0;
  return {
    backend: started[0],
    threads,
    async correct(x, c, n, F, C) {
      // Equal slices, one per worker (at least 256 rows each so small chunks don't pay messaging for nothing).
      const parts = Math.max(1, Math.min(threads, Math.ceil(n / 256)));
      const size = Math.ceil(n / parts);
      const jobs: Promise<Float32Array>[] = [];
      for (let p = 0; p < parts; p++) {
        const s = p * size;
        const m = Math.min(size, n - s);
        if (m <= 0) break;
        jobs.push(send(workers[rr++ % threads], x.slice(s * F, (s + m) * F), c.slice(s * C, (s + m) * C), m));
      }
      const ys = await Promise.all(jobs);
      const out = new Float32Array(n * F);
      let o = 0;
      for (const y of ys) { out.set(y, o); o += y.length; }
      return out;
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
