/**
 * ROOT full copies and --in-place rewrites carry over every key and every branch of the input: checked with
 * jsroot (an independent reader) on files written by ROOT (NanoAOD; scikit-hep-testdata's nested
 * directories with several trees, char* strings and Event objects; HZZ with vector<T> and TLorentzVector).
 */
import test from 'ava';
import { chmodSync, copyFileSync, lstatSync, mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixture, ROOT, tempDir } from './helpers/fixtures.js';
import { runCli } from './helpers/cli.js';
import { jsrootDump } from './helpers/jsroot-dump.js';

const data = (name: string): string => join(ROOT, 'test', 'data', 'root', name);

function derivedBundle(dir: string, name: string, columns: Record<string, string>): string {
  const d = join(dir, name);
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, 'model.json'), JSON.stringify({
    format: 'ntcorr-bundle', formatVersion: 1, name, kind: 'derived', inputs: [],
    outputs: Object.keys(columns).map((c) => ({ name: c })),
    config: { columns },
    provenance: { createdBy: 'test', created: '2026-12-01T00:00:00Z', source: 'hand-written' },
  }));
  return d;
}

/** After a rewrite: the same keys plus ntcorr_provenance, every object and every original branch identical. */
async function assertCarried(t: any, before: Awaited<ReturnType<typeof jsrootDump>>, after: Awaited<ReturnType<typeof jsrootDump>>, tree: string, added: string[]): Promise<void> {
  t.deepEqual([...after.keys].filter(([k]) => k !== 'ntcorr_provenance;1'), [...before.keys].filter(([k]) => k !== 'ntcorr_provenance;1'), 'every key, class and cycle');
  t.is(after.keys.get('ntcorr_provenance;1'), 'TObjString');
  for (const [k, v] of before.objects) {
    const got = after.objects.get(k);
    if (k === tree) {
      const g = got as Record<string, unknown[]>;
      t.deepEqual(Object.keys(g), [...Object.keys(v as object), ...added], `${k}: branches`);
      for (const [b, vals] of Object.entries(v as Record<string, unknown[]>)) t.deepEqual(g[b], vals, `${k}: branch ${b}`);
    } else {
      t.deepEqual(got, v, k);
    }
  }
}

test('NanoAOD --in-place: every key and all 947 branches identical (jsroot), new branch correct; permission bits kept, a symlink\'s target rewritten', async (t) => {
  const dir = tempDir();
  mkdirSync(join(dir, 'store'));
  const real = join(dir, 'store', 'nano.root');
  copyFileSync(fixture('root', 'nanoAOD_2015_CMS_Open_Data_ttbar.root'), real);
  chmodSync(real, 0o640);
  // The user names a symlink: its target is rewritten, the link stays a link.
  const f = join(dir, 'nano.root');
  symlinkSync(real, f);
  const before = await jsrootDump(f);
  const model = derivedBundle(dir, 'met2', { MET_pt2x: 'MET_pt * 2' });
  const r = runCli(['apply', f, '-m', model, '--in-place', '-q']);
  t.is(r.code, 0, r.stderr + r.stdout);
  t.true(lstatSync(f).isSymbolicLink());
  t.is(statSync(real).mode & 0o777, 0o640);
  t.deepEqual(readdirSync(join(dir, 'store')), ['nano.root'], 'no temp file left');
  const after = await jsrootDump(f);
  await assertCarried(t, before, after, 'Events;1', ['MET_pt2x']);
  const ev = before.objects.get('Events;1') as Record<string, number[]>;
  const got = (after.objects.get('Events;1') as Record<string, number[]>).MET_pt2x!;
  t.deepEqual(got, ev.MET_pt!.map((x) => Math.fround(x * 2)));
  t.is(Object.keys(ev).length, 947);
});

test('nested directories: --in-place on one/two/tree keeps the other trees (char* strings, Event objects) and directories', async (t) => {
  const dir = tempDir();
  const f = join(dir, 'nested.root');
  copyFileSync(data('uproot-nesteddirs.root'), f);
  const before = await jsrootDump(f);
  t.true(before.keys.has('three/tree;1') && before.keys.has('one/tree;1'));
  const model = derivedBundle(dir, 'f2', { F2: 'Float32 * 2' });
  const r = runCli(['apply', f, '-m', model, '--in-place', '--tree', 'one/two/tree', '-q']);
  t.is(r.code, 0, r.stderr + r.stdout);
  const after = await jsrootDump(f);
  await assertCarried(t, before, after, 'one/two/tree;1', ['F2']);
  const src = (before.objects.get('one/two/tree;1') as Record<string, number[]>);
  t.deepEqual((after.objects.get('one/two/tree;1') as Record<string, number[]>).F2, src.Float32!.map((x) => Math.fround(x * 2)));
  t.true((src.Str as unknown as string[]).every((s) => typeof s === 'string' && s.length > 0), 'the char* branch holds strings');
});

test('HZZ-objects full copy: all 22 branches (vector<float/int/bool>, vector<TLorentzVector>, TVector2/3) identical (jsroot)', async (t) => {
  const dir = tempDir();
  const src = data('uproot-HZZ-objects.root');
  const input = readFileSync(src);
  const before = await jsrootDump(src);
  const model = derivedBundle(dir, 'w2', { w2: 'eventweight * 2' });
  const r = runCli(['apply', src, '-m', model, '-o', join(dir, 'out'), '-q']);
  t.is(r.code, 0, r.stderr + r.stdout);
  t.deepEqual(readFileSync(src), input, 'input untouched');
  const after = await jsrootDump(join(dir, 'out', 'uproot-HZZ-objects.root'));
  await assertCarried(t, before, after, 'events;1', ['w2']);
  const ev = before.objects.get('events;1') as Record<string, unknown[]>;
  t.is(Object.keys(ev).length, 22);
  t.deepEqual((ev.muonq as number[][]).slice(0, 3).map((x) => x.length), [2, 1, 2], 'vector<int> entries are lists');
});

test('--force replaces ntcorr\'s own branches only at the end of the tree; otherwise it fails unless --drop-unreadable', async (t) => {
  const dir = tempDir();
  const f = join(dir, 'hzz.root');
  copyFileSync(data('uproot-HZZ-objects.root'), f);
  const a = derivedBundle(dir, 'a', { wa: 'eventweight * 2' });
  const b = derivedBundle(dir, 'b', { wb: 'eventweight * 3' });
  t.is(runCli(['apply', f, '-m', a, '--in-place', '-q']).code, 0);
  t.is(runCli(['apply', f, '-m', b, '--in-place', '-q']).code, 0);
  const good = readFileSync(f);
  // Replacing wb (last) works; replacing wa (followed by wb) cannot be done without moving other branches.
  t.is(runCli(['apply', f, '-m', b, '--in-place', '--force', '-q']).code, 0);
  const bad = runCli(['apply', f, '-m', a, '--in-place', '--force', '-q']);
  t.is(bad.code, 1);
  t.regex(bad.stdout + bad.stderr, /hzz\.root: tree "events" cannot be carried over: branch "wa" exists and is followed by "wb"/);
  t.notDeepEqual(readFileSync(f), good);
  const kept = readFileSync(f);
  const drop = runCli(['apply', f, '-m', a, '-o', join(dir, 'dropped'), '--force', '--drop-unreadable', '-q']);
  t.is(drop.code, 0, drop.stderr);
  t.regex(drop.stderr, /--drop-unreadable: .*dropped: branch "jetp4" \(vector<TLorentzVector>\)/);
  t.deepEqual(readFileSync(f), kept, 'a failed or separate-output run leaves the input as it was');
  const out = await jsrootDump(join(dir, 'dropped', 'hzz.root'));
  t.deepEqual(Object.keys(out.objects.get('events;1') as object).slice(-2), ['wb', 'wa']);
});

test('char* (TLeafC) branches read as strings equal jsroot\'s, before and after a carried-over rewrite', async (t) => {
  const { RootTable } = await import('../src/io/root/reader.js');
  const { jsrootRead } = await import('./helpers/jsroot-reference.js');
  const dir = tempDir();
  const f = join(dir, 'nested.root');
  copyFileSync(data('uproot-nesteddirs.root'), f);
  const ref = (await jsrootRead(f, 'one/two/tree', ['Str'])).get('Str');
  const read = async (): Promise<string[]> => {
    const s = await RootTable.open(f, { tree: 'one/two/tree' });
    try { return await s.readStrings('Str'); } finally { await s.close(); }
  };
  t.deepEqual(await read(), ref as unknown as string[]);
  t.is(ref!.length, 100);
  const model = derivedBundle(dir, 'i2', { I2: 'Int32 * 2' });
  t.is(runCli(['apply', f, '-m', model, '--in-place', '--tree', 'one/two/tree', '-q']).code, 0);
  t.deepEqual(await read(), ref as unknown as string[]);
});

test('several cycles: --in-place updates the highest cycle of the tree and keeps the older cycle and the other directory', async (t) => {
  const { RootFileWriter, keyLength } = await import('../src/io/root/file-writer.js');
  const { serializeTree } = await import('../src/io/root/tree-object.js');
  const dir = tempDir();
  const f = join(dir, 'multi.root');
  const w = new RootFileWriter(f, 101);
  const tree = (name: string, entries: number, cycle: number, d?: ReturnType<typeof w.beginDirectory>): void => {
    const obj = serializeTree(name, name, entries, [], keyLength('TTree', name, name));
    w.appendKey('TTree', name, name, obj, obj.length, undefined, true, { cycle, dir: d });
  };
  tree('T', 5, 1);
  tree('T', 7, 2);
  const d = w.beginDirectory('d');
  tree('U', 3, 1, d);
  w.endDirectory(d);
  w.finish();
  const before = await jsrootDump(f);
  const model = derivedBundle(dir, 'c', { c: '1.5' });
  const r = runCli(['apply', f, '-m', model, '--in-place', '--tree', 'T', '-q']);
  t.is(r.code, 0, r.stderr + r.stdout);
  const after = await jsrootDump(f);
  await assertCarried(t, before, after, 'T;2', ['c']);
  t.deepEqual((after.objects.get('T;2') as Record<string, number[]>).c, [1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5]);
  t.deepEqual(Object.keys(after.objects.get('T;1') as object), [], 'cycle 1 untouched');
});
