import { unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { mkdirSync } from 'node:fs';
import { ParquetWriter, fileWriter } from 'hyparquet-writer';
import type { DType, NumericArray } from '../../core/columns.js';
import { commitFile, tempPathFor } from '../../core/atomic.js';
import { TOOL } from '../../core/version.js';
import { columnDataFor, schemaFor } from './hyparquet-schema.js';

/** A flat column for writeParquetTable; `type` defaults from the array (Uint8Array = uint8; say 'bool' for booleans). */
export interface TableColumn {
  name: string;
  data: NumericArray;
  type?: DType;
}

export function dtypeOfArray(a: NumericArray): DType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Int8Array) return 'int8';
  if (a instanceof Int16Array) return 'int16';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof BigInt64Array) return 'int64';
  if (a instanceof Uint8Array) return 'uint8';
  if (a instanceof Uint16Array) return 'uint16';
  if (a instanceof Uint32Array) return 'uint32';
  return 'uint64';
}

/**
 * Writes a NEW flat parquet table (toys, validation tables, training splits) atomically: temp file in the
 * same folder, fsync, rename. Snappy-compressed, 100k-row row groups, REQUIRED columns; readable by
 * pyarrow, DuckDB, hyparquet. `kv` goes to the file's key-value metadata.
 */
export async function writeParquetTable(path: string, columns: TableColumn[], kv: Record<string, string> = {}, opts: { rowGroupRows?: number } = {}): Promise<void> {
  if (columns.length === 0) throw new Error(`writeParquetTable ${path}: no columns`);
  const rows = columns[0].data.length;
  for (const c of columns) {
    if (c.data.length !== rows) throw new Error(`writeParquetTable ${path}: column ${c.name} has ${c.data.length} rows, ${columns[0].name} has ${rows}`);
  }
  const typed = columns.map((c) => ({ name: c.name, type: c.type ?? dtypeOfArray(c.data) }));
  mkdirSync(dirname(path), { recursive: true });
  const tmp = tempPathFor(path);
  try {
    const writer = new ParquetWriter({
      writer: fileWriter(tmp),
      schema: schemaFor(typed) as never,
      codec: 'SNAPPY',
      kvMetadata: Object.entries(kv).map(([key, value]) => ({ key, value })),
      createdBy: TOOL,
    });
    const step = opts.rowGroupRows ?? 100_000;
    for (let s = 0; s < rows || (rows === 0 && s === 0); s += step) {
      const n = Math.min(step, rows - s);
      await writer.write({
        columnData: columns.map((c, j) => ({ name: c.name, data: columnDataFor(c.data.subarray(s, s + n) as NumericArray, typed[j].type, n) as never })),
        rowGroupSize: Math.max(n, 1),
      });
      if (rows === 0) break;
    }
    await writer.finish();
    await commitFile(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw e;
  }
}
