/**
 * Columnar data as it flows through the pipeline: one typed array per flat column, offsets + flat values
 * for jagged columns (like awkward/uproot), never per-row JS objects.
 */
export type NumericArray =
  | Float32Array | Float64Array
  | Int8Array | Int16Array | Int32Array | BigInt64Array
  | Uint8Array | Uint16Array | Uint32Array | BigUint64Array;

/** Element type names shared by parquet, ROOT and bundle output declarations. */
export type DType = 'float32' | 'float64' | 'int8' | 'int16' | 'int32' | 'int64' | 'uint8' | 'uint16' | 'uint32' | 'uint64' | 'bool';

/** A variable-length column: entry i holds values[offsets[i] .. offsets[i+1]); offsets.length = rows + 1. */
export interface JaggedColumn {
  readonly offsets: Int32Array;
  readonly values: NumericArray;
}

export type Column = NumericArray | JaggedColumn;

export function isJagged(c: Column): c is JaggedColumn {
  return (c as JaggedColumn).offsets !== undefined && !ArrayBuffer.isView(c);
}

/** A block of consecutive rows of one file. `start` is the index of the first row in the file. */
export interface Chunk {
  readonly file: string;
  readonly start: number;
  readonly rows: number;
  readonly columns: Map<string, Column>;
}

/** Allocates a typed array of the given dtype (bool is stored as Uint8Array). */
export function allocate(dtype: DType, n: number): NumericArray {
  switch (dtype) {
    case 'float32': return new Float32Array(n);
    case 'float64': return new Float64Array(n);
    case 'int8': return new Int8Array(n);
    case 'int16': return new Int16Array(n);
    case 'int32': return new Int32Array(n);
    case 'int64': return new BigInt64Array(n);
    case 'uint8': case 'bool': return new Uint8Array(n);
    case 'uint16': return new Uint16Array(n);
    case 'uint32': return new Uint32Array(n);
    case 'uint64': return new BigUint64Array(n);
  }
}

/** Reads any numeric column as float64 (bigints converted), for models and statistics. */
export function toFloat64(a: NumericArray): Float64Array {
  if (a instanceof Float64Array) return a;
  const out = new Float64Array(a.length);
  if (a instanceof BigInt64Array || a instanceof BigUint64Array) {
    for (let i = 0; i < a.length; i++) out[i] = Number(a[i]);
  } else {
    out.set(a as ArrayLike<number>);
  }
  return out;
}
