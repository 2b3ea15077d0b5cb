/**
 * LZ4 block format (no frame) and XXH64, as ROOT uses them in its "L4" compression blocks.
 * Hand-written because no installed package does LZ4 *compression*, and jsroot's decoder is not exported;
 * both are short, and the block format is stable (lz4 spec, "LZ4 Block Format Description").
 */

/** Decodes one LZ4 block into `out` (sized to the known uncompressed length). Returns bytes written. */
export function lz4Decompress(src: Uint8Array, out: Uint8Array): number {
  let i = 0;
  let j = 0;
  const n = src.length;
  while (i < n) {
    const token = src[i++]!;
    let lit = token >>> 4;
    if (lit === 15) {
      let b: number;
      do { b = src[i++]!; lit += b; } while (b === 255);
    }
    if (j + lit > out.length || i + lit > n) throw new Error('lz4: literal run overflows the block');
    out.set(src.subarray(i, i + lit), j);
    i += lit;
    j += lit;
    if (i >= n) break;
    const offset = src[i]! | (src[i + 1]! << 8);
    i += 2;
    if (offset === 0 || offset > j) throw new Error('lz4: bad match offset');
    let len = token & 15;
    if (len === 15) {
      let b: number;
      do { b = src[i++]!; len += b; } while (b === 255);
    }
    len += 4;
    if (j + len > out.length) throw new Error('lz4: match overflows the block');
    let p = j - offset;
    if (offset >= len) {
      out.copyWithin(j, p, p + len);
      j += len;
    } else {
      for (const end = j + len; j < end;) out[j++] = out[p++]!;
    }
  }
  return j;
}

/** Greedy LZ4 block compressor (hash table of 4-byte sequences). Returns the compressed bytes. */
export function lz4Compress(src: Uint8Array): Uint8Array {
  const n = src.length;
  const out = new Uint8Array(n + Math.ceil(n / 255) + 32);
  const HASH_BITS = 14;
  const table = new Int32Array(1 << HASH_BITS).fill(-1);
  const read32 = (p: number): number => src[p]! | (src[p + 1]! << 8) | (src[p + 2]! << 16) | (src[p + 3]! << 24);
  const hash = (v: number): number => Math.imul(v, 2654435761) >>> (32 - HASH_BITS);
  let o = 0;
  let anchor = 0;
  let i = 0;
  // Spec: the last 5 bytes are always literals, and the last match must start >= 12 bytes before the end.
  const matchLimit = n - 12;
  const writeLen = (len: number): void => {
    while (len >= 255) { out[o++] = 255; len -= 255; }
    out[o++] = len;
  };
  while (i < matchLimit) {
    const v = read32(i);
    const h = hash(v);
    const ref = table[h]!;
    table[h] = i;
    if (ref < 0 || i - ref > 65535 || read32(ref) !== v) { i++; continue; }
    let len = 4;
    while (i + len < n - 5 && src[ref + len] === src[i + len]) len++;
    const lit = i - anchor;
    const ml = len - 4;
    out[o++] = (Math.min(lit, 15) << 4) | Math.min(ml, 15);
    if (lit >= 15) writeLen(lit - 15);
    out.set(src.subarray(anchor, i), o);
    o += lit;
    const off = i - ref;
    out[o++] = off & 255;
    out[o++] = off >>> 8;
    if (ml >= 15) writeLen(ml - 15);
    i += len;
    anchor = i;
  }
  const lit = n - anchor;
  out[o++] = Math.min(lit, 15) << 4;
  if (lit >= 15) writeLen(lit - 15);
  out.set(src.subarray(anchor, n), o);
  o += lit;
  return out.subarray(0, o);
}

const P1 = 0x9E3779B185EBCA87n;
const P2 = 0xC2B2AE3D27D4EB4Fn;
const P3 = 0x165667B19E3779F9n;
const P4 = 0x85EBCA77C2B2AE63n;
const P5 = 0x27D4EB2F165667C5n;
const M64 = 0xFFFFFFFFFFFFFFFFn;
const rotl = (x: bigint, r: bigint): bigint => ((x << r) | (x >> (64n - r))) & M64;
const round = (acc: bigint, lane: bigint): bigint => (rotl((acc + lane * P2) & M64, 31n) * P1) & M64;
const merge = (acc: bigint, v: bigint): bigint => (((acc ^ round(0n, v)) * P1) & M64) + P4 & M64;

/** XXH64 with seed 0 (ROOT stores it big-endian in front of each LZ4 block). BigInt: blocks are small. */
export function xxh64(data: Uint8Array): bigint {
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const n = data.length;
  let p = 0;
  let h: bigint;
  if (n >= 32) {
    let v1 = (P1 + P2) & M64, v2 = P2, v3 = 0n, v4 = (M64 + 1n - P1) & M64;
    for (; p + 32 <= n; p += 32) {
      v1 = round(v1, dv.getBigUint64(p, true));
      v2 = round(v2, dv.getBigUint64(p + 8, true));
      v3 = round(v3, dv.getBigUint64(p + 16, true));
      v4 = round(v4, dv.getBigUint64(p + 24, true));
    }
    h = (rotl(v1, 1n) + rotl(v2, 7n) + rotl(v3, 12n) + rotl(v4, 18n)) & M64;
    h = merge(h, v1); h = merge(h, v2); h = merge(h, v3); h = merge(h, v4);
  } else {
    h = P5;
  }
  h = (h + BigInt(n)) & M64;
  for (; p + 8 <= n; p += 8) {
    h ^= round(0n, dv.getBigUint64(p, true));
    h = (rotl(h, 27n) * P1 + P4) & M64;
  }
  if (p + 4 <= n) {
    h ^= (BigInt(dv.getUint32(p, true)) * P1) & M64;
    h = (rotl(h, 23n) * P2 + P3) & M64;
    p += 4;
  }
  for (; p < n; p++) {
    h ^= (BigInt(data[p]!) * P5) & M64;
    h = (rotl(h, 11n) * P1) & M64;
  }
  h ^= h >> 33n; h = (h * P2) & M64;
  h ^= h >> 29n; h = (h * P3) & M64;
  h ^= h >> 32n;
  return h;
}
