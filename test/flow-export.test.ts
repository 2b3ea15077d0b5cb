import test from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadBundle } from '../src/bundle/bundle.js';
import { readTorchCheckpoint } from '../src/io/torch/checkpoint.js';
import { readNpy } from '../src/io/torch/npy.js';
import { ROOT, tempDir } from './helpers/fixtures.js';
import { runCli } from './helpers/cli.js';

/**
 * export-zuko writes what HiggsDNA loads; re-importing the export gives the identical bundle. (That the
 * .pth loads in PyTorch + zuko and gives the same log_prob is checked outside the suite by
 * scripts/ref/check-export-zuko.py, which needs Python.)
 */
const DATA = join(ROOT, 'test', 'data', 'zuko101');

function cli(args: string[]): string {
  const r = runCli(args);
  if (r.code !== 0) throw new Error(r.stderr);
  return r.stdout + r.stderr;
}

const sameBundle = (t: import('ava').ExecutionContext, a: string, b: string) => {
  const ma = loadBundle(a).manifest;
  const mb = loadBundle(b).manifest;
  t.deepEqual(mb.config, ma.config);
  t.deepEqual(mb.inputs, ma.inputs);
  t.deepEqual(mb.outputs, ma.outputs);
  t.true(readFileSync(join(a, 'weights.bin')).equals(readFileSync(join(b, 'weights.bin'))));
};

test('export-zuko of a HiggsDNA flow: the same tensors and .npy values as the EOS-style originals; re-import gives the identical bundle', (t) => {
  const dir = tempDir();
  writeFileSync(join(dir, 'd.yaml'), 'variables: [r9, sieie, etaWidth, hoe, pfChargedIso, ecalPFClusterIso]\nconditions: [pt, ScEta, phi, fixedGridRhoAll]\ncollections: [{prefix: probe_}, {prefix: tag_}]\nhiggsdna:\n  Isolation_transform_order: [3, 4, 5]\n  shifts: {3: 0.001}\n');
  const a = join(dir, 'a');
  cli(['import-zuko', join(DATA, 'ar', 'best_model_.pth'), '--zuko-version', '1.0.1', '--preprocessing', join(DATA, 'ar'), '--era', '2022postEE', '--describe', join(dir, 'd.yaml'), '-o', a]);
  const x = join(dir, 'export');
  const out = cli(['export-zuko', a, '-o', x]);
  t.regex(out, /load with zuko 1\.0\.1: flow = zuko\.flows\.NSF\(features=6, context=5, bins=10, transforms=3, hidden_features=\[32, 32\]\)/);
  t.notRegex(out, /warning/);
  // Every tensor of zuko's own checkpoint (orders, weights, biases, masks, base._0/_1), bit for bit.
  const orig = readTorchCheckpoint(join(DATA, 'ar', 'best_model_.pth'));
  const back = readTorchCheckpoint(join(x, 'best_model_.pth'));
  t.deepEqual([...back.keys()], [...orig.keys()]);
  for (const [k, v] of orig) {
    const w = back.get(k)!;
    t.deepEqual(w.shape, v.shape, k);
    t.is(w.dtype, v.dtype, k);
    t.true(Buffer.from(w.data.buffer, w.data.byteOffset, w.data.byteLength).equals(Buffer.from(v.data.buffer, v.data.byteOffset, v.data.byteLength)), k);
  }
  for (const f of ['input_means', 'input_std', 'conditions_means', 'conditions_std']) {
    const o = readNpy(join(DATA, 'ar', `${f}.npy`));
    const e = readNpy(join(x, `${f}.npy`));
    t.true(e.data instanceof Float32Array, f);
    t.deepEqual(Array.from(e.data as Float32Array), Array.from(o.data as Float32Array), f);
  }
  const b = join(dir, 'b');
  cli(['import-zuko', join(x, 'best_model_.pth'), '--zuko-version', '1.0.1', '--preprocessing', x, '--describe', join(x, 'ntcorr-describe.json'), '-o', b]);
  sameBundle(t, a, b);
});

test('export-zuko of min-max scaled isolations writes min_values/max_values.npy; round trip identical', (t) => {
  const dir = tempDir();
  writeFileSync(join(dir, 'd.yaml'), 'higgsdna:\n  Isolation_transform_order: [3, 4]\n');
  const a = join(dir, 'a');
  cli(['import-zuko', join(DATA, 'p2', 'best_model_.pth'), '--zuko-version', '1.0.1', '--preprocessing', join(DATA, 'p2'), '--era', '2024', '--describe', join(dir, 'd.yaml'), '-o', a]);
  const x = join(dir, 'export');
  t.regex(cli(['export-zuko', a, '-o', x]), /passes=2/);
  for (const f of ['min_values', 'max_values']) t.deepEqual(Array.from(readNpy(join(x, `${f}.npy`)).data as Float64Array), Array.from(readNpy(join(DATA, 'p2', `${f}.npy`)).data as Float64Array));
  const b = join(dir, 'b');
  cli(['import-zuko', join(x, 'best_model_.pth'), '--zuko-version', '1.0.1', '--preprocessing', x, '--describe', join(x, 'ntcorr-describe.json'), '-o', b]);
  sameBundle(t, a, b);
});

test('export-zuko of an ntcorr-trained flow: needs a zuko version with its slope; writes 1.6 base names; round trip identical', (t) => {
  const dir = tempDir();
  const src = join(ROOT, 'models', 'zee-flow-small');
  const none = runCli(['export-zuko', src, '-o', join(dir, 'x')]);
  t.is(none.code, 1);
  t.regex(none.stderr, /records no zuko version .*give --zuko-version/);
  const old = runCli(['export-zuko', src, '--zuko-version', '1.0.1', '-o', join(dir, 'x')]);
  t.is(old.code, 1);
  t.regex(old.stderr, /slope 0\.001, but zuko 1\.0\.1's NSF always uses 0\.0001/);
  const x = join(dir, 'export');
  const out = cli(['export-zuko', src, '--zuko-version', '1.6.0', '-o', x]);
  t.regex(out, /slope=0\.001\)/);
  t.regex(out, /warning: pfChargedIso: made continuous with ntcorr's edge convention/);
  const sd = readTorchCheckpoint(join(x, 'best_model_.pth'));
  t.true(sd.has('base.loc') && sd.has('base.scale') && !sd.has('base._0'));
  const b = join(dir, 'b');
  cli(['import-zuko', join(x, 'best_model_.pth'), '--zuko-version', '1.6.0', '--describe', join(x, 'ntcorr-describe.json'), '-o', b]);
  const ma = loadBundle(src).manifest.config as { architecture: object };
  const mb = loadBundle(b).manifest.config as { architecture: object };
  t.deepEqual({ ...mb, architecture: { ...mb.architecture, zukoVersion: undefined } }, { ...ma, architecture: { ...ma.architecture, zukoVersion: undefined } });
  t.true(readFileSync(join(src, 'weights.bin')).equals(readFileSync(join(b, 'weights.bin'))));
});
