import test from 'ava';
import { join } from 'node:path';
import { existsSync, readdirSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { openTable, formatFor } from '../src/io/formats.js';
import type { ProvenanceRecord } from '../src/io/table.js';
import { fixture, tempDir } from './helpers/fixtures.js';

const prov = (): ProvenanceRecord => ({ tool: 'ntcorr test', model: 'm', modelHash: 'h'.repeat(64), kind: 'test', columnsAdded: ['pj', 'k'], time: '2026-11-23T00:00:00Z', command: 'test' });

test('the parquet writer adds jagged (per-element) and int/bool outputs chunk by chunk; friend mode writes only the new columns', async (t) => {
  const dir = tempDir();
  const input = fixture('parquet/writers/c_zstd.parquet');
  const src = await openTable(input);
  const fmt = await formatFor(input);
  const outputs = [{ name: 'pj', jagged: true }, { name: 'k', type: 'int32' as const }, { name: 'ok', type: 'bool' as const }];
  for (const mode of ['full', 'friend'] as const) {
    const out = join(dir, `${mode}.parquet`);
    const w = await fmt.createWriter(src, out, outputs, { mode, provenance: prov(), compression: 'snappy' });
    for await (const chunk of src.chunks(['jet_pt', 'i32'], 3333)) {
      const jp = chunk.columns.get('jet_pt') as { offsets: Int32Array; values: Float32Array };
      const i32 = chunk.columns.get('i32') as Int32Array;
      // per-jet output: 2 * jet_pt, same offsets as the input list
      const pj = { offsets: jp.offsets.map((o) => o - jp.offsets[0]), values: jp.values.map((v) => 2 * v) };
      await w.append(new Map<string, any>([['pj', pj], ['k', i32.map((x) => x + 1)], ['ok', Uint8Array.from(i32, (x) => (x % 2 === 0 ? 1 : 0))]]), chunk.rows);
    }
    await w.finish();
    t.deepEqual(readdirSync(dir).filter((n) => n.startsWith('.ntcorr-tmp-')), []);
    t.true(existsSync(out));
  }
  await src.close();
  const con = await (await DuckDBInstance.create(':memory:')).connect();
  const full = join(dir, 'full.parquet');
  const desc = (await con.runAndReadAll(`DESCRIBE SELECT * FROM '${full}'`)).getRows().map((r) => `${r[0]}:${r[1]}`);
  t.deepEqual(desc.slice(-3), ['pj:FLOAT[]', 'k:INTEGER', 'ok:BOOLEAN']);
  const [bad] = (await con.runAndReadAll(`SELECT count(*) FROM '${full}' WHERE pj IS DISTINCT FROM list_transform(jet_pt, x -> (2 * x)::FLOAT) OR k <> i32 + 1 OR ok <> (i32 % 2 = 0)`)).getRows()[0];
  t.is(bad, 0n);
  t.is((await con.runAndReadAll(`SELECT DISTINCT compression FROM parquet_metadata('${full}')`)).getRows()[0][0], 'SNAPPY');
  const friend = join(dir, 'friend.parquet');
  t.deepEqual((await con.runAndReadAll(`DESCRIBE SELECT * FROM '${friend}'`)).getRows().map((r) => r[0]), ['pj', 'k', 'ok']);
  const [bad2] = (await con.runAndReadAll(`SELECT count(*) FROM read_parquet('${input}') a POSITIONAL JOIN read_parquet('${friend}') b WHERE b.pj IS DISTINCT FROM list_transform(a.jet_pt, x -> (2 * x)::FLOAT) OR b.k <> a.i32 + 1`)).getRows()[0];
  t.is(bad2, 0n);
  const reread = await openTable(friend);
  t.is(reread.provenance[0].model, 'm');
  await reread.close();
  con.closeSync();
});

test('abort() leaves no files; finish() refuses a row count that does not match the source', async (t) => {
  const dir = tempDir();
  const input = fixture('parquet/writers/c_zstd.parquet');
  const src = await openTable(input);
  const fmt = await formatFor(input);
  const w = await fmt.createWriter(src, join(dir, 'o.parquet'), [{ name: 'x' }], { mode: 'full', provenance: prov() });
  await w.append(new Map([['x', new Float32Array(100)]]), 100);
  await t.throwsAsync(w.finish(), { message: /wrote 100 rows of new columns, the file has 10000/ });
  await w.abort();
  t.deepEqual(readdirSync(dir), []);
  await src.close();
});
