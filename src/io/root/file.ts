/**
 * A ROOT file opened for reading: our own file descriptor for bulk basket reads, and jsroot on top of it
 * (through its FileProxy hook) for keys, directories, streamer infos and the TTree/TBranch metadata.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { FileProxy, TBuffer, openFile } from 'jsroot/io';
import { quietly, unzipRecord } from './compression.js';
import { NtcorrError, errorMessage } from '../../core/errors.js';
import { rootName } from './names.js';
import { parseHeader, parseKey, type RawKey } from './keys.js';

/** Files up to this size are read into memory at open (one read instead of one per basket). */
const WHOLE_FILE_BYTES = 16 * 1024 * 1024;
const TREE_CLASSES = new Set(['TTree', 'TNtuple', 'TNtupleD']);
const DIR_CLASSES = new Set(['TDirectory', 'TDirectoryFile']);

export interface TreeKey {
  /** Path from the file's top directory, e.g. "events" or "dir/sub/tree". */
  path: string;
  cycle: number;
  className: string;
  /** The same path as jsroot spells it (names one char per byte), to read the object through jsroot. */
  jsPath: string;
}

/** jsroot's FileProxy reading through our descriptor, so jsroot never opens the file itself. */
class FdProxy extends (FileProxy as { new(): object }) {
  constructor(readonly file: RootFile) { super(); }
  async openFile(): Promise<boolean> { return true; }
  getFileName(): string { return this.file.path; }
  getFileSize(): number { return this.file.size; }
  async readBuffer(pos: number, len: number): Promise<DataView> {
    const b = this.file.read(pos, len);
    return new DataView(b.buffer, b.byteOffset, b.byteLength);
  }
  closeFile(): void {}
}

/**
 * Makes jsroot inflate key payloads (streamer infos, TTrees) with our codecs (native zlib / fflate)
 * instead of its JS inflate, which was most of the time spent opening a file. Patched on the prototype of
 * jsroot's proxy-file class, which only files opened through FdProxy (ours) use, so from the second file
 * on the streamer infos are covered too; same logic as jsroot's TFile.readObjBuffer.
 */
function useFastInflate(jsFile: any): void {
  const proto = Object.getPrototypeOf(jsFile);
  if (proto.ntcorrFastInflate || !(jsFile.proxy instanceof FdProxy)) return;
  proto.ntcorrFastInflate = true;
  proto.readObjBuffer = async function (this: any, key: any): Promise<unknown> {
    const f: RootFile = this.proxy.file;
    const raw = f.read(Number(key.fSeekKey) + key.fKeylen, key.fNbytes - key.fKeylen);
    const data = await unzipRecord(raw, key.fObjlen);
    const buf = new TBuffer(new DataView(data.buffer, data.byteOffset, data.byteLength), 0, this);
    buf.fTagOffset = key.fKeylen;
    return buf;
  };
}

export class RootFile {
  /** jsroot TFile (untyped: jsroot ships no types). */
  js: any;
  readonly size: number;
  /** ROOT's own record of the file length (fEND), from the header. */
  readonly end: number;
  private fd: number | undefined;
  /** Whole content of small files, read once: saves a syscall per key and basket. */
  private whole: Uint8Array | undefined;

  private constructor(readonly path: string, fd: number, size: number, end: number) {
    this.fd = fd;
    this.size = size;
    this.end = end;
  }

  static async open(path: string): Promise<RootFile> {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (e) {
      throw new NtcorrError(`${path}: cannot open (${errorMessage(e)})`, { file: path, cause: e });
    }
    let file: RootFile | undefined;
    try {
      const size = fstatSync(fd).size;
      const head = Buffer.alloc(Math.min(size, 64));
      readSync(fd, head, 0, head.length, 0);
      if (head.length < 4 || head.toString('latin1', 0, 4) !== 'root') {
        throw new NtcorrError(`${path}: not a ROOT file (expected the magic bytes "root" at offset 0)`, { file: path });
      }
      if (head.length < 21) throw new NtcorrError(`${path}: truncated ROOT file (${size} bytes, header incomplete)`, { file: path });
      const version = head.readInt32BE(4);
      const end = version > 1000000 ? Number(head.readBigInt64BE(12)) : head.readUInt32BE(12);
      file = new RootFile(path, fd, size, end);
      if (size <= WHOLE_FILE_BYTES) file.whole = file.read(0, size);
      if (end > size) {
        throw new NtcorrError(`${path}: truncated ROOT file (header says ${end} bytes, file has ${size}); was it fully copied or closed?`, { file: path });
      }
      await file.checkStreamerInfoRaw();
      try {
        file.js = await quietly(() => openFile(new FdProxy(file!)));
      } catch (e) {
        // jsroot's own errors are descriptive; a TypeError/RangeError from it only says that a record was garbage.
        const why = e instanceof TypeError || e instanceof RangeError ? 'corrupt header, top directory or keys list' : errorMessage(e);
        throw new NtcorrError(`${path}: unreadable ROOT file structure (${why})`, { file: path, cause: e });
      }
      if (!file.js) throw new NtcorrError(`${path}: unreadable ROOT file structure (no keys)`, { file: path });
      useFastInflate(file.js);
      await file.checkStreamerInfo();
      return file;
    } catch (e) {
      if (file) file.close(); else closeSync(fd);
      throw e;
    }
  }

  /**
   * jsroot inflates the first file's StreamerInfo with its own decoder (no checksums) and only logs a
   * record it cannot parse: the record is decompressed again here with every checksum verified, and a
   * record jsroot could not parse fails the file, naming the key.
   */
  /** The StreamerInfo key as the header locates it, decompressed with checksums, before jsroot reads it. */
  private async checkStreamerInfoRaw(): Promise<void> {
    const where = `${this.path}: key "StreamerInfo"`;
    const h = parseHeader(this.read(0, Math.min(this.size, 100)), this.path);
    if (!(h.seekInfo >= h.begin && h.nbytesInfo > 0 && h.seekInfo + h.nbytesInfo <= this.size)) {
      throw new NtcorrError(`${where}: the header locates it at ${h.seekInfo}+${h.nbytesInfo}, outside the file (${this.size} bytes)`, { file: this.path });
    }
    let key: RawKey;
    try {
      key = parseKey(this.read(h.seekInfo, h.nbytesInfo), 'key header');
      if (key.nbytes !== h.nbytesInfo) throw new Error(`key header says ${key.nbytes} bytes, the file header ${h.nbytesInfo}`);
      await unzipRecord(this.read(h.seekInfo + key.keylen, key.nbytes - key.keylen), key.objlen);
    } catch (e) {
      throw new NtcorrError(`${where}: corrupt record (${errorMessage(e)})`, { file: this.path, cause: e });
    }
  }

  private async checkStreamerInfo(): Promise<void> {
    const key = (this.js.fKeys ?? []).find((k: any) => k.fName === 'StreamerInfo' && k.fClassName === 'TList');
    if (!key) throw new NtcorrError(`${this.path}: the file has no StreamerInfo key`, { file: this.path });
    const where = `${this.path}: key "StreamerInfo"`;
    const nbytes = Number(key.fNbytes);
    const keylen = Number(key.fKeylen);
    const objlen = Number(key.fObjlen);
    if (!(keylen > 0 && nbytes >= keylen && objlen >= 0)) throw new NtcorrError(`${where}: corrupt key header`, { file: this.path });
    try {
      await unzipRecord(this.read(Number(key.fSeekKey) + keylen, nbytes - keylen), objlen);
    } catch (e) {
      throw new NtcorrError(`${where}: cannot decompress (${errorMessage(e)})`, { file: this.path, cause: e });
    }
    if (!this.js.fStreamerInfos?.arr?.length) throw new NtcorrError(`${where}: corrupt record (the class descriptions cannot be parsed)`, { file: this.path });
  }

  /** Reads `len` bytes at `pos`; throws if the file is shorter (truncated). */
  read(pos: number, len: number): Uint8Array {
    if (this.fd === undefined) throw new Error(`${this.path}: file is closed`);
    if (pos + len > this.size) {
      throw new NtcorrError(`${this.path}: truncated ROOT file (a record at ${pos}+${len} lies past the end, ${this.size} bytes)`, { file: this.path });
    }
    if (this.whole) return this.whole.subarray(pos, pos + len);
    const b = Buffer.allocUnsafe(len);
    let got = 0;
    while (got < len) {
      const n = readSync(this.fd, b, got, len - got, pos + got);
      if (n === 0) break;
      got += n;
    }
    if (got !== len) throw new NtcorrError(`${this.path}: short read at ${pos}`, { file: this.path });
    return new Uint8Array(b.buffer, b.byteOffset, len);
  }

  /** Every TTree in the file (subdirectories included), highest cycle of each name only. */
  async trees(): Promise<TreeKey[]> {
    const out: TreeKey[] = [];
    const walk = async (keys: any[], prefix: string, jsPrefix: string): Promise<void> => {
      const best = new Map<string, any>();
      for (const k of keys) {
        const prev = best.get(k.fName);
        if (!prev || k.fCycle > prev.fCycle) best.set(k.fName, k);
      }
      for (const k of best.values()) {
        const path = prefix + rootName(String(k.fName));
        const jsPath = jsPrefix + String(k.fName);
        if (TREE_CLASSES.has(k.fClassName)) out.push({ path, cycle: k.fCycle, className: k.fClassName, jsPath });
        else if (DIR_CLASSES.has(k.fClassName)) {
          const dir: any = await quietly(() => this.js.readDirectory(jsPath, k.fCycle)).catch((e: unknown) => {
            throw new NtcorrError(`${this.path}: directory "${path}" cannot be read (${errorMessage(e)})`, { file: this.path, cause: e });
          });
          if (dir?.fKeys) await walk(dir.fKeys, path + '/', jsPath + '/');
        }
      }
    };
    await walk(this.js.fKeys ?? [], '', '');
    return out;
  }

  /** Reads a named object (highest cycle); undefined if absent. */
  async readObject(name: string, cycle?: number): Promise<any> {
    try {
      return await quietly(() => this.js.readObject(cycle === undefined ? name : `${name};${cycle}`));
    } catch (e) {
      if (e instanceof NtcorrError) throw e;
      // A TypeError/RangeError from jsroot's streamers only means the record's bytes are not a valid object.
      const why = e instanceof TypeError || e instanceof RangeError ? 'corrupt record: its bytes do not form the object its key names' : errorMessage(e);
      throw new NtcorrError(`${this.path}: key "${rootName(name)}" cannot be read (${why})`, { file: this.path, cause: e });
    }
  }

  /** Top-level keys (name, class, cycle), for inspect and provenance. */
  keys(): Array<{ name: string; className: string; cycle: number }> {
    return (this.js.fKeys ?? []).map((k: any) => ({ name: rootName(String(k.fName)), className: k.fClassName, cycle: k.fCycle }));
  }

  close(): void {
    if (this.fd !== undefined) {
      closeSync(this.fd);
      this.fd = undefined;
    }
  }
}
