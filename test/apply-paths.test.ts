import test from 'ava';
import { chmodSync, chownSync, copyFileSync, existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { lockFile, lockPathFor } from '../src/core/lock.js';
import { openTable } from '../src/io/formats.js';
import { runApply, type ApplyOptions } from '../src/pipeline/index.js';
import { applyOptions } from './helpers/apply.js';
import { toFloat64, type NumericArray } from '../src/core/columns.js';
import { ROOT, fixture, derivedBundle, tempDir } from './helpers/fixtures.js';
import { runCli, spawnCli } from './helpers/cli.js';

/** Issue 13 items 5 (outputs mirror relative paths, draw keys), 4 (locks) and 6 (permissions, owner, symlinks). */
const duck: Promise<DuckDBConnection> = DuckDBInstance.create(':memory:').then((d) => d.connect());
const one = async (sql: string) => (await (await duck).runAndReadAll(sql)).getRows()[0][0];

const opts = (o: Partial<ApplyOptions>): ApplyOptions => applyOptions({ chunkRows: 5000, jobs: 2, seed: 12345, ...o });

/** A 400-row slice of the bundled Zee simulation (what the tests below copy around). */
async function zeeSlice(path: string): Promise<void> {
  mkdirSync(join(path, '..'), { recursive: true });
  await (await duck).run(`COPY (SELECT * FROM read_parquet('${join(ROOT, 'samples', 'zee_mc.parquet')}') LIMIT 400) TO '${path}' (FORMAT parquet)`);
}

async function column(path: string, name: string): Promise<Float64Array> {
  const src = await openTable(path);
  const parts: number[] = [];
  for await (const ch of src.chunks([name], 100_000)) parts.push(...toFloat64(ch.columns.get(name) as NumericArray));
  await src.close();
  return Float64Array.from(parts);
}

test('--out-dir mirrors the inputs\' paths below their common folder (same basename in two datasets); --base sets the root', async (t) => {
  const dir = tempDir();
  const model = derivedBundle(dir, 'twice', { y: 'probe_pt*2' });
  const a = join(dir, 'in', 'DYto2L', 'nominal', 'f.parquet');
  const b = join(dir, 'in', 'GluGluH', 'nominal', 'f.parquet');
  await zeeSlice(a);
  await zeeSlice(b);
  const s = await runApply(opts({ inputs: [a, b], model, outDir: join(dir, 'out') }));
  t.is(s.done, 2, JSON.stringify(s.files));
  t.deepEqual(s.files.map((f) => f.output), [join(dir, 'out', 'DYto2L', 'nominal', 'f.parquet'), join(dir, 'out', 'GluGluH', 'nominal', 'f.parquet')]);
  for (const f of s.files) t.is(await one(`SELECT count(*) FROM read_parquet('${f.output}') WHERE y = probe_pt*2`), 400n);
  const s2 = await runApply(opts({ inputs: [a], model, outDir: join(dir, 'out2'), base: join(dir, 'in') }));
  t.is(s2.files[0].output, join(dir, 'out2', 'DYto2L', 'nominal', 'f.parquet'));
  // a file outside --base is refused before anything runs
  await t.throwsAsync(runApply(opts({ inputs: [a], model, outDir: join(dir, 'out3'), base: join(dir, 'in', 'GluGluH') })), { message: /is not inside --base/ });
  t.false(existsSync(join(dir, 'out3')));
});

test('an output that would be another input of the run is an error before anything runs', async (t) => {
  const dir = tempDir();
  const model = derivedBundle(dir, 'twice', { y: 'probe_pt*2' });
  const a = join(dir, 'x', 'f.parquet');
  const b = join(dir, 'x', 'sub', 'f.parquet');
  await zeeSlice(a);
  await zeeSlice(b);
  const before = readFileSync(b);
  // common folder x: a -> x/sub/f.parquet, which is b
  await t.throwsAsync(runApply(opts({ inputs: [a, b], model, outDir: join(dir, 'x', 'sub') })), { message: /is another input of this run/ });
  t.deepEqual(readFileSync(b), before);
});

test('flow draws key on the path below --base: a lone file keeps its basename key; two datasets\' same-named files draw differently', async (t) => {
  const dir = tempDir();
  const model = join(ROOT, 'models', 'zee-flow-small');
  const a = join(dir, 'in', 'd1', 'zee.parquet');
  const b = join(dir, 'in', 'd2', 'zee.parquet');
  const lone = join(dir, 'elsewhere', 'zee.parquet');
  await zeeSlice(a);
  await zeeSlice(b);
  await zeeSlice(lone);
  const both = await runApply(opts({ inputs: [a, b], model, outDir: join(dir, 'both'), threads: 1 }));
  t.is(both.done, 2, JSON.stringify(both.files));
  const single = await runApply(opts({ inputs: [a], model, outDir: join(dir, 'single'), base: join(dir, 'in'), threads: 1 }));
  const alone = await runApply(opts({ inputs: [lone], model, outDir: join(dir, 'alone'), threads: 1 }));
  t.is(single.done + alone.done, 2);
  const c = 'probe_pfChargedIso_corr';
  const va = await column(join(dir, 'both', 'd1', 'zee.parquet'), c);
  const vb = await column(join(dir, 'both', 'd2', 'zee.parquet'), c);
  // same rows, different keys (d1/zee.parquet vs d2/zee.parquet): the isolation-zero draws differ
  t.notDeepEqual(va, vb);
  // same key with the same --base, whatever else is in the run
  t.deepEqual(await column(join(dir, 'single', 'd1', 'zee.parquet'), c), va);
  // a lone file: key = basename, exactly as before this change (and as the bundled sample's own results)
  const loneOut = await column(join(dir, 'alone', 'zee.parquet'), c);
  const inA = runApply(opts({ inputs: [a], model, outDir: join(dir, 'a-alone'), threads: 1 }));
  t.is((await inA).done, 1);
  t.deepEqual(await column(join(dir, 'a-alone', 'zee.parquet'), c), loneOut);
  t.notDeepEqual(loneOut, va);
});

test('in-place rewrites are locked: a held lock fails the file naming it (input untouched); a dead run\'s lock is taken over; --wait-lock waits', async (t) => {
  const dir = tempDir();
  const model = derivedBundle(dir, 'twice', { y: 'probe_pt*2' });
  const f = join(dir, 'f.parquet');
  await zeeSlice(f);
  const before = readFileSync(f);
  const held = await lockFile(f);
  t.true(existsSync(lockPathFor(f)));
  const s = await runApply(opts({ inputs: [f], model, inPlace: true }));
  t.is(s.failed, 1);
  t.regex(s.files[0].reason!, new RegExp(`${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: locked by another ntcorr run \\(process ${process.pid} on `));
  t.deepEqual(readFileSync(f), before);
  // --wait-lock: released 0.5 s later, the run goes on
  setTimeout(() => held.release(), 500);
  const w = await runApply(opts({ inputs: [f], model, inPlace: true, waitLock: 20 }));
  t.is(w.done, 1, JSON.stringify(w.files));
  t.false(existsSync(lockPathFor(f)), 'lock removed after the run');
  // a lock left by a killed run (its pid is gone) is stale: taken over
  const dead = spawnSync(process.execPath, ['-e', 'process.exit(0)']).pid!;
  writeFileSync(lockPathFor(f), JSON.stringify({ pid: dead, host: (await import('node:os')).hostname(), token: 'x', time: '2026-12-03T00:00:00Z' }));
  const r = await runApply(opts({ inputs: [f], model: derivedBundle(dir, 'thrice', { z: 'probe_pt*3' }), inPlace: true }));
  t.is(r.done, 1, JSON.stringify(r.files));
  // an --out-dir output being written is locked too
  const out = join(dir, 'out');
  mkdirSync(out);
  const l2 = await lockFile(join(out, 'f.parquet'));
  const o = await runApply(opts({ inputs: [f], model: derivedBundle(dir, 'four', { q: 'probe_pt*4' }), outDir: out }));
  t.regex(o.files[0].reason ?? '', /locked by another ntcorr run/);
  l2.release();
});

test('two concurrent in-place runs on one ROOT file: never both exit 0 with one run\'s branches lost', async (t) => {
  const dir = tempDir();
  const f = join(dir, 'hzz.root');
  copyFileSync(fixture('root', 'uproot-HZZ.root'), f);
  const m1 = derivedBundle(dir, 'met', { MET_pt: 'sqrt(MET_px*MET_px + MET_py*MET_py)' });
  const m2 = derivedBundle(dir, 'metx', { MET_px2: 'MET_px*2' });
  const run = (m: string) => new Promise<number>((res) => {
    const p = spawnCli(['apply', f, '-m', m, '--in-place', '-q']);
    p.on('exit', (code) => res(code ?? -1));
  });
  const [c1, c2] = await Promise.all([run(m1), run(m2)]);
  const src = await openTable(f);
  const names = new Set(src.columns.map((c) => c.name));
  const prov = src.provenance.map((p) => p.model);
  await src.close();
  t.true(c1 === 0 || c2 === 0, `${c1} ${c2}`);
  if (c1 === 0) t.true(names.has('MET_pt') && prov.includes('met'), 'run 1 exited 0: its branch is there');
  if (c2 === 0) t.true(names.has('MET_px2') && prov.includes('metx'), 'run 2 exited 0: its branch is there');
  t.false(existsSync(lockPathFor(f)));
});

test('--in-place keeps permission bits and owner, and rewrites a symlink\'s target (the link stays a link)', async (t) => {
  const dir = tempDir();
  const model = derivedBundle(dir, 'twice', { y: 'probe_pt*2' });
  const f = join(dir, 'real', 'f.parquet');
  await zeeSlice(f);
  chmodSync(f, 0o640);
  const isRoot = process.getuid?.() === 0;
  if (isRoot) chownSync(f, 4321, 4322);
  const link = join(dir, 'link.parquet');
  symlinkSync(f, link);
  const s = await runApply(opts({ inputs: [link], model, inPlace: true }));
  t.is(s.done, 1, JSON.stringify(s.files));
  t.true(lstatSync(link).isSymbolicLink(), 'the link is still a link');
  t.is(readlinkSync(link), f);
  t.is(statSync(f).mode & 0o7777, 0o640);
  if (isRoot) t.deepEqual([statSync(f).uid, statSync(f).gid], [4321, 4322]);
  t.is(await one(`SELECT count(*) FROM read_parquet('${f}') WHERE y = probe_pt*2`), 400n);
  // ROOT in place: same rules (core/atomic.ts is shared)
  const r = join(dir, 'hzz.root');
  copyFileSync(fixture('root', 'uproot-HZZ.root'), r);
  chmodSync(r, 0o600);
  const rr = runCli(['apply', r, '-m', derivedBundle(dir, 'met', { MET_pt: 'sqrt(MET_px*MET_px + MET_py*MET_py)' }), '--in-place', '-q']);
  t.is(rr.code, 0, rr.stderr);
  t.is(statSync(r).mode & 0o7777, 0o600);
});
