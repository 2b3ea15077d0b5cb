import type { DuckDBConnection } from '@duckdb/node-api';
import { existsSync, statSync } from 'node:fs';
import { NtcorrError } from '../../core/errors.js';
import type { Chunk } from '../../core/columns.js';
import type { ColumnInfo, ProvenanceRecord, TableFormat, TableSource } from '../table.js';
import { duckConnection } from './duck.js';
import { readParquetMeta, type ParquetMeta } from './metadata.js';
import { streamChunks } from './reader.js';
import { createParquetWriter } from './writer.js';

/** A parquet file opened for reading: footer facts up front, columns streamed on demand. */
export class ParquetSource implements TableSource {
  readonly format = 'parquet' as const;
  readonly rows: number;
  readonly columns: ColumnInfo[];
  readonly provenance: ProvenanceRecord[];
  /** Key-value metadata (kept by the writer, minus ARROW:schema). */
  readonly kv: Map<string, string>;
  readonly sqlTypes: Map<string, string>;

  constructor(readonly path: string, private readonly con: DuckDBConnection, readonly meta: ParquetMeta) {
    this.rows = meta.rows;
    this.columns = meta.columns;
    this.provenance = meta.provenance;
    this.kv = meta.kv;
    this.sqlTypes = meta.sqlTypes;
  }

  chunks(columns: string[], chunkRows: number): AsyncIterable<Chunk> {
    return streamChunks(this.con, this.path, this.rows, this.columns, columns, chunkRows);
  }

  /** Row groups, writer, codecs per column and key-value metadata keys, for `inspect`. */
  describe(): { bytes: number; rowGroups: number; createdBy: string | null; compression: Record<string, string[]>; keyValueMetadata: string[] } {
    return {
      bytes: this.meta.fileBytes,
      rowGroups: this.meta.rowGroups,
      createdBy: this.meta.createdBy,
      compression: Object.fromEntries(this.meta.compression),
      keyValueMetadata: [...this.kv.keys()],
    };
  }

  async close(): Promise<void> {
    this.con.closeSync();
  }
}

export async function openParquet(path: string): Promise<ParquetSource> {
  if (!existsSync(path)) throw new NtcorrError(`${path}: file not found`, { file: path });
  if (statSync(path).isDirectory()) throw new NtcorrError(`${path}: is a folder, expected a parquet file`, { file: path });
  const con = await duckConnection();
  try {
    return new ParquetSource(path, con, await readParquetMeta(con, path));
  } catch (e) {
    con.closeSync();
    throw e;
  }
}

export const format: TableFormat = {
  open: (path) => openParquet(path),
  createWriter: (source, outPath, outputs, opts) => createParquetWriter(source, outPath, outputs, opts),
};
