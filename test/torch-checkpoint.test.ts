import test from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { readTorchCheckpoint } from '../src/io/torch/checkpoint.js';
import { NtcorrError } from '../src/core/errors.js';
import { fixture, tempDir } from './helpers/fixtures.js';
import { fixtureTensors } from './flow-fixtures.js';

for (const name of ['nsf_c', 'nsf_a'] as const) {
  test(`${name}: state_dict.pth read natively equals the raw dump (params.f32.bin, masks.bits.bin, layout.json)`, (t) => {
    const got = readTorchCheckpoint(fixture('zuko', name, 'state_dict.pth'));
    const want = fixtureTensors(name);
    t.deepEqual([...got.keys()], [...want.keys()]); // state-dict order preserved
    for (const [k, w] of want) {
      const g = got.get(k)!;
      t.deepEqual(g.shape, w.shape, k);
      if (w.data instanceof BigInt64Array) {
        t.is(g.dtype, 'int64');
        t.deepEqual(Array.from(g.data as BigInt64Array), Array.from(w.data));
      } else if (w.data instanceof Uint8Array) {
        t.is(g.dtype, 'bool');
        t.true(Buffer.from(g.data as Uint8Array).equals(Buffer.from(w.data)), k);
      } else {
        t.is(g.dtype, 'float32');
        t.true(Buffer.from((g.data as Float32Array).buffer).equals(Buffer.from((w.data as Float32Array).buffer)), k);
      }
    }
    t.deepEqual(Array.from(got.get('base.scale')!.data as Float32Array), new Array(name === 'nsf_a' ? 16 : 3).fill(1));
  });
}

test('bad checkpoints: gzip, truncated, not a zip -> NtcorrError naming the file', (t) => {
  const dir = tempDir();
  const src = readFileSync(fixture('zuko', 'nsf_c', 'state_dict.pth'));
  const cases: [string, Buffer, RegExp][] = [
    ['gz.pth', gzipSync(src), /gzip/],
    ['trunc.pth', src.subarray(0, 3000), /not a readable torch.save checkpoint/],
    ['text.pth', Buffer.from('hello world, definitely not a checkpoint'), /not a readable torch.save checkpoint/],
  ];
  for (const [n, bytes, re] of cases) {
    const p = join(dir, n);
    writeFileSync(p, bytes);
    const e = t.throws(() => readTorchCheckpoint(p), { instanceOf: NtcorrError });
    t.regex(e!.message, re);
    t.true(e!.message.includes(p));
  }
});
