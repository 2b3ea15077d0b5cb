/**
 * TTree writing: branches buffered per column and flushed as compressed TBasket keys (~64 kB of payload
 * each), then the TTree object, the provenance TObjString and the directory. Output goes to a temp file
 * in the target's folder and is renamed into place by finish() (atomic, also for --in-place).
 */
import { unlink } from 'node:fs/promises';
import { allocate, isJagged, type Column, type DType, type NumericArray } from '../../core/columns.js';
import { commitFile, tempPathFor } from '../../core/atomic.js';
import { NtcorrError, errorMessage } from '../../core/errors.js';
import type { OutputSpec } from '../../bundle/manifest.js';
import type { OutputWriter, ProvenanceRecord, TableSource, WriteOptions } from '../table.js';
import { ByteWriter } from './bytes.js';
import { zipRecord, type Codec } from './compression.js';
import { encodeBE } from './endian.js';
import { KeyFile, RootFileWriter, keyLength, type DirHandle } from './file-writer.js';
import { CarryOverWriter, verifyCarriedCopy } from './carry.js';
import { PROVENANCE_KEY } from './provenance.js';
import { RootTable } from './reader.js';
import { leafSize, serializeTree, type BranchRecord, type LeafSpec } from './tree-object.js';

/** Types a counter branch may have (NanoAOD uses UInt_t, HZZ Int_t). */
const COUNTER_TYPES = new Set<DType>(['int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32']);

/** Uncompressed bytes per basket before it is flushed. */
export const BASKET_BYTES = 64 * 1024;

const CODECS: Record<string, { codec: Codec; code: number }> = {
  zlib: { codec: 'zlib', code: 101 }, lz4: { codec: 'lz4', code: 404 }, zstd: { codec: 'zstd', code: 505 },
  none: { codec: 'none', code: 0 }, uncompressed: { codec: 'none', code: 0 },
};

export interface TreeColumnSpec {
  name: string;
  dtype: DType;
  /**
   * 'flat', 'fixed' (x[fixed]), 'jagged' (x[counter]) or 'string' (char*, one string per entry: the column
   * is jagged uint8 holding each entry's bytes).
   */
  layout: 'flat' | 'fixed' | 'jagged' | 'string';
  fixed?: number;
  counter?: string;
}

/** Buffers one branch's entries and writes them out as baskets. */
class BranchBuffer {
  readonly rec: BranchRecord;
  private parts: NumericArray[] = [];
  private counts: number[] = [];
  private bytes = 0;
  private entries = 0;
  private firstEntry = 0;
  private readonly size: number;

  constructor(spec: LeafSpec, private readonly treeName: string, private readonly file: KeyFile, private readonly codec: Codec, private readonly limit: number) {
    this.rec = { ...spec, basketBytes: [], basketEntry: [], basketSeek: [], totBytes: 0, zipBytes: 0 };
    this.size = leafSize(spec.dtype);
  }

  /** Adds `rows` entries (`counts` per entry for jagged branches), cutting baskets at ~BASKET_BYTES. */
  async add(values: NumericArray, rows: number, counts?: Int32Array): Promise<void> {
    if (this.rec.isCounter) {
      let lo = this.rec.minimum ?? Infinity;
      let hi = this.rec.maximum ?? -Infinity;
      for (let i = 0; i < values.length; i++) { const x = Number(values[i]); if (x < lo) lo = x; if (x > hi) hi = x; }
      if (values.length) { this.rec.minimum = lo; this.rec.maximum = hi; }
    }
    const per = counts ? 0 : rows > 0 ? values.length / rows : 0;
    let e = 0;
    let v = 0;
    while (e < rows) {
      const room = Math.max(0, this.limit - this.bytes);
      let take = 0;
      let nv = 0;
      if (counts) {
        while (e + take < rows && (take === 0 || (nv + counts[e + take]!) * this.size <= room)) nv += counts[e + take++]!;
        for (let i = 0; i < take; i++) this.counts.push(counts[e + i]!);
      } else {
        take = Math.max(1, Math.min(rows - e, Math.floor(room / Math.max(1, per * this.size))));
        nv = take * per;
      }
      this.parts.push(values.subarray(v, v + nv));
      this.entries += take;
      this.bytes += nv * this.size;
      e += take;
      v += nv;
      if (this.bytes >= this.limit) await this.flush();
    }
  }

  /** Adds `rows` string entries (bytes per entry: `offsets`/`bytes`), each stored as a TString. */
  async addStrings(offsets: Int32Array, bytes: Uint8Array, rows: number): Promise<void> {
    for (let e = 0; e < rows; e++) {
      const s = bytes.subarray(offsets[e]!, offsets[e + 1]!);
      const n = s.length;
      const enc = new Uint8Array((n < 255 ? 1 : 5) + n);
      if (n < 255) enc[0] = n; else { enc[0] = 255; new DataView(enc.buffer).setInt32(1, n); }
      enc.set(s, enc.length - n);
      this.rec.maxStringBytes = Math.max(this.rec.maxStringBytes ?? 0, n);
      this.parts.push(enc);
      this.counts.push(enc.length);
      this.entries++;
      this.bytes += enc.length;
      if (this.bytes >= this.limit) await this.flush();
    }
  }

  async flush(): Promise<void> {
    if (this.entries === 0) return;
    const n = this.entries;
    const data = new Uint8Array(this.bytes);
    let o = 0;
    for (const p of this.parts) { const b = encodeBE(p, this.size); data.set(b, o); o += b.length; }
    const name = this.rec.name;
    const keylen = keyLength('TBasket', name, this.treeName) + 19;
    let payload: Uint8Array = data;
    let nevBufSize = this.size * this.rec.fixed;
    if (this.rec.counter || this.rec.strings) {
      // Entry offsets after the data: Int32 count (n + 1), then byte offsets from the key start, last one 0.
      const w = new ByteWriter();
      w.bytes(data).i32(n + 1);
      let at = keylen;
      for (let i = 0; i < n; i++) { w.i32(at); at += this.counts[i]! * this.size; }
      w.i32(0);
      payload = w.result();
      nevBufSize = n + 2;
    }
    const zipped = await zipRecord(payload, this.codec);
    const head = new ByteWriter();
    head.i16(3).i32(32000).i32(nevBufSize).i32(n).i32(keylen + data.length).u8(0);
    const k = this.file.appendKey('TBasket', name, this.treeName, zipped, payload.length, head.result());
    this.rec.basketBytes.push(k.nbytes);
    this.rec.basketEntry.push(this.firstEntry);
    this.rec.basketSeek.push(k.seek);
    this.rec.totBytes += keylen + payload.length;
    this.rec.zipBytes += k.nbytes;
    this.firstEntry += n;
    this.parts = [];
    this.counts = [];
    this.bytes = 0;
    this.entries = 0;
  }
}

/**
 * Low-level TTree writer: declare the columns, append chunks, finish. Counter branches of jagged columns
 * are derived from the offsets and written just before the first array that uses them.
 */
export class TreeWriter {
  private readonly file: KeyFile;
  /** Set when this writer makes a new file (not when it appends to a carried-over copy). */
  private readonly newFile: RootFileWriter | undefined;
  private readonly buffers = new Map<string, BranchBuffer>();
  private readonly order: BranchBuffer[] = [];
  private readonly counterOf = new Map<string, string>();
  private rows = 0;
  private readonly codec: Codec;

  constructor(readonly path: string, readonly tree: string, columns: TreeColumnSpec[], compression = 'zlib', basketBytes = BASKET_BYTES, appendTo?: (codec: Codec) => KeyFile) {
    const c = CODECS[compression.toLowerCase()];
    if (!c) throw new NtcorrError(`${path}: unknown ROOT compression "${compression}" (expected zlib, lz4, zstd or none)`, { file: path });
    this.codec = c.codec;
    const names = new Set(columns.map((s) => s.name));
    const counters = new Set(columns.filter((s) => s.layout === 'jagged').map((s) => s.counter!));
    this.newFile = appendTo ? undefined : new RootFileWriter(path, c.code);
    this.file = appendTo ? appendTo(c.codec) : this.newFile!;
    const add = (spec: LeafSpec): void => {
      if (this.buffers.has(spec.name)) return;
      const b = new BranchBuffer(spec, tree.split('/').pop() ?? tree, this.file, this.codec, basketBytes);
      this.buffers.set(spec.name, b);
      this.order.push(b);
    };
    for (const s of columns) {
      if (s.layout === 'jagged') {
        const cs = columns.find((x) => x.name === s.counter);
        if (cs && (cs.layout !== 'flat' || !COUNTER_TYPES.has(cs.dtype))) {
          throw new NtcorrError(`${path}: counter branch "${s.counter}" of "${s.name}" must be a flat integer column (up to 32 bits)`, { file: path, column: s.name });
        }
        // The counter comes from the array's offsets unless it is also given as a column.
        if (!names.has(s.counter!)) this.counterOf.set(s.counter!, s.name);
        add({ name: s.counter!, dtype: cs?.dtype ?? 'int32', fixed: 1, isCounter: true });
        add({ name: s.name, dtype: s.dtype, fixed: 1, counter: s.counter, isCounter: false });
      } else if (s.layout === 'string') {
        add({ name: s.name, dtype: 'int8', fixed: 1, isCounter: false, strings: true });
      } else {
        add({ name: s.name, dtype: s.dtype, fixed: s.layout === 'fixed' ? s.fixed ?? 1 : 1, isCounter: counters.has(s.name) });
      }
    }
  }

  /** Appends `rows` entries; every declared column must be present (derived counters excepted). */
  async append(columns: Map<string, Column>, rows: number): Promise<void> {
    for (const b of this.order) {
      const spec = b.rec;
      const from = this.counterOf.get(spec.name);
      const col = columns.get(from ?? spec.name);
      if (!col) throw new NtcorrError(`${this.path}: no data for branch "${spec.name}"`, { file: this.path, column: spec.name });
      if (from) {
        if (!isJagged(col)) throw new NtcorrError(`${this.path}: column "${from}" must be jagged`, { file: this.path, column: from });
        const counts = new Int32Array(rows);
        for (let i = 0; i < rows; i++) counts[i] = col.offsets[i + 1]! - col.offsets[i]!;
        await b.add(counts, rows);
      } else if (spec.strings) {
        if (!isJagged(col) || col.offsets.length !== rows + 1 || !(col.values instanceof Uint8Array)) {
          throw new NtcorrError(`${this.path}: string column "${spec.name}" must be given as bytes per entry (jagged uint8, ${rows} rows)`, { file: this.path, column: spec.name });
        }
        await b.addStrings(col.offsets, col.values, rows);
      } else if (spec.counter) {
        if (!isJagged(col) || col.offsets.length !== rows + 1) throw new NtcorrError(`${this.path}: column "${spec.name}" must be jagged with ${rows} rows`, { file: this.path, column: spec.name });
        const counts = new Int32Array(rows);
        for (let i = 0; i < rows; i++) counts[i] = col.offsets[i + 1]! - col.offsets[i]!;
        await b.add(toType(col.values.subarray(col.offsets[0]!, col.offsets[rows]!), spec.dtype), rows, counts);
      } else {
        const per = spec.fixed;
        const values = isJagged(col) ? col.values.subarray(col.offsets[0]!, col.offsets[rows]!) : col;
        if (values.length !== rows * per) throw new NtcorrError(`${this.path}: column "${spec.name}" has ${values.length} values for ${rows} rows (expected ${per} per row)`, { file: this.path, column: spec.name });
        await b.add(toType(values, spec.dtype), rows);
      }
    }
    this.rows += rows;
  }

  /**
   * Writes the remaining baskets, the TTree (inside subdirectories when the tree path is "dir/tree"),
   * the provenance TObjString and the directory.
   */
  /** Flushes every branch's last basket; returns the branch records (for a carried-over rewrite). */
  async records(): Promise<BranchRecord[]> {
    for (const b of this.order) await b.flush();
    return this.order.map((b) => b.rec);
  }

  get entries(): number { return this.rows; }

  /** Names of the branches written, counters included, in order. */
  branchNames(): string[] { return this.order.map((b) => b.rec.name); }

  async finish(provenance?: ProvenanceRecord[]): Promise<void> {
    if (!this.newFile) throw new Error('internal: finish() of an appending TreeWriter');
    for (const b of this.order) await b.flush();
    const recs = this.order.map((b) => b.rec);
    const parts = this.tree.split('/').filter(Boolean);
    const name = parts.pop() ?? this.tree;
    const dirs: DirHandle[] = [];
    for (const d of parts) dirs.push(this.newFile.beginDirectory(d, dirs[dirs.length - 1]));
    const keylen = keyLength('TTree', name, name);
    const obj = serializeTree(name, name, this.rows, recs, keylen);
    this.file.appendKey('TTree', name, name, obj, obj.length, undefined, true, { dir: dirs[dirs.length - 1] });
    for (const d of dirs.reverse()) this.newFile.endDirectory(d);
    if (provenance) {
      // TObjString v1: TObject + TString.
      const w = new ByteWriter();
      const at = w.begin(1);
      w.i16(1).u32(0).u32(0x03000000).str(JSON.stringify(provenance));
      w.end(at);
      const payload = w.result();
      this.file.appendKey('TObjString', PROVENANCE_KEY, 'ntcorr provenance (JSON)', payload, payload.length, undefined, true);
    }
    this.newFile.finish();
  }

  abort(): void { this.file.abort(); }
}

/** Converts values to the branch's element type (a no-op when they already match). */
function toType(a: NumericArray, dtype: DType): NumericArray {
  const want = allocate(dtype, 0);
  if (Object.getPrototypeOf(want) === Object.getPrototypeOf(a)) return a;
  const out = allocate(dtype, a.length);
  const big = out instanceof BigInt64Array || out instanceof BigUint64Array;
  for (let i = 0; i < a.length; i++) {
    const v = a[i]!;
    (out as unknown as Array<number | bigint>)[i] = big ? BigInt(Math.trunc(Number(v))) : Number(v);
  }
  return out;
}

/** Entries [start, start + rows) of a string branch as the writer's string column (bytes per entry). */
function stringColumn(entries: Uint8Array[], start: number, rows: number): Column {
  const offsets = new Int32Array(rows + 1);
  for (let i = 0; i < rows; i++) offsets[i + 1] = offsets[i]! + entries[start + i]!.length;
  const values = new Uint8Array(offsets[rows]!);
  for (let i = 0; i < rows; i++) values.set(entries[start + i]!, offsets[i]!);
  return { offsets, values };
}

/** Specs of the new branches an `apply` writes (jagged outputs get a counter branch n<name>). */
function outputSpecs(outputs: OutputSpec[]): TreeColumnSpec[] {
  return outputs.map((o) => (o.jagged
    ? { name: o.name, dtype: o.type ?? 'float32', layout: 'jagged', counter: `n${o.name}` }
    : { name: o.name, dtype: o.type ?? 'float32', layout: 'flat' }));
}

/**
 * The OutputWriter for `apply`. 'full': a copy of the input file carrying over every key and every branch
 * (./carry.ts), with the new branches added to the tree; with `dropUnreadable` and an input that cannot be
 * carried over, a new file with the tree's readable branches only (each dropped branch and key named on
 * stderr). 'friend': a new file with only the new branches.
 */
export async function createRootWriter(source: TableSource, outPath: string, outputs: OutputSpec[], opts: WriteOptions): Promise<OutputWriter> {
  const tree = source.tree ?? 'Events';
  const tmp = tempPathFor(outPath);
  // Keeps a replaced file's permission bits and owner, follows a symlink to rewrite its target (core/atomic.ts).
  const commit = (): Promise<void> => commitFile(tmp, outPath);
  if (opts.mode === 'full') {
    if (!(source instanceof RootTable)) throw new NtcorrError(`${outPath}: a full ROOT copy needs a ROOT input (got ${source.format})`, { file: outPath });
    let carry: CarryOverWriter | undefined;
    let w: TreeWriter;
    try {
      const names = new Set(outputs.map((o) => o.name));
      const codec = (CODECS[(opts.compression ?? 'zlib').toLowerCase()] ?? CODECS.zlib!).codec;
      carry = await CarryOverWriter.open(source.carryTarget(), tmp, names, codec);
      const file = carry;
      w = new TreeWriter(tmp, tree.split('/').pop() ?? tree, outputSpecs(outputs), opts.compression ?? 'zlib', BASKET_BYTES, () => file);
    } catch (e) {
      carry?.abort();
      await unlink(tmp).catch(() => {});
      if (!opts.dropUnreadable || !(e instanceof NtcorrError)) throw e;
      return rebuildWriter(source, outPath, outputs, opts, errorMessage(e));
    }
    return entryCountingWriter(source, outPath, tmp, {
      write: (columns, _start, rows) => w.append(columns, rows),
      async complete() {
        await carry!.finish(await w.records(), [...source.provenance, opts.provenance]);
        await verifyCarriedCopy(source, carry!, tmp, w.branchNames());
        await commit();
      },
      drop: () => carry!.abort(),
    });
  }
  const w = new TreeWriter(tmp, tree, outputSpecs(outputs), opts.compression ?? 'zlib');
  return entryCountingWriter(source, outPath, tmp, {
    write: (columns, _start, rows) => w.append(columns, rows),
    async complete() {
      await w.finish([...source.provenance, opts.provenance]);
      await commit();
    },
    drop: () => w.abort(),
  });
}

/** What differs between the ROOT outputs: how a block of entries [start, start + rows) is written, committed, dropped. */
interface EntryWriterParts {
  write(columns: Map<string, Column>, start: number, rows: number): Promise<void>;
  complete(): Promise<void>;
  drop(): void;
}

/**
 * The OutputWriter of every ROOT output (full copy, friend, --drop-unreadable re-write), so all three count
 * entries the same way: finish refuses a file with fewer or more entries than the input tree, abort removes tmp.
 */
function entryCountingWriter(source: TableSource, outPath: string, tmp: string, parts: EntryWriterParts): OutputWriter {
  let start = 0;
  return {
    async append(columns, rows) {
      await parts.write(columns, start, rows);
      start += rows;
    },
    async finish() {
      if (start !== source.rows) throw new NtcorrError(`${outPath}: wrote ${start} of ${source.rows} entries`, { file: outPath });
      await parts.complete();
    },
    async abort() {
      parts.drop();
      await unlink(tmp).catch(() => {});
    },
  };
}

/**
 * --drop-unreadable fallback when the input cannot be carried over: a new file with the tree's readable
 * branches (re-encoded) and the new ones. Everything else is dropped, and each dropped branch and key is
 * named on stderr.
 */
async function rebuildWriter(source: RootTable, outPath: string, outputs: OutputSpec[], opts: WriteOptions, why: string): Promise<OutputWriter> {
  const tree = source.tree ?? 'Events';
  const outNames = new Set(outputs.map((o) => o.name));
  const specs: TreeColumnSpec[] = [];
  const copy: string[] = [];
  const dropped: string[] = [];
  const strings = new Map<string, Uint8Array[]>();
  const retyped: string[] = [];
  for (const c of source.columns) {
    if (outNames.has(c.name)) continue; // replaced by the new values (--force re-apply)
    const p = source.plans().get(c.name)!;
    if (p.strings) {
      // char*, std::string and TString branches are re-written as char* (TLeafC) with the same bytes:
      // one string per entry, read whole (strings are small next to the numeric branches).
      strings.set(c.name, await source.readStringBytes(c.name));
      specs.push({ name: c.name, dtype: 'int8', layout: 'string' });
      if (p.rootType !== 'char*') retyped.push(`branch "${c.name}" (${p.rootType})`);
      continue;
    }
    if (p.unsupported || p.layout === 'vector') { dropped.push(`branch "${c.name}" (${p.rootType})`); continue; }
    copy.push(c.name);
    if (p.layout === 'jagged') {
      const cp = p.counter ? source.plans().get(p.counter) : undefined;
      const counterOk = cp && !cp.unsupported && cp.layout === 'flat' && COUNTER_TYPES.has(cp.dtype!) && !outNames.has(p.counter!);
      specs.push({ name: c.name, dtype: p.dtype!, layout: 'jagged', counter: counterOk ? p.counter! : `n${c.name}` });
    } else {
      specs.push({ name: c.name, dtype: p.dtype!, layout: p.layout === 'fixed' ? 'fixed' : 'flat', fixed: p.perEntry });
    }
  }
  for (const k of source.carryTarget().file.keys()) {
    if (k.name !== tree && k.name !== PROVENANCE_KEY && k.name !== 'StreamerInfo') dropped.push(`key "${k.name};${k.cycle}" (${k.className})`);
  }
  process.stderr.write(`warning: ${source.path}: --drop-unreadable: ${why}; writing only the readable branches of tree "${tree}"; dropped: ${dropped.join(', ') || 'nothing'}${retyped.length ? `; written as char* with the same bytes: ${retyped.join(', ')}` : ''}\n`);
  specs.push(...outputSpecs(outputs));
  const copier = source.rangeReader(copy);
  const tmp = tempPathFor(outPath);
  const w = new TreeWriter(tmp, tree, specs, opts.compression ?? 'zlib');
  return entryCountingWriter(source, outPath, tmp, {
    async write(columns, start, rows) {
      const all = await copier.read(start, rows);
      for (const [name, entries] of strings) all.set(name, stringColumn(entries, start, rows));
      for (const [k, v] of columns) all.set(k, v);
      await w.append(all, rows);
    },
    async complete() {
      await w.finish([...source.provenance, opts.provenance]);
      await commitFile(tmp, outPath);
    },
    drop: () => w.abort(),
  });
}
