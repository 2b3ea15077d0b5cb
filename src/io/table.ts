import type { Chunk, Column, DType } from '../core/columns.js';
import type { OutputSpec } from '../bundle/manifest.js';

/**
 * The format-neutral view of an ntuple that the pipeline, training, fits and validation all read through.
 * Parquet (src/io/parquet) and ROOT (src/io/root) each implement it; src/io/formats.ts picks by extension.
 */
export interface ColumnInfo {
  name: string;
  /** Element type when ntcorr can read the column as numbers; undefined for strings, objects, ... */
  dtype?: DType;
  /** Variable-length per row (parquet list, ROOT x[n] or vector<T>). */
  jagged: boolean;
  /** Fixed inner size for ROOT x[3]-style arrays (read as jagged with constant length). */
  fixedSize?: number;
  nullable: boolean;
  /** The type as the format names it ("FLOAT", "list<float>", "Float_t", "vector<float>"), for inspect. */
  detail: string;
}

/** What ntcorr records in every file it writes (parquet key-value metadata / ROOT object). */
export interface ProvenanceRecord {
  tool: string;
  model: string;
  modelHash: string;
  kind: string;
  columnsAdded: string[];
  time: string;
  command: string;
  seed?: number;
  /** Rows corrected / left uncorrected / non-finite, as counted by this run. */
  counts?: Record<string, number>;
  [key: string]: unknown;
}

export interface TableSource {
  readonly path: string;
  readonly format: 'parquet' | 'root';
  /** ROOT: the tree name in use. */
  readonly tree?: string;
  readonly rows: number;
  readonly columns: ColumnInfo[];
  /** ntcorr provenance records of earlier runs on this file, oldest first. */
  readonly provenance: ProvenanceRecord[];
  /**
   * Streams the named columns in row order, in chunks of at most `chunkRows` rows that tile [0, rows)
   * exactly. Throws NtcorrError naming the file and column when a column is missing or not numeric.
   */
  chunks(columns: string[], chunkRows: number): AsyncIterable<Chunk>;
  /**
   * For `ntcorr inspect`: format-specific facts (parquet row groups and codecs; ROOT trees, baskets...)
   * as plain JSON. `inspect` prints rows, columns and provenance itself from the fields above.
   */
  describe?(): object | Promise<object>;
  close(): Promise<void>;
}

export interface WriteOptions {
  /** 'full': every original column + the new ones; 'friend': only the new ones, same row count (ROOT friend trees). */
  mode: 'full' | 'friend';
  /** Codec for the columns ntcorr writes (parquet default zstd; ROOT default zlib). */
  compression?: string;
  provenance: ProvenanceRecord;
  /**
   * ROOT full copies: when the input cannot be carried over whole, write only what can be read instead of
   * failing (each dropped branch and key is named on stderr). Off unless the user asks (--drop-unreadable).
   */
  dropUnreadable?: boolean;
}

/** Receives the new columns chunk by chunk (row order, chunks tiling the file) and writes the output file. */
export interface OutputWriter {
  append(columns: Map<string, Column>, rows: number): Promise<void>;
  /** Completes the file at the path given to createWriter and fsyncs it. */
  finish(): Promise<void>;
  /** Drops the partial output. */
  abort(): Promise<void>;
}

export interface TableFormat {
  open(path: string, opts?: { tree?: string }): Promise<TableSource>;
  createWriter(source: TableSource, outPath: string, outputs: OutputSpec[], opts: WriteOptions): Promise<OutputWriter>;
}
