import test from 'ava';
import fg from 'fast-glob';
import { basename, join } from 'node:path';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { gunzipSync, brotliDecompressSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import { openTable } from '../src/io/formats.js';
import { writeParquetTable } from '../src/io/parquet/index.js';
import { NtcorrError } from '../src/core/errors.js';
import { isJagged, type Column } from '../src/core/columns.js';
import { fixture, tempDir } from './helpers/fixtures.js';

const files = fg.sync(join(fixture('parquet'), '**/*.parquet')).filter((f) => !f.endsWith('nation.dict-malformed.parquet')).sort();

/** Row r of a chunk column as plain JS (number | bigint | array), NaN for nulls. */
function cell(c: Column, r: number): unknown {
  if (isJagged(c)) return Array.from(c.values.subarray(c.offsets[r], c.offsets[r + 1]) as ArrayLike<unknown>);
  return (c as ArrayLike<unknown>)[r];
}

function same(a: unknown, b: unknown): boolean {
  // Documented: null numbers read as NaN, null lists as empty lists.
  if (b === null || b === undefined) return (typeof a === 'number' && Number.isNaN(a)) || (Array.isArray(a) && a.length === 0);
  if (typeof b === 'boolean') return a === (b ? 1 : 0);
  if (typeof b === 'bigint') return a === b || a === Number(b);
  if (typeof b === 'number') return Object.is(a, b) || (typeof a === 'number' && Math.fround(b) === a) || a === BigInt(b);
  if (Array.isArray(b)) return Array.isArray(a) && a.length === b.length && b.every((x, i) => same(a[i], x));
  return false;
}

// hyparquet decodes snappy itself; gzip and brotli through node:zlib. zstd/lz4 files are checked against DuckDB only.
const compressors = {
  GZIP: (input: Uint8Array) => new Uint8Array(gunzipSync(input)),
  BROTLI: (input: Uint8Array) => new Uint8Array(brotliDecompressSync(input)),
};
const hyparquetReadable = (f: string) => !/zstd|lz4|duck_|byte_stream_split|delta_binary|int32_with_null_pages/.test(f);

const duck = DuckDBInstance.create(':memory:').then((d) => d.connect());

/** Reference rows: a plain DuckDB query, or hyparquet (a second, pure-JS reader). */
async function reference(file: string, columns: string[], reader: 'duckdb' | 'hyparquet'): Promise<Record<string, unknown>[]> {
  if (reader === 'hyparquet') return (await parquetReadObjects({ file: await asyncBufferFromFile(file), columns, compressors })) as Record<string, unknown>[];
  const sel = columns.map((c) => `"${c}"`).join(', ');
  return (await (await duck).runAndReadAll(`SELECT ${sel} FROM read_parquet('${file}')`)).getRowObjectsJS() as Record<string, unknown>[];
}

for (const file of files) for (const reader of ['duckdb', 'hyparquet'] as const) {
  if (reader === 'hyparquet' && !hyparquetReadable(file)) continue;
  test(`reads ${basename(file)} like ${reader} does (chunks of 777 rows)`, async (t) => {
    const src = await openTable(file);
    try {
      const numeric = src.columns.filter((c) => c.dtype !== undefined).map((c) => c.name);
      const ref = await reference(file, numeric, reader);
      t.is(src.rows, ref.length);
      let next = 0;
      for await (const chunk of src.chunks(numeric, 777)) {
        t.is(chunk.start, next);
        t.true(chunk.rows <= 777);
        for (const name of numeric) {
          const col = chunk.columns.get(name)!;
          for (let r = 0; r < chunk.rows; r++) {
            const want = ref[chunk.start + r][name];
            if (!same(cell(col, r), want)) {
              t.fail(`${name} row ${chunk.start + r}: got ${String(cell(col, r))}, ${reader} ${String(want)}`);
              return;
            }
          }
        }
        next += chunk.rows;
      }
      t.is(next, src.rows);
    } finally {
      await src.close();
    }
  });
}

test('schema: types, nullability and nesting match DuckDB DESCRIBE and the parquet footer', async (t) => {
  const f = fixture('parquet/writers/optional_zstd.parquet');
  const src = await openTable(f);
  const byName = new Map(src.columns.map((c) => [c.name, c]));
  t.is(byName.get('f32')!.dtype, 'float32');
  t.is(byName.get('i64')!.dtype, 'int64');
  t.is(byName.get('bool')!.dtype, 'bool');
  t.true(byName.get('jet_pt')!.jagged);
  t.true(byName.get('f32')!.nullable);
  const req = await openTable(fixture('parquet/writers/c_zstd.parquet'));
  t.false(req.columns.find((c) => c.name === 'f32')!.nullable);
  const nested = await openTable(fixture('parquet/parquet-testing/nested_lists.snappy.parquet'));
  const a = nested.columns.find((c) => c.name === 'a')!;
  t.is(a.dtype, undefined);
  await t.throwsAsync(async () => { for await (const _ of nested.chunks(['a'], 10)) { /* */ } }, { message: /column "a" has type VARCHAR\[\]\[\]\[\].*expected numbers/ });
  await Promise.all([src.close(), req.close(), nested.close()]);
});

test('the malformed dictionary file is rejected with a clear error', async (t) => {
  const err = await t.throwsAsync(openTable(fixture('parquet/parquet-testing/nation.dict-malformed.parquet')), { instanceOf: NtcorrError });
  t.regex(err!.message, /nation\.dict-malformed\.parquet: malformed parquet file: column chunk "nation_key".*lists no encodings/);
});

test('missing, truncated and non-parquet files fail with the file named', async (t) => {
  const dir = tempDir();
  const { copyFileSync, readFileSync, writeFileSync } = await import('node:fs');
  await t.throwsAsync(openTable(join(dir, 'nope.parquet')), { message: /nope\.parquet: file not found/ });
  writeFileSync(join(dir, 'text.parquet'), 'this is not parquet\n'.repeat(10));
  await t.throwsAsync(openTable(join(dir, 'text.parquet')), { instanceOf: NtcorrError, message: /text\.parquet: reading the parquet footer failed/ });
  const good = fixture('parquet/writers/c_zstd.parquet');
  const bytes = readFileSync(good);
  writeFileSync(join(dir, 'trunc.parquet'), bytes.subarray(0, Math.floor(bytes.length / 2)));
  await t.throwsAsync(openTable(join(dir, 'trunc.parquet')), { instanceOf: NtcorrError, message: /trunc\.parquet: reading the parquet footer failed/ });
  copyFileSync(good, join(dir, 'ok.parquet'));
  const src = await openTable(join(dir, 'ok.parquet'));
  await t.throwsAsync(async () => { for await (const _ of src.chunks(['f32', 'nope'], 100)) { /* */ } }, { message: /ok\.parquet: column "nope" not found/ });
  await src.close();
});

test('writeParquetTable writes typed columns and key-value metadata that DuckDB and hyparquet read back', async (t) => {
  const dir = tempDir();
  const path = join(dir, 'toys.parquet');
  const n = 250_123;
  const f32 = new Float32Array(n).map((_, i) => Math.sin(i) * 1e3);
  const f64 = new Float64Array(n).map((_, i) => Math.cos(i) / 7);
  const i32 = new Int32Array(n).map((_, i) => i * 3 - 5);
  const i64 = new BigInt64Array(n).map((_, i) => BigInt(i) * 10_000_000_019n);
  const b = new Uint8Array(n).map((_, i) => (i % 3 === 0 ? 1 : 0));
  await writeParquetTable(path, [
    { name: 'f32', data: f32 }, { name: 'f64', data: f64 }, { name: 'i32', data: i32 }, { name: 'i64', data: i64 }, { name: 'ok', data: b, type: 'bool' },
  ], { 'ntcorr.toys': '{"n":3}' });
  const db = await (await DuckDBInstance.create(':memory:')).connect();
  const desc = (await db.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${path}')`)).getRows().map((r) => `${r[0]}:${r[1]}`);
  t.deepEqual(desc, ['f32:FLOAT', 'f64:DOUBLE', 'i32:INTEGER', 'i64:BIGINT', 'ok:BOOLEAN']);
  const kv = (await db.runAndReadAll(`SELECT decode(value) FROM parquet_kv_metadata('${path}') WHERE decode(key) = 'ntcorr.toys'`)).getRows();
  t.deepEqual(kv, [['{"n":3}']]);
  const sums = (await db.runAndReadAll(`SELECT count(*), sum(f32::DOUBLE), sum(f64), sum(i32), sum(i64)::VARCHAR, sum(ok::INT) FROM read_parquet('${path}')`)).getRows()[0];
  let s32 = 0, s64 = 0, si = 0, sb = 0, sl = 0n;
  for (let i = 0; i < n; i++) { s32 += f32[i]; s64 += f64[i]; si += i32[i]; sl += i64[i]; sb += b[i]; }
  t.is(Number(sums[0]), n);
  t.true(Math.abs(Number(sums[1]) - s32) < 1e-6 * n);
  t.true(Math.abs(Number(sums[2]) - s64) < 1e-9 * n);
  t.is(Number(sums[3]), si);
  t.is(sums[4], sl.toString());
  t.is(Number(sums[5]), sb);
  const rows = await parquetReadObjects({ file: await asyncBufferFromFile(path), rowStart: 200_000, rowEnd: 200_003 });
  t.deepEqual(rows.map((r) => r.f32), [f32[200_000], f32[200_001], f32[200_002]]);
  t.deepEqual(rows.map((r) => r.ok), [b[200_000] === 1, b[200_001] === 1, b[200_002] === 1]);
  db.closeSync();
});

test('without @duckdb/node-api\'s private typed-array view the reader falls back to the public per-item API', async (t) => {
  const { raw } = await import('../src/io/parquet/reader.js');
  const fake = (items: (number | bigint | boolean | null)[]) => ({ itemCount: items.length, getItem: (i: number) => items[i] }) as never;
  const f = raw(fake([1.5, null, -2]));
  t.deepEqual(Array.from(f.items as Float64Array), [1.5, 0, -2]);
  t.true(f.validity!.data !== null);
  t.deepEqual([0, 1, 2].map((i) => f.validity!.itemValid(i)), [true, false, true]);
  const b = raw(fake([10n, 2n ** 40n]));
  t.true(b.items instanceof BigInt64Array);
  t.is((b.items as BigInt64Array)[1], 2n ** 40n);
  t.is(raw(fake([true, false])).validity!.data, null);
});
