import test from 'ava';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { initBackend } from '../src/compute/backend.js';
import { NtcorrError } from '../src/core/errors.js';
import { loadJetConfig, parseJetConfig, type JetConfig } from '../src/models/jet/config.js';
import { loadJets } from '../src/train/jet/dataset.js';
import { archFor, trainJet } from '../src/train/jet/train.js';
import { countJetParams, createJetParams, normalizeArch, predictBlock } from '../src/models/jet/network.js';
import { readTransform } from '../src/models/jet/transform.js';
import { loadBundle } from '../src/bundle/bundle.js';
import { Params } from '../src/nn/params.js';
import { readCheckpointParams } from '../src/nn/checkpoint.js';
import { Xoshiro128ss } from '../src/core/random.js';
import { runApply } from '../src/pipeline/index.js';
import { openTable } from '../src/io/formats.js';
import { fixture, ROOT, tempDir } from './helpers/fixtures.js';
import { runCli } from './helpers/cli.js';

// ml-jec fidelity (issue 16): its example_config.yaml (test/data/mljec, only data.location changed) and
// test_config.yaml, parameter counts from scripts/ref/mljec-param-count.py, every formerly ignored key.
const MLJEC = fixture('jets-mljec');
const EXAMPLE = join(ROOT, 'test/data/mljec/example_config.yaml');
const COUNTS = JSON.parse(readFileSync(join(ROOT, 'test/data/mljec/param-counts.json'), 'utf8')) as Record<string, number>;
const quiet = { log: () => {}, backend: 'wasm' };
const TMP = tempDir();
let nTmp = 0;
/** A fresh folder per test inside one temp folder (one exit hook for the file). */
function subDir(): string {
  const d = join(TMP, `t${++nTmp}`);
  mkdirSync(d);
  return d;
}

test.before(async () => { await initBackend('wasm'); });

/** ml-jec's test_config.yaml as a YAML document, changed by `edit`, written to dir and parsed. */
function testConfig(dir: string, name: string, edit: (doc: Record<string, any>) => void = () => {}): JetConfig {
  const doc = YAML.parse(readFileSync(join(MLJEC, 'test_config.yaml'), 'utf8'));
  doc.data.location = MLJEC;
  doc.train.max_epochs = 2;
  doc.train.steps_per_epoch = 3;
  doc.output = join(dir, name);
  edit(doc);
  const path = join(dir, `${name}.yaml`);
  writeFileSync(path, YAML.stringify(doc));
  return loadJetConfig(path);
}

const weights = (bundle: string) => readFileSync(join(bundle, 'weights.bin'));
const history = (bundle: string) => JSON.parse(readFileSync(join(bundle, 'model.json'), 'utf8')).provenance.history as { val_loss: number; lr: number }[];

test('parameter counts equal ml-jec\'s for its example and test configs and variants (scripts/ref/mljec-param-count.py)', (t) => {
  const dir = subDir();
  const tr = readTransform(join(MLJEC, 'transform.yaml'));
  const check = (name: string, cfg: JetConfig, transform = tr) => {
    const arch = archFor(cfg, transform);
    t.is(countJetParams(arch), COUNTS[name], name);
    const p = createJetParams(arch, Xoshiro128ss.fromSeed(1));
    t.is(p.count(), COUNTS[name], `${name}: tensors created`);
    p.dispose();
  };
  // the rule-based reference agrees with real Keras layers (scripts/ref/mljec-keras-count.py, keras 3.15.1)
  const keras = JSON.parse(readFileSync(join(ROOT, 'test/data/mljec/param-counts-keras.json'), 'utf8'));
  for (const [k, v] of Object.entries(COUNTS)) t.is(keras[k], v, `Keras count of ${k}`);
  const example = loadJetConfig(EXAMPLE);
  check('example_config', example);
  t.is(COUNTS.example_config, 326394);
  check('test_config', testConfig(dir, 'tc'));
  const exampleDoc = () => YAML.parse(readFileSync(EXAMPLE, 'utf8'));
  const variant = (name: string, edit: (d: Record<string, any>) => void) => {
    const d = exampleDoc();
    edit(d);
    writeFileSync(join(dir, `${name}.yaml`), YAML.stringify(d).replace('../../../../shared', join(ROOT, '../shared')));
    return loadJetConfig(join(dir, `${name}.yaml`));
  };
  check('mlp_batch_norm', variant('mlp_batch_norm', (d) => { for (const b of Object.values(d.model) as Record<string, unknown>[]) Object.assign(b, { type: 'mlp', batch_norm: true, dropout: 0.1 }); }));
  check('resnet_odd', variant('resnet_odd', (d) => { d.model.ch.num_units = [100, 50, 30]; d.model.head.num_units = [64, 157, 32]; }));
  check('global_categorical', testConfig(dir, 'gc', (d) => { d.features.global.categorical = ['hadron_flavor']; d.model.head.embeddings = { hadron_flavor: 2 }; }),
    { ...tr, categorical: { ...tr.categorical, hadron_flavor: [0, 4, 5] } });
  // the former block (still available as resnet_per_unit, with an extra embedding row per category list)
  const former = variant('former', (d) => { for (const b of Object.values(d.model) as Record<string, unknown>[]) Object.assign(b, { type: 'resnet_per_unit', unknown_category: 'row' }); });
  t.is(countJetParams(archFor(former, tr)), 1072778, 'the count issue 16 reported for ntcorr\'s former resnet');
});

test.serial('ml-jec\'s example_config.yaml trains (2 short epochs on the fixture shards) and applies', async (t) => {
  const dir = subDir();
  const cfg = loadJetConfig(EXAMPLE);
  t.true(cfg.notes.some((n) => n.startsWith('run.storage')), 'run.storage is reported as unused');
  t.true(cfg.notes.some((n) => n.startsWith('predict')), 'predict is reported');
  t.is(cfg.head.type, 'resnet');
  // shortened in memory only: 5 shards instead of ml-jec's 100 + 2 + rest, 2 epochs of 4 batches
  cfg.data.split = [3, 1, -1];
  cfg.data.batch_size = 5;
  cfg.train.max_epochs = 2;
  cfg.train.steps_per_epoch = 4;
  cfg.output = join(dir, 'model');
  const lines: string[] = [];
  await trainJet(cfg, { backend: 'wasm', log: (s) => lines.push(s) });
  t.true(lines.some((l) => l.includes('326,394 parameters')), lines.join('\n'));
  const m = JSON.parse(readFileSync(join(dir, 'model', 'model.json'), 'utf8'));
  t.is(m.provenance.parameters, 326394);
  t.is(m.provenance.history.length, 2);
  t.true(m.tensors.some((s: { name: string }) => s.name === 'head/res1/dense1/w'));
  t.false(m.tensors.some((s: { name: string }) => s.name === 'head/res1/projection/w'), 'head input 157 = n2 157: identity bypass');
  t.true(m.tensors.some((s: { name: string; shape: number[] }) => s.name === 'ch/res1/projection/w' && (s as { shape: number[] }).shape.join() === '19,100'));
  t.true(m.tensors.some((s: { name: string; shape: number[] }) => s.name === 'head/last/w' && (s as { shape: number[] }).shape.join() === '157,20'));
  const s = await runApply({ inputs: [join(MLJEC, '5.root')], model: join(dir, 'model'), outDir: join(dir, 'out'), chunkRows: 100_000, jobs: 1, fill: 'nan', force: false, skipDone: false, quiet: true, seed: 1, backend: 'wasm', command: 'test', tree: 'Jets', log: () => {} });
  t.is(s.failed, 0);
  const tab = await openTable(join(dir, 'out', '5.root'), { tree: 'Jets' });
  let n = 0;
  for await (const ch of tab.chunks(['pt_corr'], 100)) for (const v of ch.columns.get('pt_corr') as Float32Array) { t.true(Number.isFinite(v) && v > 0); n++; }
  await tab.close();
  t.is(n, 10);
});

test.serial('batch_norm: changes training; moving statistics are updated and used at inference (no batch dependence)', async (t) => {
  const dir = subDir();
  const base = testConfig(dir, 'base');
  await trainJet(base, quiet);
  const bn = testConfig(dir, 'bn', (d) => { d.model.ch.batch_norm = true; d.model.head.batch_norm = true; });
  await trainJet(bn, quiet);
  t.false(weights(base.output).equals(weights(bn.output)));
  t.notDeepEqual(history(base.output).map((h) => h.val_loss), history(bn.output).map((h) => h.val_loss));
  const b = loadBundle(bn.output);
  const tensors = b.tensors();
  t.false(tensors.has('ch/l0/b'), 'dense before batch norm has no bias');
  const mv = tensors.get('ch/l0/bn/moving_variance')!.data;
  const mm = tensors.get('head/l1/bn/moving_mean')!.data;
  t.true(Array.from(mv).some((v) => Math.abs(v - 1) > 1e-4), 'moving variance moved from 1');
  t.true(Array.from(mm).some((v) => Math.abs(v) > 1e-6), 'moving mean moved from 0');
  // inference: predictions of each jet alone equal those in one batch of all jets
  const arch = normalizeArch(b.manifest.config.arch as never);
  const p = new Params();
  for (const [name, v] of tensors) p.add(name, v.shape, v.data as Float32Array);
  const jets = await loadJets([join(MLJEC, '5.root')], bn, readTransform(bn.data.transform), false);
  const all = predictBlock(p, arch, jets, 1024);
  const one = predictBlock(p, arch, jets, 1);
  for (let i = 0; i < jets.n; i++) t.true(Math.abs(all[i] - one[i]) < 1e-5, `jet ${i}: ${all[i]} vs ${one[i]}`);
  p.dispose();
});

test.serial('dropout: changes training, is seeded (same seed, same weights), and is off at inference', async (t) => {
  const dir = subDir();
  const base = testConfig(dir, 'base');
  await trainJet(base, quiet);
  const d1 = testConfig(dir, 'd1', (d) => { d.model.head.dropout = 0.5; d.model.ch.dropout = 0.2; });
  await trainJet(d1, quiet);
  const d2 = testConfig(dir, 'd2', (d) => { d.model.head.dropout = 0.5; d.model.ch.dropout = 0.2; });
  await trainJet(d2, quiet);
  t.false(weights(base.output).equals(weights(d1.output)));
  t.true(weights(d1.output).equals(weights(d2.output)), 'seeded');
  // applying the same bundle twice gives identical outputs (no dropout at inference)
  const outs: Float32Array[] = [];
  for (const o of ['a', 'b']) {
    await runApply({ inputs: [join(MLJEC, '5.root')], model: d1.output, outDir: join(dir, o), chunkRows: 100_000, jobs: 1, fill: 'nan', force: false, skipDone: false, quiet: true, seed: o === 'a' ? 1 : 2, backend: 'wasm', command: 'test', tree: 'Jets', log: () => {} });
    const tab = await openTable(join(dir, o, '5.root'), { tree: 'Jets' });
    for await (const ch of tab.chunks(['pt_corr'], 100)) outs.push(ch.columns.get('pt_corr') as Float32Array);
    await tab.close();
  }
  t.deepEqual(Array.from(outs[0]), Array.from(outs[1]));
});

test.serial('model.load_weights (bundle or checkpoint) and model: <bundle> start from those weights; Keras files are refused', async (t) => {
  const dir = subDir();
  const a = testConfig(dir, 'a');
  await trainJet(a, quiet);
  // learning rate 0: the weights stay the loaded ones exactly
  for (const [name, src] of [['fromBundle', a.output], ['fromCheckpoint', join(a.output, 'checkpoint', 'state.bin')]]) {
    const c = testConfig(dir, name, (d) => { d.model.load_weights = src; d.train.learning_rate = 0; });
    t.is(c.init?.key, 'model.load_weights');
    await trainJet(c, quiet);
    // the bundle holds the best epoch's weights, the checkpoint the last epoch's
    const wa = name === 'fromBundle' ? loadBundle(a.output).tensors() : readCheckpointParams(src);
    const wc = loadBundle(c.output).tensors();
    t.is(wc.size, wa.size);
    for (const [k, v] of wa) t.deepEqual(Array.from(wc.get(k)!.data), Array.from(v.data), `${name}: ${k}`);
  }
  const fresh = testConfig(dir, 'fresh', (d) => { d.train.learning_rate = 0; });
  await trainJet(fresh, quiet);
  t.false(weights(fresh.output).equals(weights(a.output)), 'without load_weights the start differs');
  // model: <bundle>: architecture and weights from the bundle, no model section needed
  const m = testConfig(dir, 'm', (d) => { d.model = a.output; d.train.learning_rate = 0; });
  t.is(m.init?.key, 'model');
  t.deepEqual(m.types.map((x) => x.block.num_units), a.types.map((x) => x.block.num_units));
  await trainJet(m, quiet);
  t.true(weights(m.output).equals(weights(a.output)));
  // Keras files and mismatched architectures: errors naming the key
  writeFileSync(join(dir, 'w.h5'), 'HDF');
  const h5 = testConfig(dir, 'h5b', (d) => { d.model.load_weights = join(dir, 'w.h5'); });
  const e2 = await t.throwsAsync(trainJet(h5, quiet), { instanceOf: NtcorrError });
  t.regex(e2!.message, /model\.load_weights: .*w\.h5 is a Keras\/TensorFlow model or checkpoint, which ntcorr cannot read/);
  writeFileSync(join(dir, 'variables.index'), ''); // a TensorFlow checkpoint prefix (ml-jec: "{model}/variables/variables")
  const tfc = testConfig(dir, 'tfc', (d) => { d.model.load_weights = join(dir, 'variables'); });
  const e5 = await t.throwsAsync(trainJet(tfc, quiet), { instanceOf: NtcorrError });
  t.regex(e5!.message, /model\.load_weights: .*variables is a Keras\/TensorFlow model or checkpoint/);
  mkdirSync(join(dir, 'saved'));
  writeFileSync(join(dir, 'saved', 'saved_model.pb'), '');
  const e3 = t.throws(() => testConfig(dir, 'sm', (d) => { d.model = join(dir, 'saved'); }), { instanceOf: NtcorrError });
  t.regex(e3!.message, /: model: .*saved is a Keras\/TensorFlow model/);
  const big = testConfig(dir, 'big', (d) => { d.model.load_weights = a.output; d.model.head.num_units = [32]; });
  const e4 = await t.throwsAsync(trainJet(big, quiet), { instanceOf: NtcorrError });
  t.regex(e4!.message, /model\.load_weights: the weights in .* do not fit this config's network/);
});

test.serial('global categorical features get a head embedding and change the result', async (t) => {
  const dir = subDir();
  const tr = YAML.parse(readFileSync(join(MLJEC, 'transform.yaml'), 'utf8'));
  tr.categorical.hadron_flavor = [0, 4, 5];
  writeFileSync(join(dir, 'transform.yaml'), YAML.stringify(tr));
  const base = testConfig(dir, 'base', (d) => { d.data.transform = join(dir, 'transform.yaml'); });
  await trainJet(base, quiet);
  const g = testConfig(dir, 'g', (d) => { d.data.transform = join(dir, 'transform.yaml'); d.features.global.categorical = ['hadron_flavor']; d.model.head.embeddings = { hadron_flavor: 2 }; });
  await trainJet(g, quiet);
  const t2 = loadBundle(g.output).tensors();
  t.deepEqual(t2.get('global/emb0')!.shape, [3, 2]);
  t.notDeepEqual(history(base.output).map((h) => h.val_loss), history(g.output).map((h) => h.val_loss));
  const s = await runApply({ inputs: [join(MLJEC, '5.root')], model: g.output, outDir: join(dir, 'out'), chunkRows: 100_000, jobs: 1, fill: 'nan', force: false, skipDone: false, quiet: true, seed: 1, backend: 'wasm', command: 'test', tree: 'Jets', log: () => {} });
  t.is(s.failed, 0, s.files.map((f) => f.reason).join());
  const e = t.throws(() => testConfig(dir, 'noemb', (d) => { d.features.global.categorical = ['hadron_flavor']; }), { instanceOf: NtcorrError });
  t.regex(e!.message, /model\.head\.embeddings\.hadron_flavor: each categorical feature needs an embedding dimension/);
});

test.serial('reduce_lr_on_plateau.min_lr bounds the learning rate; piecewise_linear_schedule sets it per epoch', async (t) => {
  const dir = subDir();
  // every epoch after the first counts as "no improvement" (relative threshold 0.99), patience 0
  const plateau = (min_lr?: number) => (d: Record<string, any>) => { d.train.max_epochs = 4; d.train.reduce_lr_on_plateau = { factor: 0.2, patience: 0, min_delta: 0.99, ...(min_lr !== undefined ? { min_lr } : {}) }; delete d.train.early_stopping; };
  const a = testConfig(dir, 'a', plateau());
  await trainJet(a, quiet);
  const b = testConfig(dir, 'b', plateau(3e-4));
  await trainJet(b, quiet);
  const lr = (c: JetConfig) => history(c.output).map((h) => +h.lr.toPrecision(6));
  t.deepEqual(lr(a), [5e-4, 5e-4, 1e-4, 2e-5]);
  t.deepEqual(lr(b), [5e-4, 5e-4, 3e-4, 3e-4]);
  t.false(weights(a.output).equals(weights(b.output)));
  // semantics: keras (default, ml-jec's callback) reduces after `patience` bad epochs, torch after more than `patience`
  const sem = (semantics?: string) => (d: Record<string, any>) => { d.train.max_epochs = 4; d.train.reduce_lr_on_plateau = { factor: 0.2, patience: 1, min_delta: 0.99, ...(semantics ? { semantics } : {}) }; delete d.train.early_stopping; };
  const k = testConfig(dir, 'k', sem());
  await trainJet(k, quiet);
  const tc = testConfig(dir, 'tc', sem('torch'));
  await trainJet(tc, quiet);
  t.deepEqual(lr(k), [5e-4, 5e-4, 1e-4, 2e-5]);
  t.deepEqual(lr(tc), [5e-4, 5e-4, 5e-4, 1e-4]);
  const p = testConfig(dir, 'p', (d) => { delete d.train.max_epochs; delete d.train.learning_rate; delete d.train.reduce_lr_on_plateau; delete d.train.early_stopping; d.train.piecewise_linear_schedule = { epochs: [0, 2], learning_rate: [1e-3, 2e-4] }; });
  t.is(p.train.max_epochs, 3, 'ml-jec: last epoch + 1');
  await trainJet(p, quiet);
  t.deepEqual(lr(p), [1e-3, 6e-4, 2e-4]);
  const e = t.throws(() => testConfig(dir, 'pe', (d) => { d.train.piecewise_linear_schedule = { epochs: [0, 2], learning_rate: [1e-3, 2e-4] }; }), { instanceOf: NtcorrError });
  t.regex(e!.message, /train\.max_epochs: cannot be used together with train\.piecewise_linear_schedule/);
});

test.serial('optimizer: adam (default), sgd with momentum/nesterov, radam give different trainings; unknown ones are errors', async (t) => {
  const dir = subDir();
  const runs: Buffer[] = [];
  for (const [name, op] of [['adam', undefined], ['adam2', { algorithm: 'Adam' }], ['sgd', { algorithm: 'sgd', momentum: 0.9, nesterov: true }], ['radam', { algorithm: 'radam' }]] as const) {
    const c = testConfig(dir, name, (d) => { if (op) d.optimizer = op; });
    await trainJet(c, quiet);
    runs.push(weights(c.output));
  }
  t.true(runs[0].equals(runs[1]), 'algorithm: Adam is the default (case-insensitive as in ml-jec)');
  t.false(runs[0].equals(runs[2]));
  t.false(runs[0].equals(runs[3]));
  t.false(runs[2].equals(runs[3]));
  const e = t.throws(() => testConfig(dir, 'x', (d) => { d.optimizer = { algorithm: 'adagrad' }; }), { instanceOf: NtcorrError });
  t.regex(e!.message, /optimizer\.algorithm: expected adam, sgd or radam/);
  const e2 = t.throws(() => testConfig(dir, 'y', (d) => { d.optimizer = { algorithm: 'adam', momentum: 0.9 }; }), { instanceOf: NtcorrError });
  t.regex(e2!.message, /optimizer\.momentum: only for algorithm sgd/);
});

test('config: unknown keys and meaningless combinations are errors naming the key path; gs:// says to copy locally', (t) => {
  const dir = subDir();
  const err = (edit: (d: Record<string, any>) => void) => t.throws(() => testConfig(dir, 'e', edit), { instanceOf: NtcorrError })!.message;
  t.regex(err((d) => { d.model.ch.batchnorm = true; }), /e\.yaml: model\.ch\.batchnorm: unknown key/);
  t.regex(err((d) => { d.features.ne.max_sizes = 3; }), /features\.ne\.max_sizes: unknown key/);
  t.regex(err((d) => { d.train.reduce_lr_on_plateau.cooldown = 2; }), /train\.reduce_lr_on_plateau\.cooldown: unknown key/);
  t.regex(err((d) => { d.train.early_stopping.restore = true; }), /train\.early_stopping\.restore: unknown key/);
  t.regex(err((d) => { d.run.user = 'x'; }), /run\.user: unknown key/);
  t.regex(err((d) => { d.model.tau = { type: 'mlp', num_units: [4] }; }), /model\.tau: no constituent type tau under features/);
  t.regex(err((d) => { d.model.ch.embeddings.ch_charge = 2; }), /model\.ch\.embeddings\.ch_charge: not a categorical feature/);
  t.regex(err((d) => { d.model.head = { type: 'resnet', num_units: [16, 16], batch_norm: true }; }), /model\.head\.batch_norm: only type mlp has batch normalisation/);
  t.regex(err((d) => { d.model.sv.type = 'resnet'; d.model.sv.dropout = 0.1; }), /model\.sv\.dropout: only type mlp has dropout/);
  t.regex(err((d) => { d.model.ch.dropout = 1; }), /model\.ch\.dropout: expected a rate in \[0, 1\)/);
  t.regex(err((d) => { d.features.ch.categorical_branches = ['ch_id']; }), /features\.ch\.categorical_branches: does not list the categorical feature ch_pv_ass/);
  t.regex(err((d) => { d.data.cache = 3; }), /data\.cache: expected false, true or a cache file path/);
  const gs = err((d) => { d.data.location = 'gs://rainfinder-mljec-200805/data'; });
  t.regex(gs, /data\.location: gs:\/\/rainfinder-mljec-200805\/data is a remote location \(gs:\/\/\); ntcorr reads local files only: copy the dataset folder .* to a local disk \(e\.g\. gsutil -m cp -r gs:\/\/rainfinder-mljec-200805\/data \.\/data\)/);
  t.notRegex(gs, /build-transform/);
  // accepted with an effect or a note
  const ok = testConfig(dir, 'ok', (d) => { d.features.ch.categorical_branches = ['ch_id', 'ch_pv_ass']; d.data.cache = 'train.cache'; });
  t.true(ok.notes.some((n) => n.startsWith('data.cache:')));
});

test('max_size is optional: no cap unless set (ml-jec is ragged); set, it keeps the first constituents', async (t) => {
  const dir = subDir();
  const free = testConfig(dir, 'free');
  t.is(free.types[0].features.max_size, undefined);
  const capped = testConfig(dir, 'capped', (d) => { d.features.ch.max_size = 2; });
  const tr = readTransform(join(MLJEC, 'transform.yaml'));
  const a = await loadJets([join(MLJEC, '1.root')], free, tr, false);
  const b = await loadJets([join(MLJEC, '1.root')], capped, tr, false);
  const tab = await openTable(join(MLJEC, '1.root'), { tree: 'Jets' });
  let sizes: number[] = [];
  for await (const ch of tab.chunks(['ch_size'], 100)) sizes = Array.from(ch.columns.get('ch_size') as Int32Array);
  await tab.close();
  const ci = free.types.findIndex((x) => x.name === 'ch');
  const counts = (o: Int32Array) => Array.from({ length: o.length - 1 }, (_, i) => o[i + 1] - o[i]);
  t.deepEqual(counts(a.types[ci].offsets), sizes);
  t.true(Math.max(...sizes) > 2);
  t.deepEqual(counts(b.types[ci].offsets), sizes.map((s) => Math.min(s, 2)));
});

test('unknown categories: zero vector (default, ml-jec\'s table size), an extra row, or an error naming file, column and value', async (t) => {
  const dir = subDir();
  const tr = YAML.parse(readFileSync(join(MLJEC, 'transform.yaml'), 'utf8'));
  tr.categorical.ch_id = [-211, 211]; // drop most values: the fixture's other ids become unknown
  writeFileSync(join(dir, 'transform.yaml'), YAML.stringify(tr));
  const mk = (name: string, u?: string) => testConfig(dir, name, (d) => { d.data.transform = join(dir, 'transform.yaml'); if (u) d.model.ch.unknown_category = u; });
  const t2 = readTransform(join(dir, 'transform.yaml'));
  t.is(archFor(mk('z'), t2).types[0].categories[0], 2);
  t.is(archFor(mk('r', 'row'), t2).types[0].categories[0], 3);
  const e = await t.throwsAsync(loadJets([join(MLJEC, '1.root')], mk('e', 'error'), t2, true), { instanceOf: NtcorrError });
  t.regex(e!.message, /1\.root: column ch_id has the value -?\d+, which is not in the transform's category list \[-211, 211\]/);
});

test('build-transform without transform.steps uses ml-jec\'s build_transform.py steps per feature', (t) => {
  const dir = subDir();
  const doc = YAML.parse(readFileSync(join(MLJEC, 'test_config.yaml'), 'utf8'));
  doc.data.location = MLJEC;
  writeFileSync(join(dir, 'jet.yaml'), YAML.stringify(doc));
  const r = runCli(['build-transform', MLJEC, '--config', join(dir, 'jet.yaml'), '--output', join(dir, 'transform.yaml'), '--all']);
  t.is(r.code, 0, r.stderr);
  const fitted = YAML.parse(readFileSync(join(dir, 'transform.yaml'), 'utf8'));
  const mljec = YAML.parse(readFileSync(join(MLJEC, 'transform.yaml'), 'utf8'));
  t.deepEqual(Object.keys(fitted.numerical).sort(), Object.keys(mljec.numerical).sort());
  for (const [name, steps] of Object.entries(mljec.numerical) as [string, { type: string; params?: { loc: number; scale: number } }[]][]) {
    const mine = fitted.numerical[name] as typeof steps;
    t.deepEqual(mine.slice(0, -1), steps.slice(0, -1), `${name}: same non-linear steps as ml-jec's`);
    t.is(mine[mine.length - 1].type, 'linear');
  }
  t.deepEqual(fitted.categorical, mljec.categorical);
});

test('bundles written before ml-jec\'s resnet keep their former block ("resnet" without arch.format)', (t) => {
  const a = normalizeArch({ global: 1, types: [], head: { type: 'resnet', num_units: [4] } });
  t.is(a.head.type, 'resnet_per_unit');
  const b = normalizeArch({ format: 2, global: 1, types: [], head: { type: 'resnet', num_units: [4] } });
  t.is(b.head.type, 'resnet');
  t.true(existsSync(join(ROOT, 'models/jet-deepsets-small/model.json')));
  const man = JSON.parse(readFileSync(join(ROOT, 'models/jet-deepsets-small/model.json'), 'utf8'));
  t.is(normalizeArch(man.config.arch).head.type, 'resnet_per_unit');
});

test.serial('--resume stays exact with dropout, batch norm, SGD with momentum and a piecewise schedule', async (t) => {
  const dir = subDir();
  const edit = (epochs: number) => (d: Record<string, any>) => {
    d.model.ch.batch_norm = true; d.model.head.dropout = 0.3; d.optimizer = { algorithm: 'sgd', momentum: 0.9 };
    delete d.train.max_epochs; delete d.train.learning_rate; delete d.train.reduce_lr_on_plateau; delete d.train.early_stopping;
    d.train.piecewise_linear_schedule = { epochs: [0, epochs - 1], learning_rate: [1e-2, 1e-2 * (epochs === 4 ? 0.25 : 0.75)] };
  };
  // 4 epochs straight vs 2 then resumed to 4: the 2-epoch config ends at the 4-epoch schedule's epoch-1 rate
  const full = testConfig(dir, 'full', edit(4));
  await trainJet(full, quiet);
  const half = testConfig(dir, 'half', edit(2));
  await trainJet(half, quiet);
  const rest = testConfig(dir, 'half', edit(4));
  await trainJet(rest, { ...quiet, resume: true });
  t.true(weights(full.output).equals(weights(rest.output)));
  t.deepEqual(history(full.output).map((h) => h.val_loss), history(rest.output).map((h) => h.val_loss));
});

test.serial('without max_epochs: ml-jec\'s 10 passes over the training jets; without learning_rate: the optimizer\'s Keras default', async (t) => {
  const dir = subDir();
  const c = testConfig(dir, 'c', (d) => { delete d.train.max_epochs; delete d.train.early_stopping; d.train.steps_per_epoch = 10; });
  const lines: string[] = [];
  await trainJet(c, { ...quiet, log: (s) => lines.push(s) });
  t.true(lines.some((l) => l.includes('train.max_epochs not set: 6 epochs')), lines.join('\n')); // ceil(10 * 30 / (10 * 5))
  t.is(history(c.output).length, 6);
  t.is(testConfig(dir, 's', (d) => { delete d.train.learning_rate; d.optimizer = { algorithm: 'sgd' }; }).train.learning_rate, 1e-2);
  t.is(testConfig(dir, 'a', (d) => { delete d.train.learning_rate; }).train.learning_rate, 1e-3);
});
