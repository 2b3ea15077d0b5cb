import { writeParquetTable } from '../../src/io/parquet/write-table.js';
import type { ApplyOptions } from '../../src/pipeline/index.js';

/** runApply options for tests: quiet, one thread, 1000-row chunks, seed 1; `o` overrides any of them. */
export function applyOptions(o: Partial<ApplyOptions>): ApplyOptions {
  return { inputs: [], model: '', chunkRows: 1000, jobs: 1, fill: 'nan', force: false, skipDone: false, quiet: true, seed: 1, backend: 'cpu', command: 'test', ...o };
}

/** A Parquet file with one float64 column x = offset, offset + 1, ..., n rows. */
export async function xTable(path: string, n = 10, offset = 0): Promise<void> {
  await writeParquetTable(path, [{ name: 'x', data: Float64Array.from({ length: n }, (_, i) => i + offset) }]);
}
