import { crc32, inflateRawSync } from 'node:zlib';

/**
 * Reads the entries of a zip archive (what torch.save writes since PyTorch 1.6: stored, 64-byte aligned
 * entries; deflate handled too). Only the central directory is trusted for sizes and offsets, as
 * torch writes data descriptors. Zip64 extra fields are honoured for large checkpoints.
 */
export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  localOffset: number;
  crc32: number;
}

/**
 * Every offset and length read from the archive is checked against the buffer before use, so a truncated
 * or corrupt file gives an error, never an out-of-range read or an allocation sized by a corrupt field.
 */
const EOCD_SIGNATURE = Buffer.from([0x50, 0x4b, 0x05, 0x06]);

export function zipEntries(buf: Buffer): ZipEntry[] {
  const need = (at: number, n: number, what: string) => {
    if (!(Number.isSafeInteger(at) && at >= 0 && at + n <= buf.length)) throw new Error(`zip ${what} at byte ${at} lies outside the file (${buf.length} bytes): truncated or corrupt`);
  };
  // End of central directory: signature 0x06054b50 within the last 64 KiB + 22 bytes.
  const eocd = buf.length < 22 ? -1 : buf.lastIndexOf(EOCD_SIGNATURE, buf.length - 22);
  if (eocd < 0 || eocd < buf.length - 65557) throw new Error('not a zip archive (no end-of-central-directory record)');
  let count = buf.readUInt16LE(eocd + 10);
  let cdOffset = buf.readUInt32LE(eocd + 16);
  // Zip64 locator just before the EOCD.
  if (eocd >= 20 && buf.readUInt32LE(eocd - 20) === 0x07064b50) {
    const z64 = Number(buf.readBigUInt64LE(eocd - 12));
    need(z64, 56, 'zip64 end-of-central-directory record');
    if (buf.readUInt32LE(z64) === 0x06064b50) {
      count = Number(buf.readBigUInt64LE(z64 + 32));
      cdOffset = Number(buf.readBigUInt64LE(z64 + 48));
    }
  }
  // A central-directory entry takes at least 46 bytes: a larger count cannot be right.
  if (count > buf.length / 46) throw new Error(`zip central directory claims ${count} entries, more than a ${buf.length}-byte file can hold`);
  const out: ZipEntry[] = [];
  let p = cdOffset;
  for (let k = 0; k < count; k++) {
    need(p, 46, `central directory entry ${k}`);
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error(`zip central directory entry ${k} is corrupt`);
    const method = buf.readUInt16LE(p + 10);
    const crc32 = buf.readUInt32LE(p + 16);
    let compressedSize = buf.readUInt32LE(p + 20);
    let size = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    let localOffset = buf.readUInt32LE(p + 42);
    need(p + 46, nameLen + extraLen + commentLen, `central directory entry ${k} name/extra fields`);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    // Zip64 extended information (id 1): present fields replace the 0xffffffff placeholders, in order.
    let e = p + 46 + nameLen;
    const eEnd = e + extraLen;
    while (e + 4 <= eEnd) {
      const id = buf.readUInt16LE(e);
      const len = buf.readUInt16LE(e + 2);
      if (id === 1) {
        let q = e + 4;
        const field = () => { if (q + 8 > Math.min(eEnd, e + 4 + len)) throw new Error(`zip entry ${name}: zip64 extra field too short`); const v = Number(buf.readBigUInt64LE(q)); q += 8; return v; };
        if (size === 0xffffffff) size = field();
        if (compressedSize === 0xffffffff) compressedSize = field();
        if (localOffset === 0xffffffff) localOffset = field();
      }
      e += 4 + len;
    }
    out.push({ name, method, compressedSize, size, localOffset, crc32 });
    p = eEnd + commentLen;
  }
  return out;
}

/**
 * The bytes of one entry (a view for stored entries, a fresh buffer for deflated ones), checked against
 * the sizes and CRC-32 of the central directory: a flipped bit in a tensor is an error, not other weights.
 * Inflation stops at the declared size (no zip bomb).
 */
export function zipRead(buf: Buffer, e: ZipEntry): Buffer {
  const p = e.localOffset;
  if (!(p >= 0 && p + 30 <= buf.length) || buf.readUInt32LE(p) !== 0x04034b50) throw new Error(`zip entry ${e.name}: bad local header`);
  const start = p + 30 + buf.readUInt16LE(p + 26) + buf.readUInt16LE(p + 28);
  if (start + e.compressedSize > buf.length) throw new Error(`zip entry ${e.name}: its ${e.compressedSize} bytes run past the end of the file (truncated)`);
  const data = buf.subarray(start, start + e.compressedSize);
  let out: Buffer;
  if (e.method === 0) {
    if (e.size !== e.compressedSize) throw new Error(`zip entry ${e.name}: stored entry with size ${e.size} != compressed size ${e.compressedSize}`);
    out = data;
  } else if (e.method === 8) {
    try {
      out = inflateRawSync(data, { maxOutputLength: Math.max(1, e.size) });
    } catch (err) {
      throw new Error(`zip entry ${e.name}: deflate data is corrupt or larger than the declared ${e.size} bytes (${(err as Error).message})`);
    }
    if (out.length !== e.size) throw new Error(`zip entry ${e.name}: inflates to ${out.length} bytes, the directory says ${e.size}`);
  } else {
    throw new Error(`zip entry ${e.name}: compression method ${e.method} is not supported (stored or deflate)`);
  }
  if (crc32(out) !== e.crc32) throw new Error(`zip entry ${e.name}: CRC-32 mismatch (the file is corrupt)`);
  return out;
}
