/**
 * Process-wide settings that come from the environment. Only the CLI reads environment variables
 * (src/cli/env.ts fills this object once at start-up); library code reads these fields, so a program
 * embedding ntcorr sets them explicitly and nothing depends on the caller's environment by surprise.
 */
export const settings: {
  /** NTCORR_THREADS: default compute threads of flow corrections (undefined: every core). */
  threads?: number;
  /** NTCORR_DUCKDB_THREADS / NTCORR_DUCKDB_MEMORY: the shared DuckDB instance. */
  duckdbThreads: number;
  duckdbMemory: string;
  /** NTCORR_CONDOR_BIN_DIR: folder holding condor_submit(_dag) (tests, unusual installations). */
  condorBinDir?: string;
  /** NTCORR_DEBUG=1: print stacks of unexpected errors. */
  debug: boolean;
} = { duckdbThreads: 2, duckdbMemory: '300MB', debug: false };
