import test from 'ava';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { runApply } from '../src/pipeline/index.js';
import { applyOptions, xTable } from './helpers/apply.js';
import { ROOT, derivedBundle, tempDir } from './helpers/fixtures.js';
import { runCli } from './helpers/cli.js';

/** Issue 13 item 14: empty --where, an output folder that is a file, over-long names, backslashes, toys temp files. */
const bundle = (dir: string): string => derivedBundle(dir, 'twice', { y: 'x*2' });
const opts = applyOptions;
const table = (path: string, n = 10): Promise<void> => xTable(path, n);

test('--where "" is an error (apply, fit), not "every row"', async (t) => {
  const dir = tempDir();
  const f = join(dir, 'a.parquet');
  await table(f);
  await t.throwsAsync(runApply(opts({ inputs: [f], model: bundle(dir), outDir: join(dir, 'o'), where: '' })), { message: /--where "": give an expression/ });
  await t.throwsAsync(runApply(opts({ inputs: [f], model: bundle(dir), outDir: join(dir, 'o'), where: '  ' })), { message: /--where "  ": give an expression/ });
  t.false(existsSync(join(dir, 'o')));
  const r = runCli(['fit', '--model', join(ROOT, 'examples', 'fit', 'gauss-exp.yaml'), '--data', f, '--column', 'x', '--where', '', '--no-plot', '--out', join(dir, 'fit')]);
  t.is(r.code, 1, r.stdout);
  t.regex(r.stderr, /--where "": give an expression/);
});

test('an output folder that is a file: a clear error naming it, before anything runs', async (t) => {
  const dir = tempDir();
  const f = join(dir, 'in', 'a.parquet');
  mkdirSync(join(dir, 'in'));
  await table(f);
  writeFileSync(join(dir, 'file'), 'not a folder');
  await t.throwsAsync(runApply(opts({ inputs: [f], model: bundle(dir), outDir: join(dir, 'file') })), { message: new RegExp(`--out-dir ${join(dir, 'file')}: is a file, expected a folder`) });
  // a file in the middle of the mirrored path
  mkdirSync(join(dir, 'in', 'ds'));
  await table(join(dir, 'in', 'ds', 'b.parquet'));
  mkdirSync(join(dir, 'out'));
  writeFileSync(join(dir, 'out', 'ds'), 'a file where the dataset folder goes');
  const s = await runApply(opts({ inputs: [f, join(dir, 'in', 'ds', 'b.parquet')], model: bundle(dir), outDir: join(dir, 'out') }));
  t.is(s.done, 1);
  t.regex(s.files[1].reason!, new RegExp(`output folder ${join(dir, 'out', 'ds')}: ${join(dir, 'out', 'ds')} is a file, expected a folder`));
});

test('over-long names: an input whose name fits gets shortened temp and lock names; a name over 255 bytes fails alone, clearly', async (t) => {
  const dir = tempDir();
  const longName = `${'n'.repeat(240)}.parquet`; // 248 bytes: fits, but `.ntcorr-tmp-<name>-<pid>-<hex>` would not
  const f = join(dir, longName);
  await table(f);
  const s = await runApply(opts({ inputs: [f], model: bundle(dir), inPlace: true }));
  t.is(s.done, 1, JSON.stringify(s.files));
  t.deepEqual(readdirSync(dir).filter((n) => n.startsWith('.')), [], 'no temp or lock files left');
  const tooLong = join(dir, `${'m'.repeat(300)}.parquet`);
  const s2 = await runApply(opts({ inputs: [f, tooLong], model: bundle(dir), outDir: join(dir, 'out'), force: true }));
  t.is(s2.done, 1);
  t.regex(s2.files[1].reason!, /a name in the path is 308 bytes long; the filesystem allows at most 255/);
});

test('a backslash in a name: read literally; next to glob characters it fails with a clear message naming the file', async (t) => {
  const dir = tempDir();
  const plain = join(dir, 'w\\x.parquet');
  const odd = join(dir, 'w\\[1].parquet');
  await table(plain, 7);
  await table(odd, 9);
  const s = await runApply(opts({ inputs: [plain, odd], model: bundle(dir), outDir: join(dir, 'out') }));
  t.is(s.files[0].status, 'done', s.files[0].reason);
  t.is(s.files[0].rows, 7);
  t.is(s.files[1].status, 'failed');
  t.regex(s.files[1].reason!, /w\\\[1\]\.parquet: a file name with a backslash and one of \* \? \[ \] cannot be read safely through DuckDB/);
  // a missing name with a backslash is a missing file, not a pattern matching wx.parquet
  await table(join(dir, 'wx.parquet'), 3);
  const s2 = await runApply(opts({ inputs: [join(dir, 'w\\y.parquet'), join(dir, 'w\\x.parquet')], model: bundle(dir), outDir: join(dir, 'out2') }));
  t.deepEqual(s2.files.map((f) => [f.file, f.status]), [[join(dir, 'w\\y.parquet'), 'failed'], [plain, 'done']]);
  t.regex(s2.files[0].reason!, /file not found/);
});

test('toys: temp files of a killed run are removed by the next run (a live run\'s are kept)', (t) => {
  const dir = tempDir();
  const out = join(dir, 'toys');
  mkdirSync(join(out, 'plots'), { recursive: true });
  const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
  const stale = [join(out, `.ntcorr-tmp-toys.parquet-${dead}-0123abcd`), join(out, 'plots', `.ntcorr-tmp-pull_mu.svg-${dead}-89abcdef`)];
  const live = join(out, `.ntcorr-tmp-toys.parquet-${process.pid}-0123abcd`);
  for (const p of [...stale, live]) writeFileSync(p, 'partial');
  const r = runCli(['toys', '--model', join(ROOT, 'examples', 'fit', 'gauss-exp.yaml'), '-N', '4', '--jobs', '1', '--out', out, '--no-plots', '-q']);
  t.is(r.code, 0, r.stderr);
  for (const p of stale) t.false(existsSync(p), p);
  t.true(existsSync(live));
  t.true(existsSync(join(out, 'toys.parquet')));
});
