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
