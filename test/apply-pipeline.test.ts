import test from 'ava';
import { copyFileSync, writeFileSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { runApply, type ApplyOptions } from '../src/pipeline/index.js';
import { derivedBundle, fixture, tempDir } from './helpers/fixtures.js';
import { runCli } from './helpers/cli.js';

/** An independent reader for checks: a plain DuckDB connection of the test's own. */
const duck: Promise<DuckDBConnection> = DuckDBInstance.create(':memory:').then((d) => d.connect());
async function q(sql: string): Promise<unknown[][]> {
  return (await (await duck).runAndReadAll(sql)).getRows() as unknown[][];
}
const one = async (sql: string) => (await q(sql))[0][0];

const base = (o: Partial<ApplyOptions>): ApplyOptions => ({
  inputs: [], model: '', chunkRows: 3000, jobs: 2, fill: 'nan', force: false, skipDone: false, quiet: true, seed: 1, backend: 'cpu', command: 'test', ...o,
});

/** Every original column of `input` equals the same column of `output`, row by row, lists included. */
async function originalsUnchanged(t: import('ava').ExecutionContext, input: string, output: string): Promise<void> {
  const inDesc = await q(`DESCRIBE SELECT * FROM read_parquet('${input}')`);
  const outDesc = new Map((await q(`DESCRIBE SELECT * FROM read_parquet('${output}')`)).map((r) => [r[0], r[1]]));
  for (const [name, type] of inDesc.map((r) => [r[0], r[1]])) t.is(outDesc.get(name), type, `type of ${name}`);
  const cols = inDesc.map((r) => `"${r[0]}"`).join(', ');
  t.is(await one(`SELECT count(*) FROM read_parquet('${input}')`), await one(`SELECT count(*) FROM read_parquet('${output}')`));
  // Positional comparison: same values in the same row order.
  const diff = await one(`SELECT count(*) FROM (SELECT ${cols} FROM read_parquet('${input}')) a POSITIONAL JOIN (SELECT ${inDesc.map((r) => `"${r[0]}" AS "o_${r[0]}"`).join(', ')} FROM read_parquet('${output}')) b
    WHERE ${inDesc.map((r) => `a."${r[0]}" IS DISTINCT FROM b."o_${r[0]}"`).join(' OR ')}`);
  t.is(diff, 0n, `rows differing in original columns of ${output}`);
}

test('apply keeps every original column (types, lists, nulls, row order) and adds float32/float64 columns equal to DuckDB\'s own computation', async (t) => {
  const dir = tempDir();
  const model = derivedBundle(dir, 'twice', { x2: 'f32*2', y: 'x2 + i32', nj: 'where(bool, f32q, -1)' }, [{ name: 'x2' }, { name: 'y', type: 'float64' }, { name: 'nj' }]);
  const inputs = ['c_zstd', 'optional_zstd', 'duck_v2_zstd', 'pagev2_zstd'].map((n) => fixture(`parquet/writers/${n}.parquet`));
  const s = await runApply(base({ inputs, model, outDir: join(dir, 'out'), chunkRows: 1234 }));
  t.is(s.done, 4, JSON.stringify(s.files));
  for (const input of inputs) {
    const out = join(dir, 'out', input.split('/').pop()!);
    await originalsUnchanged(t, input, out);
    const desc = new Map((await q(`DESCRIBE SELECT * FROM read_parquet('${out}')`)).map((r) => [r[0], r[1]]));
    t.is(desc.get('x2'), 'FLOAT');
    t.is(desc.get('y'), 'DOUBLE');
    const bad = await one(`SELECT count(*) FROM read_parquet('${out}') WHERE x2 IS DISTINCT FROM (f32::DOUBLE*2)::FLOAT
      OR abs(y - ((f32::DOUBLE*2)::FLOAT::DOUBLE + i32)) > 1e-9 OR nj IS DISTINCT FROM (CASE WHEN bool THEN f32q ELSE -1 END)::FLOAT`);
    t.is(bad, 0n, out);
    t.is(await one(`SELECT DISTINCT compression FROM parquet_metadata('${out}') WHERE path_in_schema = 'x2'`), 'ZSTD');
  }
});

test('--where keeps every row in place: unselected rows get NaN (or the old value with --fill keep)', async (t) => {
  const dir = tempDir();
  const input = fixture('parquet/higgsdna/ttH_M125_2018_job1.parquet');
  const model = derivedBundle(dir, 'ratio', { pt_over_m: 'LeadPhoton_pt / Diphoton_mass' }, [{ name: 'pt_over_m' }]);
  const where = 'abs(LeadPhoton_eta) < 1.4442 and 115 < Diphoton_mass < 135';
  const s = await runApply(base({ inputs: [input], model, outDir: join(dir, 'a'), where, chunkRows: 1000 }));
  t.is(s.done, 1, s.files[0].reason);
  const out = join(dir, 'a', 'ttH_M125_2018_job1.parquet');
  await originalsUnchanged(t, input, out);
  const sel = `abs(LeadPhoton_eta) < 1.4442 AND Diphoton_mass > 115 AND Diphoton_mass < 135`;
  const [selected, wrongSel, wrongUnsel] = (await q(`SELECT count(*) FILTER (WHERE ${sel}),
      count(*) FILTER (WHERE ${sel} AND pt_over_m IS DISTINCT FROM (LeadPhoton_pt::DOUBLE / Diphoton_mass)::FLOAT),
      count(*) FILTER (WHERE NOT (${sel}) AND NOT isnan(pt_over_m)) FROM read_parquet('${out}')`))[0];
  t.true(Number(selected) > 1000);
  t.is(s.files[0].selected, Number(selected));
  t.is(wrongSel, 0n);
  t.is(wrongUnsel, 0n);

  // --fill keep: a second model writing the same column only in the endcap keeps the barrel values.
  const model2 = derivedBundle(dir, 'ratio-endcap', { pt_over_m: 'LeadPhoton_pt / Diphoton_mass * 100' }, [{ name: 'pt_over_m' }]);
  const s2 = await runApply(base({ inputs: [out], model: model2, outDir: join(dir, 'b'), where: 'abs(LeadPhoton_eta) > 1.566', fill: 'keep', force: true }));
  t.is(s2.done, 1, s2.files[0].reason);
  const out2 = join(dir, 'b', 'ttH_M125_2018_job1.parquet');
  const [bad] = (await q(`SELECT count(*) FROM read_parquet('${out}') a POSITIONAL JOIN (SELECT pt_over_m AS p2, LeadPhoton_eta AS e2 FROM read_parquet('${out2}')) b
      WHERE CASE WHEN abs(e2) > 1.566 THEN p2 IS DISTINCT FROM (LeadPhoton_pt::DOUBLE / Diphoton_mass * 100)::FLOAT ELSE p2 IS DISTINCT FROM pt_over_m END`))[0];
  t.is(bad, 0n);
  const cols = (await q(`DESCRIBE SELECT * FROM read_parquet('${out2}')`)).map((r) => r[0]);
  t.is(cols.filter((c) => c === 'pt_over_m').length, 1);
});

test('provenance is recorded; re-applying is refused, --skip-done skips, --force replaces (in place)', async (t) => {
  const dir = tempDir();
  const file = join(dir, 'f.parquet');
  copyFileSync(fixture('parquet/higgsdna/Data_2016_job1.parquet'), file);
  const before = readFileSync(file);
  const model = derivedBundle(dir, 'ptm', { lead_ptm: 'LeadPhoton_pt / Diphoton_mass' }, [{ name: 'lead_ptm' }]);
  const s1 = await runApply(base({ inputs: [file], model, inPlace: true, command: 'ntcorr apply f.parquet' }));
  t.is(s1.done, 1, s1.files[0].reason);
  const kv = await q(`SELECT decode(key), decode(value) FROM parquet_kv_metadata('${file}')`);
  const keys = kv.map((r) => r[0]);
  t.false(keys.includes('ARROW:schema'));
  const prov = JSON.parse(kv.find((r) => r[0] === 'ntcorr.provenance')![1] as string);
  t.is(prov.length, 1);
  t.is(prov[0].model, 'ptm');
  t.deepEqual(prov[0].columnsAdded, ['lead_ptm']);
  t.is(prov[0].command, 'ntcorr apply f.parquet');
  t.is(prov[0].counts.rows, 2062);
  t.regex(prov[0].modelHash, /^[0-9a-f]{64}$/);
  t.regex(prov[0].tool, /^ntcorr \d/);

  const s2 = await runApply(base({ inputs: [file], model, inPlace: true }));
  t.is(s2.failed, 1);
  t.regex(s2.files[0].reason!, /already corrected by model ptm .* use --force/);
  const s3 = await runApply(base({ inputs: [file], model, inPlace: true, skipDone: true }));
  t.is(s3.skipped, 1);
  const s4 = await runApply(base({ inputs: [file], model, inPlace: true, force: true }));
  t.is(s4.done, 1, s4.files[0].reason);
  const prov2 = JSON.parse((await q(`SELECT decode(value) FROM parquet_kv_metadata('${file}') WHERE decode(key) = 'ntcorr.provenance'`))[0][0] as string);
  t.is(prov2.length, 2);
  const cols = (await q(`DESCRIBE SELECT * FROM read_parquet('${file}')`)).map((r) => r[0]);
  t.is(cols.filter((c) => c === 'lead_ptm').length, 1);
  // The original columns are still the original file's.
  const orig = join(dir, 'orig.parquet');
  writeFileSync(orig, before);
  await originalsUnchanged(t, orig, file);
  // A different model whose column already exists (no provenance match) is refused by column name,
  // and --skip-done does not skip it (it is not this model's correction).
  const other = derivedBundle(dir, 'other', { lead_ptm: 'LeadPhoton_pt' }, [{ name: 'lead_ptm' }]);
  const s5 = await runApply(base({ inputs: [file], model: other, inPlace: true, skipDone: true }));
  t.is(s5.failed, 1);
  t.regex(s5.files[0].reason!, /already has column lead_ptm; use --force/);
  // A new version of the same model (same name, other contents) is refused too, never skipped as done.
  const v2 = derivedBundle(join(dir, 'v2'), 'ptm', { lead_ptm: 'LeadPhoton_pt / Diphoton_mass * 1.01' }, [{ name: 'lead_ptm' }]);
  const s6 = await runApply(base({ inputs: [file], model: v2, inPlace: true, skipDone: true }));
  t.is(s6.failed, 1);
  t.regex(s6.files[0].reason!, /already corrected by another version of model ptm/);
});

test('bad files fail alone with the file and column named; NaN/inf inputs are counted and give NaN', async (t) => {
  const dir = tempDir();
  const good = join(dir, 'good.parquet');
  await q(`COPY (SELECT i::FLOAT AS a, (i % 5)::DOUBLE AS b, 'x' || i AS s FROM range(1000) t(i)) TO '${good}' (FORMAT parquet)`);
  const nanf = join(dir, 'nan.parquet');
  await q(`COPY (SELECT CASE WHEN i % 10 = 0 THEN 'NaN'::FLOAT WHEN i % 10 = 1 THEN 'inf'::FLOAT ELSE i::FLOAT END AS a, 1.0::DOUBLE AS b, 'y' AS s FROM range(100) t(i)) TO '${nanf}' (FORMAT parquet)`);
  const empty = join(dir, 'empty.parquet');
  await q(`COPY (SELECT 1.0::FLOAT AS a, 2.0::DOUBLE AS b, 'z' AS s LIMIT 0) TO '${empty}' (FORMAT parquet)`);
  const nob = join(dir, 'nob.parquet');
  await q(`COPY (SELECT 1.0::FLOAT AS a FROM range(10)) TO '${nob}' (FORMAT parquet)`);
  const strb = join(dir, 'strb.parquet');
  await q(`COPY (SELECT 1.0::FLOAT AS a, 'text' AS b FROM range(10)) TO '${strb}' (FORMAT parquet)`);
  const trunc = join(dir, 'trunc.parquet');
  const bytes = readFileSync(good);
  writeFileSync(trunc, bytes.subarray(0, bytes.length - 100));
  const text = join(dir, 'text.parquet');
  writeFileSync(text, 'run,lumi,event\n1,2,3\n');
  const model = derivedBundle(dir, 'ab', { c: 'a * b + 1' }, [{ name: 'c' }]);
  const out = join(dir, 'out');
  const r = runCli(['apply', good, nanf, empty, nob, strb, trunc, text, join(dir, 'missing.parquet'), '-m', model, '-o', out, '--quiet']);
  t.is(r.code, 1, r.stderr);
  const line = (f: string) => r.stdout.split('\n').findIndex((l) => l.includes(f));
  const reasonOf = (f: string) => r.stdout.split('\n')[line(f) + 1] ?? '';
  t.regex(r.stdout, /done\s+1000\s+1000\s+0\s+0\s.*good\.parquet/);
  t.regex(r.stdout, /done\s+100\s+100\s+20\s+20\s.*nan\.parquet/);
  t.regex(reasonOf('empty.parquet'), /empty\.parquet: the file has 0 rows/);
  t.regex(reasonOf('nob.parquet'), /nob\.parquet: column "b" not found/);
  t.regex(reasonOf('strb.parquet'), /strb\.parquet: column "b" has type VARCHAR.*; expected numbers/);
  t.regex(reasonOf('trunc.parquet'), /trunc\.parquet: reading the parquet footer failed/);
  t.regex(reasonOf('text.parquet'), /text\.parquet: reading the parquet footer failed/);
  t.regex(reasonOf('missing.parquet'), /missing\.parquet: file not found/);
  t.regex(r.stdout, /2 done, 0 skipped, 6 failed/);
  const [nans, infs, okv] = (await q(`SELECT count(*) FILTER (WHERE isnan(c)), count(*) FILTER (WHERE isinf(c)), count(*) FILTER (WHERE isfinite(c) AND c = a * 1.0 + 1) FROM read_parquet('${join(out, 'nan.parquet')}')`))[0];
  t.is(nans, 10n); // NaN * 1 + 1
  t.is(infs, 10n); // inf passes through as inf (counted as non-finite)
  t.is(okv, 80n);
  // No partial outputs or temp files for the failed ones.
  const { readdirSync } = await import('node:fs');
  t.deepEqual(readdirSync(out).sort(), ['good.parquet', 'nan.parquet']);
});

test('every readable fixture file (strings, timestamps, nested lists, nulls, every codec) round-trips through apply unchanged', async (t) => {
  const dir = tempDir();
  const model = derivedBundle(dir, 'const', { one: '1' }, [{ name: 'one' }]);
  const { default: fg } = await import('fast-glob');
  const inputs = fg.sync(join(fixture('parquet'), '**/*.parquet')).filter((f) => !f.endsWith('dict-malformed.parquet'));
  const s = await runApply(base({ inputs, model, outDir: join(dir, 'out'), jobs: 2 }));
  t.is(s.failed, 0, JSON.stringify(s.files.filter((f) => f.status === 'failed')));
  // outputs mirror the inputs' paths below their common folder (parquet/)
  for (const input of inputs) await originalsUnchanged(t, input, join(dir, 'out', relative(fixture('parquet'), input)));
});

test('a null in an int64 column widens that chunk to float64 with NaN', async (t) => {
  const dir = tempDir();
  const f = join(dir, 'nulls.parquet');
  await q(`COPY (SELECT CASE WHEN i = 5000 THEN NULL ELSE i END::BIGINT AS n FROM range(10000) t(i)) TO '${f}' (FORMAT parquet)`);
  const model = derivedBundle(dir, 'twice', { m: 'n * 2' }, [{ name: 'm', type: 'float64' }]);
  const s = await runApply(base({ inputs: [f], model, outDir: join(dir, 'out'), chunkRows: 10000 }));
  t.is(s.done, 1, s.files[0].reason);
  t.is(s.files[0].nonFiniteInputs, 1);
  const [bad, nans] = (await q(`SELECT count(*) FILTER (WHERE n IS NOT NULL AND m <> n * 2), count(*) FILTER (WHERE isnan(m)) FROM '${join(dir, 'out', 'nulls.parquet')}'`))[0];
  t.is(bad, 0n);
  t.is(nans, 1n);
});

test('a list column used where one value per row is needed fails that file, naming file and column', async (t) => {
  const dir = tempDir();
  const input = fixture('parquet/writers/c_zstd.parquet');
  const model = derivedBundle(dir, 'jp', { j2: 'jet_pt * 2' }, [{ name: 'j2' }]);
  const s = await runApply(base({ inputs: [input], model, outDir: join(dir, 'o1') }));
  t.is(s.failed, 1);
  t.regex(s.files[0].reason!, /c_zstd\.parquet: .*column "jet_pt" is a list/);
  const model2 = derivedBundle(dir, 'f2', { g: 'f32 * 2' }, [{ name: 'g' }]);
  const s2 = await runApply(base({ inputs: [input], model: model2, outDir: join(dir, 'o2'), where: 'jet_pt > 10' }));
  t.regex(s2.files[0].reason!, /c_zstd\.parquet: --where: .*column "jet_pt" is a list/);
});
