/**
 * The integrity checks ROOT's compression blocks carry, verified on every block read and on every block
 * written (self-check): zlib's Adler-32 (fflate, used for small blocks, does not check it), the XXH64 of
 * LZ4 blocks, the content checksum of zstd frames when the frame has one, and the CRC32/CRC64/SHA-256 of
 * xz (LZMA) blocks. Hand-written where no installed package exposes the check: they are short and
 * specified (RFC 1950, the zstd and xz format specifications).
 */
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import xxhashWasm from 'xxhash-wasm';

type H64 = (b: Uint8Array) => bigint;
let h64: Promise<H64> | undefined;
/** XXH64 (seed 0) from xxhash-wasm: ~50x faster than the BigInt version in ./lz4.ts, which stays as a reference. */
export function xxh64Fast(): Promise<H64> {
  h64 ??= xxhashWasm().then((x) => (b: Uint8Array) => x.h64Raw(b, 0n));
  return h64;
}

/** Adler-32 (RFC 1950). */
export function adler32(b: Uint8Array): number {
  let a = 1;
  let s = 0;
  const n = b.length;
  // 5552 is the largest block for which the sums cannot overflow 2^32 before the modulo.
  for (let i = 0; i < n;) {
    const end = Math.min(n, i + 5552);
    for (; i < end; i++) { a += b[i]!; s += a; }
    a %= 65521;
    s %= 65521;
  }
  return ((s << 16) | a) >>> 0;
}

/** Throws unless the zlib stream's trailing Adler-32 matches the inflated bytes. */
export function checkAdler(body: Uint8Array, out: Uint8Array): void {
  if (body.length < 6) throw new Error('zlib block too short for its checksum');
  const stored = new DataView(body.buffer, body.byteOffset + body.length - 4, 4).getUint32(0);
  const got = adler32(out);
  if (stored !== got) throw new Error(`zlib Adler-32 checksum mismatch (stored ${hex(stored)}, data gives ${hex(got)})`);
}

/** Throws unless the 8-byte big-endian XXH64 in front of an LZ4 block matches the compressed bytes. */
export function checkLz4(body: Uint8Array, xxh64: H64): void {
  if (body.length < 8) throw new Error('LZ4 block too short for its checksum');
  const stored = new DataView(body.buffer, body.byteOffset, 8).getBigUint64(0, false);
  const got = xxh64(body.subarray(8));
  if (stored !== got) throw new Error(`LZ4 XXH64 checksum mismatch (stored ${stored.toString(16)}, data gives ${got.toString(16)})`);
}

/** Whether a zstd frame declares a content checksum (Content_Checksum_flag, bit 2 of the descriptor). */
export function zstdHasChecksum(frame: Uint8Array): boolean {
  return frame.length > 4 && frame[0] === 0x28 && frame[1] === 0xb5 && frame[2] === 0x2f && frame[3] === 0xfd && (frame[4]! & 4) !== 0;
}

/** Throws if the zstd frame has a content checksum (low 32 bits of XXH64, little-endian, at its end) that does not match. */
export function checkZstd(frame: Uint8Array, out: Uint8Array, xxh64: H64): void {
  if (!zstdHasChecksum(frame)) return;
  const stored = new DataView(frame.buffer, frame.byteOffset + frame.length - 4, 4).getUint32(0, true);
  const got = Number(xxh64(out) & 0xffffffffn);
  if (stored !== got) throw new Error(`zstd content checksum mismatch (stored ${hex(stored)}, data gives ${hex(got)})`);
}

/** Adds a content checksum to a single-frame zstd record that has none (what ROOT writes has none). */
export function addZstdChecksum(frame: Uint8Array, content: Uint8Array, xxh64: H64): Uint8Array {
  if (zstdHasChecksum(frame) || frame.length < 5) return frame;
  const out = new Uint8Array(frame.length + 4);
  out.set(frame);
  out[4] = out[4]! | 4;
  new DataView(out.buffer).setUint32(frame.length, Number(xxh64(content) & 0xffffffffn), true);
  return out;
}

const CRC64_TABLE = (() => {
  const t = new Array<bigint>(256);
  const poly = 0xC96C5795D7870F42n;
  for (let i = 0; i < 256; i++) {
    let c = BigInt(i);
    for (let k = 0; k < 8; k++) c = c & 1n ? (c >> 1n) ^ poly : c >> 1n;
    t[i] = c;
  }
  return t;
})();

function crc64(b: Uint8Array): bigint {
  let c = 0xFFFFFFFFFFFFFFFFn;
  for (let i = 0; i < b.length; i++) c = CRC64_TABLE[Number((c ^ BigInt(b[i]!)) & 0xffn)]! ^ (c >> 8n);
  return c ^ 0xFFFFFFFFFFFFFFFFn;
}

function varint(b: Uint8Array, p: { at: number }, end: number): number {
  let v = 0;
  let mul = 1;
  for (let i = 0; i < 9; i++) {
    if (p.at >= end) throw new Error('xz index truncated');
    const x = b[p.at++]!;
    v += (x & 0x7f) * mul;
    if (!(x & 0x80)) return v;
    mul *= 128;
  }
  throw new Error('xz index: bad number');
}

/**
 * Verifies an xz stream (ROOT's "XZ" blocks after their 9-byte header) against the decompressed bytes:
 * stream header/footer and index CRC32s, and each block's check (CRC32, CRC64 or SHA-256).
 */
export function checkXz(xz: Uint8Array, out: Uint8Array): void {
  const n = xz.length;
  const dv = new DataView(xz.buffer, xz.byteOffset, n);
  const magic = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];
  if (n < 32 || magic.some((m, i) => xz[i] !== m) || xz[n - 2] !== 0x59 || xz[n - 1] !== 0x5a) throw new Error('xz stream: bad header or footer');
  if (crc32(xz.subarray(6, 8)) !== dv.getUint32(8, true)) throw new Error('xz stream header checksum mismatch');
  if (crc32(xz.subarray(n - 8, n - 2)) !== dv.getUint32(n - 12, true)) throw new Error('xz stream footer checksum mismatch');
  const type = xz[7]! & 0x0f;
  const size = type === 0 ? 0 : type === 1 ? 4 : type === 4 ? 8 : type === 10 ? 32 : -1;
  if (size < 0) throw new Error(`xz stream: unsupported check type ${type}`);
  const indexLen = (dv.getUint32(n - 8, true) + 1) * 4;
  const indexAt = n - 12 - indexLen;
  if (indexAt < 12 || xz[indexAt] !== 0) throw new Error('xz stream: index not found');
  if (crc32(xz.subarray(indexAt, n - 16)) !== dv.getUint32(n - 16, true)) throw new Error('xz index checksum mismatch');
  const p = { at: indexAt + 1 };
  const count = varint(xz, p, n - 16);
  if (count > (n - 16 - p.at) / 2) throw new Error('xz index: too many records');
  let block = 12;
  let o = 0;
  for (let i = 0; i < count; i++) {
    const unpadded = varint(xz, p, n - 16);
    const usize = varint(xz, p, n - 16);
    // Unpadded size = block header + compressed data + check; the padding sits before the check.
    const checkAt = block + Math.ceil((unpadded - size) / 4) * 4;
    if (checkAt < block || checkAt + size > indexAt || o + usize > out.length) throw new Error('xz index does not match the stream');
    const data = out.subarray(o, o + usize);
    const stored = xz.subarray(checkAt, checkAt + size);
    let ok = true;
    if (type === 1) ok = crc32(data) === new DataView(stored.buffer, stored.byteOffset, 4).getUint32(0, true);
    else if (type === 4) ok = crc64(data) === new DataView(stored.buffer, stored.byteOffset, 8).getBigUint64(0, true);
    else if (type === 10) ok = Buffer.from(createHash('sha256').update(data).digest()).equals(Buffer.from(stored));
    if (!ok) throw new Error('xz block checksum mismatch');
    o += usize;
    block = checkAt + size;
  }
  if (o !== out.length) throw new Error(`xz index covers ${o} of ${out.length} bytes`);
}

function hex(v: number): string { return v.toString(16).padStart(8, '0'); }
