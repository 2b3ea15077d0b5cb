import { isJagged } from '../core/columns.js';
import { NtcorrError } from '../core/errors.js';
import { compileSelection } from '../expr/index.js';
import { expandAll } from '../io/files.js';
import { openTable } from '../io/formats.js';
import { scanFiles } from '../io/scan.js';

/** One sample (data or simulation) held in memory as float64 columns, already selected. */
export interface LoadedSample {
  files: string[];
  rows: number;
  columns: Map<string, Float64Array>;
  /** Event weights (may be replaced by kinematic reweighting). */
  weights: Float64Array | null;
}

/** Input files of one sample (src/io/files.ts: an existing path is that file; every pattern must match). */
export async function expandGlobs(patterns: string[], what: string): Promise<string[]> {
  return expandAll(patterns, `--${what}`);
}

/** Column names of the first file (the schema all files of a sample are expected to share). */
export async function columnsOf(file: string, tree?: string): Promise<Set<string>> {
  const src = await openTable(file, { tree });
  const names = new Set(src.columns.map((c) => c.name));
  await src.close();
  return names;
}

/**
 * Reads `columns` (+ the weight and the selection's columns) from every file, keeps rows passing `where`,
 * stops after `maxEvents` selected rows. Non-numeric or list columns fail with the file and column named.
 */
export async function loadSample(files: string[], columns: string[], opts: { weight?: string; where?: string; maxEvents: number; tree?: string }): Promise<LoadedSample> {
  const expr = compileSelection(opts.where);
  const read = [...new Set([...columns, ...(opts.weight ? [opts.weight] : []), ...(expr ? expr.columns : [])])];
  const parts = new Map<string, Float64Array[]>(read.map((c) => [c, []]));
  let rows = 0;
  if (opts.maxEvents > 0) {
    for await (const { file, chunk: ch, mask } of scanFiles(files, { columns: read, where: expr, tree: opts.tree, chunkRows: 100_000 })) {
      let keep = mask ? mask.reduce((s, v) => s + v, 0) : ch.rows;
      keep = Math.min(keep, opts.maxEvents - rows);
      for (const name of read) {
        const col = ch.columns.get(name)!;
        if (isJagged(col)) throw new NtcorrError(`${file}: column "${name}" is a list column; validate compares one number per row`, { file, column: name });
        const out = new Float64Array(keep);
        let k = 0;
        for (let i = 0; i < ch.rows && k < keep; i++) if (!mask || mask[i]) out[k++] = Number((col as ArrayLike<number | bigint>)[i]);
        parts.get(name)!.push(out);
      }
      rows += keep;
      // stops reading (and closes the file) once enough events are selected
      if (rows >= opts.maxEvents) break;
    }
  }
  const concat = (list: Float64Array[]) => { const o = new Float64Array(rows); let p = 0; for (const a of list) { o.set(a, p); p += a.length; } return o; };
  const cols = new Map<string, Float64Array>();
  for (const [name, list] of parts) cols.set(name, concat(list));
  return { files, rows, columns: cols, weights: opts.weight ? cols.get(opts.weight)! : null };
}
