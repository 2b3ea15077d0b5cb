/**
 * Non-ASCII tree and branch names round-trip byte-exactly (UTF-8, as ROOT writes them) through a new
 * file, an --in-place rewrite and a --friend tree: checked on the raw name bytes jsroot reads.
 */
import test from 'ava';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openFile } from 'jsroot';
import type { Column } from '../src/core/columns.js';
import { TreeWriter } from '../src/io/root/writer.js';
import { tempDir } from './helpers/fixtures.js';
import { runCli } from './helpers/cli.js';
import { jsrootRead } from './helpers/jsroot-reference.js';

/** jsroot gives names one char per byte: back to the bytes. */
const bytes = (s: string): string => Buffer.from(s, 'latin1').toString('hex');
const utf8 = (s: string): string => Buffer.from(s, 'utf8').toString('hex');

async function names(path: string): Promise<{ tree: string; branches: string[] }> {
  const f = await openFile(path);
  const key = f.fKeys.find((k: any) => k.fClassName === 'TTree');
  const t = await f.readObject(key.fName);
  return { tree: bytes(key.fName), branches: t.fBranches.arr.map((b: any) => bytes(b.fName)) };
}

test('Événements / énergie: names keep their UTF-8 bytes through --in-place and --friend', async (t) => {
  const dir = tempDir();
  const f = join(dir, 'événements.root');
  const w = new TreeWriter(f, 'Événements', [{ name: 'énergie', dtype: 'float32', layout: 'flat' }, { name: 'n', dtype: 'int32', layout: 'flat' }]);
  await w.append(new Map<string, Column>([['énergie', Float32Array.from([1.5, 2, 3])], ['n', Int32Array.from([1, 2, 3])]]), 3);
  await w.finish();
  t.deepEqual(await names(f), { tree: utf8('Événements'), branches: [utf8('énergie'), utf8('n')] });

  const m = join(dir, 'model');
  mkdirSync(m);
  writeFileSync(join(m, 'model.json'), JSON.stringify({
    format: 'ntcorr-bundle', formatVersion: 1, name: 'élan', kind: 'derived', inputs: [], outputs: [{ name: 'élan' }],
    config: { columns: { 'élan': 'n * 2' } }, provenance: { createdBy: 'test', created: '2026-12-01T00:00:00Z', source: 'hand-written' },
  }));
  const fr = runCli(['apply', f, '-m', m, '-o', join(dir, 'friend'), '--friend', '-q']);
  t.is(fr.code, 0, fr.stderr + fr.stdout);
  t.deepEqual(await names(join(dir, 'friend', 'événements.root')), { tree: utf8('Événements'), branches: [utf8('élan')] });
  const ip = runCli(['apply', f, '-m', m, '--in-place', '--tree', 'Événements', '-q']);
  t.is(ip.code, 0, ip.stderr + ip.stdout);
  t.deepEqual(await names(f), { tree: utf8('Événements'), branches: [utf8('énergie'), utf8('n'), utf8('élan')] });
  const treeKey = Buffer.from('Événements', 'utf8').toString('latin1');
  const vals = await jsrootRead(f, treeKey, [Buffer.from('énergie', 'utf8').toString('latin1'), Buffer.from('élan', 'utf8').toString('latin1')]);
  t.deepEqual([...vals.values()], [[1.5, 2, 3], [2, 4, 6]]);
  const ins = runCli(['inspect', f]);
  t.regex(ins.stdout, /tree Événements, 3 rows, 3 columns/);
});
