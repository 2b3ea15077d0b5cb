import test from 'ava';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isJagged, type Column } from '../src/core/columns.js';
import { NtcorrError } from '../src/core/errors.js';
import { openTable } from '../src/io/formats.js';
import { RootTable } from '../src/io/root/reader.js';
import { fixture, tempDir } from './helpers/fixtures.js';
import { flattenRef, jsrootRead } from './helpers/jsroot-reference.js';

/** Concatenates chunks into whole columns (checks that chunks tile the entry range). */
async function readChunked(t: RootTable, names: string[], chunkRows: number): Promise<Map<string, { flat: number[]; lengths: number[] }>> {
  const out = new Map(names.map((n) => [n, { flat: [] as number[], lengths: [] as number[] }]));
  let next = 0;
  for await (const chunk of t.chunks(names, chunkRows)) {
    if (chunk.start !== next) throw new Error(`chunk starts at ${chunk.start}, expected ${next}`);
    next += chunk.rows;
    for (const n of names) {
      const c = chunk.columns.get(n)!;
      const o = out.get(n)!;
      append(o, c, chunk.rows);
    }
  }
  if (next !== t.rows) throw new Error(`chunks covered ${next} of ${t.rows} rows`);
  return out;
}

function append(o: { flat: number[]; lengths: number[] }, c: Column, rows: number): void {
  if (isJagged(c)) {
    if (c.offsets.length !== rows + 1 || c.offsets[0] !== 0) throw new Error('bad offsets');
    for (let i = 0; i < rows; i++) o.lengths.push(c.offsets[i + 1]! - c.offsets[i]!);
    for (let i = 0; i < c.values.length; i++) o.flat.push(Number(c.values[i]));
  } else {
    if (c.length !== rows) throw new Error('bad length');
    for (let i = 0; i < rows; i++) { o.lengths.push(1); o.flat.push(Number(c[i])); }
  }
}

/** Every readable branch of `tree` read by us (in chunks of `chunkRows`) equals jsroot's per-entry reading. */
async function compareWithJsroot(t: import('ava').ExecutionContext, path: string, tree: string, chunkRows: number, expectRows: number): Promise<RootTable> {
  const table = await RootTable.open(path, { tree });
  t.is(table.rows, expectRows);
  const names = table.columns.filter((c) => c.dtype).map((c) => c.name);
  const ours = await readChunked(table, names, chunkRows);
  const ref = await jsrootRead(path, tree, names);
  let mismatches = 0;
  for (const n of names) {
    const o = ours.get(n)!;
    const entries = ref.get(n)!;
    let at = 0;
    let bad = o.lengths.length !== entries.length ? 'entry count' : '';
    for (let e = 0; e < entries.length && !bad; e++) {
      const mine = o.flat.slice(at, at + o.lengths[e]!);
      at += o.lengths[e]!;
      let want = flattenRef([entries[e]!]).flat.map(Number);
      if (typeof entries[e] === 'string') {
        // jsroot reads Char_t[3] arrays as C strings: compare the char codes up to the first NUL.
        want = Array.from(entries[e] as unknown as string, (ch) => (ch.charCodeAt(0) << 24) >> 24);
        const nul = mine.indexOf(0);
        mine.splice(nul < 0 ? mine.length : nul);
      }
      if (mine.length !== want.length || !mine.every((v, i) => Object.is(v, want[i]))) bad = `entry ${e}: ours [${mine}] jsroot [${want}]`;
    }
    if (bad) { mismatches++; t.log(`mismatch in ${n}: ${bad}`); }
  }
  t.is(mismatches, 0, `${path}: ${mismatches} of ${names.length} branches differ from jsroot`);
  await table.close();
  return table;
}

for (const [file, rows] of [['uproot-HZZ.root', 2421], ['uproot-HZZ-lz4.root', 2421], ['uproot-HZZ-zstd.root', 2421]] as const) {
  test(`${file}: all 51 branches equal jsroot's reading (flat and x[n], chunks across baskets)`, async (t) => {
    const table = await compareWithJsroot(t, fixture('root', file), 'events', 1000, rows);
    t.is(table.columns.filter((c) => c.dtype).length, 51);
    t.deepEqual(table.skipped, []);
    t.is(table.columns.find((c) => c.name === 'Jet_Px')!.detail, 'Float_t[NJet]');
  });
}

for (const codec of ['zlib', 'lzma']) {
  test(`uproot-sample-6.20.04-${codec}: every integer/float type, [3] and [n] arrays equal jsroot; the string branch is reported`, async (t) => {
    const table = await compareWithJsroot(t, fixture('root', `uproot-sample-6.20.04-${codec}.root`), 'sample', 4, 30);
    t.deepEqual(table.skipped, [{ name: 'str', reason: 'string branch (not a number)' }]);
    const byName = new Map(table.columns.map((c) => [c.name, c]));
    t.is(byName.get('au8')!.fixedSize, 3);
    t.is(byName.get('Au8')!.dtype, 'uint64');
    t.is(byName.get('Ai2')!.detail, 'Short_t[n]');
    t.is(byName.get('b')!.dtype, 'bool');
  });
}

test('NanoAOD (947 branches, baskets kept inside the TTree): every readable branch equals jsroot', async (t) => {
  const table = await compareWithJsroot(t, fixture('root', 'nanoAOD_2015_CMS_Open_Data_ttbar.root'), 'Events', 64, 200);
  t.true(table.columns.filter((c) => c.dtype).length >= 940);
});

for (const shard of ['1', '2', '3', '4', '5']) {
  test(`ml-jec shard ${shard}.root: Jets tree with ch_/ne_/sv_ arrays equals jsroot`, async (t) => {
    const table = await compareWithJsroot(t, fixture('jets-mljec', `${shard}.root`), 'Jets', 3, 10);
    const info = table.columns.find((c) => c.name === 'ch_pt')!;
    t.true(info.jagged);
    t.is(info.detail, 'Float_t[ch_size]');
  });
}

test('jagged counts agree with the counter branch (ml-jec ch_size, HZZ NJet)', async (t) => {
  for (const [path, tree, counter, arr] of [
    [fixture('jets-mljec', '2.root'), 'Jets', 'ch_size', 'ch_eta'],
    [fixture('root', 'uproot-HZZ.root'), 'events', 'NJet', 'Jet_E'],
  ] as const) {
    const table = await RootTable.open(path, { tree });
    const m = await table.readAll([counter, arr]);
    const n = m.get(counter) as Int32Array;
    const j = m.get(arr)!;
    if (!isJagged(j)) return t.fail('expected jagged');
    t.deepEqual(Array.from(n), Array.from({ length: n.length }, (_, i) => j.offsets[i + 1]! - j.offsets[i]!));
    await table.close();
  }
});

test('openTable dispatches .root; the only tree is the default', async (t) => {
  const src = await openTable(fixture('root', 'uproot-HZZ.root'));
  t.is(src.format, 'root');
  t.is(src.tree, 'events');
  t.is(src.rows, 2421);
  t.deepEqual(src.provenance, []);
  await src.close();
});

async function rejects(t: import('ava').ExecutionContext, p: Promise<unknown>, ...parts: string[]): Promise<void> {
  const e = await t.throwsAsync(p);
  t.true(e instanceof NtcorrError, `expected NtcorrError, got ${e?.name}: ${e?.message}`);
  for (const s of parts) t.true(e!.message.includes(s), `"${e!.message}" should mention "${s}"`);
}

test('bad input: wrong magic, truncated file, missing tree, missing branch, unsupported branch', async (t) => {
  const dir = tempDir();
  const src = fixture('root', 'uproot-sample-6.20.04-zlib.root');
  const before = readFileSync(src);

  const notRoot = join(dir, 'not-root.root');
  writeFileSync(notRoot, Buffer.concat([Buffer.from('PAR1'), before.subarray(4)]));
  await rejects(t, RootTable.open(notRoot), notRoot, 'not a ROOT file');

  const truncated = join(dir, 'truncated.root');
  writeFileSync(truncated, before.subarray(0, Math.floor(before.length / 2)));
  await rejects(t, RootTable.open(truncated), truncated, 'truncated');

  const copy = join(dir, 'copy.root');
  copyFileSync(src, copy);
  await rejects(t, RootTable.open(copy, { tree: 'nope' }), copy, '"nope"', 'sample');

  const table = await RootTable.open(copy, { tree: 'sample' });
  await rejects(t, (async () => { for await (const _ of table.chunks(['i4', 'missing_branch'], 10)) void _; })(), copy, 'sample', 'missing_branch');
  await rejects(t, table.readAll(['str']), copy, 'sample', '"str"', 'string');
  await table.close();
  t.deepEqual(readFileSync(src), before, 'input untouched');
});

test('bad input: a basket cut off at the end of the file names tree and branch', async (t) => {
  // Keep the header and metadata intact but zero a basket's bytes: decompression must fail loudly.
  const dir = tempDir();
  const src = readFileSync(fixture('root', 'uproot-HZZ.root'));
  const broken = Buffer.from(src);
  // NJet's only basket starts at 88377 (1625 bytes): overwrite its compressed payload.
  broken.fill(0x55, 88377 + 80, 88377 + 1625);
  const path = join(dir, 'broken.root');
  writeFileSync(path, broken);
  const table = await RootTable.open(path);
  await rejects(t, table.readAll(['NJet']), path, 'events', 'NJet');
  await table.close();
});
