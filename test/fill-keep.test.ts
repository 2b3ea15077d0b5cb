import test from 'ava';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadBundle, type Bundle } from '../src/bundle/bundle.js';
import { isJagged, type Chunk, type Column, type JaggedColumn } from '../src/core/columns.js';
import { NtcorrError } from '../src/core/errors.js';
import { openTable } from '../src/io/formats.js';
import { fillPlan } from '../src/models/fill.js';
import { correctionKind } from '../src/models/registry.js';
import { fixture, ROOT, tempDir } from './helpers/fixtures.js';
import { runCli } from './helpers/cli.js';
import { io } from './flow-fixtures.js';

// --fill keep means one thing for every kind (src/models/fill.ts): a row the correction does not write
// keeps the file's existing value of the output column; without such a column, the output's uncorrected
// input where it has one (only the flow's outputs do), else NaN. --fill nan: NaN.

test('fillPlan: existing column, else uncorrected input, else NaN; nan ignores both', (t) => {
  const chunk: Chunk = { file: 'f', start: 0, rows: 3, columns: new Map<string, Column>([
    ['a_corr', new Float64Array([1, 2, 3])], ['a', new Float32Array([4, 5, 6])], ['b', new Int32Array([7, 8, 9])],
    ['l', { offsets: new Int32Array([0, 1, 1, 3]), values: new Float32Array([10, 11, 12]) } as JaggedColumn],
  ]) };
  const outs = [{ name: 'a_corr', uncorrected: 'a' }, { name: 'b_corr', uncorrected: 'b' }, { name: 'c_corr', uncorrected: 'c' }, { name: 'd' }, { name: 'l' }];
  const keep = fillPlan('keep', chunk.columns.keys(), outs);
  t.deepEqual(keep.reads.sort(), ['a_corr', 'b', 'l']);
  const row = (name: string) => [0, 1, 2].map(keep.flat(name, chunk));
  t.deepEqual(row('a_corr'), [1, 2, 3]);
  t.deepEqual(row('b_corr'), [7, 8, 9]);
  t.true(row('c_corr').every(Number.isNaN));
  t.true(row('d').every(Number.isNaN));
  t.true(row('l').every(Number.isNaN)); // a list column cannot fill a one-value-per-row output
  t.deepEqual(Array.from(keep.elements('l', chunk, 3, 'f')!), [10, 11, 12]);
  t.is(keep.elements('d', chunk, 3, 'f'), undefined);
  t.throws(() => keep.elements('l', chunk, 4, 'f.root'), { instanceOf: NtcorrError, message: /f\.root: existing column l does not have one value per jet/ });
  const nan = fillPlan('nan', chunk.columns.keys(), outs);
  t.deepEqual(nan.reads, []);
  t.true([0, 1, 2].map(nan.flat('a_corr', chunk)).every(Number.isNaN));
  t.is(nan.elements('l', chunk, 3, 'f'), undefined);
});

interface Case {
  /** The bundle and a chunk holding every column the corrector reads (outputs absent). */
  setup(): Promise<{ bundle: Bundle; chunk: Chunk }>;
  /** Output -> its uncorrected input (kept when the file lacks the output). */
  uncorrected?: Record<string, string>;
}

const dir = tempDir();

function flatChunk(columns: Record<string, Float64Array>, rows: number): Chunk {
  return { file: 'f.parquet', start: 0, rows, columns: new Map<string, Column>(Object.entries(columns)) };
}

async function readChunk(file: string, tree: string | undefined, columns: (c: string[]) => string[]): Promise<Chunk> {
  const src = await openTable(file, { tree });
  try {
    const names = columns(src.columns.map((c) => c.name));
    for await (const ch of src.chunks(names, 64)) return ch;
    throw new Error(`${file}: no rows`);
  } finally {
    await src.close();
  }
}

const cases: Record<string, Case> = {
  derived: {
    async setup() {
      const d = join(dir, 'derived');
      mkdirSync(d);
      writeFileSync(join(d, 'model.json'), JSON.stringify({ format: 'ntcorr-bundle', formatVersion: 1, name: 'd', kind: 'derived', inputs: [], outputs: [{ name: 'p' }, { name: 'q', type: 'float64' }], config: { columns: { p: 'pt * cosh(eta)', q: 'p * 2' } }, provenance: { createdBy: 't', created: 't', source: 't' } }));
      const rows = 40;
      return { bundle: loadBundle(d), chunk: flatChunk({ pt: Float64Array.from({ length: rows }, (_, i) => 10 + i), eta: Float64Array.from({ length: rows }, (_, i) => i / 20) }, rows) };
    },
  },
  flow: {
    uncorrected: { probe_a_corr: 'probe_a', probe_b_corr: 'probe_b', probe_c_corr: 'probe_c' },
    async setup() {
      const b = join(dir, 'flow');
      const r = runCli(['import-zuko', fixture('zuko', 'nsf_c', 'state_dict.pth'), '--zuko-version', '1.6.0', '--features', '3', '--context', '2', '--bins', '8', '--transforms', '3', '--hidden', '32,32',
        '--variables', 'a,b,c', '--conditions', 'pt', '--collections', 'probe_', '-o', b]);
      if (r.code !== 0) throw new Error(r.stderr);
      const x = io('nsf_c', 'x').data, c = io('nsf_c', 'c').data;
      const rows = 40;
      const col = (k: number, stride: number, src: ArrayLike<number>) => Float64Array.from({ length: rows }, (_, i) => src[i * stride + k]);
      return { bundle: loadBundle(b), chunk: flatChunk({ probe_a: col(0, 3, x), probe_b: col(1, 3, x), probe_c: col(2, 3, x), probe_pt: col(0, 2, c) }, rows) };
    },
  },
  onnx: {
    async setup() {
      const bundle = loadBundle(join(ROOT, 'test/data/onnx/mlp'));
      return { bundle, chunk: await readChunk(join(ROOT, 'test/data/onnx/inputs.parquet'), undefined, () => bundle.manifest.inputs) };
    },
  },
  xgboost: {
    async setup() {
      const bundle = loadBundle(join(ROOT, 'models', 'photon-mvaid-run3'));
      const rows = 40;
      // Any finite numbers are valid XGBoost inputs; ScEta spans barrel and endcap.
      const cols = Object.fromEntries(bundle.manifest.inputs.map((n, k) => [n, Float64Array.from({ length: rows }, (_, i) => (n === 'probe_ScEta' ? -2.4 + (4.8 * i) / rows : Math.abs(Math.sin(i * 7 + k))))]));
      return { bundle, chunk: flatChunk(cols, rows) };
    },
  },
  jet: {
    async setup() {
      const bundle = loadBundle(join(ROOT, 'test/data/jet-mljec-model'));
      return { bundle, chunk: await readChunk(fixture('jets-mljec', '5.root'), 'Jets', (have) => have.filter((c) => !c.endsWith('_corr'))) };
    },
  },
};

/** Output column values as numbers (flat outputs: one per row; list outputs: every element). */
function values(c: Column | undefined): number[] {
  if (c === undefined) throw new Error('output missing');
  const v = (isJagged(c) ? c.values : c) as ArrayLike<number | bigint>;
  return Array.from({ length: v.length }, (_, i) => Number(v[i]));
}

const same = (a: number, b: number) => (Number.isNaN(a) && Number.isNaN(b)) || a === b;

for (const [name, k] of Object.entries(cases)) {
  test(`--fill keep and nan mean the same for the ${name} kind`, async (t) => {
    const { bundle, chunk } = await k.setup();
    const kind = await correctionKind(bundle.manifest.kind, bundle.dir);
    const rows = chunk.rows;
    const selected = Uint8Array.from({ length: rows }, (_, i) => (i % 3 === 0 ? 0 : 1));
    const run = async (fill: 'nan' | 'keep', ch: Chunk) => {
      const loaded = await kind.load(bundle, { backend: 'wasm', seed: 1, threads: 1, fill });
      try {
        const corr = loaded.bind({ file: 'f', columns: [...ch.columns.keys()], rows });
        for (const c of corr.inputs) t.true(ch.columns.has(c), `reads ${c}`);
        const r = await corr.process(ch, selected);
        return { outputs: corr.outputs.map((o) => o.name), columns: r.columns };
      } finally {
        await loaded.close?.();
      }
    };
    // Without the output columns in the file.
    const bare = await run('keep', chunk);
    t.true(bare.outputs.length >= 1);
    const nan = await run('nan', chunk);
    // With them: sentinel values 1000 + i (lists: the jet collection's offsets).
    const withOld: Chunk = { ...chunk, columns: new Map(chunk.columns) };
    const sentinel = (n: number) => Float32Array.from({ length: n }, (_, i) => 1000 + i);
    for (const o of bare.outputs) {
      const c = bare.columns.get(o)!;
      withOld.columns.set(o, isJagged(c) ? ({ offsets: c.offsets, values: sentinel(c.values.length) } as JaggedColumn) : sentinel(rows));
    }
    const kept = await run('keep', withOld);
    const nanOld = await run('nan', withOld);
    let checked = 0;
    for (const o of bare.outputs) {
      const b = values(bare.columns.get(o)), n = values(nan.columns.get(o)), kk = values(kept.columns.get(o)), no = values(nanOld.columns.get(o));
      const old = values(withOld.columns.get(o));
      const src = k.uncorrected?.[o];
      const input = src ? values(chunk.columns.get(src)).map(Math.fround) : undefined;
      const c = bare.columns.get(o)!;
      const rowOf = (e: number) => (isJagged(c) ? c.offsets.findIndex((_, r) => r < rows && c.offsets[r] <= e && e < c.offsets[r + 1]) : e);
      for (let e = 0; e < b.length; e++) {
        const r = rowOf(e);
        if (selected[r]) {
          // Selected rows do not depend on --fill.
          t.true(same(b[e], n[e]) && same(b[e], kk[e]) && same(b[e], no[e]), `${o}[${e}] selected`);
          continue;
        }
        checked++;
        t.true(same(kk[e], old[e]), `${o}[${e}] keep with the column: ${kk[e]} vs ${old[e]}`);
        t.true(same(b[e], input ? input[e] : NaN), `${o}[${e}] keep without the column: ${b[e]}`);
        t.true(Number.isNaN(n[e]) && Number.isNaN(no[e]), `${o}[${e}] nan`); // every output here is float
      }
    }
    t.true(checked >= 3, `unselected values checked: ${checked}`);
  });
}
