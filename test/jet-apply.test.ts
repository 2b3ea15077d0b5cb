import test from 'ava';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isJagged, type Column, type JaggedColumn, type NumericArray } from '../src/core/columns.js';
import { openTable } from '../src/io/formats.js';
import { writeJetsRoot } from '../scripts/make-jet-samples.js';
import { Xoshiro128ss } from '../src/core/random.js';
import { fixture, ROOT, tempDir } from './helpers/fixtures.js';
import { runCli } from './helpers/cli.js';
import { runApply } from '../src/pipeline/index.js';

/** In-process apply (saves a CLI start per call); one test goes through the real CLI. */
async function apply(file: string, model: string, outDir: string, tree?: string): Promise<{ failed: number; reasons: string }> {
  const s = await runApply({ inputs: [file], model, outDir, chunkRows: 100_000, jobs: 1, fill: 'nan', force: false, skipDone: false, quiet: true, seed: 1, backend: 'wasm', command: 'test', tree, log: () => {} });
  return { failed: s.failed, reasons: s.files.map((f) => f.reason ?? '').join('; ') };
}

// Bundle trained on the ml-jec fixture (test/data/jet-mljec-model); expected outputs from an independent
// numpy forward pass (scripts/ref/jet-numpy-ref.py) on the raw branches of shard 5.
const BUNDLE = join(ROOT, 'test/data/jet-mljec-model');
const expected = JSON.parse(readFileSync(join(ROOT, 'test/data/jet-mljec-model-expected-5.json'), 'utf8')) as { pred: number[]; pt_corr: number[] };

async function readAll(path: string, tree?: string): Promise<Map<string, Column>> {
  const t = await openTable(path, { tree });
  const out = new Map<string, Column>();
  for await (const ch of t.chunks(t.columns.filter((c) => c.dtype).map((c) => c.name), 1 << 30)) for (const [k, v] of ch.columns) out.set(k, v);
  await t.close();
  return out;
}

function rel(a: number, b: number): number {
  return Math.abs(a - b) / Math.abs(b);
}

test('apply jet-regression on an ml-jec ROOT shard matches the numpy reference forward pass', async (t) => {
  const out = tempDir();
  const model = join(out, 'model');
  cpSync(BUNDLE, model, { recursive: true });
  const mj = JSON.parse(readFileSync(join(model, 'model.json'), 'utf8'));
  mj.config.apply = { output: 'pt_dnn', raw_output: 'pt_dnn_pred' };
  // a bundle declares every column it writes (apply refuses undeclared ones)
  mj.outputs = [{ name: 'pt_dnn', type: 'float32' }, { name: 'pt_dnn_pred', type: 'float32' }];
  writeFileSync(join(model, 'model.json'), JSON.stringify(mj));
  const r = runCli(['apply', fixture('jets-mljec', '5.root'), '-m', model, '-o', join(out, 'res'), '--tree', 'Jets', '-q', '--backend', 'wasm']);
  t.is(r.code, 0, r.stderr + r.stdout);
  const cols = await readAll(join(out, 'res', '5.root'), 'Jets');
  const corr = cols.get('pt_dnn') as Float32Array;
  const pred = cols.get('pt_dnn_pred') as Float32Array;
  t.is(corr.length, 10);
  for (let i = 0; i < 10; i++) {
    t.true(rel(corr[i], expected.pt_corr[i]) < 2e-5, `jet ${i}: ${corr[i]} vs ${expected.pt_corr[i]}`);
    t.true(Math.abs(pred[i] - expected.pred[i]) < 2e-5, `jet ${i}: pred ${pred[i]} vs ${expected.pred[i]}`);
  }
  t.truthy(cols.get('ch_pt'), 'original branches are kept');
});

test('apply on jets stored as per-event collections gives the same per-jet values, as a jagged column', async (t) => {
  const dir = tempDir();
  const src = await readAll(fixture('jets-mljec', '5.root'), 'Jets');
  // 10 jets -> 6 events of 3, 1, 0, 4, 2, 0 jets; constituents listed per event, shuffled, with jet indices
  const sizes = [3, 1, 0, 4, 2, 0];
  const evOff = new Int32Array(sizes.length + 1);
  sizes.forEach((s, e) => { evOff[e + 1] = evOff[e] + s; });
  const cols = new Map<string, Column>();
  const rng = Xoshiro128ss.fromSeed(3);
  for (const [name, c] of src) {
    if (!isJagged(c)) {
      if (name.endsWith('_size')) continue;
      if (name === 'num_pv' || name === 'rho') {
        // event-level: the fixture's per-jet value of the event's first jet (all jets of an event must agree)
        const v = new Float32Array(sizes.length);
        sizes.forEach((s, e) => { v[e] = Number((c as NumericArray)[evOff[e]]); });
        cols.set(name, v);
        continue;
      }
      cols.set(`Jet_${name}`, { offsets: evOff, values: c as NumericArray } as JaggedColumn);
    }
  }
  // rewrite the event columns' per-jet copies so each jet sees its event's value (changes the input!)
  for (const name of ['num_pv', 'rho']) {
    const per = new Float32Array(10);
    sizes.forEach((s, e) => { for (let j = evOff[e]; j < evOff[e + 1]; j++) per[j] = (cols.get(name) as Float32Array)[e]; });
    src.set(name, per);
  }
  for (const type of ['ch', 'ne', 'sv']) {
    const names = [...src.keys()].filter((k) => k.startsWith(`${type}_`) && isJagged(src.get(k)!));
    const ref = src.get(names[0]) as JaggedColumn;
    const perm: number[] = [], jetIdx: number[] = [];
    const off = new Int32Array(sizes.length + 1);
    sizes.forEach((s, e) => {
      const items: [number, number][] = [];
      for (let j = evOff[e]; j < evOff[e + 1]; j++) for (let k = ref.offsets[j]; k < ref.offsets[j + 1]; k++) items.push([k, j - evOff[e]]);
      rng.shuffle(items);
      for (const [k, j] of items) { perm.push(k); jetIdx.push(j); }
      off[e + 1] = perm.length;
    });
    for (const n of names) {
      const v = (src.get(n) as JaggedColumn).values;
      const out = v instanceof Int32Array ? new Int32Array(perm.length) : new Float32Array(perm.length);
      perm.forEach((k, i) => { out[i] = Number(v[k]); });
      cols.set(n, { offsets: off, values: out });
    }
    cols.set(`${type}_jet`, { offsets: off, values: Int32Array.from(jetIdx) });
  }
  await writeJetsRoot(join(dir, 'events.root'), cols, sizes.length);
  // reference for the same jets laid out one per entry (with their event's num_pv / rho)
  await writeJetsRoot(join(dir, 'jets.root'), new Map([...src].filter(([k]) => !k.endsWith('_size'))), 10);

  const model = join(dir, 'model');
  cpSync(BUNDLE, model, { recursive: true });
  const mj = JSON.parse(readFileSync(join(model, 'model.json'), 'utf8'));
  mj.config.apply = { collection: { prefix: 'Jet_', event_columns: ['num_pv', 'rho'], constituent_jet_index: { ch: 'ch_jet', ne: 'ne_jet', sv: 'sv_jet' } } };
  mj.outputs = [{ name: 'Jet_pt_corr', type: 'float32', jagged: true }];
  writeFileSync(join(model, 'model.json'), JSON.stringify(mj));
  const r1 = await apply(join(dir, 'events.root'), model, join(dir, 'out'), 'Jets');
  t.is(r1.failed, 0, r1.reasons);
  const r2 = await apply(join(dir, 'jets.root'), BUNDLE, join(dir, 'out'), 'Jets');
  t.is(r2.failed, 0, r2.reasons);
  const ev = (await readAll(join(dir, 'out', 'events.root'), 'Jets')).get('Jet_pt_corr') as JaggedColumn;
  const flat = (await readAll(join(dir, 'out', 'jets.root'), 'Jets')).get('pt_corr') as Float32Array;
  t.true(isJagged(ev), 'per-event output is jagged');
  t.deepEqual(Array.from(ev.offsets), Array.from(evOff));
  for (let j = 0; j < 10; j++) t.true(rel(Number(ev.values[j]), flat[j]) < 1e-5, `jet ${j}: ${ev.values[j]} vs ${flat[j]}`);
});

test('apply names the file and column when a constituent branch is missing', async (t) => {
  const dir = tempDir();
  const src = await readAll(fixture('jets-mljec', '5.root'), 'Jets');
  src.delete('ne_hcal_frac');
  for (const k of [...src.keys()]) if (k.endsWith('_size')) src.delete(k);
  await writeJetsRoot(join(dir, 'bad.root'), src, 10);
  const r = await apply(join(dir, 'bad.root'), BUNDLE, join(dir, 'out'), 'Jets');
  t.is(r.failed, 1);
  t.regex(r.reasons, /bad\.root/);
  t.regex(r.reasons, /ne_hcal_frac/);
});

test('apply jet-regression on parquet list columns (written by pyarrow) matches the numpy reference', async (t) => {
  const out = tempDir();
  // test/data/jets-mljec-5.parquet: the branches of fixture shard 5 as pyarrow list<float>/list<int32> columns
  const r = await apply(join(ROOT, 'test/data/jets-mljec-5.parquet'), BUNDLE, out);
  t.is(r.failed, 0, r.reasons);
  const corr = (await readAll(join(out, 'jets-mljec-5.parquet'))).get('pt_corr') as Float32Array;
  t.is(corr.length, 10);
  for (let i = 0; i < 10; i++) t.true(rel(corr[i], expected.pt_corr[i]) < 2e-5, `jet ${i}: ${corr[i]} vs ${expected.pt_corr[i]}`);
});

test('apply --where with --fill keep: unselected jets keep the existing pt_corr, selected ones are corrected', async (t) => {
  const dir = tempDir();
  const src = await readAll(fixture('jets-mljec', '5.root'), 'Jets');
  for (const k of [...src.keys()]) if (k.endsWith('_size')) src.delete(k);
  const pt = src.get('pt') as Float32Array;
  src.set('pt_corr', Float32Array.from(pt, (x) => x + 1));
  await writeJetsRoot(join(dir, 'in.root'), src, 10);
  const s = await runApply({ inputs: [join(dir, 'in.root')], model: BUNDLE, outDir: join(dir, 'out'), chunkRows: 100_000, jobs: 1, where: 'pt > 300', fill: 'keep', force: true, skipDone: false, quiet: true, seed: 1, backend: 'wasm', command: 'test', tree: 'Jets', log: () => {} });
  t.is(s.failed, 0, s.files.map((f) => f.reason).join());
  const corr = (await readAll(join(dir, 'out', 'in.root'), 'Jets')).get('pt_corr') as Float32Array;
  let sel = 0;
  for (let i = 0; i < 10; i++) {
    if (pt[i] > 300) { sel++; t.true(rel(corr[i], expected.pt_corr[i]) < 2e-5, `selected jet ${i}`); } else t.is(corr[i], pt[i] + 1, `unselected jet ${i} keeps its value`);
  }
  t.true(sel > 0 && sel < 10, `${sel} jets selected`);
});

test('apply with ml-jec resnet blocks, batch norm (moving statistics), a global embedding and unknown categories matches the numpy reference', async (t) => {
  // test/data/jet-mljec-blocks-model: scripts/make-jet-blocks-model.ts; expected from scripts/ref/jet-numpy-ref.py
  const exp = JSON.parse(readFileSync(join(ROOT, 'test/data/jet-mljec-blocks-expected-5.json'), 'utf8')) as { pred: number[]; pt_corr: number[] };
  const out = tempDir();
  const r = await apply(fixture('jets-mljec', '5.root'), join(ROOT, 'test/data/jet-mljec-blocks-model'), out, 'Jets');
  t.is(r.failed, 0, r.reasons);
  const cols = await readAll(join(out, '5.root'), 'Jets');
  const corr = cols.get('pt_corr') as Float32Array;
  t.is(corr.length, 10);
  for (let i = 0; i < 10; i++) t.true(rel(corr[i], exp.pt_corr[i]) < 2e-5, `jet ${i}: ${corr[i]} vs ${exp.pt_corr[i]}`);
});
