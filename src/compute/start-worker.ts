import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * Starts the worker module `name` that sits next to the calling module (`callerUrl` = its import.meta.url):
 * `name.js` when running from dist; under tsx (tests, benchmarks, running from source) `name.ts`, through a
 * tiny bootstrap that registers tsx in the thread first, because Node 20 does not apply `--import tsx`
 * loader hooks to a worker's entry module.
 */
export function startWorker(callerUrl: string, name: string, workerData: unknown): Worker {
  if (!fileURLToPath(callerUrl).endsWith('.ts')) return new Worker(new URL(`./${name}.js`, callerUrl), { workerData });
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = new URL(`./${name}.ts`, callerUrl).href;
  const code = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(code, { eval: true, workerData });
}
