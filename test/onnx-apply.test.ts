import test from 'ava';
import { copyFileSync, cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Column } from '../src/core/columns.js';
import { openTable } from '../src/io/formats.js';
import { runApply, type ApplyOptions } from '../src/pipeline/index.js';
import { ROOT, tempDir } from './helpers/fixtures.js';
import { runCli } from './helpers/cli.js';

// Networks exported by torch.onnx.export and their Python-onnxruntime outputs on test/data/onnx/inputs.parquet,
// with padding, sorting, masks and pre/post expressions done in numpy: scripts/ref/make-onnx-models.py.
const DATA = join(ROOT, 'test/data/onnx');
const INPUT = join(DATA, 'inputs.parquet');
const expected = JSON.parse(readFileSync(join(DATA, 'expected.json'), 'utf8')) as Record<string, Record<string, (number | null)[]>>;

const base = (o: Partial<ApplyOptions>): ApplyOptions => ({
  inputs: [INPUT], model: '', chunkRows: 10, jobs: 1, fill: 'nan', force: false, skipDone: false, quiet: true, seed: 1, backend: 'auto', command: 'test', log: () => {}, ...o,
});

async function readAll(path: string): Promise<Map<string, Column>> {
  const t = await openTable(path, {});
  const out = new Map<string, Column>();
  for await (const ch of t.chunks(t.columns.filter((c) => c.dtype).map((c) => c.name), 1 << 30)) for (const [k, v] of ch.columns) out.set(k, v);
  await t.close();
  return out;
}

/** Equal to float32 rounding (relative 2^-22, or absolute near zero); null in the reference = NaN. */
function close(t: { true(v: boolean, m?: string): void }, got: ArrayLike<number>, want: (number | null)[], what: string): void {
  t.true(got.length === want.length, `${what}: ${got.length} values, expected ${want.length}`);
  for (let i = 0; i < want.length; i++) {
    const w = want[i];
    if (w === null) { t.true(Number.isNaN(got[i]), `${what}[${i}] = ${got[i]}, expected NaN`); continue; }
    t.true(Math.abs(got[i] - w) <= 2.4e-7 * Math.max(Math.abs(w), 1e-3), `${what}[${i}] = ${got[i]}, expected ${w}`);
  }
}

function bundleCopy(name: string, edit?: (m: Record<string, any>) => void): string {
  const d = join(tempDir(), name);
  cpSync(join(DATA, name), d, { recursive: true });
  if (edit) {
    const m = JSON.parse(readFileSync(join(d, 'model.json'), 'utf8'));
    edit(m);
    writeFileSync(join(d, 'model.json'), JSON.stringify(m));
  }
  return d;
}

test('flat inputs with pre and post expressions match Python onnxruntime (several chunks)', async (t) => {
  const out = tempDir();
  const s = await runApply(base({ model: join(DATA, 'mlp'), outDir: out }));
  t.is(s.failed, 0, s.files[0].reason);
  t.is(s.files[0].nonFiniteInputs, 1, 'row 5 has pt = NaN');
  const cols = await readAll(join(out, 'inputs.parquet'));
  t.true(cols.get('pt_corr') instanceof Float32Array);
  t.true(cols.get('y1') instanceof Float64Array);
  close(t, cols.get('pt_corr') as Float32Array, expected.mlp.pt_corr, 'pt_corr');
  close(t, cols.get('y1') as Float64Array, expected.mlp.y1, 'y1');
  t.false(cols.has('y0'), 'intermediate outputs are not written');
  t.false(cols.has('log_pt'), 'pre columns are not written');
});

test('a model with a fixed batch dimension gets padded batches and the same values', async (t) => {
  const out = tempDir();
  const s = await runApply(base({ model: join(DATA, 'mlp-fixed-batch'), outDir: out, chunkRows: 100 }));
  t.is(s.failed, 0, s.files[0].reason);
  const cols = await readAll(join(out, 'inputs.parquet'));
  close(t, cols.get('pt_corr') as Float32Array, expected.mlp.pt_corr, 'pt_corr');
});

test('jagged input: list columns sorted, truncated, padded with a mask, and a per-element pre expression', async (t) => {
  const out = tempDir();
  const s = await runApply(base({ model: join(DATA, 'padded'), outDir: out, chunkRows: 16 }));
  t.is(s.failed, 0, s.files[0].reason);
  const cols = await readAll(join(out, 'inputs.parquet'));
  close(t, cols.get('padded_out') as Float32Array, expected.padded.out, 'padded_out');
  t.deepEqual(Array.from((cols.get('ch_pt') as { offsets: Int32Array }).offsets).slice(0, 3), [0, 0, 7], 'list columns are kept');
});

test('pad_to longest against a model with a fixed length L fails naming the input shapes', async (t) => {
  // the padded model declares L = 4: pad_to longest gives the longest row of the batch and is refused by name
  const model = bundleCopy('padded', (m) => { m.config.inputs.cands.pad_to = 'longest'; delete m.config.inputs.cands.max_length; });
  const s = await runApply(base({ model, outDir: tempDir() }));
  t.is(s.failed, 1);
  t.regex(s.files[0].reason!, /ONNX input cands has shape \[b, 4, 3\].*gives \[10, 7, 3\]/);
});

test('--where: unselected rows are not evaluated and get NaN; --in-place through the CLI keeps provenance', async (t) => {
  const dir = tempDir();
  const file = join(dir, 'in.parquet');
  copyFileSync(INPUT, file);
  const r = runCli(['apply', file, '-m', join(DATA, 'mlp'), '--in-place', '--where', 'eta > 0', '-q']);
  t.is(r.code, 0, r.stderr + r.stdout);
  const cols = await readAll(file);
  const eta = cols.get('eta') as Float32Array;
  const got = cols.get('pt_corr') as Float32Array;
  const want = expected.mlp.pt_corr.map((v, i) => (eta[i] > 0 ? v : null));
  close(t, got, want, 'pt_corr');
  const duck = await (await DuckDBInstance.create(':memory:')).connect();
  const rows = (await duck.runAndReadAll(`SELECT decode(value) FROM parquet_kv_metadata('${file}') WHERE decode(key) = 'ntcorr.provenance'`)).getRows();
  const prov = JSON.parse(rows[0][0] as string);
  t.is(prov[0].model, 'onnx-test-mlp');
  t.is(prov[0].kind, 'onnx');
  t.deepEqual(prov[0].columnsAdded, ['pt_corr', 'y1']);
});

test('bad configs and inputs fail with messages naming the key, input or column', async (t) => {
  const wrongInput = bundleCopy('mlp', (m) => { m.config.inputs = { features: m.config.inputs.x }; });
  await t.throwsAsync(runApply(base({ model: wrongInput, outDir: tempDir() })), { message: /feeds "features", which model.onnx does not have \(model inputs: x \[batch, 3\] float32\)/ });
  const unknownKey = bundleCopy('mlp', (m) => { m.config.inputs.x.colums = ['pt']; });
  await t.throwsAsync(runApply(base({ model: unknownKey, outDir: tempDir() })), { message: /config.inputs.x.colums: unknown key/ });
  const missingCol = bundleCopy('mlp', (m) => { m.config.inputs.x.columns = ['log_pt', 'eta', 'nhits_corr']; });
  let s = await runApply(base({ model: missingCol, outDir: tempDir() }));
  t.is(s.failed, 1);
  t.regex(s.files[0].reason!, /column nhits_corr not found \(needed by ONNX model onnx-test-mlp\)/);
  const listAsFlat = bundleCopy('mlp', (m) => { m.config.inputs.x.columns = ['log_pt', 'eta', 'ch_pt']; });
  s = await runApply(base({ model: listAsFlat, outDir: tempDir() }));
  t.regex(s.files[0].reason!, /column ch_pt is a list column; input x takes one value per row/);
  const noIndex = bundleCopy('mlp', (m) => { delete m.config.outputs.y0.index; });
  s = await runApply(base({ model: noIndex, outDir: tempDir() }));
  t.regex(s.files[0].reason!, /config.outputs.y0: output y has 2 values per row .* give index/);
});

test('--fill keep: rows outside --where keep the values an earlier run wrote', async (t) => {
  const dir = tempDir();
  const file = join(dir, 'in.parquet');
  copyFileSync(INPUT, file);
  const first = await runApply(base({ inputs: [file], model: join(DATA, 'mlp'), inPlace: true, where: 'eta <= 0' }));
  t.is(first.failed, 0, first.files[0].reason);
  const second = await runApply(base({ inputs: [file], model: join(DATA, 'mlp'), inPlace: true, where: 'eta > 0', fill: 'keep', force: true }));
  t.is(second.failed, 0, second.files[0].reason);
  close(t, (await readAll(file)).get('pt_corr') as Float32Array, expected.mlp.pt_corr, 'pt_corr');
});
