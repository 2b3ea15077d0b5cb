/**
 * ROOT's compression envelope: a record is a sequence of blocks, each with a 9-byte header
 * (2-char algorithm tag, method byte, 3-byte little-endian compressed size, 3-byte uncompressed size).
 * zlib goes through node:zlib (native, much faster than jsroot's JS inflate); LZ4 through ./lz4.ts;
 * ZSTD through @bokuweb/zstd-wasm (below); LZMA through jsroot's exported R__unzip, which bundles a decoder.
 */
import { deflateSync, inflateSync, inflateRawSync } from 'node:zlib';
import { R__unzip } from 'jsroot/io';
import { unzlibSync } from 'fflate';
import { lz4Compress, lz4Decompress } from './lz4.js';
import { addZstdChecksum, checkAdler, checkLz4, checkXz, checkZstd, xxh64Fast } from './checksums.js';

export const HEADER = 9;
/** ROOT limits one block to 0xffffff bytes of input. */
const MAX_BLOCK = 0xffffff;
/** Compressed zlib blocks below this size are inflated by fflate, larger ones by node:zlib. */
const SMALL_ZLIB = 16 * 1024;

export type Codec = 'zlib' | 'lz4' | 'zstd' | 'lzma' | 'none';

/** Algorithm from ROOT's fCompress (algorithm*100 + level); 0 = uncompressed. */
export function codecOf(fCompress: number): Codec {
  if (fCompress <= 0 || fCompress % 100 === 0) return 'none';
  switch (Math.floor(fCompress / 100)) {
    case 0: case 1: return 'zlib';
    case 2: return 'lzma';
    case 4: return 'lz4';
    case 5: return 'zstd';
    default: return 'zlib';
  }
}

/**
 * Decompresses a ROOT record (`src` = bytes after the TKey header) into exactly `size` bytes.
 * Throws a plain Error on corrupt data; callers add file/branch context.
 */
export async function unzipRecord(src: Uint8Array, size: number): Promise<Uint8Array> {
  if (src.length === size) return src; // stored uncompressed (ROOT does this when compression does not help)
  // The block headers must account for exactly `size` bytes before that many are allocated.
  let declared = 0;
  for (let q = 0; declared < size;) {
    if (q + HEADER > src.length) throw new Error(`compressed record ends after ${declared} of ${size} bytes`);
    declared += src[q + 6]! | (src[q + 7]! << 8) | (src[q + 8]! << 16);
    q += HEADER + (src[q + 3]! | (src[q + 4]! << 8) | (src[q + 5]! << 16));
  }
  if (declared !== size || size < 0) throw new Error(`compressed blocks hold ${declared} bytes, the key says ${size}`);
  const out = new Uint8Array(size);
  let p = 0;
  let o = 0;
  while (o < size) {
    if (p + HEADER > src.length) throw new Error(`compressed record ends after ${o} of ${size} bytes`);
    const tag = String.fromCharCode(src[p]!, src[p + 1]!);
    const csize = src[p + 3]! | (src[p + 4]! << 8) | (src[p + 5]! << 16);
    const usize = src[p + 6]! | (src[p + 7]! << 8) | (src[p + 8]! << 16);
    const end = p + HEADER + csize;
    if (end > src.length || o + usize > size) throw new Error(`compressed block (${tag}) runs past the record`);
    const body = src.subarray(p + HEADER, end);
    const dst = out.subarray(o, o + usize);
    let n: number;
    if (tag === 'ZL') {
      // node:zlib pays ~50-100 us per call to set up a native stream; fflate (JS) wins on small baskets.
      // node:zlib checks the Adler-32 itself; fflate does not, so it is checked here.
      if (body.length < SMALL_ZLIB) {
        n = unzlibSync(body, { out: dst }).length;
        checkAdler(body, dst.subarray(0, n));
      } else {
        n = copyInto(dst, inflateSync(body));
      }
    } else if (tag === 'CS') {
      n = copyInto(dst, inflateRawSync(body));
    } else if (tag === 'L4') {
      // 8-byte XXH64 checksum of the compressed block precedes the LZ4 data.
      checkLz4(body, await xxh64Fast());
      n = lz4Decompress(body.subarray(8), dst);
    } else if (tag === 'ZS') {
      n = copyInto(dst, (await zstd()).decompress(body));
      checkZstd(body, dst.subarray(0, n), await xxh64Fast());
    } else if (tag === 'XZ') {
      const dv = new DataView(src.buffer, src.byteOffset + p, end - p);
      const res: DataView | null = await quietly(() => R__unzip(dv, usize, true));
      if (!res) throw new Error(`${tag} block could not be decompressed`);
      n = copyInto(dst, new Uint8Array(res.buffer, res.byteOffset, res.byteLength));
      checkXz(body, dst.subarray(0, n));
    } else {
      throw new Error(`unknown compression tag "${tag}"`);
    }
    if (n !== usize) throw new Error(`${tag} block gave ${n} bytes, expected ${usize}`);
    o += usize;
    p = end;
  }
  return out;
}

/** Runs a jsroot call with its console messages held back (failures become our own errors instead). */
export async function quietly<T>(f: () => Promise<T>): Promise<T> {
  const { error, log, warn } = console;
  console.error = console.log = console.warn = () => {};
  try {
    return await f();
  } finally {
    Object.assign(console, { error, log, warn });
  }
}

function copyInto(dst: Uint8Array, src: Uint8Array): number {
  if (src.length > dst.length) throw new Error('block decompresses to more bytes than declared');
  dst.set(src);
  return src.length;
}

interface Zstd {
  compress(b: Uint8Array, level: number): Uint8Array;
  decompress(b: Uint8Array): Uint8Array;
}
let zstdCodec: Promise<Zstd> | undefined;

/**
 * zstd via @bokuweb/zstd-wasm (the reference C library in WASM; node 20's zlib has none). Not jsroot's
 * @oneidentity/zstd-js: its decoders return a few bytes too many or too few on some frames.
 */
function zstd(): Promise<Zstd> {
  zstdCodec ??= (async () => {
    const z = await import('@bokuweb/zstd-wasm');
    await z.init();
    return {
      // Results may be views into the WASM heap, reused by the next call: copied out.
      compress: (b: Uint8Array, level: number) => Uint8Array.from(z.compress(b, level)),
      decompress: (b: Uint8Array) => Uint8Array.from(z.decompress(b)),
    };
  })();
  return zstdCodec;
}

/**
 * Compresses one record with ROOT's block envelope. Returns the input itself when compression does not
 * shrink it (ROOT then stores the record raw and readers detect this by Nbytes - KeyLen == ObjLen).
 */
export async function zipRecord(src: Uint8Array, codec: Codec, level = 1): Promise<Uint8Array> {
  if (codec === 'none' || src.length < 64) return src;
  const parts: Uint8Array[] = [];
  let total = 0;
  const zs = codec === 'zstd' ? await zstd() : undefined;
  for (let p = 0; p < src.length; p += MAX_BLOCK) {
    const chunk = src.subarray(p, Math.min(src.length, p + MAX_BLOCK));
    let body: Uint8Array;
    let tag: string;
    let method: number;
    if (codec === 'zlib') {
      body = deflateSync(chunk, { level });
      tag = 'ZL'; method = 8;
    } else if (codec === 'lz4') {
      const lz = lz4Compress(chunk);
      body = new Uint8Array(8 + lz.length);
      new DataView(body.buffer).setBigUint64(0, (await xxh64Fast())(lz), false);
      body.set(lz, 8);
      tag = 'L4'; method = 1;
    } else if (codec === 'zstd') {
      body = addZstdChecksum(zs!.compress(chunk, level), chunk, await xxh64Fast());
      tag = 'ZS'; method = 1;
    } else {
      throw new Error(`writing ${codec} is not supported (use zlib, lz4, zstd or none)`);
    }
    if (body.length > MAX_BLOCK) return src;
    const block = new Uint8Array(HEADER + body.length);
    block[0] = tag.charCodeAt(0); block[1] = tag.charCodeAt(1); block[2] = method;
    block[3] = body.length & 255; block[4] = (body.length >>> 8) & 255; block[5] = body.length >>> 16;
    block[6] = chunk.length & 255; block[7] = (chunk.length >>> 8) & 255; block[8] = chunk.length >>> 16;
    block.set(body, HEADER);
    parts.push(block);
    total += block.length;
  }
  if (total >= src.length) return src;
  const out = new Uint8Array(total);
  let o = 0;
  for (const b of parts) { out.set(b, o); o += b.length; }
  // Self-check: what we write must decompress, checksums included, to exactly what we were given.
  const back = await unzipRecord(out, src.length);
  if (!Buffer.from(back.buffer, back.byteOffset, back.length).equals(Buffer.from(src.buffer, src.byteOffset, src.length))) {
    throw new Error(`internal: ${codec} compression did not round-trip`);
  }
  return out;
}
