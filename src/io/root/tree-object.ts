/**
 * Serialises a TTree (v20) with TBranch (v13) + one TLeaf* (v1, TLeaf v2) per branch: the class versions
 * of the StreamerInfo record in ./streamer-info.ts. The byte layout follows ROOT's streamers (and uproot's
 * writer, which ROOT reads): fixed defaults where ROOT writes constants, basket index arrays per branch, and
 * the tree's fLeaves as references to the leaves already streamed inside the branches.
 */
import type { DType } from '../../core/columns.js';
import { ByteWriter, kMapOffset } from './bytes.js';

export interface LeafSpec {
  name: string;
  dtype: DType;
  /** Elements per entry for fixed arrays (x[3]); 1 otherwise. */
  fixed: number;
  /** Name of the counter branch for x[n] arrays. */
  counter?: string;
  /** This branch is some other branch's counter (ROOT sets fIsRange). */
  isCounter: boolean;
  /** A char* string branch (TLeafC): one string per entry; dtype is then 'int8'. */
  strings?: boolean;
}

export interface BranchRecord extends LeafSpec {
  basketBytes: number[];
  basketEntry: number[];
  basketSeek: number[];
  totBytes: number;
  zipBytes: number;
  /** Smallest/largest value written, for counter leaves: ROOT truncates x[n] arrays to the counter's fMaximum. */
  minimum?: number;
  maximum?: number;
  /** Longest string written, in bytes (string branches: ROOT reads at most fLen - 1 bytes of an entry). */
  maxStringBytes?: number;
}

const LEAF: Record<DType, { cls: string; size: number; unsigned: boolean; code: string }> = {
  bool: { cls: 'TLeafO', size: 1, unsigned: false, code: 'O' },
  int8: { cls: 'TLeafB', size: 1, unsigned: false, code: 'B' },
  uint8: { cls: 'TLeafB', size: 1, unsigned: true, code: 'b' },
  int16: { cls: 'TLeafS', size: 2, unsigned: false, code: 'S' },
  uint16: { cls: 'TLeafS', size: 2, unsigned: true, code: 's' },
  int32: { cls: 'TLeafI', size: 4, unsigned: false, code: 'I' },
  uint32: { cls: 'TLeafI', size: 4, unsigned: true, code: 'i' },
  int64: { cls: 'TLeafL', size: 8, unsigned: false, code: 'L' },
  uint64: { cls: 'TLeafL', size: 8, unsigned: true, code: 'l' },
  float32: { cls: 'TLeafF', size: 4, unsigned: false, code: 'F' },
  float64: { cls: 'TLeafD', size: 8, unsigned: false, code: 'D' },
};

export function leafSize(dtype: DType): number { return LEAF[dtype].size; }

// Constant sub-records, as ROOT writes them (TAttLine 602/1/1, TAttFill 0/1001, TAttMarker 1/1/1.0,
// ROOT::TIOFeatures v0 with class checksum 0x1aa12f10 and no bits set, an empty TObjArray).
const TATTLINE = [0x40, 0, 0, 8, 0, 2, 2, 0x5a, 0, 1, 0, 1];
const TATTFILL = [0x40, 0, 0, 6, 0, 2, 0, 0, 3, 0xe9];
const TATTMARKER = [0x40, 0, 0, 10, 0, 2, 0, 1, 0, 1, 0x3f, 0x80, 0, 0];
const TIOFEATURES = [0x40, 0, 0, 7, 0, 0, 0x1a, 0xa1, 0x2f, 0x10, 0];
const EMPTY_TOBJARRAY = [0x40, 0, 0, 0x15, 0, 3, 0, 1, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];

const kIsOnHeap = 0x01000000;
const kNotDeleted = 0x02000000;
const kMustCleanup = 1 << 3;

function tnamed(w: ByteWriter, name: string, title: string, bits: number): void {
  const at = w.begin(1);
  w.i16(1).u32(0).u32(bits | kIsOnHeap | kNotDeleted);
  w.str(name).str(title);
  w.end(at);
}

/** TObjArray header (TObject + empty name) with its size; elements follow. */
function objArrayHead(w: ByteWriter, size: number): number {
  const at = w.begin(3);
  w.i16(1).u32(0).u32(kIsOnHeap | kNotDeleted);
  w.u8(0);
  w.i32(size).i32(0);
  return at;
}

/**
 * The TTree object's bytes. `keylen` is the length of the TKey it will be written under: object
 * references are offsets from the key start.
 */
export function serializeTree(name: string, title: string, entries: number, branches: BranchRecord[], keylen: number): Uint8Array {
  const w = new ByteWriter();
  const totBytes = branches.reduce((s, b) => s + b.totBytes, 0);
  const zipBytes = branches.reduce((s, b) => s + b.zipBytes, 0);
  const tree = w.begin(20);
  tnamed(w, name, title, kMustCleanup);
  w.bytes(TATTLINE).bytes(TATTFILL).bytes(TATTMARKER);
  w.i64(entries).i64(totBytes).i64(zipBytes).i64(totBytes).i64(totBytes); // fEntries fTotBytes fZipBytes fSavedBytes fFlushedBytes
  w.f64(1).i32(0).i32(25).i32(0).i32(1000); // fWeight fTimerInterval fScanField fUpdate fDefaultEntryOffsetLen
  w.u32(0); // fNClusterRange
  w.i64(1e12).i64(1e12).i64(0).i64(-300000000).i64(0).i64(1000000); // fMaxEntries fMaxEntryLoop fMaxVirtualSize fAutoSave fAutoFlush fEstimate
  w.u8(0).u8(0); // fClusterRangeEnd, fClusterSize: empty (speedbumps)
  w.bytes(TIOFEATURES);

  const leafRef = new Map<string, number>();
  const arr = objArrayHead(w, branches.length);
  for (const b of branches) writeBranch(w, b, entries, keylen, leafRef);
  w.end(arr);
  // fLeaves: references to the leaves streamed above.
  const leaves = objArrayHead(w, branches.length);
  for (const b of branches) w.u32(leafRef.get(b.name)!);
  w.end(leaves);
  // fAliases, fIndexValues (empty TArrayD), fIndex (empty TArrayI), fTreeIndex, fFriends, fUserInfo, fBranchRef
  w.u32(0).i32(0).i32(0).u32(0).u32(0).u32(0).u32(0);
  w.end(tree);
  return w.result();
}

/**
 * Streams one TBranch (v13) with its single TLeaf into `w`. `leafRef` maps branch names to the object
 * tags of leaves already streamed (a counter must come before its array); this leaf's tag is added.
 * `keylen`: the length of the key the tree will be written under (tags are offsets from the key start).
 */
const TLEAFC = { cls: 'TLeafC', size: 1, unsigned: false, code: 'C' };

export function writeBranch(w: ByteWriter, b: BranchRecord, entries: number, keylen: number, leafRef: Map<string, number>): void {
  const t = b.strings ? TLEAFC : LEAF[b.dtype];
  const anyAt = w.beginAny('TBranch');
  const br = w.begin(13);
  tnamed(w, b.name, leafTitle(b) + '/' + t.code, 0x00400000);
  w.bytes(TATTFILL);
  const nb = b.basketBytes.length;
  // fCompress 0 like uproot: each basket says itself whether it is compressed (Nbytes - KeyLen < ObjLen).
  w.i32(0).i32(32000).i32(b.counter || b.strings ? 1000 : 0).i32(nb).i64(entries);
  w.bytes(TIOFEATURES);
  w.i32(0).u32(nb + 1).i32(0).i64(entries).i64(0).i64(b.totBytes).i64(b.zipBytes); // fOffset fMaxBaskets fSplitLevel fEntries fFirstEntry fTotBytes fZipBytes
  w.bytes(EMPTY_TOBJARRAY); // fBranches
  const leaves = objArrayHead(w, 1);
  const leafAt = w.pos;
  leafRef.set(b.name, keylen + leafAt + kMapOffset);
  const anyLeaf = w.beginAny(t.cls);
  const specific = w.begin(1);
  const leaf = w.begin(2);
  const named = w.begin(1);
  w.i16(1).u32(0).u32(kIsOnHeap | kNotDeleted);
  w.str(b.name).str(leafTitle(b));
  w.end(named);
  // TLeafC: fLen and fMaximum are the longest string + 1, as ROOT writes them (its reader cuts at fLen - 1).
  const strLen = (b.maxStringBytes ?? 0) + 1;
  w.i32(b.strings ? strLen : b.fixed).i32(t.size).i32(0).u8(b.isCounter ? 1 : 0).u8(t.unsigned ? 1 : 0);
  if (b.counter) {
    const ref = leafRef.get(b.counter);
    if (ref === undefined) throw new Error(`internal: counter "${b.counter}" must be written before "${b.name}"`);
    w.u32(ref);
  } else {
    w.u32(0);
  }
  w.end(leaf);
  // fMinimum, fMaximum: needed for counters (ROOT reads at most fMaximum elements of an x[n] entry),
  // 0 otherwise (display only).
  const lo = b.minimum ?? 0;
  const hi = b.maximum ?? 0;
  if (b.strings) w.i32(0).i32(strLen);
  else if (t.size === 1) w.u8(lo & 255).u8(hi & 255);
  else if (t.cls === 'TLeafS') w.i16(lo).i16(hi);
  else if (t.cls === 'TLeafI') w.u32(lo).u32(hi);
  else if (t.cls === 'TLeafF') w.f32(0).f32(0);
  else if (t.cls === 'TLeafD') w.f64(0).f64(0);
  else w.i64(lo).i64(hi);
  w.end(specific);
  w.end(anyLeaf);
  w.end(leaves);
  w.bytes(EMPTY_TOBJARRAY); // fBaskets (all written to the file)
  w.u8(1); for (let i = 0; i <= nb; i++) w.i32(b.basketBytes[i] ?? 0);
  w.u8(1); for (let i = 0; i <= nb; i++) w.i64(i < nb ? b.basketEntry[i]! : entries);
  w.u8(1); for (let i = 0; i <= nb; i++) w.i64(b.basketSeek[i] ?? 0);
  w.u8(0); // fFileName
  w.end(br);
  w.end(anyAt);
}

function leafTitle(b: LeafSpec): string {
  if (b.counter) return `${b.name}[${b.counter}]`;
  if (b.fixed > 1) return `${b.name}[${b.fixed}]`;
  return b.name;
}
