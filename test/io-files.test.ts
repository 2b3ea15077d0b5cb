import test from 'ava';
import { copyFileSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { expandAll, expandFiles } from '../src/io/files.js';
import { runApply } from '../src/pipeline/index.js';
import { applyOptions, xTable } from './helpers/apply.js';
import { loadSample } from '../src/validate/load.js';
import { loadExamples } from '../src/train/flow/load.js';
import { expandInputs as condorInputs } from '../src/condor/create.js';
import { derivedBundle, tempDir } from './helpers/fixtures.js';
import { runCli } from './helpers/cli.js';

/**
 * Issue 13 item 2: an existing path is that file, never a glob (neither for fast-glob nor inside DuckDB).
 * Reproduction: `apply 'a[1].parquet' --in-place` next to `a1.parquet` rewrote a[1] from a1 (1000 rows -> 1).
 */
const duck: Promise<DuckDBConnection> = DuckDBInstance.create(':memory:').then((d) => d.connect());
/** Row count and sum of x, read by the test's own DuckDB from a copy with a glob-free name. */
async function facts(path: string, dir: string): Promise<{ rows: number; sum: number; cols: string[] }> {
  const safe = join(dir, `check-${Math.random().toString(36).slice(2)}.parquet`);
  copyFileSync(path, safe);
  const con = await duck;
  const r = (await con.runAndReadAll(`SELECT count(*)::INTEGER, coalesce(sum(x), 0)::DOUBLE FROM read_parquet('${safe}')`)).getRows()[0];
  const cols = (await con.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${safe}')`)).getRows().map((c) => String(c[0]));
  return { rows: Number(r[0]), sum: Number(r[1]), cols };
}

const table = xTable;

const bundle = (dir: string): string => derivedBundle(dir, 'twice', { y: 'x*2' });

const opts = applyOptions;

async function globFamily(dir: string) {
  await table(join(dir, 'a[1].parquet'), 1000);
  await table(join(dir, 'a1.parquet'), 1, 500);
  await table(join(dir, 'b*.parquet'), 5);
  await table(join(dir, 'bq.parquet'), 3, 100);
  await table(join(dir, 'c?.parquet'), 4);
  await table(join(dir, 'cd.parquet'), 2, 100);
}

test('apply --in-place on a[1].parquet rewrites that file from itself, not from its sibling a1.parquet (fast-glob and DuckDB)', async (t) => {
  const dir = tempDir();
  await globFamily(dir);
  const sibling = readFileSync(join(dir, 'a1.parquet'));
  const s = await runApply(opts({ inputs: [join(dir, 'a[1].parquet')], model: bundle(dir), inPlace: true }));
  t.is(s.done, 1, JSON.stringify(s.files));
  t.is(s.files.length, 1);
  const f = await facts(join(dir, 'a[1].parquet'), dir);
  t.is(f.rows, 1000);
  t.is(f.sum, 999 * 1000 / 2);
  t.deepEqual(f.cols, ['x', 'y']);
  t.deepEqual(readFileSync(join(dir, 'a1.parquet')), sibling, 'the sibling is untouched');
});

test('files named with * and ? are themselves; out-dir outputs keep the names; a relative path works too', async (t) => {
  const dir = tempDir();
  await globFamily(dir);
  const s = await runApply(opts({ inputs: [join(dir, 'b*.parquet'), 'c?.parquet'], model: bundle(dir), outDir: join(dir, 'out') }));
  t.is(s.done, 0 + s.files.filter((r) => r.status === 'done').length);
  // 'c?.parquet' relative to the test's cwd does not exist: a pattern there, matching nothing
  t.is(s.failed, 1, JSON.stringify(s.files));
  t.regex(s.files.find((r) => r.status === 'failed')!.reason!, /no file matches "c\?\.parquet"/);
  t.is((await facts(join(dir, 'out', 'b*.parquet'), dir)).rows, 5);
  const s2 = await runApply(opts({ inputs: [join(dir, 'c?.parquet')], model: bundle(dir), outDir: join(dir, 'out2') }));
  t.is(s2.done, 1);
  t.is((await facts(join(dir, 'out2', 'c?.parquet'), dir)).rows, 4);
});

test('expander: existing path = file, patterns only when missing, de-duplicated by real path in argument order', async (t) => {
  const dir = tempDir();
  await globFamily(dir);
  mkdirSync(join(dir, 'sub'));
  await table(join(dir, 'sub', 'z.parquet'), 1);
  symlinkSync(join(dir, 'a[1].parquet'), join(dir, 'link.parquet'));
  const { files, unmatched } = await expandFiles([
    join(dir, 'sub', 'z.parquet'), join(dir, 'a[1].parquet'), join(dir, 'link.parquet'), join(dir, 'a?.parquet'), join(dir, 'none-*.parquet'), join(dir, 'missing.parquet'),
  ]);
  t.deepEqual(files, [join(dir, 'sub', 'z.parquet'), join(dir, 'a[1].parquet'), join(dir, 'a1.parquet'), join(dir, 'missing.parquet')]);
  t.deepEqual(unmatched, [join(dir, 'none-*.parquet')]);
  // every other command goes through the same rule
  await t.throwsAsync(expandAll([join(dir, 'a[1].parquet'), join(dir, 'none-*.parquet')], '--data'), { message: /--data: no file matches ".*none-\*\.parquet"/ });
  t.deepEqual(await condorInputs([join(dir, 'a[1].parquet'), join(dir, 'b*.parquet')]), [resolve(dir, 'a[1].parquet'), resolve(dir, 'b*.parquet')]);
});

test('validate and train flow read the literal file a[1].parquet (1000 rows), not the sibling a1.parquet', async (t) => {
  const dir = tempDir();
  await globFamily(dir);
  const s = await loadSample([join(dir, 'a[1].parquet')], ['x'], { maxEvents: 1e9 });
  t.is(s.rows, 1000);
  const e = await loadExamples({ globs: [join(dir, 'a[1].parquet')], collections: [''], variables: ['x'], conditions: [], label: 'data' });
  t.is(e.n, 1000);
  t.deepEqual(e.files, [join(dir, 'a[1].parquet')]);
});

test('inspect: a literal a[1].parquet, a quoted glob, and a glob matching nothing (reported, the others still inspected, exit 1)', (t) => {
  const dir = tempDir();
  return globFamily(dir).then(() => {
    const r = runCli(['inspect', '--json', join(dir, 'a[1].parquet'), join(dir, 'nothing-*.parquet'), join(dir, 'b?.parquet')]);
    t.is(r.code, 1, r.stderr);
    const out = JSON.parse(r.stdout) as { path: string; rows?: number; error?: string }[];
    t.deepEqual(out.map((o) => [o.path, o.rows ?? o.error]), [
      [join(dir, 'nothing-*.parquet'), `no file matches "${join(dir, 'nothing-*.parquet')}"`],
      [join(dir, 'a[1].parquet'), 1000],
      // a pattern matches names with glob characters like any other name
      [join(dir, 'b*.parquet'), 5],
      [join(dir, 'bq.parquet'), 3],
    ]);
  });
});
