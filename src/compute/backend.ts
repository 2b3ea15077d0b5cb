import * as tf from '@tensorflow/tfjs-core';

/**
 * Picks the tfjs backend. Model code only imports @tensorflow/tfjs-core; the backends are optional:
 * tfjs-node-gpu / tfjs-node (native, need libtensorflow, often not installable), then wasm (SIMD, one
 * core per instance in Node), then the pure-JS cpu backend.
 */
export type BackendRequest = 'auto' | 'tensorflow' | 'wasm' | 'cpu';

let chosen: string | undefined;

async function tryImport(name: string): Promise<boolean> {
  try {
    await import(name);
    return true;
  } catch {
    return false;
  }
}

async function useWasm(): Promise<boolean> {
  if (!(await tryImport('@tensorflow/tfjs-backend-wasm'))) return false;
  try {
    return await tf.setBackend('wasm');
  } catch {
    return false;
  }
}

async function useCpu(): Promise<boolean> {
  await import('@tensorflow/tfjs-backend-cpu');
  return tf.setBackend('cpu');
}

async function useNative(): Promise<boolean> {
  const ok = (await tryImport('@tensorflow/tfjs-node-gpu')) || (await tryImport('@tensorflow/tfjs-node'));
  if (!ok) return false;
  try {
    return await tf.setBackend('tensorflow');
  } catch {
    return false;
  }
}

let inFlight: Promise<string> | undefined;

/** Initialises (once) and returns the backend name actually in use. Concurrent callers share one initialisation. */
export async function initBackend(request: string = 'auto'): Promise<string> {
  if (chosen && (request === 'auto' || request === chosen)) return chosen;
  if (inFlight) {
    const got = await inFlight.catch(() => undefined);
    if (got && (request === 'auto' || request === got)) return got;
  }
  inFlight = initBackendOnce(request);
  return inFlight;
}

async function initBackendOnce(request: string): Promise<string> {
  // Production mode: no per-op debug checks, and no "install tfjs-node" banner in batch logs.
  tf.enableProdMode();
  const order: (() => Promise<boolean>)[] =
    request === 'tensorflow' ? [useNative]
    : request === 'wasm' ? [useWasm]
    : request === 'cpu' ? [useCpu]
    : [useNative, useWasm, useCpu];
  for (const attempt of order) {
    if (await attempt()) {
      await tf.ready();
      chosen = tf.getBackend();
      return chosen;
    }
  }
  throw new Error(`tfjs backend "${request}" is not available (install @tensorflow/tfjs-node or use --backend wasm|cpu)`);
}
