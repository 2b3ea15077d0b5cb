/**
 * Where things are inside a stored TTree object's bytes: the members before fBranches are walked with the
 * file's own TStreamerInfo for TTree (any class version), so a rewrite can keep every original byte (all
 * branches, whatever their type, with their basket seeks) and only append new branches. Hand-written:
 * jsroot parses the object but does not tell where its members lie.
 */
const kByteCountMask = 0x40000000;
const kIsReferenced = 1 << 4;

/** Bytes of ROOT's basic types by TStreamerElement type code (1..19); 0 = not a fixed-size basic type. */
const BASIC_SIZE: Record<number, number> = {
  1: 1, 2: 2, 3: 4, 4: 8, 5: 4, 6: 4, 8: 8, 9: 4, 11: 1, 12: 2, 13: 4, 14: 8, 15: 4, 16: 8, 17: 8, 18: 1,
};
const TARRAY_SIZE: Record<string, number> = { TArrayC: 1, TArrayS: 2, TArrayI: 4, TArrayL: 8, TArrayL64: 8, TArrayF: 4, TArrayD: 8 };

export interface ObjArrayLayout {
  /** Offset of the TObjArray's byte count, and one past its end. */
  start: number;
  end: number;
  /** Offset of the Int32 element count. */
  countAt: number;
  /** Offset of each element (its byte count / tag word), and the end of the last. */
  elements: number[];
}

export interface TreeLayout {
  version: number;
  /** One past the TTree's last byte (byte count + 4). */
  end: number;
  /** Offsets of members that a rewrite updates (Long64_t). */
  fields: Record<string, number>;
  entries: number;
  branches: ObjArrayLayout;
  leaves: ObjArrayLayout;
}

class Reader {
  readonly dv: DataView;
  constructor(readonly b: Uint8Array, public p = 0) { this.dv = new DataView(b.buffer, b.byteOffset, b.byteLength); }
  need(n: number, what: string): void {
    if (n < 0 || this.p + n > this.b.length) throw new Error(`${what} runs past the end of the object (${this.p}+${n} of ${this.b.length} bytes)`);
  }
  u32(what: string): number { this.need(4, what); const v = this.dv.getUint32(this.p); this.p += 4; return v; }
  skip(n: number, what: string): void { this.need(n, what); this.p += n; }
  /** Skips an object written with a byte count (versioned class). */
  counted(what: string): void {
    const bc = this.u32(what);
    if (!(bc & kByteCountMask)) throw new Error(`${what} has no byte count`);
    this.skip(bc & ~kByteCountMask, what);
  }
  tstring(what: string): void {
    this.need(1, what);
    let n = this.b[this.p++]!;
    if (n === 255) { this.need(4, what); n = this.dv.getInt32(this.p); this.p += 4; }
    this.skip(n, what);
  }
}

/** Parses a TObjArray streamed as a member (byte count, version, TObject, name, count, lower bound, elements). */
export function objArrayLayout(b: Uint8Array, at: number, what: string): ObjArrayLayout {
  const r = new Reader(b, at);
  const bc = r.u32(what);
  if (!(bc & kByteCountMask)) throw new Error(`${what}: no byte count`);
  const end = at + 4 + (bc & ~kByteCountMask);
  if (end > b.length) throw new Error(`${what}: byte count runs past the object`);
  r.need(2, what);
  const version = r.dv.getInt16(r.p); r.p += 2;
  if (version > 2) {
    // TObject: version, fUniqueID, fBits (+ process id when referenced), no byte count.
    r.skip(2, what); r.skip(4, what);
    const bits = r.u32(what);
    if (bits & kIsReferenced) r.skip(2, what);
  }
  if (version > 1) r.tstring(what);
  const countAt = r.p;
  const n = r.u32(what);
  r.skip(4, what); // fLowerBound
  // Every element takes at least 4 bytes: a count that cannot fit is corrupt (checked before looping).
  if (n * 4 > end - r.p) throw new Error(`${what}: claims ${n} elements in ${end - r.p} bytes`);
  const elements: number[] = [];
  for (let i = 0; i < n; i++) {
    elements.push(r.p);
    const w = r.u32(what);
    if (w & kByteCountMask) r.skip(w & ~kByteCountMask, what);
  }
  if (r.p !== end) throw new Error(`${what}: elements end at ${r.p}, the byte count says ${end}`);
  elements.push(end);
  return { start: at, end, countAt, elements };
}

/**
 * Walks the TTree bytes (as stored under its key) with `info`, the file's TStreamerInfo of that TTree
 * version (as jsroot parsed it). Throws a plain Error naming the member it cannot walk.
 */
export function treeLayout(b: Uint8Array, info: (version: number) => any): TreeLayout {
  const r = new Reader(b);
  const bc = r.u32('TTree');
  if (!(bc & kByteCountMask)) throw new Error('TTree has no byte count');
  const end = 4 + (bc & ~kByteCountMask);
  if (end > b.length) throw new Error('TTree byte count runs past the key');
  r.need(2, 'TTree version');
  const version = r.dv.getInt16(r.p); r.p += 2;
  const si = info(version);
  const elements: any[] = si?.fElements?.arr ?? [];
  if (!elements.length) throw new Error(`the file has no streamer info for TTree version ${version}`);
  const fields: Record<string, number> = {};
  const ints = new Map<string, number>();
  let branches: ObjArrayLayout | undefined;
  let leaves: ObjArrayLayout | undefined;
  for (const el of elements) {
    const name = String(el.fName);
    const type = Number(el.fType);
    const what = `TTree member ${name}`;
    if (name === 'fBranches' || name === 'fLeaves') {
      const l = objArrayLayout(b, r.p, what);
      r.p = l.end;
      if (name === 'fBranches') branches = l; else leaves = l;
      if (name === 'fLeaves') break;
      continue;
    }
    if (type === 0) { r.counted(what); continue; } // base class (TNamed, TAttLine, ...)
    const size = BASIC_SIZE[type];
    if (size) {
      if (type === 9 && /\[/.test(String(el.fTitle ?? ''))) throw new Error(`${what}: packed Double32_t`);
      fields[name] = r.p;
      if (size === 4) ints.set(name, r.dv.getInt32(r.p));
      if (size === 8) ints.set(name, Number(r.dv.getBigInt64(r.p)));
      r.skip(size, what);
      continue;
    }
    if (type > 20 && type < 40 && BASIC_SIZE[type - 20]) { r.skip(BASIC_SIZE[type - 20]! * Math.max(1, Number(el.fArrayLength)), what); continue; }
    if (type > 40 && type < 60 && BASIC_SIZE[type - 40]) {
      // Basic pointer with a counter member: a flag byte, then the counted values.
      r.need(1, what);
      const flag = b[r.p++]!;
      const count = ints.get(String(el.fCountName));
      if (count === undefined) throw new Error(`${what}: counter ${el.fCountName} not read before it`);
      if (flag) r.skip(BASIC_SIZE[type - 40]! * count, what);
      continue;
    }
    if (type === 65) { r.tstring(what); continue; }
    const tname = String(el.fTypeName ?? '');
    if (TARRAY_SIZE[tname]) { const n = r.u32(what); r.skip(n * TARRAY_SIZE[tname]!, what); continue; }
    if (type === 61 || type === 62 || type === 66 || type === 67) { r.counted(what); continue; }
    throw new Error(`${what} (type ${type}, ${tname}) comes before fLeaves and cannot be walked`);
  }
  if (!branches || !leaves) throw new Error('TTree streamer info has no fBranches/fLeaves');
  return { version, end, fields, entries: ints.get('fEntries') ?? -1, branches, leaves };
}
