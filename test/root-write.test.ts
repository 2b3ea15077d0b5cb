import test from 'ava';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isJagged, type Column, type DType } from '../src/core/columns.js';
import { lz4Compress, lz4Decompress, xxh64 } from '../src/io/root/lz4.js';
import { createRootWriter, TreeWriter, type TreeColumnSpec } from '../src/io/root/writer.js';
import { RootFileWriter, keyLength } from '../src/io/root/file-writer.js';
import { serializeTree } from '../src/io/root/tree-object.js';
import { RootTable } from '../src/io/root/reader.js';
import type { ProvenanceRecord } from '../src/io/table.js';
import { fixture, tempDir } from './helpers/fixtures.js';
import { jsrootRead, type RefValue } from './helpers/jsroot-reference.js';
import { openFile } from 'jsroot';

const TYPES: DType[] = ['bool', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'float32', 'float64'];

/** Deterministic values of each type, including its extremes (within 2^53 for 64-bit: jsroot reads numbers). */
function values(dtype: DType, n: number, seed: number): Column {
  const pick = (i: number): number => {
    const x = Math.sin(i * 12.9898 + seed * 78.233) * 43758.5453;
    return x - Math.floor(x);
  };
  const ext: Record<DType, number[]> = {
    bool: [0, 1], int8: [-128, 127], uint8: [0, 255], int16: [-32768, 32767], uint16: [0, 65535],
    int32: [-2147483648, 2147483647], uint32: [0, 4294967295], // jsroot 7.11 mis-reads negative int64 whose low 32 bits are 0 (-2^52 comes back as -2^52 + 2^32): -2^52 + 1.
    // Exact 64-bit extremes are checked against our own reader in the BigInt test below.
    int64: [-(2 ** 52) + 1, 2 ** 52], uint64: [0, 2 ** 53 - 1],
    float32: [-3.4e38, 3.4e38], float64: [-1.7e308, 1.7e308],
  };
  const [lo, hi] = ext[dtype];
  const f = (i: number): number => {
    if (i % 11 === 0) return lo!;
    if (i % 11 === 1) return hi!;
    if (dtype === 'bool') return pick(i) < 0.5 ? 0 : 1;
    if (dtype.startsWith('float')) return (pick(i) - 0.5) * 1e3;
    return Math.floor(lo! + pick(i) * (hi! - lo!));
  };
  let arr: number[] = Array.from({ length: n }, (_, i) => f(i));
  // jsroot 7.11's ntoi8 mis-reads negative int64 whose low 32-bit word is below 2^31 (it applies ~ to a
  // signed word): give negative int64 test values a low word of 0xffffffff. Arbitrary 64-bit values,
  // extremes included, are checked against our own reader in the BigInt test below.
  if (dtype === 'int64') arr = arr.map((v) => (v < 0 ? -Math.floor(-v / 2 ** 32) * 2 ** 32 - 1 : v));
  if (dtype === 'float32') { arr[2] = NaN; arr[3] = Infinity; arr[4] = -0; return Float32Array.from(arr); }
  if (dtype === 'float64') { arr[2] = NaN; arr[3] = -Infinity; arr[4] = -0; return Float64Array.from(arr); }
  switch (dtype) {
    case 'bool': case 'uint8': return Uint8Array.from(arr);
    case 'int8': return Int8Array.from(arr);
    case 'int16': return Int16Array.from(arr);
    case 'uint16': return Uint16Array.from(arr);
    case 'int32': return Int32Array.from(arr);
    case 'uint32': return Uint32Array.from(arr);
    case 'int64': return BigInt64Array.from(arr.map(BigInt));
    default: return BigUint64Array.from(arr.map(BigInt));
  }
}

/** Per-entry view of a column, as numbers. */
function entries(c: Column, rows: number, per = 1): number[][] {
  const out: number[][] = [];
  if (isJagged(c)) {
    for (let i = 0; i < rows; i++) out.push(Array.from(c.values.subarray(c.offsets[i]!, c.offsets[i + 1]!) as ArrayLike<number | bigint>, Number));
  } else {
    for (let i = 0; i < rows; i++) out.push(Array.from(c.subarray(i * per, (i + 1) * per) as ArrayLike<number | bigint>, Number));
  }
  return out;
}

/** jsroot's entries as numbers; jsroot reads Char_t[3] as a C string (char codes up to the first NUL). */
function refEntries(r: RefValue[]): Array<number[] | string> {
  return r.map((v) => (typeof v === 'string' ? v : typeof v === 'object' && v !== null && 'length' in v ? Array.from(v, Number) : [Number(v)]));
}

function sameEntries(a: Array<number[] | string>, b: number[][]): boolean {
  return a.length === b.length && a.every((e, i) => {
    let want = b[i]!;
    let got = e;
    if (typeof got === 'string') {
      got = Array.from(got, (ch) => (ch.charCodeAt(0) << 24) >> 24);
      const nul = want.indexOf(0);
      if (nul >= 0) want = want.slice(0, nul);
    }
    return got.length === want.length && got.every((v, k) => Object.is(v, want[k]));
  });
}

/** A table of every type as flat, [3] and [n] branches. */
function table(n: number): { specs: TreeColumnSpec[]; cols: Map<string, Column> } {
  const specs: TreeColumnSpec[] = [];
  const cols = new Map<string, Column>();
  const offsets = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) offsets[i + 1] = offsets[i]! + (i % 5);
  TYPES.forEach((t, k) => {
    specs.push({ name: `s_${t}`, dtype: t, layout: 'flat' });
    cols.set(`s_${t}`, values(t, n, k));
    specs.push({ name: `f_${t}`, dtype: t, layout: 'fixed', fixed: 3 });
    cols.set(`f_${t}`, { offsets: Int32Array.from({ length: n + 1 }, (_, i) => 3 * i), values: values(t, 3 * n, k + 20) as never });
    specs.push({ name: `j_${t}`, dtype: t, layout: 'jagged', counter: 'nj' });
    cols.set(`j_${t}`, { offsets, values: values(t, offsets[n]!, k + 40) as never });
  });
  return { specs, cols };
}

for (const codec of ['zlib', 'lz4', 'zstd', 'none']) {
  test(`write ${codec}: every numeric type, flat / [3] / [n], read back identically by jsroot and by ntcorr`, async (t) => {
    const dir = tempDir();
    const path = join(dir, `types-${codec}.root`);
    const n = 1500;
    const { specs, cols } = table(n);
    const w = new TreeWriter(path, 'T', specs, codec, 4096); // small baskets: several per branch
    // Several appends of uneven size: baskets must span them.
    for (let s = 0; s < n;) {
      const rows = Math.min(n - s, 377);
      const part = new Map<string, Column>();
      for (const [k, c] of cols) {
        if (isJagged(c)) {
          const o = c.offsets.subarray(s, s + rows + 1);
          part.set(k, { offsets: o.map((x) => x - o[0]!), values: c.values.subarray(o[0]!, o[rows]!) });
        } else {
          part.set(k, c.subarray(s, s + rows));
        }
      }
      await w.append(part, rows);
      s += rows;
    }
    await w.finish();

    const names = specs.map((s) => s.name);
    const ref = await jsrootRead(path, 'T', names);
    const counter = await jsrootRead(path, 'T', ['nj']);
    const ours = await RootTable.open(path);
    t.is(ours.rows, n);
    const back = await ours.readAll([...names, 'nj']);
    const expectCounts = entries(cols.get('j_int8')!, n).map((e) => [e.length]);
    t.true(sameEntries(refEntries(counter.get('nj')!), expectCounts), 'counter branch nj (jsroot)');
    t.true(sameEntries(entries(back.get('nj')!, n), expectCounts), 'counter branch nj (ntcorr)');
    for (const s of specs) {
      const want = entries(cols.get(s.name)!, n);
      const got = refEntries(ref.get(s.name)!);
      if (!sameEntries(got, want)) t.log(s.name, JSON.stringify(got.slice(0, 6)), JSON.stringify(want.slice(0, 6)), got.length);
      t.true(sameEntries(got, want), `${s.name} (jsroot)`);
      t.true(sameEntries(entries(back.get(s.name)!, n), want), `${s.name} (ntcorr)`);
      t.is(ours.columns.find((c) => c.name === s.name)!.dtype, s.dtype);
    }
    t.true(ours.describe().tree.branches.find((b) => b.name === 'j_float64')!.baskets > 1, 'several baskets');
    await ours.close();
  });
}

test('64-bit integers round-trip exactly beyond 2^53 (ntcorr reader)', async (t) => {
  const path = join(tempDir(), 'i64.root');
  const i64 = BigInt64Array.from([-(2n ** 63n), 2n ** 63n - 1n, 2n ** 53n + 1n, 0n, -1n]);
  const u64 = BigUint64Array.from([0n, 2n ** 64n - 1n, 2n ** 53n + 1n, 1n, 42n]);
  const w = new TreeWriter(path, 'T', [{ name: 'a', dtype: 'int64', layout: 'flat' }, { name: 'b', dtype: 'uint64', layout: 'flat' }]);
  await w.append(new Map<string, Column>([['a', i64], ['b', u64]]), 5);
  await w.finish();
  const r = await RootTable.open(path);
  const m = await r.readAll(['a', 'b']);
  t.deepEqual(m.get('a'), i64);
  t.deepEqual(m.get('b'), u64);
  await r.close();
});

test('empty tree: 0 entries, branches declared, readable by jsroot and ntcorr', async (t) => {
  const path = join(tempDir(), 'empty.root');
  const w = new TreeWriter(path, 'Events', [{ name: 'x', dtype: 'float32', layout: 'flat' }, { name: 'j', dtype: 'float64', layout: 'jagged', counter: 'n' }]);
  await w.finish();
  // jsroot's treeProcess refuses trees without entries: check the TTree object it reads instead.
  const jsf = await openFile(path);
  const jst = await jsf.readObject('Events');
  t.is(jst.fEntries, 0);
  t.deepEqual(jst.fBranches.arr.map((b: { fName: string }) => b.fName), ['x', 'n', 'j']);
  const r = await RootTable.open(path);
  t.is(r.rows, 0);
  t.deepEqual(r.columns.map((c) => c.name), ['x', 'n', 'j']);
  const m = await r.readAll(['x', 'j']);
  t.is((m.get('x') as Float32Array).length, 0);
  await r.close();
});

test('large tree: 1.2M entries over many baskets, jsroot reads identical values', async (t) => {
  const path = join(tempDir(), 'large.root');
  const n = 1_200_000;
  const x = new Float32Array(n);
  const k = new Int32Array(n);
  for (let i = 0; i < n; i++) { x[i] = Math.fround(Math.sqrt(i) * 0.37 - 100); k[i] = (i * 2654435761) | 0; }
  const w = new TreeWriter(path, 'big', [{ name: 'x', dtype: 'float32', layout: 'flat' }, { name: 'k', dtype: 'int32', layout: 'flat' }]);
  for (let s = 0; s < n; s += 100_000) await w.append(new Map<string, Column>([['x', x.subarray(s, s + 100_000)], ['k', k.subarray(s, s + 100_000)]]), 100_000);
  await w.finish();
  const r = await RootTable.open(path);
  t.is(r.rows, n);
  t.true(r.describe().tree.branches[0]!.baskets >= 60, 'several baskets');
  const m = await r.readAll(['x', 'k']);
  t.deepEqual(m.get('x'), x);
  t.deepEqual(m.get('k'), k);
  await r.close();
  // jsroot (~1 us per value) on two entry ranges: the first baskets and across the last basket boundaries.
  let bad = 0;
  for (const first of [0, n - 150_000]) {
    const ref = await jsrootRead(path, 'big', ['x', 'k'], { first, count: 150_000 });
    const rx = ref.get('x')! as number[];
    const rk = ref.get('k')! as number[];
    t.is(rx.length, 150_000);
    for (let i = 0; i < rx.length; i++) if (!Object.is(rx[i], x[first + i]) || rk[i] !== k[first + i]) bad++;
  }
  t.is(bad, 0);
});

const PROV: ProvenanceRecord = { tool: 'ntcorr test', model: 'm', modelHash: 'abc123', kind: 'derived', columnsAdded: ['Jet_Px_x2', 'MET_pt'], time: '2026-01-01T00:00:00Z', command: 'test' };

async function applyLike(src: string, out: string, mode: 'full' | 'friend', compression?: string): Promise<void> {
  const source = await RootTable.open(src);
  const outputs = [{ name: 'Jet_Px_x2', jagged: true }, { name: 'MET_pt', type: 'float64' as DType }];
  const w = await createRootWriter(source, out, outputs, { mode, compression, provenance: { ...PROV } });
  for await (const chunk of source.chunks(['Jet_Px', 'MET_px', 'MET_py'], 1000)) {
    const jp = chunk.columns.get('Jet_Px')!;
    if (!isJagged(jp)) throw new Error('jagged expected');
    const px = chunk.columns.get('MET_px') as Float32Array;
    const py = chunk.columns.get('MET_py') as Float32Array;
    const met = new Float64Array(chunk.rows).map((_, i) => Math.hypot(px[i]!, py[i]!));
    await w.append(new Map<string, Column>([
      ['Jet_Px_x2', { offsets: jp.offsets, values: (jp.values as Float32Array).map((v) => v * 2) }],
      ['MET_pt', met],
    ]), chunk.rows);
  }
  await source.close();
  await w.finish();
}

test('apply-style full copy of HZZ: all 51 branches + 2 new, provenance stored; friend file holds only the new ones', async (t) => {
  const dir = tempDir();
  const src = fixture('root', 'uproot-HZZ.root');
  const before = readFileSync(src);
  const full = join(dir, 'full.root');
  await applyLike(src, full, 'full', 'lz4');
  const friend = join(dir, 'friend.root');
  await applyLike(src, friend, 'friend');
  t.deepEqual(readFileSync(src), before, 'input untouched');
  t.deepEqual(readdirSync(dir).sort(), ['friend.root', 'full.root'], 'no temp files left');

  const orig = await RootTable.open(src);
  const names = orig.columns.map((c) => c.name);
  const out = await RootTable.open(full);
  t.is(out.rows, 2421);
  t.deepEqual(out.columns.map((c) => c.name), [...names, 'nJet_Px_x2', 'Jet_Px_x2', 'MET_pt']);
  t.deepEqual(out.provenance, [PROV]);
  // Original branches: identical as read by jsroot from the copy and by ntcorr from the original.
  const a = await orig.readAll(names);
  const ref = await jsrootRead(full, 'events', names);
  for (const n of names) t.true(sameEntries(refEntries(ref.get(n)!), entries(a.get(n)!, 2421)), n);
  const added = await jsrootRead(full, 'events', ['Jet_Px_x2', 'MET_pt']);
  const jet = entries(a.get('Jet_Px')!, 2421).map((e) => e.map((v) => Math.fround(v * 2)));
  t.true(sameEntries(refEntries(added.get('Jet_Px_x2')!), jet));
  const px = a.get('MET_px') as Float32Array;
  const py = a.get('MET_py') as Float32Array;
  t.true(sameEntries(refEntries(added.get('MET_pt')!), Array.from(px, (v, i) => [Math.hypot(v, py[i]!)])));
  await out.close();

  // Counter leaves carry fIsRange and fMinimum/fMaximum as ROOT wrote them (ROOT reads at most fMaximum values per entry).
  const leafOf = async (path: string, branch: string): Promise<{ fMinimum: number; fMaximum: number; fIsRange: boolean }> =>
    (await (await openFile(path)).readObject('events')).fBranches.arr.find((b: { fName: string }) => b.fName === branch).fLeaves.arr[0];
  for (const c of ['NJet', 'NMuon', 'NElectron', 'NPhoton']) {
    const [mine, theirs] = [await leafOf(full, c), await leafOf(src, c)];
    t.deepEqual([mine.fMinimum, mine.fMaximum, mine.fIsRange], [theirs.fMinimum, theirs.fMaximum, theirs.fIsRange], c);
  }

  const fr = await RootTable.open(friend);
  t.is(fr.tree, 'events');
  t.is(fr.rows, 2421);
  t.deepEqual(fr.columns.map((c) => c.name), ['nJet_Px_x2', 'Jet_Px_x2', 'MET_pt']);
  t.deepEqual(fr.provenance, [PROV]);
  t.true(statSync(friend).size < statSync(full).size / 3);
  await fr.close();
  await orig.close();
});

test('re-applying onto an output replaces the added columns and appends provenance', async (t) => {
  const dir = tempDir();
  const first = join(dir, 'first.root');
  await applyLike(fixture('root', 'uproot-HZZ.root'), first, 'full');
  const second = join(dir, 'second.root');
  await applyLike(first, second, 'full');
  const r = await RootTable.open(second);
  t.is(r.columns.filter((c) => c.name === 'MET_pt').length, 1);
  t.is(r.provenance.length, 2);
  await r.close();
});

test('abort leaves no output and no temp file', async (t) => {
  const dir = tempDir();
  const source = await RootTable.open(fixture('jets-mljec', '1.root'));
  const out = join(dir, 'out.root');
  const w = await createRootWriter(source, out, [{ name: 'pt_corr' }], { mode: 'friend', provenance: PROV });
  await w.append(new Map([['pt_corr', new Float32Array(5)]]), 5);
  await w.abort();
  await source.close();
  t.false(existsSync(out));
  t.deepEqual(readdirSync(dir), []);
});

test('LZ4 block codec and XXH64 match reference values (python lz4/xxhash)', (t) => {
  // XXH64 seed 0 of "", "a", "abc", bytes 0..39, bytes 0..255 x3, from python xxhash 4.0.1.
  t.is(xxh64(new Uint8Array(0)), 0xef46db3751d8e999n);
  t.is(xxh64(Buffer.from('a')), 0xd24ec4f1a98c6e5bn);
  t.is(xxh64(Buffer.from('abc')), 0x44bc2cf5ad770999n);
  t.is(xxh64(Uint8Array.from({ length: 40 }, (_, i) => i)), 0xf5da40f1b11741e9n);
  t.is(xxh64(Uint8Array.from({ length: 768 }, (_, i) => i % 256)), 0x8e03c838c596036fn);
  const data = Uint8Array.from({ length: 100_000 }, (_, i) => (i % 97 < 50 ? i % 13 : (i * 7919) % 251));
  const z = lz4Compress(data);
  t.true(z.length < data.length / 2);
  const back = new Uint8Array(data.length);
  t.is(lz4Decompress(z, back), data.length);
  t.deepEqual(back, data);
});

test('trees in subdirectories and several cycles: ntcorr picks the highest cycle, lists trees when none is named', async (t) => {
  const dir = tempDir();
  const nested = join(dir, 'nested.root');
  const w = new TreeWriter(nested, 'a/b/T', [{ name: 'x', dtype: 'float32', layout: 'flat' }]);
  await w.append(new Map<string, Column>([['x', Float32Array.from([1.5, 2.5, 3.5])]]), 3);
  await w.finish();
  const r = await RootTable.open(nested);
  t.is(r.tree, 'a/b/T');
  t.deepEqual(await r.readAll(['x']), new Map([['x', Float32Array.from([1.5, 2.5, 3.5])]]));
  await r.close();
  t.deepEqual((await jsrootRead(nested, 'a/b/T', ['x'])).get('x'), [1.5, 2.5, 3.5]);

  // Hand-assembled: T;1 (5 entries), T;2 (7 entries) and d/U (3 entries), trees without branches.
  const multi = join(dir, 'multi.root');
  const f = new RootFileWriter(multi, 101);
  const tree = (name: string, entries: number, cycle: number, d?: ReturnType<RootFileWriter['beginDirectory']>): void => {
    const obj = serializeTree(name, name, entries, [], keyLength('TTree', name, name));
    f.appendKey('TTree', name, name, obj, obj.length, undefined, true, { cycle, dir: d });
  };
  tree('T', 5, 1);
  tree('T', 7, 2);
  const d = f.beginDirectory('d');
  tree('U', 3, 1, d);
  f.endDirectory(d);
  f.finish();
  const e = await t.throwsAsync(RootTable.open(multi));
  t.regex(e!.message, /several trees \(T, d\/U\); choose one with --tree/);
  const top = await RootTable.open(multi, { tree: 'T' });
  t.is(top.rows, 7);
  await top.close();
  const sub = await RootTable.open(multi, { tree: 'd/U' });
  t.is(sub.rows, 3);
  await sub.close();
  const jsf = await openFile(multi);
  t.is((await jsf.readObject('T')).fEntries, 7, 'jsroot also takes the highest cycle');
  t.is((await jsf.readObject('d/U')).fEntries, 3);
});

test('full copy of the NanoAOD file: all 947 branches identical, UInt_t counters kept, no extra counters', async (t) => {
  const src = fixture('root', 'nanoAOD_2015_CMS_Open_Data_ttbar.root');
  const out = join(tempDir(), 'nano.root');
  const s = await RootTable.open(src);
  const w = await createRootWriter(s, out, [{ name: 'x' }], { mode: 'full', provenance: PROV });
  for await (const c of s.chunks(['run'], 64)) await w.append(new Map([['x', new Float32Array(c.rows).fill(1)]]), c.rows);
  await w.finish();
  const names = s.columns.filter((c) => c.dtype).map((c) => c.name);
  const a = await s.readAll(names);
  await s.close();
  const o = await RootTable.open(out);
  t.deepEqual(o.columns.map((c) => c.name), [...s.columns.map((c) => c.name), 'x']);
  t.is(o.columns.find((c) => c.name === 'nJet')!.detail, 'UInt_t');
  t.is(o.columns.find((c) => c.name === 'Jet_pt')!.detail, 'Float_t[nJet]');
  const b = await o.readAll(names);
  await o.close();
  const differing = names.filter((n) => !sameEntries(entries(b.get(n)!, 200), entries(a.get(n)!, 200)));
  t.deepEqual(differing, []);
  // An independent look at a sample of jagged and flat branches.
  const sample = ['Jet_pt', 'Jet_eta', 'Muon_charge', 'Electron_cutBased', 'MET_pt', 'event', 'HLT_IsoMu17_eta2p1'];
  const ref = await jsrootRead(out, 'Events', sample);
  for (const n of sample) t.true(sameEntries(refEntries(ref.get(n)!), entries(a.get(n)!, 200)), n);
});
