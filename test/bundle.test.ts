import test from 'ava';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadBundle, writeBundle } from '../src/bundle/bundle.js';
import { tempDir } from './helpers/fixtures.js';

test('bundle round trip keeps tensors bit-exact and the hash follows the content', async (t) => {
  const dir = tempDir();
  const w = new Float32Array([1.5, -2.25, Math.PI, NaN]);
  const b = new Float64Array([1e-300, 2]);
  await writeBundle(dir, { name: 'x', kind: 'flow', inputs: ['a'], outputs: [{ name: 'a_corr' }], config: {}, provenance: { createdBy: 't', created: 'now', source: 'test' } },
    [{ name: 'w', shape: [2, 2], data: w }, { name: 'b', shape: [2], data: b }]);
  const bundle = loadBundle(dir);
  const tensors = bundle.tensors();
  t.deepEqual([...tensors.get('w')!.data].map(String), [...w].map(String));
  t.deepEqual(tensors.get('b')!.data, b);
  t.deepEqual(tensors.get('w')!.shape, [2, 2]);
  const h1 = bundle.hash;
  writeFileSync(join(dir, 'extra.json'), '{}');
  t.not(loadBundle(dir).hash, h1);
});

test('loading a folder without model.json names the folder', (t) => {
  const dir = tempDir();
  const e = t.throws(() => loadBundle(dir));
  t.regex(e!.message, new RegExp(dir.replace(/[/\\^$*+?.()|[\]{}]/g, '\\$&')));
});

test('the hash covers referenced files in sub-folders; files outside the bundle are refused', async (t) => {
  const { mkdirSync, symlinkSync, copyFileSync } = await import('node:fs');
  const { execFileSync } = await import('node:child_process');
  const dir = tempDir();
  mkdirSync(join(dir, 'trees'));
  writeFileSync(join(dir, 'trees', 'barrel.json'), '{"a": 1}');
  const manifest = (file: string) => ({ format: 'ntcorr-bundle', formatVersion: 1, name: 'x', kind: 'xgboost', inputs: [], outputs: [{ name: 'y' }], config: { regions: [{ name: 'barrel', forest: { file } }] }, provenance: { createdBy: 't', created: 'now', source: 'test' } });
  writeFileSync(join(dir, 'model.json'), JSON.stringify(manifest('trees/barrel.json')));
  const h1 = loadBundle(dir).hash;
  writeFileSync(join(dir, 'trees', 'barrel.json'), '{"a": 2}');
  t.not(loadBundle(dir).hash, h1, 'a referenced file in a sub-folder changes the hash');
  writeFileSync(join(dir, 'trees', 'unused.json'), '{}');
  const h2 = loadBundle(dir).hash;
  writeFileSync(join(dir, 'trees', 'unused.json'), '{"b": 1}');
  t.is(loadBundle(dir).hash, h2, 'files the bundle does not use do not count');
  // a bundle without sub-folder references keeps the hash it always had: sha256 of "<name>\0<bytes>" per top-level file
  const plain = tempDir();
  copyFileSync(join('models', 'sigma-m-over-m', 'model.json'), join(plain, 'model.json'));
  const ref = execFileSync('sh', ['-c', `cd '${plain}' && { printf 'model.json\\0'; cat model.json; } | sha256sum`], { encoding: 'utf8' }).split(' ')[0];
  t.is(loadBundle(plain).hash, ref);
  for (const [file, re] of [['../outside.json', /must not leave the bundle folder/], ['/etc/passwd', /relative to the bundle folder/], ['trees/../../x.json', /must not leave/]] as const) {
    writeFileSync(join(dir, 'model.json'), JSON.stringify(manifest(file)));
    t.throws(() => loadBundle(dir), { message: re }, file);
  }
  symlinkSync('/etc/passwd', join(dir, 'trees', 'link.json'));
  writeFileSync(join(dir, 'model.json'), JSON.stringify(manifest('trees/link.json')));
  t.throws(() => loadBundle(dir), { message: /points outside the bundle folder/ });
  symlinkSync('/dev/zero', join(dir, 'trees', 'zero.json'));
  writeFileSync(join(dir, 'model.json'), JSON.stringify(manifest('trees/zero.json')));
  t.throws(() => loadBundle(dir), { message: /points outside the bundle folder/ });
  // a top-level symlink out of the folder (hashed as a bundle file) is refused as well
  const top = tempDir();
  copyFileSync(join('models', 'sigma-m-over-m', 'model.json'), join(top, 'model.json'));
  symlinkSync('/dev/zero', join(top, 'weights.bin'));
  t.throws(() => loadBundle(top), { message: /weights\.bin.* points outside the bundle folder/ });
});

test('model.json: unknown keys and malformed tensor specs are errors naming the key path', (t) => {
  const dir = tempDir();
  const base = { format: 'ntcorr-bundle', formatVersion: 1, name: 'x', kind: 'derived', inputs: [], outputs: [{ name: 'y' }], config: {}, provenance: { createdBy: 't', created: 'now', source: 'test' } };
  const cases: [object, RegExp][] = [
    [{ ...base, kidn: 'derived' }, /model\.json: kidn: unknown key \(expected one of format, formatVersion, name, kind/],
    [{ ...base, outputs: [{ name: 'y', tpye: 'float64' }] }, /model\.json: outputs\[0\]\.tpye: unknown key/],
    [{ ...base, tensors: [{ name: 'w', shape: [-1], dtype: 'float32', offset: 0 }] }, /tensors\[0\]\.shape: expected a list of non-negative integers/],
    [{ ...base, tensors: [{ name: 'w', shape: [2], dtype: 'float16', offset: 0 }] }, /tensors\[0\]\.dtype/],
    [{ ...base, outputs: [{ name: 'y', type: 'float16' }] }, /outputs\[0\]\.type: expected one of float32, float64/],
  ];
  for (const [m, re] of cases) {
    writeFileSync(join(dir, 'model.json'), JSON.stringify(m));
    t.throws(() => loadBundle(dir), { message: re });
  }
});
