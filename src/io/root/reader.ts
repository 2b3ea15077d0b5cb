/**
 * TableSource over one TTree: columns are branches, chunks are entry ranges assembled from whole baskets
 * decoded in bulk (one typed array per basket, entry offsets for jagged branches).
 */
import { allocate, type Chunk, type Column, type NumericArray } from '../../core/columns.js';
import { NtcorrError, errorMessage } from '../../core/errors.js';
import type { ColumnInfo, ProvenanceRecord, TableSource } from '../table.js';
import { basketCount, readBasket, type RawBasket } from './basket.js';
import { columnInfo, planBranches, type BranchPlan } from './branches.js';
import { codecOf } from './compression.js';
import { decodeBE } from './endian.js';
import { RootFile, type TreeKey } from './file.js';
import { readProvenance } from './provenance.js';

/** One basket decoded: `values` holds all its elements; `offsets` (entries + 1) indexes them per entry. */
interface DecodedBasket {
  entryStart: number;
  entryEnd: number;
  values: NumericArray;
  offsets?: Int32Array;
}

export interface BranchDescription {
  name: string;
  type: string;
  dtype?: string;
  unsupported?: string;
  baskets: number;
  compressedBytes: number;
  uncompressedBytes: number;
  compression: string;
}

export interface TreeDescription {
  name: string;
  entries: number;
  branches: BranchDescription[];
}

export class RootTable implements TableSource {
  readonly format = 'root' as const;
  readonly columns: ColumnInfo[];
  /** Branches ntcorr cannot read, with the reason (also in `columns` without a dtype). */
  readonly skipped: Array<{ name: string; reason: string }>;
  private readonly plans_: Map<string, BranchPlan>;

  private constructor(
    readonly path: string,
    readonly tree: string,
    readonly rows: number,
    readonly provenance: ProvenanceRecord[],
    private readonly file: RootFile,
    private readonly treeObj: any,
    readonly trees: TreeKey[],
    readonly cycle: number,
  ) {
    // std::string / TString members of split objects are recognised by their streamer element.
    const elementOf = (b: any): any => {
      try {
        const si = file.js.findStreamerInfo(String(b.fClassName), b.fClassVersion, b.fCheckSum);
        return si?.fElements?.arr?.[Number(b.fID)];
      } catch {
        return undefined;
      }
    };
    const plans = planBranches(treeObj, elementOf);
    this.plans_ = new Map(plans.map((p) => [p.name, p]));
    this.columns = plans.map(columnInfo);
    this.skipped = plans.filter((p) => p.unsupported).map((p) => ({ name: p.name, reason: p.unsupported! }));
  }

  /** Opens `path` and the tree `tree` (default: the only TTree in the file). */
  static async open(path: string, opts: { tree?: string } = {}): Promise<RootTable> {
    const file = await RootFile.open(path);
    try {
      const trees = await file.trees();
      let key: TreeKey | undefined;
      if (opts.tree !== undefined) {
        const want = opts.tree.replace(/^\/+/, '');
        key = trees.find((t) => t.path === want);
        if (!key) {
          throw new NtcorrError(`${path}: no tree "${opts.tree}" (trees in the file: ${trees.map((t) => t.path).join(', ') || 'none'})`, { file: path });
        }
      } else if (trees.length === 1) {
        key = trees[0];
      } else if (trees.length === 0) {
        throw new NtcorrError(`${path}: the file contains no TTree`, { file: path });
      } else {
        throw new NtcorrError(`${path}: several trees (${trees.map((t) => t.path).join(', ')}); choose one with --tree`, { file: path });
      }
      const obj = await file.readObject(key!.jsPath, key!.cycle);
      if (!obj) throw new NtcorrError(`${path}: tree "${key!.path}" cannot be read`, { file: path });
      const entries = Number(obj.fEntries);
      if (!Number.isSafeInteger(entries) || entries < 0) {
        throw new NtcorrError(`${path}: tree "${key!.path}" has a corrupt entry count (${String(obj.fEntries)}); expected a whole number >= 0`, { file: path });
      }
      const provenance = await readProvenance(file);
      return new RootTable(path, key!.path, entries, provenance, file, obj, trees, key!.cycle);
    } catch (e) {
      file.close();
      throw e;
    }
  }

  /** The open file, the TTree object (jsroot) and its cycle: what a carried-over rewrite starts from. */
  carryTarget(): { file: RootFile; tree: string; cycle: number; treeObj: any; entries: number } {
    return { file: this.file, tree: this.tree, cycle: this.cycle, treeObj: this.treeObj, entries: this.rows };
  }

  /** The plan of a readable branch, or an NtcorrError naming file, tree and branch. */
  plan(name: string): BranchPlan {
    const p = this.plans_.get(name);
    if (!p) throw new NtcorrError(`${this.path}: tree "${this.tree}" has no branch "${name}"`, { file: this.path, column: name });
    if (p.unsupported) {
      throw new NtcorrError(`${this.path}: tree "${this.tree}", branch "${name}" (${p.rootType}) cannot be read: ${p.unsupported}`, { file: this.path, column: name });
    }
    return p;
  }

  async *chunks(columns: string[], chunkRows: number): AsyncIterable<Chunk> {
    const cursors = columns.map((c) => new BranchCursor(this, this.plan(c)));
    const step = Math.max(1, Math.floor(chunkRows));
    for (let start = 0; start < this.rows; start += step) {
      const rows = Math.min(step, this.rows - start);
      const map = new Map<string, Column>();
      for (let i = 0; i < columns.length; i++) map.set(columns[i]!, await cursors[i]!.take(start, rows));
      yield { file: this.path, start, rows, columns: map };
    }
  }

  /** Reads whole columns at once (convenience for small files and tests). */
  async readAll(columns: string[]): Promise<Map<string, Column>> {
    const out = new Map<string, Column>();
    for (const c of columns) out.set(c, await new BranchCursor(this, this.plan(c)).take(0, this.rows));
    return out;
  }

  /**
   * Every entry of a string branch (char* TLeafC, std::string, TString) as a string (its bytes decoded as
   * UTF-8). Strings are not numeric columns: models and expressions cannot use them; full copies carry
   * them over unchanged.
   */
  async readStrings(name: string): Promise<string[]> {
    return (await this.readStringBytes(name)).map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8'));
  }

  /** Every entry of a string branch as its exact bytes (what a re-write stores again). */
  async readStringBytes(name: string): Promise<Uint8Array[]> {
    const p = this.plans_.get(name);
    const where = `${this.path}: tree "${this.tree}", branch "${name}"`;
    if (!p) throw new NtcorrError(`${this.path}: tree "${this.tree}" has no branch "${name}"`, { file: this.path, column: name });
    if (!p.strings) throw new NtcorrError(`${where}: not a string branch (char*, std::string or TString; it is ${p.rootType})`, { file: this.path, column: name });
    const header = p.stringHeader ?? 0;
    const out: Uint8Array[] = [];
    for (let k = 0; k < basketCount(p.branch); k++) {
      const raw = await readBasket(this.file, this.tree, p.branch, k, this.rows);
      if (!raw.offsets) throw new NtcorrError(`${where}: basket ${k} has no entry offsets`, { file: this.path, column: name });
      const dv = new DataView(raw.data.buffer, raw.data.byteOffset, raw.data.byteLength);
      for (let i = 0; i < raw.entryEnd - raw.entryStart; i++) {
        // Each entry: [byte count | kByteCountMask (4), version (2)] for std::string members, then a
        // length byte (255: an Int32 length follows), then the bytes.
        let at = raw.offsets[i]!;
        const end = raw.offsets[i + 1]!;
        if (header) {
          const bc = at + 4 <= end ? dv.getUint32(at) : 0;
          if (!(bc & 0x40000000) || (bc & ~0x40000000) !== end - at - 4 || end - at < header) {
            throw new NtcorrError(`${where}: entry ${raw.entryStart + i}: corrupt std::string header (byte count ${bc & ~0x40000000}, expected ${end - at - 4})`, { file: this.path, column: name });
          }
          at += header;
        }
        let n = at < end ? raw.data[at++]! : 0;
        if (n === 255) {
          if (at + 4 > end) throw new NtcorrError(`${where}: entry ${raw.entryStart + i} truncated`, { file: this.path, column: name });
          n = new DataView(raw.data.buffer, raw.data.byteOffset + at, 4).getInt32(0);
          at += 4;
        }
        if (n < 0 || at + n > end) throw new NtcorrError(`${where}: entry ${raw.entryStart + i} holds a string of ${n} bytes in ${end - at}`, { file: this.path, column: name });
        out.push(raw.data.slice(at, at + n));
      }
    }
    if (out.length !== this.rows) throw new NtcorrError(`${where}: ${out.length} of ${this.rows} entries found`, { file: this.path, column: name });
    return out;
  }

  /** Every branch's read plan by name (readable or not). */
  plans(): ReadonlyMap<string, BranchPlan> { return this.plans_; }

  /** Random-access-forward reader of the given branches (entry ranges must come in increasing order). */
  rangeReader(columns: string[]): { read(start: number, rows: number): Promise<Map<string, Column>> } {
    const cursors = columns.map((c) => new BranchCursor(this, this.plan(c)));
    return {
      read: async (start, rows) => {
        const m = new Map<string, Column>();
        for (let i = 0; i < columns.length; i++) m.set(columns[i]!, await cursors[i]!.take(start, rows));
        return m;
      },
    };
  }

  /** Decodes basket k of a branch (used by the cursor). */
  async decodeBasket(p: BranchPlan, k: number): Promise<DecodedBasket> {
    let raw: RawBasket;
    try {
      raw = await readBasket(this.file, this.tree, p.branch, k, this.rows);
    } catch (e) {
      if (e instanceof NtcorrError) throw e;
      throw new NtcorrError(`${this.path}: tree "${this.tree}", branch "${p.name}", basket ${k}: ${errorMessage(e)}`, { file: this.path, column: p.name, cause: e });
    }
    const n = raw.entryEnd - raw.entryStart;
    const where = `${this.path}: tree "${this.tree}", branch "${p.name}"`;
    if (p.layout === 'flat' || p.layout === 'fixed') {
      const count = n * p.perEntry;
      if (raw.data.length < count * p.size) throw new NtcorrError(`${where}: basket ${k} holds ${raw.data.length} bytes, expected ${count * p.size}`, { file: this.path, column: p.name });
      return { entryStart: raw.entryStart, entryEnd: raw.entryEnd, values: decodeBE(raw.data, p.storage!, p.dtype!, count) };
    }
    if (!raw.offsets) throw new NtcorrError(`${where}: variable-length basket ${k} has no entry offsets`, { file: this.path, column: p.name });
    if (p.layout === 'jagged') {
      const offsets = new Int32Array(n + 1);
      for (let i = 0; i <= n; i++) {
        const b = raw.offsets[i]! - raw.offsets[0]!;
        if (b % p.size !== 0) throw new NtcorrError(`${where}: entry ${raw.entryStart + i} is not a whole number of ${p.size}-byte values`, { file: this.path, column: p.name });
        offsets[i] = b / p.size;
      }
      const bytes = raw.data.subarray(raw.offsets[0]!, raw.offsets[n]!);
      return { entryStart: raw.entryStart, entryEnd: raw.entryEnd, values: decodeBE(bytes, p.storage!, p.dtype!, offsets[n]!), offsets };
    }
    // vector<T>: each entry = [ByteCount|0x40000000 (4), version (2)] Int32 size, then size values.
    const dv = new DataView(raw.data.buffer, raw.data.byteOffset, raw.data.byteLength);
    const offsets = new Int32Array(n + 1);
    const starts = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      let pos = raw.offsets[i]!;
      if (pos + 4 > raw.data.length) throw new NtcorrError(`${where}: entry ${raw.entryStart + i} truncated`, { file: this.path, column: p.name });
      if (dv.getUint32(pos) & 0x40000000) pos += 6;
      const len = dv.getInt32(pos);
      starts[i] = pos + 4;
      if (len < 0 || starts[i]! + len * p.size > raw.offsets[i + 1]!) throw new NtcorrError(`${where}: entry ${raw.entryStart + i} has an invalid vector size ${len}`, { file: this.path, column: p.name });
      offsets[i + 1] = offsets[i]! + len;
    }
    const packed = new Uint8Array(offsets[n]! * p.size);
    for (let i = 0; i < n; i++) packed.set(raw.data.subarray(starts[i]!, starts[i]! + (offsets[i + 1]! - offsets[i]!) * p.size), offsets[i]! * p.size);
    return { entryStart: raw.entryStart, entryEnd: raw.entryEnd, values: decodeBE(packed, p.storage!, p.dtype!, offsets[n]!), offsets };
  }

  /** Trees, branches, types, entries and compression, for `ntcorr inspect`. */
  describe(): { trees: string[]; tree: TreeDescription; skipped: Array<{ name: string; reason: string }> } {
    const branches: BranchDescription[] = [...this.plans_.values()].map((p) => {
      const b = p.branch;
      return {
        name: p.name,
        type: p.rootType,
        dtype: p.dtype,
        unsupported: p.unsupported,
        baskets: basketCount(b),
        compressedBytes: Number(b.fZipBytes),
        uncompressedBytes: Number(b.fTotBytes),
        compression: this.codecOfBranch(b),
      };
    });
    return { trees: this.trees.map((t) => t.path), tree: { name: this.tree, entries: this.rows, branches }, skipped: this.skipped };
  }

  /**
   * The branch's codec: from fCompress, or, when that is 0 (writers such as uproot's and ours leave it 0
   * and let each basket say whether it is compressed), from the first basket's compression header.
   */
  private codecOfBranch(b: any): string {
    const declared = codecOf(Number(b.fCompress));
    if (declared !== 'none' || !(Number(b.fWriteBasket) > 0)) return declared;
    try {
      const seek = Number(b.fBasketSeek[0]);
      const head = this.file.read(seek, 18);
      const dv = new DataView(head.buffer, head.byteOffset, 18);
      const nbytes = dv.getInt32(0);
      const objlen = dv.getInt32(6);
      const keylen = dv.getInt16(14);
      if (objlen <= nbytes - keylen) return 'none';
      const tag = Buffer.from(this.file.read(seek + keylen, 2)).toString('latin1');
      return ({ ZL: 'zlib', CS: 'zlib', XZ: 'lzma', L4: 'lz4', ZS: 'zstd' } as Record<string, string>)[tag] ?? 'none';
    } catch {
      return declared;
    }
  }

  async close(): Promise<void> {
    this.file.close();
  }
}

/** Walks one branch's baskets forward as chunks are requested (chunks come in entry order). */
class BranchCursor {
  private k = 0;
  private current: DecodedBasket | undefined;
  private readonly total: number;

  constructor(private readonly table: RootTable, private readonly p: BranchPlan) {
    this.total = basketCount(p.branch);
  }

  private async basketAt(entry: number): Promise<DecodedBasket> {
    if (this.current && entry >= this.current.entryStart && entry < this.current.entryEnd) return this.current;
    if (this.current && entry < this.current.entryStart) this.k = 0; // rewind (not used by chunks())
    const b = this.p.branch;
    while (this.k < this.total) {
      const k = this.k;
      const end = k + 1 < this.total ? Number(b.fBasketEntry[k + 1]) : this.table.rows;
      if (entry < end) {
        this.current = await this.table.decodeBasket(this.p, k);
        this.k = k + 1;
        return this.current;
      }
      this.k++;
    }
    throw new NtcorrError(
      `${this.table.path}: tree "${this.table.tree}", branch "${this.p.name}" ends before entry ${entry} of ${this.table.rows} (baskets missing; was the file closed cleanly?)`,
      { file: this.table.path, column: this.p.name },
    );
  }

  async take(start: number, rows: number): Promise<Column> {
    const p = this.p;
    const flat = p.layout === 'flat';
    if (rows === 0) {
      const empty = allocate(p.dtype!, 0);
      return flat ? empty : { offsets: new Int32Array(1), values: empty };
    }
    // Gather the pieces of each basket overlapping [start, start + rows).
    const pieces: Array<{ b: DecodedBasket; from: number; to: number }> = [];
    for (let e = start; e < start + rows;) {
      const b = await this.basketAt(e);
      const to = Math.min(start + rows, b.entryEnd);
      pieces.push({ b, from: e - b.entryStart, to: to - b.entryStart });
      e = to;
    }
    if (flat) {
      if (pieces.length === 1) return pieces[0]!.b.values.slice(pieces[0]!.from, pieces[0]!.to);
      const out = allocate(p.dtype!, rows);
      let o = 0;
      for (const { b, from, to } of pieces) { (out as Float64Array).set(b.values.subarray(from, to) as Float64Array, o); o += to - from; }
      return out;
    }
    const offsets = new Int32Array(rows + 1);
    let total = 0;
    let r = 0;
    for (const { b, from, to } of pieces) {
      const off = b.offsets ?? fixedOffsets(b, p.perEntry);
      const base = off[from]!;
      for (let i = from; i < to; i++) offsets[++r] = total + off[i + 1]! - base;
      total += off[to]! - base;
    }
    const values = allocate(p.dtype!, total);
    let o = 0;
    for (const { b, from, to } of pieces) {
      const off = b.offsets ?? fixedOffsets(b, p.perEntry);
      const part = b.values.subarray(off[from]!, off[to]!);
      (values as Float64Array).set(part as Float64Array, o);
      o += part.length;
    }
    return { offsets, values };
  }
}

function fixedOffsets(b: DecodedBasket, per: number): Int32Array {
  if (!b.offsets) {
    const n = b.entryEnd - b.entryStart;
    const o = new Int32Array(n + 1);
    for (let i = 0; i <= n; i++) o[i] = i * per;
    b.offsets = o;
  }
  return b.offsets;
}

