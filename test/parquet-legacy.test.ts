import test from 'ava';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { openTable } from '../src/io/formats.js';
import { toFloat64, type NumericArray } from '../src/core/columns.js';
import { runApply } from '../src/pipeline/index.js';
import { applyOptions } from './helpers/apply.js';
import { ROOT, derivedBundle, tempDir } from './helpers/fixtures.js';
import { runCli } from './helpers/cli.js';

/**
 * Issue 13 item 17 on apache/parquet-testing files (test/data/parquet-testing/, references by pyarrow via
 * scripts/ref/parquet-legacy-ref.py): the deprecated LZ4 codec (Hadoop-framed and bare blocks), which DuckDB
 * refuses, and a footer whose num_rows says 0 while its row group holds 6 rows.
 */
const DATA = join(ROOT, 'test', 'data', 'parquet-testing');
const expected = JSON.parse(readFileSync(join(DATA, 'expected.json'), 'utf8')) as {
  files: Record<string, { footer_num_rows: number; row_group_rows: number[]; rows: Record<string, unknown>[] }>;
};
const duck: Promise<DuckDBConnection> = DuckDBInstance.create(':memory:').then((d) => d.connect());

const opts = applyOptions;

async function rowsOf(path: string, cols: string[]): Promise<Record<string, unknown>[]> {
  const r = await (await duck).runAndReadAll(`SELECT ${cols.map((c) => `${c === 'c1' ? 'decode(c1)' : `"${c}"`} AS "${c}"`).join(', ')} FROM read_parquet('${path}')`);
  return r.getRowObjectsJson() as Record<string, unknown>[];
}
const norm = (rows: Record<string, unknown>[]) => JSON.parse(JSON.stringify(rows, (_, v) => (typeof v === 'bigint' ? Number(v) : v)), (_, v) => (typeof v === 'string' && /^\d{6,}$/.test(v) ? Number(v) : v));

for (const name of ['hadoop_lz4_compressed', 'non_hadoop_lz4_compressed']) {
  test(`${name}: the legacy LZ4 codec is read (values equal pyarrow's) and apply rewrites the file with every column`, async (t) => {
    const dir = tempDir();
    const f = join(dir, `${name}.parquet`);
    copyFileSync(join(DATA, `${name}.parquet`), f);
    const src = await openTable(f);
    t.is(src.rows, 4);
    const got: Record<string, number[]> = {};
    for await (const ch of src.chunks(['c0', 'v11'], 3)) for (const [k, v] of ch.columns) (got[k] ??= []).push(...toFloat64(v as NumericArray));
    await src.close();
    const ref = expected.files[name].rows;
    t.deepEqual(got.c0, ref.map((r) => Number(r.c0)));
    t.deepEqual(got.v11, ref.map((r) => Number(r.v11)));
    const s = await runApply(opts({ inputs: [f], model: derivedBundle(dir, 'twice', { y: 'v11*2' }), inPlace: true }));
    t.is(s.done, 1, JSON.stringify(s.files));
    t.deepEqual(norm(await rowsOf(f, ['c0', 'c1', 'v11'])), ref);
    t.deepEqual(norm(await rowsOf(f, ['y'])), ref.map((r) => ({ y: Number(r.v11) * 2 })));
  });
}

test('repeated_no_annotation: a footer saying 0 rows with a 6-row row group is 6 rows (as pyarrow and DuckDB read it), not "empty"', async (t) => {
  const dir = tempDir();
  const f = join(DATA, 'repeated_no_annotation.parquet');
  const ref = expected.files.repeated_no_annotation;
  t.is(ref.footer_num_rows, 0);
  t.deepEqual(ref.row_group_rows, [6]);
  const r = runCli(['inspect', '--json', f]);
  t.is(r.code, 0, r.stderr);
  const info = JSON.parse(r.stdout)[0] as { rows: number; details: { footerNumRows?: number } };
  t.is(info.rows, 6);
  t.is(info.details.footerNumRows, 0);
  const s = await runApply(opts({ inputs: [f], model: derivedBundle(dir, 'twice', { y: 'id*2' }), outDir: join(dir, 'out') }));
  t.is(s.done, 1, JSON.stringify(s.files));
  const out = join(dir, 'out', 'repeated_no_annotation.parquet');
  const rows = (await (await duck).runAndReadAll(`SELECT id, y, to_json(phoneNumbers)::VARCHAR AS p FROM read_parquet('${out}')`)).getRowObjectsJson() as { id: number; y: number; p: string | null }[];
  t.deepEqual(rows.map((x) => [x.id, x.y]), ref.rows.map((x) => [x.id, Number(x.id) * 2]));
  t.deepEqual(rows.map((x) => (x.p === null ? null : JSON.parse(x.p))), norm(ref.rows.map((x) => x.phoneNumbers as Record<string, unknown>)));
});
