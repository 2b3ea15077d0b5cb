/**
 * One TBasket of one branch, read in bulk: the TKey + TBasket header parsed by hand (a fixed layout),
 * the payload decompressed, and the entry byte offsets of variable-size entries extracted.
 */
import { NtcorrError, errorMessage } from '../../core/errors.js';
import { unzipRecord } from './compression.js';
import type { RootFile } from './file.js';
import { rootName } from './names.js';

export interface RawBasket {
  /** First and one-past-last entry of the tree held by this basket. */
  entryStart: number;
  entryEnd: number;
  /** The entries' bytes (payload up to fLast, without the key header). */
  data: Uint8Array;
  /** Byte offset of each entry in `data` plus the end (length entries + 1); only for variable-size entries. */
  offsets?: Int32Array;
}

/** How many baskets a branch has, including one recovered inside the TBranch (file not closed cleanly). */
export function basketCount(branch: any): number {
  const w = Number(branch.fWriteBasket);
  return recovered(branch, w) ? w + 1 : w;
}

function recovered(branch: any, k: number): any {
  const b = branch.fBaskets?.arr?.[k];
  // fBufferRef is absent when the basket holds no bytes (e.g. every entry of a jagged branch empty).
  return b && typeof b.fNevBuf === 'number' ? b : undefined;
}

/** Reads basket k of `branch`, whose tree holds `treeEntries` entries. */
export async function readBasket(file: RootFile, tree: string, branch: any, k: number, treeEntries: number): Promise<RawBasket> {
  const name = rootName(String(branch.fName));
  const where = `${file.path}: tree "${tree}", branch "${name}", basket ${k}`;
  const entryStart = Number(branch.fBasketEntry[k]);
  const variable = Number(branch.fEntryOffsetLen) > 0;
  const rec = k === Number(branch.fWriteBasket) ? recovered(branch, k) : undefined;
  if (rec) {
    // ROOT keeps the last, unwritten basket inside the TBranch when the file was not closed by TFile::Close.
    const ref = rec.fBufferRef?.arr as DataView | undefined;
    const keylen = Number(rec.fKeylen);
    const dataLen = Number(rec.fLast) - keylen;
    if (dataLen < 0 || dataLen > (ref?.byteLength ?? 0)) throw new NtcorrError(`${where}: corrupt recovered basket`, { file: file.path, column: name });
    const data = ref ? new Uint8Array(ref.buffer, ref.byteOffset, dataLen) : new Uint8Array(0);
    const nev = Number(rec.fNevBuf);
    if (!Number.isSafeInteger(nev) || nev < 0 || nev > treeEntries) throw new NtcorrError(`${where}: corrupt recovered basket (${rec.fNevBuf} entries)`, { file: file.path, column: name });
    const entryEnd = entryStart + nev;
    let offsets: Int32Array | undefined;
    if (variable) {
      const eo = rec.fEntryOffset as ArrayLike<number> | undefined;
      if (!eo) throw new NtcorrError(`${where}: recovered basket has no entry offsets`, { file: file.path, column: name });
      offsets = new Int32Array(rec.fNevBuf + 1);
      for (let i = 0; i < rec.fNevBuf; i++) offsets[i] = eo[i]! - keylen;
      offsets[rec.fNevBuf] = dataLen;
      checkOffsets(offsets, dataLen, where, file.path, name);
    }
    return { entryStart, entryEnd, data, offsets };
  }
  const seek = Number(branch.fBasketSeek[k]);
  const nbytes = Number(branch.fBasketBytes[k]);
  // For a cleanly closed file fBasketEntry[fWriteBasket] == fEntries, so k + 1 is always indexed.
  const entryEnd = k + 1 <= Number(branch.fWriteBasket) ? Number(branch.fBasketEntry[k + 1]) : treeEntries;
  if (!(seek > 0) || !(nbytes > 0)) throw new NtcorrError(`${where}: basket has no location in the file`, { file: file.path, column: name });
  if (!Number.isSafeInteger(entryStart) || !Number.isSafeInteger(entryEnd) || entryStart < 0 || entryEnd < entryStart || entryEnd > treeEntries) {
    throw new NtcorrError(`${where}: corrupt basket index (entries ${entryStart}..${entryEnd} of ${treeEntries})`, { file: file.path, column: name });
  }
  if (nbytes < 40) throw new NtcorrError(`${where}: corrupt basket index (${nbytes} bytes)`, { file: file.path, column: name });
  const raw = file.read(seek, nbytes);
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const objlen = dv.getInt32(6);
  const keylen = dv.getInt16(14);
  if (keylen < 35 || keylen > nbytes || objlen < 0 || dv.getInt32(0) !== nbytes) {
    throw new NtcorrError(`${where}: corrupt basket key (Nbytes ${dv.getInt32(0)}, KeyLen ${keylen}, ObjLen ${objlen}; the branch index says ${nbytes} bytes)`, { file: file.path, column: name });
  }
  // TKey: Nbytes(4) Version(2) ObjLen(4) Datime(4) KeyLen(2) Cycle(2) SeekKey SeekPdir (4|8 each) 3 strings;
  // then the TBasket header: Version(2) BufferSize(4) NevBufSize(4) NevBuf(4) Last(4) flag(1) — all inside KeyLen.
  const nevbuf = dv.getInt32(keylen - 9);
  const last = dv.getInt32(keylen - 5);
  let payload: Uint8Array;
  try {
    payload = await unzipRecord(raw.subarray(keylen), objlen);
  } catch (e) {
    throw new NtcorrError(`${where}: cannot decompress (${errorMessage(e)})`, { file: file.path, column: name, cause: e });
  }
  const dataLen = last - keylen;
  if (dataLen < 0 || dataLen > payload.length || nevbuf < 0) throw new NtcorrError(`${where}: corrupt basket header`, { file: file.path, column: name });
  if (entryStart + nevbuf !== entryEnd) {
    throw new NtcorrError(`${where}: holds ${nevbuf} entries, the branch index expects ${entryEnd - entryStart}`, { file: file.path, column: name });
  }
  const data = payload.subarray(0, dataLen);
  let offsets: Int32Array | undefined;
  if (variable) {
    // After the data: Int32 count, then fNevBuf+1 big-endian Int32 offsets measured from the key start.
    const pv = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
    if (dataLen + 4 + 4 * nevbuf > payload.length) throw new NtcorrError(`${where}: entry offsets missing`, { file: file.path, column: name });
    // The offsets' own count (ROOT and uproot write fNevBuf + 1) ties fLast, which sits in the key header
    // outside any checksum, to the checksummed payload: a damaged fLast lands the count elsewhere.
    const count = pv.getInt32(dataLen);
    if (count !== nevbuf + 1 && count !== nevbuf) {
      throw new NtcorrError(`${where}: corrupt basket header (the entry offsets after fLast ${last} count ${count}, expected ${nevbuf + 1} for ${nevbuf} entries)`, { file: file.path, column: name });
    }
    offsets = new Int32Array(nevbuf + 1);
    for (let i = 0; i < nevbuf; i++) offsets[i] = pv.getInt32(dataLen + 4 + 4 * i) - keylen;
    offsets[nevbuf] = dataLen;
    checkOffsets(offsets, dataLen, where, file.path, name);
  }
  return { entryStart, entryEnd, data, offsets };
}

/** Entry offsets come from the file: they must rise and stay inside the basket's data. */
function checkOffsets(offsets: Int32Array, dataLen: number, where: string, file: string, column: string): void {
  let prev = 0;
  for (let i = 0; i < offsets.length; i++) {
    const o = offsets[i]!;
    if (o < prev || o > dataLen) {
      throw new NtcorrError(`${where}: corrupt entry offset ${o} for entry ${i} (expected ${prev}..${dataLen})`, { file, column });
    }
    prev = o;
  }
}
