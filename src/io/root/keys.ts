/**
 * Raw TKey headers, directory records and keys lists, read and written byte for byte: a rewrite that
 * carries the input's keys over copies their headers as stored (names stay the exact bytes of the input)
 * and only patches the fields that change (sizes, seeks). Every length read here is checked against the
 * bytes actually present before it is used.
 */
import { NtcorrError } from '../../core/errors.js';

export const kStartBigFile = 2000000000;

export interface RawKey {
  nbytes: number;
  version: number;
  objlen: number;
  datime: number;
  keylen: number;
  cycle: number;
  seek: number;
  pdir: number;
  /** The three TStrings (class, name, title) exactly as stored. */
  strings: Uint8Array;
  className: string;
  /** Name as raw bytes decoded as latin1 (one char per byte, like jsroot's). */
  name: string;
}

function tstring(b: Uint8Array, p: number, where: string): { bytes: Uint8Array; end: number } {
  if (p >= b.length) throw new Error(`${where}: string past the end of the record`);
  let n = b[p]!;
  let q = p + 1;
  if (n === 255) {
    if (q + 4 > b.length) throw new Error(`${where}: string length past the end of the record`);
    n = new DataView(b.buffer, b.byteOffset + q, 4).getInt32(0);
    q += 4;
  }
  if (n < 0 || q + n > b.length) throw new Error(`${where}: string of ${n} bytes runs past the record`);
  return { bytes: b.subarray(q, q + n), end: q + n };
}

/** Parses the key header at the start of `b`. Throws a plain Error (callers add the file). */
export function parseKey(b: Uint8Array, where = 'key'): RawKey {
  if (b.length < 18) throw new Error(`${where}: key header truncated`);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const nbytes = dv.getInt32(0);
  const version = dv.getInt16(4);
  const objlen = dv.getInt32(6);
  const datime = dv.getUint32(10);
  const keylen = dv.getInt16(14);
  const cycle = dv.getInt16(16);
  const big = version > 1000;
  const fixed = big ? 34 : 26;
  if (keylen < fixed || keylen > b.length || nbytes < keylen || objlen < 0) {
    throw new Error(`${where}: corrupt key header (Nbytes ${nbytes}, KeyLen ${keylen}, ObjLen ${objlen})`);
  }
  const seek = big ? Number(dv.getBigInt64(18)) : dv.getInt32(18);
  const pdir = big ? Number(dv.getBigInt64(26)) : dv.getInt32(22);
  const c = tstring(b, fixed, where);
  const n = tstring(b, c.end, where);
  const t = tstring(b, n.end, where);
  return {
    nbytes, version, objlen, datime, keylen, cycle, seek, pdir,
    strings: b.subarray(fixed, t.end),
    className: Buffer.from(c.bytes).toString('latin1'),
    name: Buffer.from(n.bytes).toString('latin1'),
  };
}

/** Serialises a key header; the version is widened to 64-bit seeks when a seek does not fit 32 bits. */
export function keyHeaderBytes(k: Omit<RawKey, 'keylen' | 'className' | 'name'>, extra = 0): Uint8Array {
  const big = k.version > 1000 || k.seek > kStartBigFile || k.pdir > kStartBigFile;
  const version = big && k.version < 1000 ? k.version + 1000 : k.version;
  const fixed = big ? 34 : 26;
  const keylen = fixed + k.strings.length + extra;
  const b = new Uint8Array(fixed + k.strings.length);
  const dv = new DataView(b.buffer);
  dv.setInt32(0, k.nbytes); dv.setInt16(4, version); dv.setInt32(6, k.objlen); dv.setUint32(10, k.datime);
  dv.setInt16(14, keylen); dv.setInt16(16, k.cycle);
  if (big) { dv.setBigInt64(18, BigInt(k.seek)); dv.setBigInt64(26, BigInt(k.pdir)); } else { dv.setInt32(18, k.seek); dv.setInt32(22, k.pdir); }
  b.set(k.strings, fixed);
  return b;
}

export function keyHeaderLength(strings: Uint8Array, seek: number, pdir: number, version: number): number {
  const big = version > 1000 || seek > kStartBigFile || pdir > kStartBigFile;
  return (big ? 34 : 26) + strings.length;
}

/** A TDirectory record (the top directory after the TFile key's name/title, or a subdirectory key's payload). */
export interface DirRecord {
  /** Where the record starts in the file, and how many bytes it may occupy. */
  at: number;
  room: number;
  version: number;
  ctime: number;
  mtime: number;
  nbytesKeys: number;
  nbytesName: number;
  seekDir: number;
  seekParent: number;
  seekKeys: number;
  uuid: Uint8Array;
}

export function parseDirRecord(b: Uint8Array, at: number, room: number, where: string): DirRecord {
  if (b.length < 30) throw new Error(`${where}: directory record truncated`);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const version = dv.getInt16(0);
  const big = version > 1000;
  const need = big ? 42 : 30;
  if (b.length < need) throw new Error(`${where}: directory record truncated`);
  const rd = (p: number): number => (big ? Number(dv.getBigInt64(p)) : dv.getInt32(p));
  const s = big ? 8 : 4;
  return {
    at, room, version, ctime: dv.getUint32(2), mtime: dv.getUint32(6), nbytesKeys: dv.getInt32(10), nbytesName: dv.getInt32(14),
    seekDir: rd(18), seekParent: rd(18 + s), seekKeys: rd(18 + 2 * s),
    uuid: b.subarray(need, Math.min(b.length, need + 18)),
  };
}

/** Serialises a directory record; widened to 64-bit seeks when needed and the record has room for it. */
export function dirRecordBytes(d: DirRecord, where: string): Uint8Array {
  const big = d.version > 1000 || d.seekKeys > kStartBigFile || d.seekDir > kStartBigFile || d.seekParent > kStartBigFile;
  const version = big && d.version < 1000 ? d.version + 1000 : d.version;
  const len = (big ? 42 : 30) + d.uuid.length;
  if (len > d.room) throw new NtcorrError(`${where}: the directory record has no room for 64-bit offsets (the output would pass 2 GB)`);
  const b = new Uint8Array(len);
  const dv = new DataView(b.buffer);
  dv.setInt16(0, version); dv.setUint32(2, d.ctime); dv.setUint32(6, d.mtime); dv.setInt32(10, d.nbytesKeys); dv.setInt32(14, d.nbytesName);
  const s = big ? 8 : 4;
  const wr = (p: number, v: number): void => { if (big) dv.setBigInt64(p, BigInt(v)); else dv.setInt32(p, v); };
  wr(18, d.seekDir); wr(18 + s, d.seekParent); wr(18 + 2 * s, d.seekKeys);
  b.set(d.uuid, 18 + 3 * s);
  return b;
}

/** The key headers of a keys list payload (Int32 count, then headers). */
export function parseKeysList(payload: Uint8Array, where: string): Array<{ key: RawKey; bytes: Uint8Array }> {
  if (payload.length < 4) throw new Error(`${where}: keys list truncated`);
  const n = new DataView(payload.buffer, payload.byteOffset, 4).getInt32(0);
  // Each header takes at least 26 bytes: a count that cannot fit is corrupt (checked before looping).
  if (n < 0 || n * 26 > payload.length - 4) throw new Error(`${where}: keys list claims ${n} keys in ${payload.length} bytes`);
  const out: Array<{ key: RawKey; bytes: Uint8Array }> = [];
  let p = 4;
  for (let i = 0; i < n; i++) {
    const key = parseKey(payload.subarray(p), `${where}, key ${i}`);
    out.push({ key, bytes: payload.subarray(p, p + key.keylen) });
    p += key.keylen;
  }
  return out;
}

/** The ROOT file header (first bytes of the file). */
export interface FileHeader {
  version: number;
  begin: number;
  end: number;
  seekFree: number;
  nbytesFree: number;
  nfree: number;
  nbytesName: number;
  units: number;
  compress: number;
  seekInfo: number;
  nbytesInfo: number;
  uuid: Uint8Array;
}

export function parseHeader(b: Uint8Array, where: string): FileHeader {
  if (b.length < 63) throw new NtcorrError(`${where}: truncated ROOT file (header incomplete)`, { file: where });
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const version = dv.getInt32(4);
  const big = version > 1000000;
  const rd = (p: number): number => (big ? Number(dv.getBigInt64(p)) : dv.getUint32(p));
  const s = big ? 8 : 4;
  let p = 8;
  const begin = dv.getInt32(p); p += 4;
  const end = rd(p); p += s;
  const seekFree = rd(p); p += s;
  const nbytesFree = dv.getInt32(p); p += 4;
  const nfree = dv.getInt32(p); p += 4;
  const nbytesName = dv.getInt32(p); p += 4;
  const units = dv.getUint8(p); p += 1;
  const compress = dv.getInt32(p); p += 4;
  const seekInfo = rd(p); p += s;
  const nbytesInfo = dv.getInt32(p); p += 4;
  const uuid = b.subarray(p, Math.min(b.length, p + 18));
  return { version, begin, end, seekFree, nbytesFree, nfree, nbytesName, units, compress, seekInfo, nbytesInfo, uuid };
}

export function headerBytes(h: FileHeader): Uint8Array {
  const big = h.version > 1000000 || h.end > kStartBigFile || h.seekFree > kStartBigFile || h.seekInfo > kStartBigFile;
  const version = big && h.version < 1000000 ? h.version + 1000000 : h.version;
  const s = big ? 8 : 4;
  const b = new Uint8Array(8 + 4 + s + s + 4 + 4 + 4 + 1 + 4 + s + 4 + h.uuid.length);
  const dv = new DataView(b.buffer);
  b.set([0x72, 0x6f, 0x6f, 0x74]);
  dv.setInt32(4, version);
  let p = 8;
  const wr = (v: number): void => { if (big) dv.setBigInt64(p, BigInt(v)); else dv.setUint32(p, v); p += s; };
  dv.setInt32(p, h.begin); p += 4;
  wr(h.end); wr(h.seekFree);
  dv.setInt32(p, h.nbytesFree); p += 4;
  dv.setInt32(p, h.nfree); p += 4;
  dv.setInt32(p, h.nbytesName); p += 4;
  dv.setUint8(p, big ? 8 : 4); p += 1;
  dv.setInt32(p, h.compress); p += 4;
  wr(h.seekInfo);
  dv.setInt32(p, h.nbytesInfo); p += 4;
  b.set(h.uuid, p);
  if (b.length > h.begin) throw new NtcorrError('ROOT file header does not fit before its first key');
  return b;
}
