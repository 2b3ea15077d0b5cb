/**
 * Bit flips in ROOT files written by ROOT (every codec) and by ntcorr: every read either fails with an
 * ntcorr error naming the file (and tree and branch for basket data) or returns exactly the original
 * values. Where the format carries no checksum (baskets stored uncompressed; zstd frames as ROOT writes
 * them, without the optional content checksum) changed values cannot be detected: there the test only
 * asserts that reading never crashes, and counts what happened.
 */
import test from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NtcorrError } from '../src/core/errors.js';
import type { Column } from '../src/core/columns.js';
import { RootTable } from '../src/io/root/reader.js';
import { createRootWriter } from '../src/io/root/writer.js';
import { mulberry32 } from '../src/core/random.js';
import { fixture, tempDir } from './helpers/fixtures.js';

const same = (a: Column, b: Column): boolean => {
  const s = (c: Column): string => ('offsets' in c ? `${Array.from(c.offsets)}|${Array.from(c.values as ArrayLike<unknown>, String)}` : Array.from(c as ArrayLike<unknown>, String).join());
  return s(a) === s(b);
};

interface Outcome { error: number; same: number; changed: number; crash: string[] }

/** Flips `cases` random bits inside compressed baskets (header included) and reads the branch back. */
async function fuzzBaskets(path: string, tree: string, cases: number, seed: number): Promise<{ checked: Outcome; unchecked: Outcome }> {
  const bytes = readFileSync(path);
  const t = await RootTable.open(path);
  const names = t.columns.filter((c) => c.dtype).map((c) => c.name);
  const ref = await t.readAll(names);
  const baskets: Array<{ name: string; seek: number; n: number; keylen: number; compressed: boolean; zstdNoSum: boolean }> = [];
  for (const name of names) {
    const b = t.plan(name).branch;
    for (let k = 0; k < Number(b.fWriteBasket); k++) {
      const seek = Number(b.fBasketSeek[k]);
      const n = Number(b.fBasketBytes[k]);
      const keylen = bytes.readInt16BE(seek + 14);
      const compressed = bytes.readInt32BE(seek + 6) !== n - keylen;
      const body = seek + keylen;
      const zstdNoSum = compressed && bytes.toString('latin1', body, body + 2) === 'ZS' && (bytes[body + 9 + 4]! & 4) === 0;
      baskets.push({ name, seek, n, keylen, compressed, zstdNoSum });
    }
  }
  await t.close();
  const rnd = mulberry32(seed);
  const tmp = join(tempDir(), 'fuzz.root');
  const checked: Outcome = { error: 0, same: 0, changed: 0, crash: [] };
  const unchecked: Outcome = { error: 0, same: 0, changed: 0, crash: [] };
  for (let c = 0; c < cases; c++) {
    const b = baskets[Math.floor(rnd() * baskets.length)]!;
    const pos = b.seek + b.keylen + Math.floor(rnd() * (b.n - b.keylen));
    const m = Buffer.from(bytes);
    m[pos] ^= 1 << Math.floor(rnd() * 8);
    writeFileSync(tmp, m);
    const o = b.compressed && !b.zstdNoSum ? checked : unchecked;
    try {
      const u = await RootTable.open(tmp);
      try {
        const got = (await u.readAll([b.name])).get(b.name)!;
        if (same(got, ref.get(b.name)!)) o.same++; else o.changed++;
      } finally {
        await u.close();
      }
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      if (e instanceof NtcorrError && msg.includes(tmp) && msg.includes(`tree "${tree}"`) && msg.includes(`branch "${b.name}"`)) o.error++;
      else o.crash.push(msg);
    }
  }
  return { checked, unchecked };
}

for (const [file, tree, codec] of [['uproot-HZZ.root', 'events', 'zlib'], ['uproot-HZZ-lz4.root', 'events', 'lz4'], ['uproot-HZZ-zstd.root', 'events', 'zstd'], ['uproot-sample-6.20.04-lzma.root', 'sample', 'lzma']] as const) {
  test(`bit flips in ${codec} baskets (${file}): an error naming file/tree/branch, or identical values`, async (t) => {
    const { checked, unchecked } = await fuzzBaskets(fixture('root', file), tree, 60, 11);
    t.deepEqual(checked.crash, []);
    t.deepEqual(unchecked.crash, []);
    t.is(checked.changed, 0, 'no silently changed values where the format has a checksum');
    t.log(`${codec}: checksummed ${JSON.stringify({ ...checked, crash: undefined })}, no checksum in the format ${JSON.stringify({ ...unchecked, crash: undefined })}`);
  });
}

test('bit flips in the tree and StreamerInfo keys (every codec): an ntcorr error naming the file, or identical values', async (t) => {
  for (const file of ['uproot-HZZ.root', 'uproot-HZZ-lz4.root', 'uproot-HZZ-zstd.root', 'uproot-sample-6.20.04-lzma.root']) {
    const path = fixture('root', file);
    const bytes = readFileSync(path);
    const t0 = await RootTable.open(path);
    const names = t0.columns.filter((c) => c.dtype).map((c) => c.name);
    const ref = await t0.readAll(names);
    const keys = (t0.carryTarget().file.js.fKeys as any[]).filter((k) => k.fClassName === 'TTree' || k.fName === 'StreamerInfo');
    await t0.close();
    const rnd = mulberry32(5);
    const tmp = join(tempDir(), file);
    for (let c = 0; c < 24; c++) {
      const k = keys[c % keys.length];
      const pos = Number(k.fSeekKey) + k.fKeylen + Math.floor(rnd() * (k.fNbytes - k.fKeylen));
      const m = Buffer.from(bytes);
      m[pos] ^= 1 << Math.floor(rnd() * 8);
      writeFileSync(tmp, m);
      try {
        const u = await RootTable.open(tmp);
        try {
          const got = await u.readAll(names);
          for (const n of names) t.true(same(got.get(n)!, ref.get(n)!), `${file} flip at ${pos} (${k.fName}): branch ${n} changed`);
        } finally {
          await u.close();
        }
      } catch (e) {
        t.true(e instanceof NtcorrError && e.message.includes(tmp), `${file} flip at ${pos} (${k.fName}): ${String(e)}`);
      }
    }
  }
});

test('bit flips in ntcorr-written baskets (zlib, lz4, zstd with content checksums): never silently changed', async (t) => {
  for (const compression of ['zlib', 'lz4', 'zstd']) {
    const src = await RootTable.open(fixture('root', 'uproot-HZZ.root'));
    const out = join(tempDir(), `w-${compression}.root`);
    const w = await createRootWriter(src, out, [{ name: 'x' }, { name: 'v', jagged: true, type: 'float64' }], {
      mode: 'friend', compression,
      provenance: { tool: 't', model: 'm', modelHash: 'h', kind: 'derived', columnsAdded: ['x', 'v'], time: '', command: '' },
    });
    const rnd = mulberry32(3);
    for await (const c of src.chunks(['NJet'], 1000)) {
      const nj = c.columns.get('NJet') as Int32Array;
      const offsets = new Int32Array(c.rows + 1);
      for (let i = 0; i < c.rows; i++) offsets[i + 1] = offsets[i]! + nj[i]!;
      await w.append(new Map<string, Column>([
        ['x', Float32Array.from({ length: c.rows }, () => rnd())],
        ['v', { offsets, values: Float64Array.from({ length: offsets[c.rows]! }, () => rnd()) }],
      ]), c.rows);
    }
    await src.close();
    await w.finish();
    const { checked, unchecked } = await fuzzBaskets(out, 'events', 40, 17);
    t.deepEqual([...checked.crash, ...unchecked.crash], [], compression);
    t.is(checked.changed, 0, compression);
    t.log(`ntcorr ${compression}: ${JSON.stringify({ ...checked, crash: undefined })}; stored uncompressed: ${JSON.stringify({ ...unchecked, crash: undefined })}`);
  }
});

type Mutate = (b: Buffer, at: number, rnd: () => number) => Buffer;
const MUTATIONS: Record<string, Mutate> = {
  byte: (b, at, rnd) => { b[at] = Math.floor(rnd() * 256); return b; },
  zero16: (b, at) => b.fill(0, at, at + 16),
  dup16: (b, at) => Buffer.concat([b.subarray(0, at + 16), b.subarray(at)]),
};

/** Every branch read back (numbers, and char* strings), as strings to compare; throws what the reader throws. */
async function readEverything(path: string): Promise<Map<string, string>> {
  const u = await RootTable.open(path);
  try {
    const out = new Map<string, string>();
    for (const [name, p] of u.plans()) {
      if (p.strings) out.set(name, JSON.stringify(await u.readStrings(name)));
      else if (!p.unsupported) { const c = (await u.readAll([name])).get(name)!; out.set(name, 'offsets' in c ? `${Array.from(c.offsets)}|${Array.from(c.values as ArrayLike<unknown>, String)}` : Array.from(c as ArrayLike<unknown>, String).join()); }
    }
    return out;
  } finally {
    await u.close();
  }
}

// The fuzz script's ROOT findings before the bounds checks (a random byte, 16 zeroed bytes across two
// baskets' key headers, an LZ4 bit flip) were classes: mutations anywhere in a basket, key header
// included, over every codec and every branch kind (flat, jagged, char* strings).
for (const [file, codec] of [['uproot-HZZ.root', 'zlib'], ['uproot-HZZ-lz4.root', 'lz4'], ['uproot-HZZ-zstd.root', 'zstd'], ['uproot-sample-6.20.04-lzma.root', 'lzma'], ['uproot-sample-6.20.04-zlib.root', 'zlib, small baskets and strings']] as const) {
  test(`random bytes, zeroed and duplicated ranges over ${codec} baskets and their key headers (${file}): an error naming file/tree/branch, or the same values`, async (t) => {
    const path = fixture('root', file);
    const bytes = readFileSync(path);
    const ref = await readEverything(path);
    const t0 = await RootTable.open(path);
    const tree = t0.tree;
    const spans: Array<{ name: string; seek: number; n: number; checked: boolean }> = [];
    for (const [name, p] of t0.plans()) {
      if (p.unsupported && !p.strings) continue;
      const b = p.branch;
      for (let k = 0; k < Number(b.fWriteBasket); k++) {
        const seek = Number(b.fBasketSeek[k]);
        const n = Number(b.fBasketBytes[k]);
        const keylen = bytes.readInt16BE(seek + 14);
        const body = seek + keylen;
        const checked = bytes.readInt32BE(seek + 6) !== n - keylen && !(bytes.toString('latin1', body, body + 2) === 'ZS' && (bytes[body + 13]! & 4) === 0);
        spans.push({ name, seek, n, checked });
      }
    }
    await t0.close();
    const rnd = mulberry32(23);
    const tmp = join(tempDir(), file);
    const counts = { error: 0, same: 0, changedUnchecked: 0 };
    for (let c = 0; c < 45; c++) {
      const s = spans[Math.floor(rnd() * spans.length)]!;
      const how = Object.keys(MUTATIONS)[c % 3]!;
      const at = s.seek + Math.floor(rnd() * s.n);
      writeFileSync(tmp, MUTATIONS[how]!(Buffer.from(bytes), at, rnd));
      const what = `${how} at ${at} (basket of ${s.name})`;
      try {
        const got = await readEverything(tmp);
        const changed = [...ref.keys()].filter((k) => got.get(k) !== ref.get(k));
        // a change is only acceptable in a branch whose baskets are stored without a checksum
        const checkedChanged = changed.filter((k) => spans.filter((x) => x.name === k).every((x) => x.checked));
        t.deepEqual(checkedChanged, [], `${what}: values changed with exit 0 in checksummed branches`);
        if (changed.length) counts.changedUnchecked++; else counts.same++;
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        t.true(e instanceof NtcorrError && msg.startsWith(tmp), `${what}: ${String(e)}`);
        t.notRegex(msg, /typed array|BigInt|undefined|reading '|R__unzip|Cannot read/, what);
        // a failure inside basket data names the tree and the branch
        if (/basket/.test(msg)) t.regex(msg, new RegExp(`tree "${tree}", branch "[^"]+", basket \\d+`), what);
        counts.error++;
      }
    }
    t.log(`${codec}: ${JSON.stringify(counts)}`);
  });
}

test('the three mutations the fuzz script once crashed on: clean errors naming file, tree, branch and what was expected', async (t) => {
  const dir = tempDir();
  const cases: Array<[string, (b: Buffer) => void, RegExp]> = [
    // was "Invalid typed array length"
    ['uproot-sample-6.20.04-lzma.root', (b) => { b[2661] = 184; }, /tree "sample", branch "Au8", basket 1: corrupt entry offset 112 for entry 0 \(expected 0\.\.16\)/],
    // was "needs 88 bytes, basket has 16"
    ['uproot-sample-6.20.04-lzma.root', (b) => { b.fill(0, 15268, 15284); }, /tree "sample", branch "Ai8", basket 9: corrupt basket header \(the entry offsets after fLast 88 count 0, expected 2 for 1 entries\)/],
    ['uproot-HZZ-lz4.root', (b) => { b[195424] ^= 1 << 3; }, /tree "events", branch "Jet_E", basket 0: cannot decompress \(LZ4 XXH64 checksum mismatch/],
  ];
  for (const [i, [file, mutate, re]] of cases.entries()) {
    const b = Buffer.from(readFileSync(fixture('root', file)));
    mutate(b);
    const f = join(dir, `m${i}-${file}`);
    writeFileSync(f, b);
    const e = await t.throwsAsync(readEverything(f), { instanceOf: NtcorrError });
    t.true(e!.message.startsWith(f), e!.message);
    t.regex(e!.message, re);
  }
});
