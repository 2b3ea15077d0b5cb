import test from 'ava';
import { join } from 'node:path';
import { mkdirSync, writeFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { fixture, tempDir } from './helpers/fixtures.js';
import { runCli } from './helpers/cli.js';

test('inspect --json: rows, row groups, codecs, nullability and nesting agree with DuckDB\'s footer functions; provenance after apply', async (t) => {
  const dir = tempDir();
  const model = join(dir, 'm');
  mkdirSync(model);
  writeFileSync(join(model, 'model.json'), JSON.stringify({
    format: 'ntcorr-bundle', formatVersion: 1, name: 'dbl', kind: 'derived', inputs: ['f32'], outputs: [{ name: 'f2' }],
    config: { columns: { f2: 'f32 * 2' } }, provenance: { createdBy: 'test', created: '2026-11-23', source: 'hand-written' },
  }));
  const input = fixture('parquet/writers/dict_zstd.parquet');
  const a = runCli(['apply', input, '-m', model, '-o', join(dir, 'out'), '--quiet']);
  t.is(a.code, 0, a.stderr);
  const out = join(dir, 'out', 'dict_zstd.parquet');
  const r = runCli(['inspect', '--json', input, out, join(dir, 'nope.parquet')]);
  t.is(r.code, 1); // the missing file fails, the others are shown
  const [orig, corrected, missing] = JSON.parse(r.stdout) as Record<string, any>[];
  const con = await (await DuckDBInstance.create(':memory:')).connect();
  const fm = (await con.runAndReadAll(`SELECT num_rows, num_row_groups FROM parquet_file_metadata('${input}')`)).getRows()[0];
  t.is(orig.rows, Number(fm[0]));
  t.is(orig.details.rowGroups, Number(fm[1]));
  const codecs = (await con.runAndReadAll(`SELECT DISTINCT compression FROM parquet_metadata('${input}') WHERE path_in_schema = 'f32'`)).getRows().map((x) => x[0]);
  t.deepEqual(orig.details.compression.f32, codecs);
  const reps = new Map((await con.runAndReadAll(`SELECT name, repetition_type FROM parquet_schema('${input}')`)).getRows().map((x) => [x[0], x[1]]));
  for (const c of orig.columns) t.is(c.nullable, reps.get(c.name) === 'OPTIONAL', c.name);
  t.true(orig.columns.find((c: any) => c.name === 'jet_pt').jagged);
  t.deepEqual(orig.provenance, []);
  t.is(corrected.provenance.length, 1);
  t.is(corrected.provenance[0].model, 'dbl');
  t.deepEqual(corrected.provenance[0].columnsAdded, ['f2']);
  t.is(corrected.columns.at(-1).name, 'f2');
  t.is(corrected.columns.at(-1).dtype, 'float32');
  t.regex(missing.error, /nope\.parquet: file not found/);
  const text = runCli(['inspect', out]);
  t.is(text.code, 0);
  t.regex(text.stdout, /10000 rows, 7 columns/);
  t.regex(text.stdout, /model dbl \(derived, [0-9a-f]{12}\)\s+added f2/);
  con.closeSync();
});
