/**
 * Synthetic jet dataset in ml-jec's layout (data.yaml + shards/N.root, tree Jets, constituent arrays with
 * *_size counters), seeded. The true response is known by construction: see src/train/jet/synthetic.ts.
 *
 *   node --import tsx scripts/make-jet-samples.ts [--out samples/jets] [--jets 20000] [--shards 5] [--seed 1]
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isJagged, type Column, type NumericArray } from '../src/core/columns.js';
import { dtypeOfArray } from '../src/io/parquet/write-table.js';
import { TreeWriter, type TreeColumnSpec } from '../src/io/root/writer.js';
import { generateJets } from '../src/train/jet/synthetic.js';

export async function makeJetSamples(out: string, jets: number, shards: number, seed: number): Promise<string[]> {
  mkdirSync(join(out, 'shards'), { recursive: true });
  const per = Math.ceil(jets / shards);
  const entries: { path: string; count: number }[] = [];
  for (let s = 0; s < shards; s++) {
    const n = Math.min(per, jets - s * per);
    if (n <= 0) break;
    const { rows, columns } = generateJets(n, seed * 1000 + s); // independent stream per shard
    const rel = `shards/${s + 1}.root`;
    await writeJetsRoot(join(out, rel), columns, rows);
    entries.push({ path: rel, count: rows });
  }
  writeFileSync(join(out, 'data.yaml'), entries.map((e) => `- path: ${e.path}\n  count: ${e.count}\n`).join(''));
  return entries.map((e) => join(out, e.path));
}

export async function writeJetsRoot(path: string, columns: Map<string, Column>, rows: number): Promise<void> {
  const specs: TreeColumnSpec[] = [];
  for (const [name, c] of columns) {
    if (isJagged(c)) specs.push({ name, dtype: dtypeOfArray(c.values), layout: 'jagged', counter: `${name.split('_')[0]}_size` });
    else specs.push({ name, dtype: dtypeOfArray(c as NumericArray), layout: 'flat' });
  }
  const tmp = `${path}.tmp-${process.pid}`;
  const w = new TreeWriter(tmp, 'Jets', specs, 'zlib');
  const step = 50_000;
  for (let s = 0; s < rows; s += step) {
    const e = Math.min(rows, s + step);
    const part = new Map<string, Column>();
    for (const [name, c] of columns) part.set(name, isJagged(c) ? { offsets: c.offsets.subarray(s, e + 1), values: c.values } : (c as NumericArray).subarray(s, e));
    await w.append(part, e - s);
  }
  await w.finish();
  renameSync(tmp, path);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (k: string, d: string) => { const i = process.argv.indexOf(`--${k}`); return i > 0 ? process.argv[i + 1] : d; };
  const out = resolve(arg('out', 'samples/jets'));
  const files = await makeJetSamples(out, Number(arg('jets', '20000')), Number(arg('shards', '5')), Number(arg('seed', '1')));
  console.log(`wrote ${files.length} shards and data.yaml to ${out}`);
}
