import test from 'ava';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Column } from '../src/core/columns.js';
import { openTable } from '../src/io/formats.js';
import { historicTransform } from '../src/models/onnx/mljec.js';
import { readTransform } from '../src/models/jet/transform.js';
import { runApply } from '../src/pipeline/index.js';
import { fixture, ROOT, tempDir } from './helpers/fixtures.js';

// A network with the input signature of ml-jec's Keras model (ragged constituents + row splits, categorical
// indices, global block) exported by torch.onnx.export, and Python-onnxruntime outputs on ml-jec's shard 5
// with ml-jec's features computed in numpy, with and without its historic transform: scripts/ref/make-onnx-mljec.py.
const BUNDLE = join(ROOT, 'test/data/onnx/mljec');
const expected = JSON.parse(readFileSync(join(ROOT, 'test/data/onnx/mljec-expected.json'), 'utf8')) as Record<string, { pred: number[]; pt_corr: number[] }>;

async function applyTo(model: string): Promise<Map<string, Column>> {
  const out = tempDir();
  const s = await runApply({ inputs: [fixture('jets-mljec', '5.root')], model, outDir: out, tree: 'Jets', chunkRows: 4, jobs: 1, fill: 'nan', force: false, skipDone: false, quiet: true, seed: 1, backend: 'auto', command: 'test', log: () => {} });
  if (s.failed) throw new Error(s.files[0].reason);
  const t = await openTable(join(out, '5.root'), { tree: 'Jets' });
  const cols = new Map<string, Column>();
  for await (const ch of t.chunks(['pt_dnn', 'pt_dnn_pred', 'ch_pt'], 1 << 30)) for (const [k, v] of ch.columns) cols.set(k, v);
  await t.close();
  return cols;
}

function withHistoric(on: boolean): string {
  const d = join(tempDir(), 'model');
  cpSync(BUNDLE, d, { recursive: true });
  const m = JSON.parse(readFileSync(join(d, 'model.json'), 'utf8'));
  m.config.mljec.historic_transform = on;
  writeFileSync(join(d, 'model.json'), JSON.stringify(m));
  return d;
}

for (const mode of ['fixed', 'historic'] as const) {
  test(`ml-jec ONNX model on ml-jec's ROOT shard (${mode} transform) matches Python onnxruntime on numpy features`, async (t) => {
    const cols = await applyTo(mode === 'fixed' ? BUNDLE : withHistoric(true));
    const pred = cols.get('pt_dnn_pred') as Float32Array;
    const corr = cols.get('pt_dnn') as Float32Array;
    const want = expected[mode];
    t.is(pred.length, want.pred.length);
    for (let i = 0; i < want.pred.length; i++) {
      t.true(Math.abs(pred[i] - want.pred[i]) < 2e-6, `jet ${i}: pred ${pred[i]} vs ${want.pred[i]}`);
      t.true(Math.abs(corr[i] - want.pt_corr[i]) <= 2e-6 * want.pt_corr[i], `jet ${i}: pt_corr ${corr[i]} vs ${want.pt_corr[i]}`);
    }
    t.truthy(cols.get('ch_pt'), 'original branches are kept');
  });
}

test('layout padded: the same network exported with padded inputs and masks gives the same values', async (t) => {
  const d = join(tempDir(), 'model');
  cpSync(BUNDLE, d, { recursive: true });
  const m = JSON.parse(readFileSync(join(d, 'model.json'), 'utf8'));
  m.config.model = 'model-padded.onnx';
  m.config.mljec = { ...m.config.mljec, layout: 'padded', max_length: { ch: 64, ne: 64, sv: 8 }, mask: '{type}_mask' };
  delete m.config.mljec.row_splits;
  writeFileSync(join(d, 'model.json'), JSON.stringify(m));
  const pred = (await applyTo(d)).get('pt_dnn_pred') as Float32Array;
  const want = expected.padded.pred;
  for (let i = 0; i < want.length; i++) t.true(Math.abs(pred[i] - want[i]) < 2e-6, `jet ${i}: pred ${pred[i]} vs ${want[i]}`);
  t.true(want.every((p, i) => Math.abs(p - expected.fixed.pred[i]) < 1e-6), 'padded and ragged exports agree in Python');
});

test('the two transform modes differ, and the historic one uses the last step\'s parameters', (t) => {
  t.true(expected.fixed.pred.some((p, i) => Math.abs(p - expected.historic.pred[i]) > 1e-3), 'references differ');
  const tr = readTransform(fixture('jets-mljec', 'transform.yaml'));
  const h = historicTransform(tr);
  // ch_dxy: abs, arcsinh(x / 0.001), linear(0, 12.545...) -> the arcsinh takes the linear step's scale
  t.deepEqual(h.numerical.ch_dxy.map((s) => s.type), ['abs', 'arcsinh', 'linear']);
  t.is((h.numerical.ch_dxy[1] as { params: { scale: number } }).params.scale, (tr.numerical.ch_dxy[2] as { params: { scale: number } }).params.scale);
  t.throws(() => historicTransform({ categorical: {}, numerical: { x: [{ type: 'arcsinh', params: { scale: 2 } }, { type: 'log' }] } }), { message: /numerical.x: with historic_transform the arcsinh step takes the last step's scale/ });
});

test('a missing ml-jec branch fails the file naming it', async (t) => {
  const d = join(tempDir(), 'model');
  cpSync(BUNDLE, d, { recursive: true });
  const m = JSON.parse(readFileSync(join(d, 'model.json'), 'utf8'));
  m.config.mljec.features.ch.numerical_branches.push('ch_puppi_weight');
  m.config.mljec.features.ch.numerical.push('ch_puppi_weight');
  writeFileSync(join(d, 'model.json'), JSON.stringify(m));
  const s = await runApply({ inputs: [fixture('jets-mljec', '5.root')], model: d, outDir: tempDir(), tree: 'Jets', chunkRows: 100, jobs: 1, fill: 'nan', force: false, skipDone: false, quiet: true, seed: 1, backend: 'auto', command: 'test', log: () => {} });
  t.is(s.failed, 1);
  t.regex(s.files[0].reason!, /column ch_puppi_weight not found/);
});
