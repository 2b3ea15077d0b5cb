/**
 * Merges StreamerInfo records (TList of TStreamerInfo, plus the list of schema rules): the input's
 * records, then ours (src/io/root/streamer-info.ts) for the classes and versions the input lacks.
 * Every class tag is re-emitted as a new-class tag (class name in full), so no record depends on the
 * offset where another one was stored and the merged list can be written under any key. Hand-written:
 * no package serialises ROOT's TList/TObjArray framing.
 */
import { ByteWriter, kByteCountMask, kNewClassTag } from './bytes.js';

const kClassMask = 0x80000000;
const kIsReferenced = 1 << 4;

interface Item {
  cls: string;
  /** The object after its class tag (its own byte count onwards), or a nested list. */
  body?: Uint8Array;
  list?: ListNode;
  info?: InfoNode;
  option: Uint8Array;
}

interface InfoNode { head: Uint8Array; elements: ArrayNode; tail: Uint8Array; name: string; version: number }
interface ArrayNode { head: Uint8Array; items: Array<{ cls: string; body: Uint8Array } | null> }
interface ListNode { version: number; head: Uint8Array; items: Item[] }

class In {
  readonly dv: DataView;
  /** Class names by tag value (position of the tag + offset + 2, with the class bit). */
  constructor(readonly b: Uint8Array, readonly tagOffset: number, readonly classes: Map<number, string>, public p = 0) {
    this.dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }
  need(n: number): void { if (n < 0 || this.p + n > this.b.length) throw new Error(`StreamerInfo record truncated at byte ${this.p}`); }
  u32(): number { this.need(4); const v = this.dv.getUint32(this.p); this.p += 4; return v; }
  i16(): number { this.need(2); const v = this.dv.getInt16(this.p); this.p += 2; return v; }
  take(n: number): Uint8Array { this.need(n); const s = this.b.subarray(this.p, this.p + n); this.p += n; return s; }
  tstring(): Uint8Array {
    const at = this.p;
    this.need(1);
    let n = this.b[this.p++]!;
    if (n === 255) { this.need(4); n = this.dv.getInt32(this.p); this.p += 4; }
    this.take(n);
    return this.b.subarray(at, this.p);
  }
  tobject(): void {
    this.i16(); this.u32();
    if (this.u32() & kIsReferenced) this.i16();
  }
  /** Reads [byte count][class tag] of an object written through a pointer; null for a null pointer. */
  classOf(): { cls: string; end: number } | null {
    const bc = this.u32();
    if (bc === 0) return null;
    if (!(bc & kByteCountMask)) throw new Error('StreamerInfo record holds an object reference (not supported)');
    const end = this.p + (bc & ~kByteCountMask);
    const tagAt = this.p;
    const tag = this.u32();
    let cls: string;
    if (tag === kNewClassTag) {
      const z = this.b.indexOf(0, this.p);
      if (z < 0 || z >= end) throw new Error('StreamerInfo record: class name not terminated');
      cls = Buffer.from(this.b.subarray(this.p, z)).toString('latin1');
      this.p = z + 1;
      this.classes.set(((tagAt + this.tagOffset + 2) | kClassMask) >>> 0, cls);
    } else {
      const c = this.classes.get(tag >>> 0);
      if (c === undefined) throw new Error(`StreamerInfo record: unknown class tag ${tag}`);
      cls = c;
    }
    if (end > this.b.length || end < this.p) throw new Error('StreamerInfo record: byte count runs past the record');
    return { cls, end };
  }
}

function readList(r: In, end: number): ListNode {
  const start = r.p;
  const bc = r.u32();
  if (!(bc & kByteCountMask)) throw new Error('StreamerInfo record: TList without byte count');
  const listEnd = r.p + (bc & ~kByteCountMask);
  const version = r.i16();
  if (version > 3) r.tobject();
  r.tstring();
  const countAt = r.p;
  const n = r.u32();
  if (n * 5 > listEnd - r.p) throw new Error(`StreamerInfo record: list claims ${n} objects`);
  const head = r.b.subarray(start + 4, countAt); // version, TObject, name
  const items: Item[] = [];
  for (let i = 0; i < n; i++) {
    const c = r.classOf();
    if (!c) throw new Error('StreamerInfo record: null entry');
    let item: Item;
    if (c.cls === 'TList') {
      item = { cls: c.cls, list: readList(r, c.end), option: new Uint8Array(0) };
    } else if (c.cls === 'TStreamerInfo') {
      item = { cls: c.cls, info: readInfo(r, c.end), option: new Uint8Array(0) };
    } else {
      item = { cls: c.cls, body: r.b.subarray(r.p, c.end), option: new Uint8Array(0) };
    }
    r.p = c.end;
    item.option = r.tstring();
    items.push(item);
  }
  if (r.p !== listEnd || listEnd > end) throw new Error('StreamerInfo record: list length mismatch');
  return { version, head, items };
}

function readInfo(r: In, end: number): InfoNode {
  const start = r.p;
  const bc = r.u32();
  if (!(bc & kByteCountMask)) throw new Error('StreamerInfo record: TStreamerInfo without byte count');
  const infoEnd = r.p + (bc & ~kByteCountMask);
  r.i16();
  // TNamed (byte count), then fCheckSum, fClassVersion.
  const named = r.u32();
  if (!(named & kByteCountMask)) throw new Error('StreamerInfo record: TNamed without byte count');
  const namedStart = r.p;
  r.i16(); r.tobject();
  const nameBytes = r.tstring();
  r.p = namedStart + (named & ~kByteCountMask);
  r.u32();
  r.need(4);
  const version = r.dv.getInt32(r.p); r.p += 4;
  const head = r.b.subarray(start + 4, r.p);
  const arr = r.classOf();
  if (!arr || arr.cls !== 'TObjArray') throw new Error('StreamerInfo record: TStreamerInfo without its element array');
  const aStart = r.p;
  const abc = r.u32();
  const aEnd = r.p + (abc & ~kByteCountMask);
  const aver = r.i16();
  if (aver > 2) r.tobject();
  if (aver > 1) r.tstring();
  const countAt = r.p;
  const n = r.u32();
  r.u32();
  if (n * 4 > aEnd - r.p) throw new Error(`StreamerInfo record: element array claims ${n} elements`);
  const items: ArrayNode['items'] = [];
  for (let i = 0; i < n; i++) {
    const c = r.classOf();
    if (!c) { items.push(null); continue; }
    items.push({ cls: c.cls, body: r.b.subarray(r.p, c.end) });
    r.p = c.end;
  }
  if (r.p !== aEnd || aEnd !== arr.end) throw new Error('StreamerInfo record: element array length mismatch');
  const tail = r.b.subarray(r.p, infoEnd);
  r.p = infoEnd;
  if (infoEnd > end) throw new Error('StreamerInfo record: TStreamerInfo length mismatch');
  return {
    head, elements: { head: r.b.subarray(aStart + 4, countAt + 8), items }, tail,
    name: Buffer.from(nameBytes.subarray(nameBytes[0] === 255 ? 5 : 1)).toString('latin1'), version,
  };
}

/** Parses an uncompressed StreamerInfo payload written under a key of `keylen` bytes. */
export function parseStreamerList(payload: Uint8Array, keylen: number): ListNode {
  const r = new In(payload, keylen, new Map());
  return readList(r, payload.length);
}

function putClass(w: ByteWriter, cls: string): number {
  const at = w.pos;
  w.u32(0).u32(kNewClassTag).cstr(cls);
  return at;
}
function endCount(w: ByteWriter, at: number): void {
  const end = w.pos;
  w.pos = at; w.u32((end - at - 4) | kByteCountMask); w.pos = end;
}

function writeList(w: ByteWriter, l: ListNode, items: Item[]): void {
  const at = w.pos;
  w.u32(0).bytes(l.head).i32(items.length);
  for (const it of items) {
    const c = putClass(w, it.cls);
    if (it.list) writeList(w, it.list, it.list.items);
    else if (it.info) writeInfo(w, it.info);
    else w.bytes(it.body!);
    endCount(w, c);
    w.bytes(it.option);
  }
  endCount(w, at);
}

function writeInfo(w: ByteWriter, s: InfoNode): void {
  const at = w.pos;
  w.u32(0).bytes(s.head);
  const c = putClass(w, 'TObjArray');
  const a = w.pos;
  w.u32(0).bytes(s.elements.head);
  for (const e of s.elements.items) {
    if (!e) { w.u32(0); continue; }
    const ec = putClass(w, e.cls);
    w.bytes(e.body);
    endCount(w, ec);
  }
  endCount(w, a);
  endCount(w, c);
  w.bytes(s.tail);
  endCount(w, at);
}

/**
 * The input's StreamerInfo list plus the records of `ours` whose class and version it lacks (and our
 * schema rules list when it has none). Returns the uncompressed payload.
 */
export function mergeStreamerLists(input: ListNode | undefined, ours: ListNode): Uint8Array {
  const base = input ?? { ...ours, items: [] };
  const have = new Set(base.items.filter((i) => i.info).map((i) => `${i.info!.name};${i.info!.version}`));
  const items = [...base.items];
  for (const it of ours.items) {
    if (it.info && !have.has(`${it.info.name};${it.info.version}`)) {
      // Before any trailing rules list, like ROOT's own order.
      const rules = items.findIndex((x) => x.list);
      if (rules >= 0) items.splice(rules, 0, it); else items.push(it);
    } else if (it.list && !items.some((x) => x.list)) {
      items.push(it);
    }
  }
  const w = new ByteWriter();
  writeList(w, base, items);
  return w.result();
}
