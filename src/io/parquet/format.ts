import type { DuckDBConnection } from '@duckdb/node-api';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NtcorrError } from '../../core/errors.js';
import type { Chunk } from '../../core/columns.js';
import type { ColumnInfo, ProvenanceRecord, TableFormat, TableSource } from '../table.js';
import { duckConnection } from './duck.js';
import { readParquetMeta, type ParquetMeta } from './metadata.js';
import { streamChunks } from './reader.js';
import { createParquetWriter } from './writer.js';
import { transcodeLegacyLz4, usesLegacyLz4 } from './legacy-lz4.js';

/** A parquet file opened for reading: footer facts up front, columns streamed on demand. */
export class ParquetSource implements TableSource {
  readonly format = 'parquet' as const;
  readonly rows: number;
  readonly columns: ColumnInfo[];
  readonly provenance: ProvenanceRecord[];
  /** Key-value metadata (kept by the writer, minus ARROW:schema). */
  readonly kv: Map<string, string>;
  readonly sqlTypes: Map<string, string>;

  /**
   * The file DuckDB reads: `path`, or a decompressed copy of a file that uses the deprecated LZ4 codec
   * (legacy-lz4.ts), removed on close.
   */
  readonly readPath: string;

  constructor(readonly path: string, private readonly con: DuckDBConnection, readonly meta: ParquetMeta, readPath?: string, private readonly scratch?: string) {
    this.readPath = readPath ?? path;
    this.rows = meta.rows;
    this.columns = meta.columns;
    this.provenance = meta.provenance;
    this.kv = meta.kv;
    this.sqlTypes = meta.sqlTypes;
  }

  chunks(columns: string[], chunkRows: number): AsyncIterable<Chunk> {
    return streamChunks(this.con, this.path, this.rows, this.columns, columns, chunkRows, this.readPath);
  }

  /** Row groups, writer, codecs per column and key-value metadata keys, for `inspect`. */
  describe(): { bytes: number; rowGroups: number; footerNumRows?: number; createdBy: string | null; compression: Record<string, string[]>; keyValueMetadata: string[] } {
    return {
      bytes: this.meta.fileBytes,
      rowGroups: this.meta.rowGroups,
      ...(this.meta.footerRows !== this.meta.rows ? { footerNumRows: this.meta.footerRows } : {}),
      createdBy: this.meta.createdBy,
      compression: Object.fromEntries(this.meta.compression),
      keyValueMetadata: [...this.kv.keys()],
    };
  }

  private users = 1;

  /** Keeps the decompressed copy alive past close() (the writer reads it in finish()); call the result when done. */
  hold(): () => void {
    this.users++;
    let done = false;
    return () => { if (!done) { done = true; this.drop(); } };
  }

  private drop(): void {
    if (--this.users === 0 && this.scratch) rmSync(this.scratch, { recursive: true, force: true });
  }

  async close(): Promise<void> {
    this.con.closeSync();
    this.drop();
  }
}

export async function openParquet(path: string): Promise<ParquetSource> {
  if (!existsSync(path)) throw new NtcorrError(`${path}: file not found`, { file: path });
  if (statSync(path).isDirectory()) throw new NtcorrError(`${path}: is a folder, expected a parquet file`, { file: path });
  const con = await duckConnection();
  let scratch: string | undefined;
  try {
    const meta = await readParquetMeta(con, path);
    if (!usesLegacyLz4(meta.compression.values())) return new ParquetSource(path, con, meta);
    scratch = mkdtempSync(join(tmpdir(), 'ntcorr-lz4-'));
    const copy = join(scratch, 'decompressed.parquet');
    transcodeLegacyLz4(path, copy);
    return new ParquetSource(path, con, meta, copy, scratch);
  } catch (e) {
    con.closeSync();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    throw e;
  }
}

export const format: TableFormat = {
  open: (path) => openParquet(path),
  createWriter: (source, outPath, outputs, opts) => createParquetWriter(source, outPath, outputs, opts),
};
