import test from 'ava';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { loadBundle } from '../src/bundle/bundle.js';
import type { Chunk, Column } from '../src/core/columns.js';
import { kind } from '../src/models/flow/kind.js';
import { fixture, tempDir } from './helpers/fixtures.js';
import { runCli } from './helpers/cli.js';
import { io, maxAbsDiff } from './flow-fixtures.js';

/** nsf_c imported through the real CLI, as a user would, with a probe_ collection. */
const dir = tempDir();
const bundleDir = join(dir, 'nsf_c');
const N = 256;
const x = io('nsf_c', 'x').data;
const c = io('nsf_c', 'c').data;
const xCorr = io('nsf_c', 'x_corr').data;

test.before(() => {
  writeFileSync(join(dir, 'describe.yaml'), 'validity:\n  pt: [-100, 100]\n');
  const r = runCli(['import-zuko', fixture('zuko', 'nsf_c', 'state_dict.pth'), '--zuko-version', '1.6.0', '--features', '3', '--context', '2', '--bins', '8', '--transforms', '3', '--hidden', '32,32',
    '--variables', 'a,b,c', '--conditions', 'pt', '--collections', 'probe_', '--describe', join(dir, 'describe.yaml'), '-o', bundleDir]);
  if (r.code !== 0) throw new Error(r.stderr);
  const r2 = runCli(['import-zuko', fixture('zuko', 'nsf_c', 'state_dict.pth'), '--zuko-version', '1.6.0', '--features', '3', '--context', '2', '--bins', '8', '--transforms', '3', '--hidden', '32,32',
    '--variables', 'a,b,c', '--conditions', 'pt', '--collections', 'probe_,tag_', '-o', join(dir, 'two')]);
  if (r2.code !== 0) throw new Error(r2.stderr);
});

function chunk(mutate?: (cols: Record<string, Float64Array>) => void): Chunk {
  const cols: Record<string, Float64Array> = {
    probe_a: Float64Array.from({ length: N }, (_, i) => x[i * 3]),
    probe_b: Float64Array.from({ length: N }, (_, i) => x[i * 3 + 1]),
    probe_c: Float64Array.from({ length: N }, (_, i) => x[i * 3 + 2]),
    probe_pt: Float64Array.from({ length: N }, (_, i) => c[i * 2]),
  };
  mutate?.(cols);
  return { file: 'f.parquet', start: 0, rows: N, columns: new Map<string, Column>(Object.entries(cols)) };
}

async function run(threads: number, ch: Chunk, fill: 'nan' | 'keep' = 'nan', selected?: Uint8Array) {
  const loaded = await kind.load(loadBundle(bundleDir), { backend: 'wasm', seed: 1, threads, fill });
  try {
    const corr = loaded.bind({ file: 'f.parquet', columns: [...ch.columns.keys(), 'other'], rows: N });
    return await corr.process(ch, selected);
  } finally {
    await loaded.close?.();
  }
}

const flatOut = (cols: Map<string, Column>) => {
  const a = cols.get('probe_a_corr') as Float32Array, b = cols.get('probe_b_corr') as Float32Array, cc = cols.get('probe_c_corr') as Float32Array;
  return Float64Array.from({ length: N * 3 }, (_, k) => [a, b, cc][k % 3][Math.floor(k / 3)]);
};

test('flow kind on imported nsf_c: x_corr matches zuko; 1 thread and 2 worker threads agree', async (t) => {
  const one = await run(1, chunk());
  const two = await run(2, chunk());
  t.deepEqual(one.stats, { nonFinite: 0, outOfRange: 0 });
  const d = maxAbsDiff(flatOut(one.columns), xCorr);
  t.log(`max |x_corr - zuko float64| = ${d.toExponential(2)}`);
  t.true(d < 3e-4);
  t.true(maxAbsDiff(flatOut(two.columns), flatOut(one.columns)) < 1e-6);
});

test('flow kind: non-finite, out-of-validity and unselected rows get NaN (or the input with fill=keep) and are counted', async (t) => {
  const ch = chunk((cols) => {
    cols.probe_b[3] = NaN;
    cols.probe_a[4] = Infinity;
    cols.probe_pt[5] = 1000; // validity pt in [-100, 100]
  });
  const selected = new Uint8Array(N).fill(1);
  selected[6] = 0;
  const r = await run(1, ch, 'nan', selected);
  t.deepEqual(r.stats, { nonFinite: 2, outOfRange: 1 });
  const a = r.columns.get('probe_a_corr') as Float32Array;
  for (const i of [3, 4, 5, 6]) t.true(Number.isNaN(a[i]));
  t.true(Math.abs(a[7] - xCorr[21]) < 3e-4);
  const k = await run(1, ch, 'keep', selected);
  const ak = k.columns.get('probe_a_corr') as Float32Array;
  t.is(ak[5], Math.fround((ch.columns.get('probe_a') as Float64Array)[5]));
  t.is(ak[6], Math.fround((ch.columns.get('probe_a') as Float64Array)[6]));
});

test('flow kind: file without the collection -> error naming the file and column', async (t) => {
  const loaded = await kind.load(loadBundle(bundleDir), { backend: 'wasm', seed: 1, threads: 1 });
  t.throws(() => loaded.bind({ file: 'g.parquet', columns: ['tag_a'], rows: 1 }), { message: /g\.parquet.*probe_a/ });
  t.throws(() => loaded.bind({ file: 'h.parquet', columns: ['probe_a', 'probe_b', 'probe_pt'], rows: 1 }), { message: /h\.parquet: column probe_c not found/ });
  await loaded.close?.();
});

test('flow kind with two collections: each is corrected with its own columns (tag_ = probe_ rows reversed)', async (t) => {
  const ch = chunk();
  for (const v of ['a', 'b', 'c', 'pt']) ch.columns.set(`tag_${v}`, (ch.columns.get(`probe_${v}`) as Float64Array).slice().reverse());
  const loaded = await kind.load(loadBundle(join(dir, 'two')), { backend: 'wasm', seed: 1, threads: 2 });
  const corr = loaded.bind({ file: 'f.parquet', columns: [...ch.columns.keys()], rows: N });
  t.deepEqual(corr.outputs.map((o) => o.name), ['probe_a_corr', 'probe_b_corr', 'probe_c_corr', 'tag_a_corr', 'tag_b_corr', 'tag_c_corr']);
  const r = await corr.process(ch, undefined);
  await loaded.close?.();
  t.true(maxAbsDiff(flatOut(r.columns), xCorr) < 3e-4);
  for (const v of ['a', 'b', 'c']) {
    const p = r.columns.get(`probe_${v}_corr`) as Float32Array;
    const g = r.columns.get(`tag_${v}_corr`) as Float32Array;
    t.true(maxAbsDiff(Array.from(g).reverse(), p) < 1e-6);
  }
});
