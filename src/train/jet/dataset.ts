import { existsSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import YAML from 'yaml';
import { NtcorrError } from '../../core/errors.js';
import { scanFiles } from '../../io/scan.js';
import type { Chunk } from '../../core/columns.js';
import type { JetConfig } from '../../models/jet/config.js';
import { buildJetBlock, concatBlocks, jetInputColumns, type JetBlock } from '../../models/jet/features.js';
import type { Transform } from '../../models/jet/transform.js';

/**
 * An ml-jec dataset folder: data.yaml lists `{path, count}` shards (ROOT or parquet). A listed path that
 * does not exist is also looked for by its file name next to data.yaml (copies that flattened `shards/`).
 */
export function datasetFiles(location: string): string[] {
  const yml = join(location, 'data.yaml');
  if (!existsSync(yml)) throw new NtcorrError(`dataset ${location}: no data.yaml (expected a list of {path, count} entries)`, { file: yml });
  const doc = YAML.parse(readFileSync(yml, 'utf8'));
  if (!Array.isArray(doc)) throw new NtcorrError(`${yml}: expected a list of {path, count} entries`, { file: yml });
  return doc.map((e, i) => {
    if (!e || typeof e.path !== 'string') throw new NtcorrError(`${yml}: entry ${i} has no path`, { file: yml });
    const p = resolve(location, e.path);
    if (existsSync(p)) return p;
    const alt = join(location, basename(e.path));
    if (existsSync(alt)) return alt;
    throw new NtcorrError(`${yml}: shard ${e.path} not found (looked at ${p} and ${alt})`, { file: p });
  });
}

/** Splits files into train / validation / test by count (ml-jec's `split`, -1 = the rest). */
export function splitFiles(files: string[], split: number[], file: string): { train: string[]; val: string[]; test: string[] } {
  const rest = files.length - split.filter((s) => s >= 0).reduce((a, b) => a + b, 0);
  if (rest < 0 || split.filter((s) => s < 0).length > 1) throw new NtcorrError(`${file}: data.split ${JSON.stringify(split)} does not fit the dataset's ${files.length} files`, { file });
  const n = split.map((s) => (s < 0 ? rest : s));
  return { train: files.slice(0, n[0]), val: files.slice(n[0], n[0] + n[1]), test: files.slice(n[0] + n[1], n[0] + n[1] + n[2]) };
}

/** Streams a file's chunks of the given columns (src/io/scan.ts). */
export async function* fileChunks(path: string, tree: string, columns: string[], chunkRows = 65536): AsyncGenerator<Chunk> {
  const scan = scanFiles([path], {
    tree,
    chunkRows,
    columns: (t) => {
      const have = new Set(t.columns.map((c) => c.name));
      for (const c of columns) if (!have.has(c)) throw new NtcorrError(`${path}${t.tree ? ` (tree ${t.tree})` : ''}: column ${c} is missing`, { file: path, column: c });
      return columns;
    },
  });
  for await (const { chunk } of scan) yield chunk;
}

/** Reads and preprocesses every jet of the files into memory (constituents unpadded). */
export async function loadJets(files: string[], cfg: JetConfig, tr: Transform, withTarget: boolean): Promise<JetBlock> {
  const cols = jetInputColumns(cfg, withTarget);
  const blocks: JetBlock[] = [];
  for (const f of files) for await (const ch of fileChunks(f, cfg.data.tree, cols)) blocks.push(buildJetBlock(ch.columns, ch.rows, cfg, tr, f, withTarget));
  if (!blocks.length) throw new NtcorrError(`${cfg.file}: no jets to read (files: ${files.join(', ') || 'none'})`, { file: cfg.file });
  return concatBlocks(blocks);
}
