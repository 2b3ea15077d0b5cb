/**
 * Full copies and in-place rewrites of a ROOT file that carry over everything in it.
 *
 * The output starts as a byte copy of the input, so every key (other trees, histograms, TObjStrings,
 * subdirectories and their keys, every cycle) keeps its exact bytes at its exact offset, and nothing needs
 * relocating. Then, as ROOT's own UPDATE mode does, the new branches' baskets are appended, followed by a
 * new version of the processed TTree object (same key name, title and cycle, replacing the old one in its
 * directory's keys list), a StreamerInfo record that merges the input's with ours, the provenance
 * TObjString, new keys lists, the free-segments list, and finally the header and directory records are
 * patched. The new TTree object is the old one's bytes with the new branches spliced in after the last
 * branch: every original branch (strings, objects, vector<T>, leaf lists...) and its basket index stay
 * byte-identical, so nothing is decoded and re-encoded, and nothing is dropped. Chosen over re-writing the
 * other trees through our reader/writer (which could only carry branch types we can decode) and over
 * copying baskets with relocated fBasketSeek (which needs a full TBranch parser for every branch class).
 */
import { copyFileSync, ftruncateSync, openSync } from 'node:fs';
import { NtcorrError, errorMessage } from '../../core/errors.js';
import type { ProvenanceRecord } from '../table.js';
import { ByteWriter, datime, kByteCountMask } from './bytes.js';
import { quietly, unzipRecord, zipRecord, type Codec } from './compression.js';
import { KeyFile, keyHeader, type KeyInfo } from './file-writer.js';
import {
  dirRecordBytes, headerBytes, keyHeaderBytes, keyHeaderLength, kStartBigFile, parseDirRecord, parseHeader, parseKey, parseKeysList,
  type DirRecord, type FileHeader, type RawKey,
} from './keys.js';
import { rootName } from './names.js';
import { PROVENANCE_KEY } from './provenance.js';
import type { RootFile } from './file.js';
import { mergeStreamerLists, parseStreamerList } from './streamer-merge.js';
import { STREAMER_INFO_KEYLEN, STREAMER_INFO_OBJLEN, STREAMER_INFO_ZIPPED } from './streamer-info.js';
import { treeLayout, type TreeLayout } from './tree-layout.js';
import { writeBranch, type BranchRecord } from './tree-object.js';

const TREE_CLASSES = new Set(['TTree', 'TNtuple', 'TNtupleD']);
const DIR_CLASSES = new Set(['TDirectory', 'TDirectoryFile']);

interface Dir {
  /** The directory's record (top: after the TFile key's name and title; sub: its key's payload). */
  rec: DirRecord;
  /** Its keys list key and entries. */
  listKey: RawKey;
  keys: Array<{ key: RawKey; bytes: Uint8Array }>;
}

async function readKeyPayload(file: RootFile, k: RawKey, where: string): Promise<Uint8Array> {
  const raw = file.read(k.seek, k.nbytes);
  try {
    return await unzipRecord(raw.subarray(k.keylen), k.objlen);
  } catch (e) {
    throw new NtcorrError(`${file.path}: ${where}: cannot decompress (${errorMessage(e)})`, { file: file.path, cause: e });
  }
}

function readKeyAt(file: RootFile, seek: number, where: string): RawKey {
  const avail = Math.min(file.size - seek, 1 << 16);
  if (!(seek > 0) || avail < 18) throw new NtcorrError(`${file.path}: ${where}: key at ${seek} lies outside the file`, { file: file.path });
  try {
    return parseKey(file.read(seek, avail), where);
  } catch (e) {
    throw new NtcorrError(`${file.path}: ${where}: ${errorMessage(e)}`, { file: file.path, cause: e });
  }
}

async function readDir(file: RootFile, rec: DirRecord, where: string): Promise<Dir> {
  const listKey = readKeyAt(file, rec.seekKeys, `${where} keys list`);
  const payload = await readKeyPayload(file, listKey, `${where} keys list`);
  try {
    return { rec, listKey, keys: parseKeysList(payload, `${where} keys list`) };
  } catch (e) {
    throw new NtcorrError(`${file.path}: ${errorMessage(e)}`, { file: file.path, cause: e });
  }
}

function dirRecordAt(file: RootFile, at: number, room: number, where: string): DirRecord {
  try {
    return parseDirRecord(file.read(at, Math.min(room, file.size - at)), at, room, where);
  } catch (e) {
    throw new NtcorrError(`${file.path}: ${where}: ${errorMessage(e)}`, { file: file.path, cause: e });
  }
}

/** Highest cycle of `name` among `keys` whose class is in `classes`. */
function pick(keys: Dir['keys'], name: string, classes: Set<string>, cycle?: number): { key: RawKey; bytes: Uint8Array } | undefined {
  let best: { key: RawKey; bytes: Uint8Array } | undefined;
  for (const e of keys) {
    if (!classes.has(e.key.className) || rootName(e.key.name) !== name) continue;
    if (cycle !== undefined ? e.key.cycle === cycle : !best || e.key.cycle > best.key.cycle) best = e;
  }
  return best;
}

export interface CarryTarget {
  file: RootFile;
  /** Tree path ("Events", "dir/sub/tree") and cycle, as RootTable resolved them. */
  tree: string;
  cycle: number;
  /** The jsroot TTree object. */
  treeObj: any;
  entries: number;
}

/** Prepares a carried-over rewrite; `replace`: output names that replace existing branches (--force). */
export class CarryOverWriter extends KeyFile {
  private constructor(
    path: string,
    fd: number,
    private readonly src: CarryTarget,
    private readonly header: FileHeader,
    private readonly top: Dir,
    private readonly treeDir: Dir,
    private readonly treeKey: { key: RawKey; bytes: Uint8Array },
    private readonly payload: Uint8Array,
    private readonly layout: TreeLayout,
    /** Where the kept branches end in the old payload, how many are kept, and the kept fLeaves entries. */
    private readonly cut: { at: number; branches: number; leaves: Uint8Array[] },
    private readonly codec: Codec,
    /** Read before the input is closed: its StreamerInfo, free-list key, and every key (for verification). */
    private readonly pre: { infoKey: RawKey; infoIn: Uint8Array; freeKey: RawKey; keys: Map<string, { cls: string; at: string }> },
  ) {
    super(path, fd, header.end);
  }

  /** The input's keys (path;cycle -> class and place), listed when it was opened. */
  get inputKeys(): Map<string, { cls: string; at: string }> { return this.pre.keys; }
  get target(): CarryTarget { return this.src; }

  static async open(src: CarryTarget, tmpPath: string, replace: Set<string>, codec: Codec): Promise<CarryOverWriter> {
    const f = src.file;
    const where = `tree "${src.tree}"`;
    const cannot = (why: string): NtcorrError => new NtcorrError(`${f.path}: ${where} cannot be carried over: ${why}`, { file: f.path });
    const header = parseHeader(f.read(0, Math.min(f.size, 100)), f.path);
    if (header.begin !== 100 || header.end > f.size || header.end < header.begin) throw cannot(`unexpected file header (fBEGIN ${header.begin}, fEND ${header.end}, ${f.size} bytes)`);
    const topKey = readKeyAt(f, header.begin, 'top directory key');
    const top = await readDir(f, dirRecordAt(f, header.begin + header.nbytesName, topKey.nbytes - header.nbytesName, 'top directory'), 'top directory');
    const parts = src.tree.split('/').filter(Boolean);
    const treeName = parts.pop()!;
    let dir = top;
    for (const d of parts) {
      const k = pick(dir.keys, d, DIR_CLASSES);
      if (!k) throw cannot(`directory "${d}" not found`);
      dir = await readDir(f, dirRecordAt(f, k.key.seek + k.key.keylen, k.key.nbytes - k.key.keylen, `directory "${d}"`), `directory "${d}"`);
    }
    const tk = pick(dir.keys, treeName, TREE_CLASSES, src.cycle);
    if (!tk) throw cannot('its key is not in its directory');
    const payload = await readKeyPayload(f, tk.key, where);
    let layout: TreeLayout;
    try {
      layout = treeLayout(payload, (v) => f.js.findStreamerInfo('TTree', v));
    } catch (e) {
      throw cannot(errorMessage(e));
    }
    const branches: any[] = src.treeObj.fBranches?.arr ?? [];
    const nb = layout.branches.elements.length - 1;
    if (layout.entries !== src.entries || nb !== branches.length) throw cannot(`its layout does not match the tree (${nb} branches, ${layout.entries} entries)`);

    // Branches replaced by --force must be the last ones (as a previous ntcorr run appended them), with
    // their counters: removing them then shifts nothing that other objects refer to.
    const names = branches.map((b) => rootName(String(b.fName)));
    const drop = new Set<number>();
    names.forEach((n, i) => { if (replace.has(n)) drop.add(i); });
    for (const i of [...drop]) {
      const counter = branches[i].fLeaves?.arr?.[0]?.fLeafCount?.fName;
      if (counter === undefined) continue;
      const ci = names.indexOf(rootName(String(counter)));
      const usedElsewhere = branches.some((b, j) => !drop.has(j) && j !== ci && b.fLeaves?.arr?.[0]?.fLeafCount?.fName === counter);
      if (ci >= 0 && !usedElsewhere) drop.add(ci);
    }
    const first = drop.size ? Math.min(...drop) : nb;
    for (let i = first; i < nb; i++) {
      if (!drop.has(i)) {
        throw cannot(`branch "${names[first]}" exists and is followed by "${names[i]}", which this run does not write; only branches at the end of the tree (as ntcorr appends them) can be replaced`);
      }
    }
    const cutAt = layout.branches.elements[first]!;
    const leaves: Uint8Array[] = [];
    const le = layout.leaves.elements;
    for (let i = 0; i + 1 < le.length; i++) {
      const w = payload.subarray(le[i]!, le[i + 1]!);
      const v = new DataView(w.buffer, w.byteOffset, w.byteLength).getUint32(0);
      if (w.length !== 4 || (v & kByteCountMask)) throw cannot('its leaf list holds objects, not references to the branches\' leaves');
      // A reference is the object's offset from the key start + 2; keep those into the kept branches.
      if (v - tk.key.keylen - 2 < cutAt) leaves.push(w);
    }
    const infoKey = readKeyAt(f, header.seekInfo, 'StreamerInfo');
    const infoIn = await readKeyPayload(f, infoKey, 'StreamerInfo');
    const freeKey = readKeyAt(f, header.seekFree, 'free segments');
    const keys = await listKeys(f);
    copyFileSync(f.path, tmpPath);
    const fd = openSync(tmpPath, 'r+');
    ftruncateSync(fd, header.end);
    return new CarryOverWriter(tmpPath, fd, src, header, top, dir, tk, payload, layout, { at: cutAt, branches: first, leaves }, codec, { infoKey, infoIn, freeKey, keys });
  }

  /** Names of the original branches kept (all of them unless --force replaces some at the end). */
  keptBranches(): number { return this.cut.branches; }

  /** Appends the new TTree version, StreamerInfo, provenance, keys lists, free list; patches header and directories. */
  async finish(added: BranchRecord[], provenance: ProvenanceRecord[]): Promise<void> {
    const f = this.src.file;
    const { layout, payload, cut } = this;
    const oldKey = this.treeKey.key;
    // 1. The TTree: old bytes up to the cut, new branches, fLeaves with the new leaves, the rest as it was.
    const w = new ByteWriter();
    w.bytes(payload.subarray(0, cut.at));
    const leafRef = new Map<string, number>();
    for (const b of added) writeBranch(w, b, this.src.entries, oldKey.keylen, leafRef);
    const branchesEnd = w.pos;
    const leavesAt = w.pos;
    w.bytes(payload.subarray(layout.leaves.start, layout.leaves.elements[0]!));
    for (const l of cut.leaves) w.bytes(l);
    for (const b of added) w.u32(leafRef.get(b.name)!);
    const leavesEnd = w.pos;
    w.bytes(payload.subarray(layout.leaves.end));
    const out = w.result();
    const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
    const delta = out.length - payload.length;
    dv.setUint32(0, (layout.end + delta - 4) | kByteCountMask);
    dv.setUint32(layout.branches.start, (branchesEnd - layout.branches.start - 4) | kByteCountMask);
    dv.setInt32(layout.branches.countAt, cut.branches + added.length);
    dv.setUint32(leavesAt, (leavesEnd - leavesAt - 4) | kByteCountMask);
    dv.setInt32(leavesAt + (layout.leaves.countAt - layout.leaves.start), cut.leaves.length + added.length);
    const addTot = added.reduce((s, b) => s + b.totBytes, 0);
    const addZip = added.reduce((s, b) => s + b.zipBytes, 0);
    for (const [name, add] of [['fTotBytes', addTot], ['fZipBytes', addZip]] as const) {
      const at = layout.fields[name];
      if (at !== undefined) dv.setBigInt64(at, dv.getBigInt64(at) + BigInt(add));
    }
    const zipped = await zipRecord(out, this.codec);
    const treeSeek = this.pos;
    if (keyHeaderLength(oldKey.strings, treeSeek, oldKey.pdir, oldKey.version) !== oldKey.keylen) {
      throw new NtcorrError(`${f.path}: tree "${this.src.tree}" cannot be carried over: its 32-bit key cannot point past 2 GB`, { file: f.path });
    }
    const treeHead = keyHeaderBytes({ ...oldKey, nbytes: oldKey.keylen + zipped.length, objlen: out.length, datime: datime(), seek: treeSeek });
    this.appendRaw(concat(treeHead, zipped));

    // 2. StreamerInfo: the input's records plus ours for classes/versions it lacks.
    const { infoKey, infoIn } = this.pre;
    const ours = await unzipRecord(STREAMER_INFO_ZIPPED, STREAMER_INFO_OBJLEN);
    let merged: Uint8Array;
    try {
      merged = mergeStreamerLists(parseStreamerList(infoIn, infoKey.keylen), parseStreamerList(ours, STREAMER_INFO_KEYLEN));
    } catch (e) {
      throw new NtcorrError(`${f.path}: key "StreamerInfo" cannot be carried over: ${errorMessage(e)}`, { file: f.path, cause: e });
    }
    const mz = await zipRecord(merged, this.codec);
    const info = this.appendKey('TList', 'StreamerInfo', 'Doubly linked list', mz, merged.length, undefined, false);

    // 3. Provenance (top directory), replacing earlier records (their content is in the new one).
    const pw = new ByteWriter();
    const at = pw.begin(1);
    pw.i16(1).u32(0).u32(0x03000000).str(JSON.stringify(provenance));
    pw.end(at);
    const prov = this.appendKey('TObjString', PROVENANCE_KEY, 'ntcorr provenance (JSON)', pw.result(), pw.pos, undefined, false);

    // 4. Keys lists: the tree's directory with the new tree key; the top one with the provenance.
    const headOf = (k: KeyInfo): Uint8Array => { const b = new ByteWriter(); keyHeader(b, k, this.header.begin); return b.result(); };
    const writeList = (d: Dir, entries: Uint8Array[]): void => {
      const body = new ByteWriter();
      body.i32(entries.length);
      for (const e of entries) body.bytes(e);
      const p = body.result();
      const k = d.listKey;
      const seek = this.pos;
      const head = keyHeaderBytes({ ...k, nbytes: keyHeaderLength(k.strings, seek, k.pdir, k.version) + p.length, objlen: p.length, datime: datime(), seek });
      this.appendRaw(concat(head, p));
      d.rec.seekKeys = seek;
      d.rec.nbytesKeys = head.length + p.length;
      d.rec.mtime = datime();
    };
    const treeEntries = (d: Dir): Uint8Array[] => d.keys.map((e) => (e.key.seek === oldKey.seek ? treeHead : e.bytes));
    const topEntries = (this.treeDir === this.top ? treeEntries(this.top) : this.top.keys.map((e) => e.bytes))
      .filter((_, i) => !(this.top.keys[i]!.key.className === 'TObjString' && this.top.keys[i]!.key.name === PROVENANCE_KEY));
    topEntries.push(headOf(prov));
    if (this.treeDir !== this.top) writeList(this.treeDir, treeEntries(this.treeDir));
    writeList(this.top, topEntries);

    // 5. Free segments: from the new end of file on (the superseded records are simply left unused).
    const { freeKey } = this.pre;
    const freeLen = 2 + 8 + 8;
    const freeSeek = this.pos;
    const freeKeyLen = keyHeaderLength(freeKey.strings, freeSeek, freeKey.pdir, freeKey.version);
    const end = freeSeek + freeKeyLen + freeLen;
    let infinity = kStartBigFile;
    while (end >= infinity) infinity *= 2;
    const fr = new ByteWriter();
    fr.i16(1001).i64(end).i64(infinity);
    const freeHead = keyHeaderBytes({ ...freeKey, nbytes: freeKeyLen + freeLen, objlen: freeLen, datime: datime(), seek: freeSeek });
    this.appendRaw(concat(freeHead, fr.result()));
    if (this.pos !== end) throw new Error('internal: free segment size');

    // 6. Header and directory records.
    const h: FileHeader = { ...this.header, end, seekFree: freeSeek, nbytesFree: freeKeyLen + freeLen, nfree: 1, seekInfo: info.seek, nbytesInfo: info.nbytes };
    this.writeAt(headerBytes(h), 0);
    for (const d of new Set([this.top, this.treeDir])) this.writeAt(dirRecordBytes(d.rec, `${f.path}: directory record`), d.rec.at);
    this.close();
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const o = new Uint8Array(a.length + b.length);
  o.set(a);
  o.set(b, a.length);
  return o;
}

/**
 * Checks a carried-over copy before it replaces anything: every key of the input (all directories, all
 * cycles) is present with its class, at the same place (so with the same bytes) unless it is the rewritten
 * tree or provenance; the tree keeps every original branch with the same basket index, entries and
 * objects after the branches; the new branches read back in full (checksums verified).
 */
export async function verifyCarriedCopy(source: { path: string }, carry: CarryOverWriter, tmp: string, added: string[]): Promise<void> {
  const src = carry.target;
  const kept = carry.keptBranches();
  const { RootTable } = await import('./reader.js');
  const fail = (why: string): never => {
    throw new NtcorrError(`${source.path}: the rewritten copy failed verification (${why}); the input is left as it was`, { file: source.path });
  };
  const out = await RootTable.open(tmp, { tree: src.tree });
  try {
    const o = out.carryTarget();
    const before = carry.inputKeys;
    const after = await listKeys(o.file);
    for (const [k, v] of before) {
      const got = after.get(k);
      if (got === undefined || got.cls !== v.cls) fail(`key "${rootName(k)}" missing`);
      const rewritten = rootName(k) === `${src.tree};${src.cycle}` || k === 'StreamerInfo;1';
      if (!rewritten && got!.at !== v.at) fail(`key "${rootName(k)}" moved`);
    }
    const ob: any[] = src.treeObj.fBranches?.arr ?? [];
    const nb: any[] = o.treeObj.fBranches?.arr ?? [];
    if (nb.length !== kept + added.length) fail(`the tree has ${nb.length} branches, expected ${kept + added.length}`);
    for (let i = 0; i < kept; i++) {
      const a = ob[i];
      const b = nb[i];
      if (a.fName !== b.fName || String(a.fBasketSeek) !== String(b.fBasketSeek) || String(a.fBasketEntry) !== String(b.fBasketEntry) || Number(a.fEntries) !== Number(b.fEntries)) {
        fail(`branch "${rootName(String(a.fName))}" changed`);
      }
    }
    if (Number(o.treeObj.fEntries) !== src.entries) fail('entry count changed');
    const summary = (t: any): string => JSON.stringify([t.fBranchRef?.fName, t.fUserInfo?.arr?.length, t.fAliases?.arr?.length, t.fFriends?.arr?.length, t.fIndexValues?.length]);
    if (summary(o.treeObj) !== summary(src.treeObj)) fail('the tree\'s objects after its branches changed');
    // Read back in chunks (memory bounded by the chunk), checksums verified on every basket.
    try {
      for await (const c of out.chunks(added, 1 << 20)) void c;
    } catch (e) {
      fail(`the new branches do not read back: ${errorMessage(e)}`);
    }
  } finally {
    await out.close();
  }
}

/** Every key of a file, all directories and cycles: "dir/name;cycle" -> class and place. */
async function listKeys(f: RootFile): Promise<Map<string, { cls: string; at: string }>> {
  const m = new Map<string, { cls: string; at: string }>();
  const walk = async (keys: any[], prefix: string): Promise<void> => {
    for (const k of keys) {
      if (k.fName === PROVENANCE_KEY && !prefix) continue;
      m.set(`${prefix}${k.fName};${k.fCycle}`, { cls: String(k.fClassName), at: `${k.fSeekKey}+${k.fNbytes}` });
      if (DIR_CLASSES.has(k.fClassName)) {
        const d: any = await quietly(() => f.js.readDirectory(prefix + k.fName, k.fCycle)).catch((e: unknown) => {
          throw new NtcorrError(`${f.path}: directory "${rootName(prefix + k.fName)}" cannot be read (${errorMessage(e)})`, { file: f.path, cause: e });
        });
        await walk(d?.fKeys ?? [], `${prefix}${k.fName}/`);
      }
    }
  };
  await walk(f.js.fKeys ?? [], '');
  return m;
}
