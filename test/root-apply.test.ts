import test from 'ava';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixture, tempDir } from './helpers/fixtures.js';
import { runCli } from './helpers/cli.js';
import { jsrootRead } from './helpers/jsroot-reference.js';

/** A hand-written `derived` bundle computing MET magnitude from the HZZ branches. */
function metBundle(dir: string): string {
  const d = join(dir, 'met');
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, 'model.json'), JSON.stringify({
    format: 'ntcorr-bundle', formatVersion: 1, name: 'met', kind: 'derived', inputs: [],
    outputs: [{ name: 'MET_pt' }, { name: 'MET_pt2', type: 'float64' }],
    config: { columns: { MET_pt: 'sqrt(MET_px*MET_px + MET_py*MET_py)', MET_pt2: 'MET_px*MET_px + MET_py*MET_py' } },
    provenance: { createdBy: 'test', created: '2026-11-23T00:00:00Z', source: 'hand-written' },
  }));
  return d;
}

test('ntcorr apply on ROOT: full copy and --friend tree; values checked with jsroot; provenance shown by inspect', async (t) => {
  const dir = tempDir();
  const model = metBundle(dir);
  const src = fixture('root', 'uproot-HZZ.root');
  const before = readFileSync(src);
  const full = runCli(['apply', src, '-m', model, '-o', join(dir, 'full'), '-q']);
  t.is(full.code, 0, full.stderr + full.stdout);
  const friend = runCli(['apply', src, '-m', model, '-o', join(dir, 'friend'), '--friend', '--compression', 'zstd', '-q']);
  t.is(friend.code, 0, friend.stderr + friend.stdout);
  t.deepEqual(readFileSync(src), before, 'input untouched');

  // Expected values from jsroot's reading of the original file, computed as the derived kind does (float64, then float32).
  const orig = await jsrootRead(src, 'events', ['MET_px', 'MET_py']);
  const px = orig.get('MET_px') as number[];
  const py = orig.get('MET_py') as number[];
  const pt2 = px.map((x, i) => x * x + py[i]! * py[i]!);
  const pt = pt2.map((v) => Math.fround(Math.sqrt(v)));
  for (const out of [join(dir, 'full', 'uproot-HZZ.root'), join(dir, 'friend', 'uproot-HZZ.root')]) {
    const got = await jsrootRead(out, 'events', ['MET_pt', 'MET_pt2']);
    t.deepEqual(got.get('MET_pt'), pt, out);
    t.deepEqual(got.get('MET_pt2'), pt2, out);
  }
  // The full copy keeps every original branch (checked value by value against the input with jsroot).
  const names = ['NJet', 'Jet_Px', 'Muon_E', 'NPrimaryVertices', 'triggerIsoMu24', 'EventWeight'];
  const a = await jsrootRead(src, 'events', names);
  const b = await jsrootRead(join(dir, 'full', 'uproot-HZZ.root'), 'events', names);
  for (const n of names) t.deepEqual(b.get(n), a.get(n), n);

  const ins = runCli(['inspect', '--json', join(dir, 'full', 'uproot-HZZ.root'), join(dir, 'friend', 'uproot-HZZ.root')]);
  t.is(ins.code, 0, ins.stderr);
  const info = JSON.parse(ins.stdout) as Array<{ rows: number; columns: unknown[]; provenance: Array<{ model: string; columnsAdded: string[] }>; details: { tree: { branches: Array<{ name: string; compression: string }> } } }>;
  t.is(info[0]!.rows, 2421);
  t.is(info[0]!.columns.length, 53);
  t.is(info[1]!.columns.length, 2);
  for (const i of info) t.deepEqual(i.provenance.map((p) => [p.model, p.columnsAdded]), [['met', ['MET_pt', 'MET_pt2']]]);
  t.is(info[0]!.details.tree.branches.find((x) => x.name === 'Jet_Px')!.compression, 'zlib');
  t.is(info[1]!.details.tree.branches.find((x) => x.name === 'MET_pt2')!.compression, 'zstd');
});

test('ntcorr apply on ROOT: a truncated file fails alone, a missing tree is named, --friend refuses --in-place', async (t) => {
  const dir = tempDir();
  const model = metBundle(dir);
  const good = join(dir, 'good.root');
  copyFileSync(fixture('root', 'uproot-HZZ.root'), good);
  const bad = join(dir, 'bad.root');
  const bytes = readFileSync(good);
  writeFileSync(bad, bytes.subarray(0, 150_000));
  const r = runCli(['apply', good, bad, '-m', model, '-o', join(dir, 'out'), '-q']);
  t.is(r.code, 1);
  t.true(existsSync(join(dir, 'out', 'good.root')));
  t.false(existsSync(join(dir, 'out', 'bad.root')));
  t.regex(r.stdout + r.stderr, /bad\.root.*truncated/);
  t.deepEqual(readFileSync(bad), bytes.subarray(0, 150_000));

  const nt = runCli(['apply', good, '-m', model, '-o', join(dir, 'out2'), '--tree', 'Events', '-q']);
  t.is(nt.code, 1);
  t.regex(nt.stdout + nt.stderr, /no tree "Events" \(trees in the file: events\)/);

  const ip = runCli(['apply', good, '-m', model, '--in-place', '--friend', '-q']);
  t.not(ip.code, 0);
  t.regex(ip.stderr, /--friend/);
  t.deepEqual(readFileSync(good), bytes);
});
