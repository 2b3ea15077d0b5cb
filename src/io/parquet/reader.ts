import type { DuckDBConnection, DuckDBVector } from '@duckdb/node-api';
import { allocate, type Chunk, type Column, type DType, type NumericArray } from '../../core/columns.js';
import { NtcorrError } from '../../core/errors.js';
import type { ColumnInfo } from '../table.js';
import { duckPath, fileError, sqlIdent } from './duck.js';

/**
 * Streams parquet columns through DuckDB into ntcorr chunks of exactly `chunkRows` rows (the last one shorter).
 * DuckDB hands out 2048-row vectors whose memory is reused after the next fetch, so values are copied
 * (typed-array `set`, no per-value JS) into the chunk's own arrays.
 *
 * Nulls: float columns get NaN; integer columns with a null in a chunk come back as Float64Array with NaN
 * there (an int cannot hold "missing"), likewise integer lists with null elements; null lists are empty lists.
 */

/** The private fields of @duckdb/node-api vectors we read: zero-copy typed-array views and validity bits. */
interface RawVector {
  items?: NumericArray;
  validity?: { data: BigUint64Array | null; itemValid(i: number): boolean };
}
interface RawList extends RawVector {
  getEntryOffset(i: number): number;
  getEntryLength(i: number): number;
  childVector: DuckDBVector;
}

/**
 * Typed-array view and validity of a DuckDB vector. The fast path reads @duckdb/node-api's private `items`
 * (a zero-copy view, version pinned in package.json); if a future version renames it, the public
 * per-item API gives the same values, only slower.
 */
export function raw(v: DuckDBVector): RawVector {
  const r = v as unknown as RawVector;
  if (r.items && r.validity) return r;
  const n = v.itemCount;
  const first = n > 0 ? v.getItem(0) : 0;
  const items: NumericArray = typeof first === 'bigint' ? new BigInt64Array(n) : new Float64Array(n);
  const nulls = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const x = v.getItem(i) as number | bigint | boolean | null;
    if (x === null) nulls[i] = 1;
    else (items as Float64Array)[i] = typeof x === 'boolean' ? Number(x) : (x as number);
  }
  return { items, validity: { data: nulls.some((x) => x === 1) ? new BigUint64Array(0) : null, itemValid: (i) => nulls[i] === 0 } };
}

interface Builder {
  /** Copies rows [from, from+n) of the DuckDB vector into rows [at, at+n) of the chunk column. */
  take(v: DuckDBVector, from: number, n: number, at: number): void;
  finish(rows: number): Column;
}

function flatBuilder(dtype: DType, size: number, file: string, name: string): Builder {
  let out: NumericArray = allocate(dtype === 'bool' ? 'uint8' : dtype, size);
  const isFloat = dtype === 'float32' || dtype === 'float64';
  return {
    take(v, from, n, at) {
      const r = raw(v);
      const src = r.items!.subarray(from, from + n);
      if ((out instanceof BigInt64Array || out instanceof BigUint64Array) !== (src instanceof BigInt64Array || src instanceof BigUint64Array)) {
        // int64 column already widened by a null (bigint -> float64), or the slow path's float64 items
        // for an int64 column (number -> bigint)
        if (out instanceof BigInt64Array || out instanceof BigUint64Array) for (let i = 0; i < n; i++) out[at + i] = BigInt(src[i] as number);
        else for (let i = 0; i < n; i++) (out as Float64Array)[at + i] = Number(src[i]);
      } else {
        (out as Float64Array).set(src as unknown as Float64Array, at);
      }
      const valid = r.validity;
      if (valid && valid.data) {
        for (let i = 0; i < n; i++) {
          if (valid.itemValid(from + i)) continue;
          if (!isFloat && !(out instanceof Float64Array)) {
            const wide = new Float64Array(out.length);
            for (let k = 0; k < at + i; k++) wide[k] = Number(out[k]);
            for (let k = at + i; k < at + n; k++) wide[k] = Number(out[k]);
            out = wide;
          }
          (out as Float64Array)[at + i] = NaN;
        }
      }
    },
    finish(rows) {
      return rows === out.length ? out : out.subarray(0, rows);
    },
  };
}

function jaggedBuilder(dtype: DType, size: number): Builder {
  const offsets = new Int32Array(size + 1);
  const pieces: NumericArray[] = [];
  let total = 0;
  let widened = false;
  const isFloat = dtype === 'float32' || dtype === 'float64';
  return {
    take(v, from, n, at) {
      const list = v as unknown as RawList;
      const child = raw(list.childVector);
      const items = child.items!;
      const valid = list.validity;
      // Rows of one vector are normally stored back to back: copy the whole run at once.
      let runStart = -1;
      let runEnd = -1;
      const flush = () => {
        if (runEnd > runStart) {
          let piece: NumericArray = items.slice(runStart, runEnd);
          const cv = child.validity;
          if (cv?.data) {
            for (let k = runStart; k < runEnd; k++) {
              if (cv.itemValid(k)) continue;
              // Null elements: NaN; integer lists widen to float64 to hold it.
              if (!isFloat && !(piece instanceof Float64Array)) { piece = Float64Array.from(piece as ArrayLike<number>, Number); widened = true; }
              (piece as Float64Array)[k - runStart] = NaN;
            }
          }
          pieces.push(piece);
        }
        runStart = runEnd = -1;
      };
      for (let i = 0; i < n; i++) {
        const row = from + i;
        let len = 0;
        if (!valid?.data || valid.itemValid(row)) {
          len = list.getEntryLength(row);
          const off = list.getEntryOffset(row);
          if (len > 0) {
            if (off !== runEnd) { flush(); runStart = off; runEnd = off; }
            runEnd += len;
          }
        }
        total += len;
        offsets[at + i + 1] = total;
      }
      flush();
    },
    finish(rows) {
      const values = allocate(widened ? 'float64' : dtype === 'bool' ? 'uint8' : dtype, total);
      let p = 0;
      for (const piece of pieces) {
        if (widened && !(piece instanceof Float64Array)) (values as Float64Array).set(Float64Array.from(piece as ArrayLike<number>, Number), p);
        else (values as Float64Array).set(piece as unknown as Float64Array, p);
        p += piece.length;
      }
      pieces.length = 0;
      return { offsets: rows + 1 === offsets.length ? offsets : offsets.subarray(0, rows + 1), values };
    },
  };
}

export function checkReadable(file: string, info: ColumnInfo | undefined, name: string, available: ColumnInfo[]): asserts info is ColumnInfo & { dtype: DType } {
  if (!info) {
    const close = available.filter((c) => c.name.toLowerCase().includes(name.toLowerCase().slice(0, 4))).slice(0, 5).map((c) => c.name);
    throw new NtcorrError(`${file}: column "${name}" not found (the file has ${available.length} columns${close.length ? `; similar: ${close.join(', ')}` : ''})`, { file, column: name });
  }
  if (!info.dtype) {
    throw new NtcorrError(`${file}: column "${name}" has type ${info.detail}; expected numbers or a list of numbers`, { file, column: name });
  }
}

export async function* streamChunks(
  con: DuckDBConnection, file: string, totalRows: number, infos: ColumnInfo[], names: string[], chunkRows: number,
  /** What DuckDB reads (a decompressed copy of a legacy-LZ4 file); `file` names it in messages. */
  readPath: string = file,
): AsyncIterable<Chunk> {
  if (!(chunkRows >= 1)) throw new Error(`chunkRows must be >= 1, got ${chunkRows}`);
  const byName = new Map(infos.map((c) => [c.name, c]));
  const cols = names.map((n) => {
    const info = byName.get(n);
    checkReadable(file, info, n, infos);
    return info;
  });
  if (cols.length === 0) {
    for (let start = 0; start < totalRows; start += chunkRows) yield { file, start, rows: Math.min(chunkRows, totalRows - start), columns: new Map() };
    return;
  }
  // Booleans arrive as bytes (DuckDB's bool vectors have no typed-array view).
  const select = cols.map((c) => (c.dtype === 'bool' ? `CAST(${sqlIdent(c.name)} AS UTINYINT${c.jagged ? '[]' : ''}) AS ${sqlIdent(c.name)}` : sqlIdent(c.name)));
  let result;
  try {
    result = await con.stream(`SELECT ${select.join(', ')} FROM read_parquet(${duckPath(readPath)})`);
  } catch (e) {
    throw fileError(file, e, 'reading columns');
  }
  let start = 0;
  const newBuilders = (size: number) => cols.map((c) => (c.jagged ? jaggedBuilder(c.dtype, size) : flatBuilder(c.dtype, size, file, c.name)));
  let target = Math.min(chunkRows, totalRows);
  let builders = newBuilders(target);
  let filled = 0;
  // One vector of read-ahead: DuckDB decodes the next vector (off the main thread) while we copy this one.
  const fetch = () => {
    const p = result.fetchChunk();
    p.catch(() => {}); // handled where awaited; avoids an unhandled rejection if iteration stops early
    return p;
  };
  let pending = fetch();
  for (;;) {
    let dchunk;
    try {
      dchunk = await pending;
    } catch (e) {
      throw fileError(file, e, `reading rows from ${start + filled}`);
    }
    if (!dchunk || dchunk.rowCount === 0) break;
    pending = fetch();
    const n = dchunk.rowCount;
    const vectors = cols.map((_, j) => dchunk.getColumnVector(j));
    let off = 0;
    while (off < n) {
      if (target === 0) throw new NtcorrError(`${file}: more rows than the footer's ${totalRows}`, { file });
      const take = Math.min(n - off, target - filled);
      for (let j = 0; j < cols.length; j++) builders[j].take(vectors[j], off, take, filled);
      filled += take;
      off += take;
      if (filled === target) {
        yield { file, start, rows: target, columns: new Map(cols.map((c, j) => [c.name, builders[j].finish(target)])) };
        start += target;
        filled = 0;
        target = Math.min(chunkRows, totalRows - start);
        builders = newBuilders(target);
      }
    }
  }
  if (start + filled !== totalRows) {
    throw new NtcorrError(`${file}: read ${start + filled} rows but the footer says ${totalRows} (truncated or corrupt file)`, { file });
  }
}
