import test from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { NtcorrError } from '../src/core/errors.js';
import { readNpy } from '../src/io/torch/npy.js';
import { readTorchCheckpoint } from '../src/io/torch/checkpoint.js';
import { PickleDict, unpickle } from '../src/io/torch/pickle.js';
import { zipEntries, zipRead } from '../src/io/torch/zip.js';
import { fixture, tempDir } from './helpers/fixtures.js';

/**
 * Readers of untrusted bytes (pickle, zip, npy) on truncated and bit-flipped copies of the zuko fixtures:
 * each case ends (no hang: the loop below would never finish) in an NtcorrError naming the file, or
 * reads what the original holds where the damage hit a field the format does not check. Memory stays
 * bounded (no allocation sized by a corrupt length field): checked on the heap after each batch.
 */

/** Deterministic xorshift32 for reproducible flips (not the project RNG: any fixed sequence will do). */
function xorshift(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s / 4294967296;
  };
}

const heapMB = () => process.memoryUsage().rss / 1e6;
const PTH = fixture('zuko', 'nsf_c', 'state_dict.pth');

function sameTensors(a: Map<string, { shape: number[]; data: ArrayLike<unknown> }>, b: Map<string, { shape: number[]; data: ArrayLike<unknown> }>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) {
    const w = b.get(k);
    if (!w || w.shape.join() !== v.shape.join() || w.data.length !== v.data.length) return false;
    for (let i = 0; i < v.data.length; i++) if (!Object.is(v.data[i], w.data[i])) return false;
  }
  return true;
}

test('torch checkpoint: truncations and byte flips give an ntcorr error naming the file, or the same tensors', (t) => {
  const orig = readFileSync(PTH);
  const ref = readTorchCheckpoint(PTH);
  const dir = tempDir();
  const path = join(dir, 'damaged.pth');
  const rss0 = heapMB();
  const outcomes = { error: 0, same: 0 };
  const check = (bytes: Buffer, what: string) => {
    writeFileSync(path, bytes);
    try {
      const got = readTorchCheckpoint(path);
      t.true(sameTensors(ref, got), `${what}: read without error but the tensors differ`);
      outcomes.same++;
    } catch (e) {
      if (!(e instanceof NtcorrError) || !e.message.includes(path)) t.fail(`${what}: ${String(e)}`);
      outcomes.error++;
    }
  };
  // truncations: every offset of the first and last 256 bytes, every 211th elsewhere
  for (let n = 0; n < orig.length; n += n < 256 || n > orig.length - 256 ? 1 : 211) check(orig.subarray(0, n), `truncated to ${n}`);
  const rnd = xorshift(13);
  for (let k = 0; k < 250; k++) {
    const b = Buffer.from(orig);
    const at = Math.floor(rnd() * b.length);
    b[at] ^= 1 << Math.floor(rnd() * 8);
    check(b, `bit flip at ${at}`);
  }
  t.true(outcomes.error > 500, JSON.stringify(outcomes));
  t.true(heapMB() - rss0 < 500, `RSS grew by ${heapMB() - rss0} MB`);
});

test('pickle VM: truncations at every offset and byte flips of a real data.pkl end in an error or a value, never a hang', (t) => {
  const buf = readFileSync(PTH);
  const pklEntry = zipEntries(buf).find((e) => e.name.endsWith('data.pkl'))!;
  const pkl = Buffer.from(zipRead(buf, pklEntry));
  const hooks = {
    find: (module: string, name: string) => (module === 'collections' && name === 'OrderedDict' ? () => new PickleDict() : (...a: unknown[]) => a),
    persistentLoad: (pid: unknown) => pid,
  };
  t.notThrows(() => unpickle(pkl, hooks));
  const run = (bytes: Uint8Array, what: string) => {
    try {
      unpickle(bytes, hooks);
    } catch (e) {
      t.true(e instanceof Error && /^pickle: /.test(e.message), `${what}: ${String(e)}`);
    }
  };
  for (let n = 0; n < pkl.length; n++) run(pkl.subarray(0, n), `truncated to ${n}`);
  const rnd = xorshift(7);
  for (let k = 0; k < 3000; k++) {
    const b = Buffer.from(pkl);
    b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
    run(b, `flip ${k}`);
  }
  // The reported hang: GLOBAL (c) whose module name has no newline.
  const e = t.throws(() => unpickle(Buffer.from('\x80\x02ctorch', 'latin1'), hooks));
  t.regex(e!.message, /pickle: GLOBAL without a newline-terminated name \(opcode at byte 2\)/);
  // A length field far beyond the data: an error, not a 4 GB string.
  t.throws(() => unpickle(Buffer.from([0x80, 0x02, 0x58, 0xff, 0xff, 0xff, 0x7f, 0x61]), hooks), { message: /truncated: needs 2147483647 more byte/ });
});

test('checkpoint with a tensor shape larger than its storage is refused before allocating', (t) => {
  // A pickle that rebuilds a 2^40-element tensor from a 4-byte storage.
  const dir = tempDir();
  const orig = readFileSync(PTH);
  const entries = zipEntries(orig);
  t.true(entries.length > 0);
  const pkl = Buffer.from('\x80\x02ctorch._utils\n_rebuild_tensor_v2\n(', 'latin1');
  // (storage via BINPERSID: ('storage', FloatStorage, '0', 'cpu', 1)), offset 0, size (2^40,), stride (1,)
  const body = Buffer.concat([
    pkl,
    Buffer.from('(X\x07\x00\x00\x00storage', 'latin1'), Buffer.from('ctorch\nFloatStorage\n', 'latin1'), Buffer.from('X\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x01tQ', 'latin1'),
    Buffer.from('K\x00', 'latin1'),
    Buffer.from([0x8a, 0x06, 0, 0, 0, 0, 0, 1, 0x85]), Buffer.from('K\x01\x85', 'latin1'),
    Buffer.from('tR.', 'latin1'),
  ]);
  // Wrap it in a minimal stored zip: archive/data.pkl and archive/data/0 (4 bytes).
  const files: [string, Buffer][] = [['archive/data.pkl', body], ['archive/data/0', Buffer.alloc(4)]];
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let off = 0;
  for (const [name, data] of files) {
    const h = Buffer.alloc(30); h.writeUInt32LE(0x04034b50, 0); h.writeUInt32LE(crc32(data), 14); h.writeUInt32LE(data.length, 18); h.writeUInt32LE(data.length, 22); h.writeUInt16LE(name.length, 26);
    const c = Buffer.alloc(46); c.writeUInt32LE(0x02014b50, 0); c.writeUInt32LE(crc32(data), 16); c.writeUInt32LE(data.length, 20); c.writeUInt32LE(data.length, 24); c.writeUInt16LE(name.length, 28); c.writeUInt32LE(off, 42);
    locals.push(h, Buffer.from(name), data);
    central.push(c, Buffer.from(name));
    off += 30 + name.length + data.length;
  }
  const cd = Buffer.concat(central);
  const eocd = Buffer.alloc(22); eocd.writeUInt32LE(0x06054b50, 0); eocd.writeUInt16LE(files.length, 8); eocd.writeUInt16LE(files.length, 10); eocd.writeUInt32LE(cd.length, 12); eocd.writeUInt32LE(off, 16);
  const path = join(dir, 'huge.pth');
  writeFileSync(path, Buffer.concat([...locals, cd, eocd]));
  const e = t.throws(() => readTorchCheckpoint(path), { instanceOf: NtcorrError });
  t.regex(e!.message, /huge\.pth: not a readable torch\.save checkpoint \(tensor of shape \[1099511627776\] .* storage with 1\)/);
});

test('npy: truncations and byte flips give an ntcorr error naming the file, or an array of the declared size', (t) => {
  const dir = tempDir();
  const path = join(dir, 'damaged.npy');
  for (const name of ['c.npy', 'ladj_f32.npy']) {
    const orig = readFileSync(fixture('zuko', 'nsf_c', 'io', name));
    const ref = readNpy(fixture('zuko', 'nsf_c', 'io', name));
    const check = (bytes: Buffer, what: string) => {
      writeFileSync(path, bytes);
      try {
        const a = readNpy(path);
        t.is(a.data.length, a.shape.reduce((x, y) => x * y, 1), what);
        t.is(a.data.length * a.data.BYTES_PER_ELEMENT, ref.data.length * ref.data.BYTES_PER_ELEMENT, what);
      } catch (e) {
        if (!(e instanceof NtcorrError) || !e.message.includes(path)) t.fail(`${name} ${what}: ${String(e)}`);
      }
    };
    for (let n = 0; n < orig.length; n++) check(orig.subarray(0, n), `truncated to ${n}`);
    const rnd = xorshift(name.length);
    for (let k = 0; k < 300; k++) {
      const b = Buffer.from(orig);
      b[Math.floor(rnd() * 128)] = Math.floor(rnd() * 256); // the header: the data itself carries no checksum
      check(b, `header byte changed (${k})`);
    }
    writeFileSync(path, orig.subarray(0, orig.length - 1));
    t.throws(() => readNpy(path), { message: /damaged\.npy: \.npy data holds \d+ bytes, the header .* needs \d+/ });
  }
});
