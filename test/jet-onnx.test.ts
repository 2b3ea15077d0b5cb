import test from 'ava';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadBundle } from '../src/bundle/bundle.js';
import type { Column } from '../src/core/columns.js';
import { initBackend } from '../src/compute/backend.js';
import { Session } from '../src/compute/engine.js';
import { decodeModel } from '../src/compute/onnx/proto.js';
import { openTable } from '../src/io/formats.js';
import { buildJetBlock } from '../src/models/jet/features.js';
import { configFromBundle, type JetBundleConfig } from '../src/models/jet/kind.js';
import { normalizeArch, predictBlock } from '../src/models/jet/network.js';
import { unsupportedBlocks } from '../src/models/jet/onnx-graph.js';
import { JetOnnxRunner } from '../src/models/jet/onnx-infer.js';
import { openJetPredictor } from '../src/models/jet/pool.js';
import { generateJets, randomJetBlock } from '../src/train/jet/synthetic.js';
import { Params } from '../src/nn/params.js';
import { runApply } from '../src/pipeline/index.js';
import { fixture, ROOT, tempDir } from './helpers/fixtures.js';
import { runCli } from './helpers/cli.js';

// models/jet-deepsets-small: a former-format bundle (no arch.format): per-type MLPs and a resnet_per_unit head.
const SMALL = join(ROOT, 'models/jet-deepsets-small');
// test/data/jet-mljec-blocks-model (scripts/make-jet-blocks-model.ts): ml-jec resnet pairs with projection and
// an odd last layer, identity-bypass resnet, mlp with batch norm and dropout, embeddings with unknown 'zero'
// (ch) and 'row' (ne), a global embedding (unknown 'zero').
const BLOCKS = join(ROOT, 'test/data/jet-mljec-blocks-model');

function setup(dir: string, jets: number, seed: number) {
  const bundle = loadBundle(dir);
  const c = bundle.manifest.config as unknown as JetBundleConfig;
  const { rows, columns } = generateJets(jets, seed);
  const block = buildJetBlock(columns, rows, configFromBundle(c), c.transform, 'synthetic', false);
  const tensors = bundle.tensors();
  return { bundle, c, block, weight: (n: string) => tensors.get(n)!.data as Float32Array, tensors };
}

test('ONNX Runtime jet inference equals the tfjs network to float32 rounding: packed, padded per batch and padded to max_size', async (t) => {
  const { c, block, weight, tensors } = setup(SMALL, 1500, 7);
  await initBackend('cpu');
  const params = new Params();
  for (const [name, x] of tensors) params.add(name, x.shape, x.data as Float32Array);
  t.is(normalizeArch(c.arch).head.type, 'resnet_per_unit');
  t.deepEqual(unsupportedBlocks(c.arch), []);
  const ref = predictBlock(params, normalizeArch(c.arch), block, 256);
  params.dispose();
  const runner = await JetOnnxRunner.create(c.arch, weight);
  t.false(runner.padded, 'the engine packs constituents by default');
  const got = await runner.predict(block, 300);
  const single = await runner.predict(block, 1); // one jet per batch: the packed pooling sees one segment
  await runner.close();
  const padRunner = await JetOnnxRunner.create(c.arch, weight, { padding: true });
  const perBatch = await padRunner.predict(block, 300);
  const padded = await padRunner.predict(block, 1024, true); // every jet padded to max_size: padding must not matter
  await padRunner.close();
  const worst = (a: Float32Array, b: ArrayLike<number>) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
  let spread = 0;
  for (let i = 0; i < block.n; i++) spread = Math.max(spread, Math.abs(ref[i] - ref[0]));
  t.log(`max |onnx packed - tfjs cpu| = ${worst(got, ref).toExponential(2)}, padded per batch ${worst(perBatch, ref).toExponential(2)}, padded to max_size ${worst(padded, ref).toExponential(2)}`);
  t.true(spread > 0.05, `predictions vary (${spread})`);
  t.true(worst(got, ref) < 2e-6, `max |packed - tfjs| = ${worst(got, ref)}`);
  t.true(worst(single, got) < 2e-6, `max |packed, batch 1 - batch 300| = ${worst(single, got)}`);
  t.true(worst(perBatch, ref) < 2e-6, `max |padded per batch - tfjs| = ${worst(perBatch, ref)}`);
  t.true(worst(padded, got) < 2e-6, `max |padded to max_size - packed| = ${worst(padded, got)}`);
});

test('jet inference on 2 worker threads equals one session bit for bit (blocks split into slices)', async (t) => {
  const { c, block, weight } = setup(SMALL, 1500, 11);
  const one = await openJetPredictor(c.arch, weight, { threads: 1 });
  const two = await openJetPredictor(c.arch, weight, { threads: 2 });
  const a = await one.predict(block);
  const b = await two.predict(block);
  const small = await two.predict({ ...block, n: 0, global: block.global.subarray(0, 0), globalCat: block.globalCat.subarray(0, 0), pt: block.pt.subarray(0, 0), types: block.types.map((tb) => ({ ...tb, offsets: tb.offsets.subarray(0, 1) })) });
  await one.close();
  await two.close();
  t.is(b.length, block.n);
  t.deepEqual(Array.from(b), Array.from(a));
  t.is(small.length, 0, 'an empty block gives no predictions');
  t.true(new Set(Array.from(a, (v) => v.toFixed(4))).size > 100, 'predictions vary');
});

test('apply --backend onnx on an ml-jec shard matches the numpy reference forward pass', async (t) => {
  const expected = JSON.parse(readFileSync(join(ROOT, 'test/data/jet-mljec-model-expected-5.json'), 'utf8')) as { pred: number[]; pt_corr: number[] };
  const model = join(tempDir(), 'model');
  cpSync(join(ROOT, 'test/data/jet-mljec-model'), model, { recursive: true });
  const mj = JSON.parse(readFileSync(join(model, 'model.json'), 'utf8'));
  mj.config.apply = { output: 'pt_dnn', raw_output: 'pt_dnn_pred' };
  mj.outputs = [{ name: 'pt_dnn', type: 'float32' }, { name: 'pt_dnn_pred', type: 'float32' }];
  writeFileSync(join(model, 'model.json'), JSON.stringify(mj));
  const out = tempDir();
  const s = await runApply({ inputs: [fixture('jets-mljec', '5.root')], model, outDir: out, tree: 'Jets', chunkRows: 3, jobs: 1, fill: 'nan', force: false, skipDone: false, quiet: true, seed: 1, backend: 'onnx', command: 'test', log: () => {} });
  t.is(s.failed, 0, s.files[0].reason);
  const tab = await openTable(join(out, '5.root'), { tree: 'Jets' });
  const cols = new Map<string, Column>();
  for await (const ch of tab.chunks(['pt_dnn', 'pt_dnn_pred'], 1 << 30)) for (const [k, v] of ch.columns) cols.set(k, v);
  await tab.close();
  const pred = cols.get('pt_dnn_pred') as Float32Array;
  const corr = cols.get('pt_dnn') as Float32Array;
  for (let i = 0; i < 10; i++) {
    t.true(Math.abs(pred[i] - expected.pred[i]) < 2e-5, `jet ${i}: pred ${pred[i]} vs ${expected.pred[i]}`);
    t.true(Math.abs(corr[i] - expected.pt_corr[i]) < 2e-5 * expected.pt_corr[i], `jet ${i}: pt_corr ${corr[i]} vs ${expected.pt_corr[i]}`);
  }
});

test('--backend onnx names what the graph builder does not know (newer format, block type, extra settings)', async (t) => {
  const model = join(tempDir(), 'model');
  cpSync(BLOCKS, model, { recursive: true });
  const mj = JSON.parse(readFileSync(join(model, 'model.json'), 'utf8'));
  mj.config.arch.format = 3;
  mj.config.arch.head.type = 'transformer';
  mj.config.arch.types[0].block.attention = 4;
  writeFileSync(join(model, 'model.json'), JSON.stringify(mj));
  await t.throwsAsync(runApply({ inputs: [fixture('jets-mljec', '5.root')], model, outDir: tempDir(), tree: 'Jets', chunkRows: 100, jobs: 1, fill: 'nan', force: false, skipDone: false, quiet: true, seed: 1, backend: 'onnx', command: 'test', log: () => {} }), { message: /the ONNX graph emitter does not know arch.format 3 \(this version writes 2\), ch.attention, transformer \(head\) yet/ });
  t.regex(runCli(['export-onnx', model, '-o', join(tempDir(), 'x.onnx')]).stderr, /its network has arch.format 3 .*which this version cannot write as ONNX/);
});

test('ONNX Runtime equals tfjs on an ml-jec blocks bundle (resnet pairs, batch norm, dropout, embeddings with unknown zero/row, global embedding)', async (t) => {
  const bundle = loadBundle(BLOCKS);
  const c = bundle.manifest.config as unknown as JetBundleConfig;
  t.deepEqual(unsupportedBlocks(c.arch), [], 'the whole arch runs on ONNX Runtime');
  const arch = normalizeArch(c.arch);
  const block = randomJetBlock(arch, 1500, 5);
  // every index the network can get occurs, the unknown ones included (list length: zero vector for ch_pv_ass
  // and the global hadron_flavor, the trained extra row for ne_id)
  const tr = c.transform.categorical;
  const has = (a: Int32Array, stride: number, j: number, v: number) => a.some((x, i) => i % stride === j && x === v);
  t.true(has(block.types[0].cat, 2, 1, tr.ch_pv_ass.length) && has(block.types[1].cat, 1, 0, tr.ne_id.length) && has(block.globalCat, 1, 0, tr.hadron_flavor.length));
  const tensors = bundle.tensors();
  await initBackend('cpu');
  const params = new Params();
  for (const [name, x] of tensors) params.add(name, x.shape, x.data as Float32Array);
  const ref = predictBlock(params, arch, block, 256);
  params.dispose();
  const runner = await JetOnnxRunner.create(arch, (n) => tensors.get(n)!.data as Float32Array);
  const got = await runner.predict(block, 300);
  const big = await runner.predict(block, 4096); // one batch padded to the longest jet: padding must not matter
  await runner.close();
  let worst = 0, worstPad = 0, lo = Infinity, hi = -Infinity;
  for (let i = 0; i < block.n; i++) {
    worst = Math.max(worst, Math.abs(got[i] - ref[i]) / Math.max(1, Math.abs(ref[i])));
    worstPad = Math.max(worstPad, Math.abs(big[i] - got[i]) / Math.max(1, Math.abs(ref[i])));
    lo = Math.min(lo, ref[i]); hi = Math.max(hi, ref[i]);
  }
  t.log(`max |onnx - tfjs cpu| = ${worst.toExponential(2)}, max |one batch - batches of 300| = ${worstPad.toExponential(2)}; predictions in [${lo.toFixed(3)}, ${hi.toFixed(3)}]`);
  t.true(hi - lo > 0.05, `predictions vary (${lo}..${hi})`);
  t.true(worst < 2e-6, `max |onnx - tfjs| = ${worst}`);
  t.true(worstPad < 2e-6, `max |one batch - batches| = ${worstPad}`);
});

test('apply --backend onnx on the blocks bundle matches the numpy reference; unknown: error fails the file naming the column', async (t) => {
  // expected: scripts/ref/jet-numpy-ref.py on the raw branches of shard 5 (which has unknown ch_pv_ass and ne_id values)
  const exp = JSON.parse(readFileSync(join(ROOT, 'test/data/jet-mljec-blocks-expected-5.json'), 'utf8')) as { pred: number[]; pt_corr: number[] };
  const model = join(tempDir(), 'model');
  cpSync(BLOCKS, model, { recursive: true });
  const mj = JSON.parse(readFileSync(join(model, 'model.json'), 'utf8'));
  mj.config.apply = { raw_output: 'pt_dnn_pred' };
  mj.outputs = [...mj.outputs.filter((o: { name: string }) => o.name !== 'pt_dnn_pred'), { name: 'pt_dnn_pred', type: 'float32' }];
  writeFileSync(join(model, 'model.json'), JSON.stringify(mj));
  const run = (outDir: string) => runApply({ inputs: [fixture('jets-mljec', '5.root')], model, outDir, tree: 'Jets', chunkRows: 4, jobs: 1, fill: 'nan', force: false, skipDone: false, quiet: true, seed: 1, backend: 'onnx', command: 'test', log: () => {} });
  const out = tempDir();
  const s = await run(out);
  t.is(s.failed, 0, s.files[0].reason);
  const tab = await openTable(join(out, '5.root'), { tree: 'Jets' });
  const cols = new Map<string, Column>();
  for await (const ch of tab.chunks(['pt_corr', 'pt_dnn_pred'], 1 << 30)) for (const [k, v] of ch.columns) cols.set(k, v);
  await tab.close();
  const pred = cols.get('pt_dnn_pred') as Float32Array;
  const corr = cols.get('pt_corr') as Float32Array;
  t.is(corr.length, 10);
  for (let i = 0; i < 10; i++) {
    t.true(Math.abs(pred[i] - exp.pred[i]) < 2e-5, `jet ${i}: pred ${pred[i]} vs ${exp.pred[i]}`);
    t.true(Math.abs(corr[i] - exp.pt_corr[i]) < 2e-5 * exp.pt_corr[i], `jet ${i}: pt_corr ${corr[i]} vs ${exp.pt_corr[i]}`);
  }
  mj.config.arch.types[0].unknown = 'error';
  writeFileSync(join(model, 'model.json'), JSON.stringify(mj));
  const e = await run(tempDir());
  t.is(e.failed, 1);
  t.regex(e.files[0].reason ?? '', /5\.root: column ch_pv_ass has the value 7, which is not in the transform's category list/);
});

test('export-onnx of the blocks bundle: global embedding input, same predictions as the engine', async (t) => {
  const file = join(tempDir(), 'blocks.onnx');
  const r = runCli(['export-onnx', BLOCKS, '-o', file]);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /inputs: global \[jets, 7\]; global_cat0 int64 \[jets\]; ch_num \[jets, L, 14\]; ch_cat0 int64 \[jets, L\]; ch_cat1 int64 \[jets, L\]; ch_mask/);
  const m = decodeModel(readFileSync(file)) as { metadata_props: { key: string; value: string }[] };
  const meta = JSON.parse(m.metadata_props.find((p) => p.key === 'ntcorr.config')!.value);
  t.is(meta.arch.types[0].block.type, 'resnet');
  const bundle = loadBundle(BLOCKS);
  const c = bundle.manifest.config as unknown as JetBundleConfig;
  const tensors = bundle.tensors();
  const block = randomJetBlock(normalizeArch(c.arch), 400, 9);
  const runner = await JetOnnxRunner.create(c.arch, (n) => tensors.get(n)!.data as Float32Array);
  const want = await runner.predict(block, 400);
  const session = await Session.create(file);
  const got = (await session.run(runner.feeds(block, Int32Array.from({ length: block.n }, (_, i) => i)), ['pred'])).pred.data;
  await session.dispose();
  await runner.close();
  for (let i = 0; i < block.n; i++) if (Math.abs(got[i] - want[i]) > 2e-6) { t.fail(`jet ${i}: ${got[i]} vs ${want[i]}`); return; }
  t.pass();
});

test('export-onnx writes the jet network: a standalone ONNX file giving the same predictions, with the bundle in its metadata', async (t) => {
  const dir = tempDir();
  const file = join(dir, 'jet.onnx');
  const r = runCli(['export-onnx', SMALL, '-o', file]);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /inputs: global \[jets, 6\]; ch_num \[jets, L, 7\]; ch_cat0 int64 \[jets, L\]/);
  const m = decodeModel(readFileSync(file)) as { metadata_props: { key: string; value: string }[] };
  const meta = Object.fromEntries(m.metadata_props.map((p) => [p.key, p.value]));
  t.is(meta['ntcorr.bundle'], 'jet-deepsets-small');
  t.is(meta['ntcorr.bundle_hash'], loadBundle(SMALL).hash);
  const { c, block, weight } = setup(SMALL, 300, 3);
  const runner = await JetOnnxRunner.create(c.arch, weight);
  const want = await runner.predict(block, 300);
  const idx = Int32Array.from({ length: block.n }, (_, i) => i);
  const session = await Session.create(file);
  const got = (await session.run(runner.feeds(block, idx), ['pred'])).pred.data;
  await session.dispose();
  await runner.close();
  for (let i = 0; i < block.n; i++) if (Math.abs(got[i] - want[i]) > 2e-6) { t.fail(`jet ${i}: ${got[i]} vs ${want[i]}`); return; }
  t.is(runCli(['export-onnx', SMALL, '-o', file]).code, 1, 'an existing output needs --force');
  const derived = runCli(['export-onnx', join(ROOT, 'models/sigma-m-over-m'), '-o', join(dir, 'd.onnx')]);
  t.regex(derived.stderr, /bundles of kind derived cannot be exported \(exportable: jet-regression/);
});

test('layer emitters (dense without bias, batch_norm at inference, dropout, residual with projection) match a float64 host pass', async (t) => {
  const { OnnxGraph } = await import('../src/compute/onnx/graph.js');
  const { emitLayers } = await import('../src/models/jet/onnx-graph.js');
  type L = Parameters<typeof emitLayers>[2];
  let s = 1;
  const rnd = () => { s = (s * 16807) % 2147483647; return s / 2147483647 - 0.5; };
  const W = new Map<string, Float32Array>();
  const mk = (name: string, n: number, f = rnd) => { W.set(name, Float32Array.from({ length: n }, f)); return name; };
  const layers: L = [
    { op: 'dense', w: mk('a/w', 4 * 6), in: 4, out: 6, activation: 'linear' },
    { op: 'batch_norm', beta: mk('bn/beta', 6), mean: mk('bn/mean', 6), variance: mk('bn/var', 6, () => 0.5 + rnd()), units: 6, epsilon: 1e-3, momentum: 0.99 },
    { op: 'relu' },
    { op: 'dropout', rate: 0.3 },
    { op: 'residual', main: [{ op: 'dense', w: mk('m1/w', 6 * 5), b: mk('m1/b', 5), in: 6, out: 5, activation: 'relu' }, { op: 'dense', w: mk('m2/w', 5 * 3), b: mk('m2/b', 3), in: 5, out: 3, activation: 'linear' }], bypass: [{ op: 'dense', w: mk('p/w', 6 * 3), in: 6, out: 3, activation: 'linear' }] },
  ];
  const g = new OnnxGraph('layers');
  g.op('Identity', [emitLayers(g, (n) => W.get(n)!, layers, g.input('x', 'float32', ['n', 4]))], {}, 'y');
  g.output('y', 'float32', ['n', 3]);
  const n = 9;
  const x = Float32Array.from({ length: n * 4 }, () => 3 * rnd());
  const session = await Session.create(g.toBytes());
  const got = (await session.run({ x: { data: x, dims: [n, 4] } }, ['y'])).y.data;
  await session.dispose();
  // host pass in float64 on the same float32 parameters
  const dense = (h: number[], w: string, inN: number, outN: number, b?: string) => Array.from({ length: outN }, (_, j) => { let v = b ? W.get(b)![j] : 0; for (let i = 0; i < inN; i++) v += h[i] * W.get(w)![i * outN + j]; return v; });
  const relu = (h: number[]) => h.map((v) => Math.max(0, v));
  for (let r = 0; r < n; r++) {
    let h = dense(Array.from(x.subarray(r * 4, r * 4 + 4)), 'a/w', 4, 6);
    h = relu(h.map((v, j) => (v - W.get('bn/mean')![j]) / Math.sqrt(W.get('bn/var')![j] + 1e-3) + W.get('bn/beta')![j]));
    const main = dense(relu(dense(h, 'm1/w', 6, 5, 'm1/b')), 'm2/w', 5, 3, 'm2/b');
    const y = relu(main.map((v, j) => v + dense(h, 'p/w', 6, 3)[j]));
    for (let j = 0; j < 3; j++) t.true(Math.abs(got[r * 3 + j] - y[j]) < 1e-5 * Math.max(1, Math.abs(y[j])), `row ${r} unit ${j}: ${got[r * 3 + j]} vs ${y[j]}`);
  }
  t.true(Array.from(got).some((v) => v > 0), 'not all zero after the final ReLU');
});
