import { availableParallelism } from 'node:os';
import { settings } from '../core/settings.js';
import type { KindOptions } from './types.js';

/**
 * Compute lanes of a neural-network kind (flow and jet worker threads, one single-threaded engine each):
 * options.threads, else NTCORR_THREADS, else every core.
 */
export function computeThreads(options: KindOptions): number {
  if (options.threads !== undefined && options.threads >= 1) return Math.floor(options.threads);
  if (settings.threads !== undefined) return settings.threads;
  return availableParallelism();
}
