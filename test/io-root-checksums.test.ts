import test from 'ava';
import { adler32, xxh64Fast } from '../src/io/root/checksums.js';
import { lz4Compress, lz4Decompress, xxh64 } from '../src/io/root/lz4.js';
import { decodeBE, encodeBE, DTYPE_SIZE } from '../src/io/root/endian.js';
import { mulberry32 } from '../src/core/random.js';
import type { DType } from '../src/core/columns.js';
import { REF } from './helpers/unit-refs.js';

const enc = new TextEncoder();
const blobs: Record<string, Uint8Array> = {
  empty: new Uint8Array(0),
  a: enc.encode('a'),
  text: enc.encode('The quick brown fox jumps over the lazy dog'),
  bytes: Uint8Array.from({ length: 256 * 23 }, (_, i) => i % 256),
};

test('adler32 equals zlib.adler32', (t) => {
  for (const [k, b] of Object.entries(blobs)) t.is(adler32(b), REF.adler32[k], k);
});

test('xxh64 (BigInt reference) equals the published vectors and xxhash-wasm on every length 0..100', async (t) => {
  // XXH64 seed 0 of "" and "abc" (xxHash README / reference test vectors)
  t.is(xxh64(new Uint8Array(0)), 0xef46db3751d8e999n);
  t.is(xxh64(enc.encode('abc')), 0x44bc2cf5ad770999n);
  const fast = await xxh64Fast();
  const u = mulberry32(9);
  for (let n = 0; n <= 100; n++) {
    const b = Uint8Array.from({ length: n }, () => Math.floor(u() * 256));
    t.is(xxh64(b), fast(b), `length ${n}`);
  }
});

test('lz4Decompress reads a hand-assembled block; lz4Compress round-trips', (t) => {
  // sequence 1: token 0x35 = 3 literals "abc", match offset 3 (little-endian), length 4 + 5 = 9;
  // sequence 2 (last): token 0x50 = 5 literals "XYZWV"
  const block = Uint8Array.from([0x35, 0x61, 0x62, 0x63, 0x03, 0x00, 0x50, 0x58, 0x59, 0x5a, 0x57, 0x56]);
  const out = new Uint8Array(17);
  t.is(lz4Decompress(block, out), 17);
  t.is(new TextDecoder().decode(out), 'abcabcabcabcXYZWV');
  for (const b of Object.values(blobs)) {
    const c = lz4Compress(b);
    const back = new Uint8Array(b.length);
    t.is(lz4Decompress(c, back), b.length);
    t.deepEqual(back, b);
  }
});

test('decodeBE / encodeBE equal numpy big-endian dtypes', (t) => {
  const dt: Record<string, DType> = { '>f4': 'float32', '>f8': 'float64', '>i4': 'int32', '>i2': 'int16', '>u2': 'uint16', '>i8': 'int64' };
  for (const [k, dtype] of Object.entries(dt)) {
    const r = REF.big_endian[k];
    const bytes = Uint8Array.from(Buffer.from(r.hex, 'hex'));
    const n = r.values.length;
    const v = decodeBE(bytes, dtype, dtype, n);
    t.deepEqual(Array.from(v as ArrayLike<number | bigint>, Number), r.values, k);
    t.deepEqual(encodeBE(v, DTYPE_SIZE[dtype]), bytes, `${k} encode`);
  }
  // stored float32, read as float64 (a widening basket read)
  t.deepEqual(Array.from(decodeBE(Uint8Array.from(Buffer.from(REF.big_endian['>f4'].hex, 'hex')), 'float32', 'float64', 4) as Float64Array), REF.big_endian['>f4'].values);
});
