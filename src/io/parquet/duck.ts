import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { resolve } from 'node:path';
import { NtcorrError, errorMessage } from '../../core/errors.js';
import { settings } from '../../core/settings.js';

/**
 * One in-process DuckDB for the whole run (connections are cheap; instances are not). DuckDB reads every
 * parquet layout HiggsDNA/pyarrow/awkward write and streams chunks as zero-copy typed-array views
 * (see ../shared/docs/measurements.md), so it is both our reader and the engine that rewrites files.
 */
let instance: Promise<DuckDBInstance> | undefined;

/** Settings for the shared instance; call before the first connection (later calls are ignored). */
// Two threads keep `apply --jobs K` from oversubscribing; memory limit keeps 5M-row rewrites bounded
// (defaults in core/settings.ts; NTCORR_DUCKDB_THREADS / NTCORR_DUCKDB_MEMORY through the CLI).
export const duckSettings = {
  get threads(): number { return settings.duckdbThreads; },
  get memoryLimit(): string { return settings.duckdbMemory; },
};

export async function duckConnection(): Promise<DuckDBConnection> {
  instance ??= DuckDBInstance.create(':memory:', {
    threads: String(duckSettings.threads),
    memory_limit: duckSettings.memoryLimit,
    preserve_insertion_order: 'true',
  });
  return (await instance).connect();
}

/** SQL string literal. */
export function sqlString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

/**
 * A parquet path as a DuckDB SQL literal that cannot glob. DuckDB treats `*`, `?` and `[...]` in every
 * read_parquet / parquet_metadata / parquet_schema / parquet_kv_metadata argument as a pattern (a list
 * `['a[1].parquet']` globs too; checked with DuckDB 1.5: `a[1].parquet` read the sibling `a1.parquet`).
 * Each glob character is escaped as a one-character class (`[` -> `[[]`, `*` -> `[*]`), which DuckDB's
 * glob matches literally (tested with `[`, `]`, `*`, `?`, `**` in file and folder names, hidden files too).
 * A backslash next to glob characters defeats that escaping in DuckDB, so such names are refused.
 * The path is made absolute first, so a relative name is never read as `~/...` or `s3://...`.
 */
export function duckPath(path: string): string {
  const file = resolve(path);
  if (!/[*?[\]]/.test(file)) return sqlString(file);
  if (file.includes('\\')) {
    throw new NtcorrError(`${file}: a file name with a backslash and one of * ? [ ] cannot be read safely through DuckDB (it would be taken as a pattern); rename the file`, { file });
  }
  return sqlString(file.replace(/[*?[\]]/g, (c) => `[${c}]`));
}

/** SQL quoted identifier. */
export function sqlIdent(s: string): string {
  return `"${s.replaceAll('"', '""')}"`;
}

/** Turns a DuckDB error about `file` into an NtcorrError a user can act on. */
export function fileError(file: string, e: unknown, doing: string): NtcorrError {
  if (e instanceof NtcorrError) return e;
  const msg = errorMessage(e).split('\n')[0];
  let hint = '';
  if (/No files found|No such file|does not exist/i.test(msg)) hint = ' (file not found)';
  else if (/too small|magic|not a parquet|No magic bytes/i.test(msg)) hint = ' (not a parquet file, or truncated: the footer is missing)';
  return new NtcorrError(`${file}: ${doing} failed${hint}: ${msg}`, { file, cause: e });
}
