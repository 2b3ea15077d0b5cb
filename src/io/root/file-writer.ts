/**
 * Writes a ROOT file sequentially: header and top directory (patched at the end), the StreamerInfo record,
 * then keys appended as they come (baskets while streaming, then the TTree and provenance), the keys list
 * and the free-segments record. 64-bit ("big") file header and keys throughout, so files may pass 2 GB.
 */
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import { ByteWriter, datime, strLen } from './bytes.js';
import { STREAMER_INFO_KEYLEN, STREAMER_INFO_OBJLEN, STREAMER_INFO_ZIPPED } from './streamer-info.js';

const BEGIN = 100;
const KEY_FIXED_BIG = 4 + 2 + 4 + 4 + 2 + 2 + 8 + 8;
const DIR_BYTES = 2 + 4 + 4 + 4 + 4 + 8 + 8 + 8 + 18;
const kStartBigFile = 2000000000;

export interface KeyInfo {
  className: string;
  name: string;
  title: string;
  seek: number;
  nbytes: number;
  objlen: number;
  keylen: number;
  cycle: number;
  /** Key record version (4: 32-bit seeks, 1004: 64-bit). */
  version: number;
}

export function keyLength(className: string, name: string, title: string): number {
  return KEY_FIXED_BIG + strLen(className) + strLen(name) + strLen(title);
}

function keyHeader(w: ByteWriter, k: KeyInfo, pdir: number): void {
  w.i32(k.nbytes).i16(k.version).i32(k.objlen).u32(datime()).i16(k.keylen).i16(k.cycle);
  if (k.version > 1000) w.i64(k.seek).i64(pdir);
  else w.i32(k.seek).i32(pdir);
  w.str(k.className).str(k.name).str(k.title);
}

export class RootFileWriter {
  private fd: number | undefined;
  private pos: number;
  private readonly fileName: string;
  /** Keys listed in the top directory (the TTree, provenance...). */
  private readonly keys: KeyInfo[] = [];
  private readonly uuid = randomBytes(16);
  private readonly created = datime();
  private readonly nbytesName: number;
  private infoSeek = 0;

  constructor(readonly path: string, private readonly compressCode: number) {
    this.fd = openSync(path, 'w');
    this.fileName = basename(path);
    // TFile key + name + title + TDirectory record (rewritten by finish()).
    this.nbytesName = keyLength('TFile', this.fileName, '') + strLen(this.fileName) + strLen('');
    this.pos = BEGIN + this.nbytesName + DIR_BYTES;
    this.writeAt(new Uint8Array(this.pos), 0);
    this.writeStreamerInfo();
  }

  private writeAt(b: Uint8Array, pos: number): void {
    let off = 0;
    while (off < b.length) off += writeSync(this.fd!, b, off, b.length - off, pos + off);
  }

  /** Appends one key with its (possibly compressed) payload; returns where it went. */
  appendKey(className: string, name: string, title: string, payload: Uint8Array, objlen: number, extraHeader?: Uint8Array, list = false): KeyInfo {
    const keylen = keyLength(className, name, title) + (extraHeader?.length ?? 0);
    const k: KeyInfo = { className, name, title, seek: this.pos, nbytes: keylen + payload.length, objlen, keylen, cycle: 1, version: 1004 };
    const w = new ByteWriter();
    keyHeader(w, k, BEGIN);
    if (extraHeader) w.bytes(extraHeader);
    w.bytes(payload);
    this.writeAt(w.result(), this.pos);
    this.pos += k.nbytes;
    if (list) this.keys.push(k);
    return k;
  }

  /** Current end of file: where the next key will go. */
  get position(): number { return this.pos; }

  private writeStreamerInfo(): void {
    // A small (32-bit) key: the copied record's internal references assume a 64-byte key.
    const k: KeyInfo = {
      className: 'TList', name: 'StreamerInfo', title: 'Doubly linked list', seek: this.pos,
      nbytes: STREAMER_INFO_KEYLEN + STREAMER_INFO_ZIPPED.length, objlen: STREAMER_INFO_OBJLEN, keylen: STREAMER_INFO_KEYLEN, cycle: 1, version: 4,
    };
    const w = new ByteWriter();
    keyHeader(w, k, BEGIN);
    if (w.pos !== STREAMER_INFO_KEYLEN) throw new Error('internal: StreamerInfo key length changed');
    w.bytes(STREAMER_INFO_ZIPPED);
    this.writeAt(w.result(), this.pos);
    this.infoSeek = this.pos;
    this.pos += k.nbytes;
  }

  /** Writes the keys list, free segments, header and directory; fsyncs and closes. */
  finish(): void {
    // Keys list: a key whose payload is Int32 count + every listed key's header.
    const list = new ByteWriter();
    list.i32(this.keys.length);
    for (const k of this.keys) keyHeader(list, k, BEGIN);
    const listKey = this.appendKey('TFile', this.fileName, '', list.result(), list.pos);
    // Free segments: one TFree from the end of file to "infinity".
    const freeLen = 2 + 8 + 8;
    const freeKeyLen = keyLength('TFile', this.fileName, '');
    const end = this.pos + freeKeyLen + freeLen;
    let infinity = kStartBigFile;
    while (end >= infinity) infinity *= 2;
    const free = new ByteWriter();
    free.i16(1001).i64(end).i64(infinity);
    const freeKey = this.appendKey('TFile', this.fileName, '', free.result(), freeLen);
    if (this.pos !== end) throw new Error('internal: free segment size');

    const head = new ByteWriter();
    head.bytes(Buffer.from('root', 'latin1'));
    head.i32(1062206).i32(BEGIN).i64(end).i64(freeKey.seek).i32(freeKey.nbytes).i32(1).i32(this.nbytesName).u8(8)
      .i32(this.compressCode).i64(this.infoSeek).i32(STREAMER_INFO_KEYLEN + STREAMER_INFO_ZIPPED.length).i16(1).bytes(this.uuid);
    this.writeAt(head.result(), 0);

    const top = new ByteWriter();
    const topKey: KeyInfo = {
      className: 'TFile', name: this.fileName, title: '', seek: BEGIN, nbytes: this.nbytesName + DIR_BYTES,
      objlen: this.nbytesName + DIR_BYTES - keyLength('TFile', this.fileName, ''), keylen: keyLength('TFile', this.fileName, ''), cycle: 1, version: 1004,
    };
    keyHeader(top, topKey, 0);
    top.str(this.fileName).str('');
    top.i16(1005).u32(this.created).u32(datime()).i32(listKey.nbytes).i32(this.nbytesName).i64(BEGIN).i64(0).i64(listKey.seek).i16(1).bytes(this.uuid);
    this.writeAt(top.result(), BEGIN);
    fsyncSync(this.fd!);
    closeSync(this.fd!);
    this.fd = undefined;
  }

  /** Closes without completing (the caller removes the file). */
  abort(): void {
    if (this.fd !== undefined) { closeSync(this.fd); this.fd = undefined; }
  }
}
