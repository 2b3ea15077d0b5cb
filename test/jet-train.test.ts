import test from 'ava';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/compute/backend.js';
import { jetLoss } from '../src/models/jet/network.js';
import { loadJetConfig } from '../src/models/jet/config.js';
import { trainJet } from '../src/train/jet/train.js';
import { fixture, tempDir } from './helpers/fixtures.js';
import { runCli } from './helpers/cli.js';

const MLJEC = fixture('jets-mljec');

test.before(async () => { await initBackend('wasm'); });

test('loss: MAE and Huber (torch formulas) over jets with |target| < 1, divided by the number of kept jets', (t) => {
  const pred = [0.1, -0.2, 0.5, 0.0, 0.3];
  const target = [0.3, -0.25, 1.5, Infinity, -0.1]; // jets 2 and 3 are dropped (|target| >= 1)
  const d = [0.2, 0.05, 0.4];
  const mae = d.reduce((a, b) => a + b, 0) / 3;
  const delta = 0.1;
  const huber = d.map((x) => (x < delta ? 0.5 * x * x : delta * (x - 0.5 * delta))).reduce((a, b) => a + b, 0) / 3;
  const P = tf.tensor2d(pred, [5, 1]), T = tf.tensor2d(target, [5, 1]);
  t.true(Math.abs(jetLoss(P, T, { type: 'mae', delta }).dataSync()[0] - mae) < 1e-6);
  t.true(Math.abs(jetLoss(P, T, { type: 'huber', delta }).dataSync()[0] - huber) < 1e-6);
  // gradient w.r.t. predictions: sign(d)/3 for kept jets, 0 for dropped ones (finite even with target = inf)
  const g = tf.grad((p: tf.Tensor) => jetLoss(p as tf.Tensor2D, T, { type: 'mae', delta }))(P).dataSync();
  t.deepEqual(Array.from(g).map((x) => +x.toFixed(6)), [-1 / 3, 1 / 3, 0, 0, 1 / 3].map((x) => +x.toFixed(6)));
});

function config(dir: string, epochs: number): string {
  const text = readFileSync(join(MLJEC, 'test_config.yaml'), 'utf8')
    .replace('location: data', `location: ${MLJEC}\n  transform: ${join(MLJEC, 'transform.yaml')}`)
    .replace('max_epochs: 10', `max_epochs: ${epochs}`);
  const path = join(dir, `jet-${epochs}.yaml`);
  writeFileSync(path, `${text}\noutput: ${dir}/model-${epochs}\n`);
  return path;
}

test.serial('train jet on the ml-jec fixture (its own test_config.yaml and transform.yaml): bundle, history, checkpoint', (t) => {
  const dir = tempDir();
  const r = runCli(['train', 'jet', '--config', config(dir, 3), '--quiet', '--backend', 'wasm']);
  t.is(r.code, 0, r.stderr + r.stdout);
  t.regex(r.stdout, /30 training jets from 3 files, 10 validation jets/);
  const m = JSON.parse(readFileSync(join(dir, 'model-3', 'model.json'), 'utf8'));
  t.is(m.kind, 'jet-regression');
  t.is(m.provenance.history.length, 3);
  t.true(m.provenance.history.every((h: { train_loss: number; val_loss: number }) => Number.isFinite(h.train_loss) && Number.isFinite(h.val_loss)));
  t.is(m.provenance.testFiles.length, 1);
  t.true(existsSync(join(dir, 'model-3', 'checkpoint', 'state.bin')));
  t.true(m.tensors.some((s: { name: string }) => s.name === 'ch/emb0'));
});

test.serial('an interrupted training resumed with --resume ends with the same weights as an uninterrupted one', async (t) => {
  const dir = tempDir();
  const quiet = { log: () => {} };
  await trainJet(loadJetConfig(config(dir, 4)), { ...quiet, backend: 'wasm' });
  const cfg2 = loadJetConfig(config(dir, 2));
  await trainJet(cfg2, { ...quiet, backend: 'wasm' });
  // continue the 2-epoch run to 4 epochs in the same output folder
  const cfg4 = loadJetConfig(config(dir, 4));
  cfg4.output = cfg2.output;
  await trainJet(cfg4, { ...quiet, backend: 'wasm', resume: true });
  const a = readFileSync(join(dir, 'model-4', 'weights.bin'));
  const b = readFileSync(join(dir, 'model-2', 'weights.bin'));
  t.true(a.equals(b), 'weights.bin identical');
  const ha = JSON.parse(readFileSync(join(dir, 'model-4', 'model.json'), 'utf8')).provenance.history;
  const hb = JSON.parse(readFileSync(join(dir, 'model-2', 'model.json'), 'utf8')).provenance.history;
  t.deepEqual(hb.map((h: { val_loss: number }) => h.val_loss), ha.map((h: { val_loss: number }) => h.val_loss));
});

test('train jet --resume without a checkpoint is a clear error', (t) => {
  const dir = tempDir();
  const r = runCli(['train', 'jet', '--config', config(dir, 2), '--resume', '--quiet']);
  t.not(r.code, 0);
  t.regex(r.stderr, /checkpoint .*state\.bin does not exist/);
});
