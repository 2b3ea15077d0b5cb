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

/** A subdirectory being written: its key's position and the keys listed in it. */
export interface DirHandle {
  name: string;
  seek: number;
  keylen: number;
  parent: DirHandle | undefined;
  keys: KeyInfo[];
}

export function keyLength(className: string, name: string, title: string): number {
  return KEY_FIXED_BIG + strLen(className) + strLen(name) + strLen(title);
}

export function keyHeader(w: ByteWriter, k: KeyInfo, pdir: number): void {
  w.i32(k.nbytes).i16(k.version).i32(k.objlen).u32(datime()).i16(k.keylen).i16(k.cycle);
  if (k.version > 1000) w.i64(k.seek).i64(pdir);
  else w.i32(k.seek).i32(pdir);
  w.str(k.className).str(k.name).str(k.title);
}

/** Appends keys to a file being written: the part shared by new files and carried-over rewrites. */
export class KeyFile {
  protected fd: number | undefined;
  protected pos: number;

  constructor(readonly path: string, fd: number, pos: number) {
    this.fd = fd;
    this.pos = pos;
  }

  writeAt(b: Uint8Array, pos: number): void {
    let off = 0;
    while (off < b.length) off += writeSync(this.fd!, b, off, b.length - off, pos + off);
  }

  /**
   * Appends one key with its (possibly compressed) payload; returns where it went. `list`: the key is an
   * object of the top directory (or of `dir`) and goes into that directory's keys list.
   */
  appendKey(className: string, name: string, title: string, payload: Uint8Array, objlen: number, extraHeader?: Uint8Array, list = false, opts: { cycle?: number; dir?: DirHandle } = {}): KeyInfo {
    const keylen = keyLength(className, name, title) + (extraHeader?.length ?? 0);
    const k: KeyInfo = { className, name, title, seek: this.pos, nbytes: keylen + payload.length, objlen, keylen, cycle: opts.cycle ?? 1, version: 1004 };
    const w = new ByteWriter();
    keyHeader(w, k, opts.dir?.seek ?? BEGIN);
    if (extraHeader) w.bytes(extraHeader);
    w.bytes(payload);
    this.writeAt(w.result(), this.pos);
    this.pos += k.nbytes;
    if (list) this.listKey(k, opts.dir);
    return k;
  }

  /** Appends bytes as they are (a key built by the caller); returns their position. */
  appendRaw(b: Uint8Array): number {
    const at = this.pos;
    this.writeAt(b, at);
    this.pos += b.length;
    return at;
  }

  protected listKey(_k: KeyInfo, _dir?: DirHandle): void {
    throw new Error('internal: this file does not list keys');
  }

  /** Current end of file: where the next key will go. */
  get position(): number { return this.pos; }

  /** Closes without completing (the caller removes the file). */
  abort(): void {
    if (this.fd !== undefined) { closeSync(this.fd); this.fd = undefined; }
  }

  protected close(): void {
    fsyncSync(this.fd!);
    closeSync(this.fd!);
    this.fd = undefined;
  }
}

export class RootFileWriter extends KeyFile {
  private readonly fileName: string;
  /** Keys listed in the top directory (the TTree, provenance...). */
  private readonly keys: KeyInfo[] = [];
  private readonly uuid = randomBytes(16);
  private readonly created = datime();
  private readonly nbytesName: number;
  private infoSeek = 0;

  constructor(path: string, private readonly compressCode: number) {
    super(path, openSync(path, 'w'), 0);
    this.fileName = basename(path);
    // TFile key + name + title + TDirectory record (rewritten by finish()).
    this.nbytesName = keyLength('TFile', this.fileName, '') + strLen(this.fileName) + strLen('');
    this.pos = BEGIN + this.nbytesName + DIR_BYTES;
    this.writeAt(new Uint8Array(this.pos), 0);
    this.writeStreamerInfo();
  }

  protected override listKey(k: KeyInfo, dir?: DirHandle): void {
    (dir ? dir.keys : this.keys).push(k);
  }

  /** Starts a subdirectory (a TDirectoryFile key; its record is completed by endDirectory). */
  beginDirectory(name: string, parent?: DirHandle): DirHandle {
    const keylen = keyLength('TDirectory', name, name);
    const placeholder = new Uint8Array(DIR_BYTES);
    const k = this.appendKey('TDirectory', name, name, placeholder, DIR_BYTES, undefined, false, { dir: parent });
    return { name, seek: k.seek, keylen, parent, keys: [] };
  }

  /** Writes the subdirectory's keys list, completes its record and lists it in its parent. */
  endDirectory(dir: DirHandle): void {
    const list = new ByteWriter();
    list.i32(dir.keys.length);
    for (const k of dir.keys) keyHeader(list, k, dir.seek);
    const listKey = this.appendKey('TDirectory', dir.name, dir.name, list.result(), list.pos, undefined, false, { dir });
    const rec = new ByteWriter();
    rec.i16(1005).u32(this.created).u32(datime()).i32(listKey.nbytes).i32(dir.keylen)
      .i64(dir.seek).i64(dir.parent?.seek ?? BEGIN).i64(listKey.seek).i16(1).bytes(randomBytes(16));
    this.writeAt(rec.result(), dir.seek + dir.keylen);
    const key: KeyInfo = {
      className: 'TDirectory', name: dir.name, title: dir.name, seek: dir.seek, nbytes: dir.keylen + DIR_BYTES,
      objlen: DIR_BYTES, keylen: dir.keylen, cycle: 1, version: 1004,
    };
    (dir.parent ? dir.parent.keys : this.keys).push(key);
  }

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
    this.close();
  }
}
