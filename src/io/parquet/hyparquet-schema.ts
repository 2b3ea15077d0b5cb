import type { DType, Column, NumericArray } from '../../core/columns.js';
import { isJagged } from '../../core/columns.js';

/**
 * Parquet schema elements and column data for hyparquet-writer, which writes the files ntcorr creates
 * from JS arrays (side files of new columns, toy/validation tables): pure JS, streams one row group per
 * call, no native dependency.
 */
export interface SchemaElementLite {
  name: string;
  type?: 'BOOLEAN' | 'INT32' | 'INT64' | 'FLOAT' | 'DOUBLE';
  repetition_type?: 'REQUIRED' | 'OPTIONAL' | 'REPEATED';
  num_children?: number;
  converted_type?: 'LIST' | 'INT_8' | 'INT_16' | 'UINT_8' | 'UINT_16' | 'UINT_32' | 'UINT_64';
}

const PHYSICAL: Record<DType, Pick<SchemaElementLite, 'type' | 'converted_type'>> = {
  float32: { type: 'FLOAT' }, float64: { type: 'DOUBLE' },
  int8: { type: 'INT32', converted_type: 'INT_8' }, int16: { type: 'INT32', converted_type: 'INT_16' }, int32: { type: 'INT32' },
  int64: { type: 'INT64' },
  uint8: { type: 'INT32', converted_type: 'UINT_8' }, uint16: { type: 'INT32', converted_type: 'UINT_16' },
  uint32: { type: 'INT32', converted_type: 'UINT_32' }, uint64: { type: 'INT64', converted_type: 'UINT_64' },
  bool: { type: 'BOOLEAN' },
};

/** DuckDB's SQL name for each dtype (for schema verification after a rewrite). */
export const SQL_TYPE: Record<DType, string> = {
  float32: 'FLOAT', float64: 'DOUBLE', int8: 'TINYINT', int16: 'SMALLINT', int32: 'INTEGER', int64: 'BIGINT',
  uint8: 'UTINYINT', uint16: 'USMALLINT', uint32: 'UINTEGER', uint64: 'UBIGINT', bool: 'BOOLEAN',
};

export function schemaFor(columns: { name: string; type: DType; jagged?: boolean }[]): SchemaElementLite[] {
  const out: SchemaElementLite[] = [{ name: 'schema', num_children: columns.length }];
  for (const c of columns) {
    if (c.jagged) {
      out.push({ name: c.name, repetition_type: 'REQUIRED', num_children: 1, converted_type: 'LIST' });
      out.push({ name: 'list', repetition_type: 'REPEATED', num_children: 1 });
      out.push({ name: 'element', repetition_type: 'REQUIRED', ...PHYSICAL[c.type] });
    } else {
      out.push({ name: c.name, repetition_type: 'REQUIRED', ...PHYSICAL[c.type] });
    }
  }
  return out;
}

/** Converts a column to what hyparquet-writer encodes: typed arrays as is (bool as booleans), lists as arrays. */
export function columnDataFor(c: Column, type: DType, rows: number): ArrayLike<unknown> {
  if (isJagged(c)) {
    const lists: unknown[] = new Array(rows);
    for (let i = 0; i < rows; i++) {
      const v = c.values.subarray(c.offsets[i], c.offsets[i + 1]) as NumericArray;
      // hyparquet-writer's Dremel encoder wants plain arrays for repeated fields.
      lists[i] = type === 'bool' ? Array.from(v as Uint8Array, (x) => x !== 0) : Array.from(v as ArrayLike<number | bigint>);
    }
    return lists;
  }
  if (type === 'bool') return Array.from(c.subarray(0, rows) as Uint8Array, (x) => x !== 0);
  return c.length === rows ? c : c.subarray(0, rows);
}
