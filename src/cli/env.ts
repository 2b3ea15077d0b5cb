import { settings } from '../core/settings.js';

/** The one place ntcorr reads environment variables (see core/settings.ts and the README). */
export function readEnvironment(env: NodeJS.ProcessEnv = process.env): void {
  const threads = Number(env.NTCORR_THREADS);
  settings.threads = Number.isInteger(threads) && threads >= 1 ? threads : undefined;
  if (env.NTCORR_DUCKDB_THREADS !== undefined) settings.duckdbThreads = Number(env.NTCORR_DUCKDB_THREADS);
  if (env.NTCORR_DUCKDB_MEMORY !== undefined) settings.duckdbMemory = env.NTCORR_DUCKDB_MEMORY;
  settings.condorBinDir = env.NTCORR_CONDOR_BIN_DIR || undefined;
  settings.debug = env.NTCORR_DEBUG === '1';
}
