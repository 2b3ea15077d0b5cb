import type { Chunk } from '../core/columns.js';
import type { CompiledExpression } from '../expr/index.js';
import { openTable } from './formats.js';
import type { TableSource } from './table.js';

/**
 * The one reader of "these columns of these files, through this selection" (fits, validation, flow
 * training, jet datasets): each file is opened, checked by the caller, streamed in chunks and closed, also
 * when the consumer stops early. What a reader does with the rows (ranges, per-collection examples, jet
 * blocks) stays with it; opening, column checks, the selection mask and clean-up live here.
 */
export interface ScanOptions {
  /** ROOT: the tree (default: the only one). */
  tree?: string;
  chunkRows?: number;
  /** Rows passing it get mask 1; its columns are read too. */
  where?: CompiledExpression;
  /**
   * Columns to read, or a callback run once per opened file (before any chunk of it) that checks the
   * file's columns (throwing an NtcorrError naming file and column) and returns the ones to read.
   */
  columns: string[] | ((source: TableSource, index: number) => string[]);
}

export interface ScannedChunk {
  file: string;
  /** Index of the file in the list. */
  index: number;
  source: TableSource;
  chunk: Chunk;
  /** Selection mask (1 = row passes `where`); undefined without `where`. */
  mask?: Uint8Array;
}

export async function* scanFiles(files: string[], o: ScanOptions): AsyncGenerator<ScannedChunk> {
  for (let index = 0; index < files.length; index++) {
    const file = files[index];
    const source = await openTable(file, o.tree ? { tree: o.tree } : undefined);
    try {
      const cols = typeof o.columns === 'function' ? o.columns(source, index) : o.columns;
      const read = [...new Set([...cols, ...(o.where?.columns ?? [])])];
      for await (const chunk of source.chunks(read, o.chunkRows ?? 65536)) {
        yield { file, index, source, chunk, mask: o.where?.evalMask(chunk.columns, chunk.rows) };
      }
    } finally {
      await source.close();
    }
  }
}
