import { NtcorrError } from '../core/errors.js';
import { isJagged, toFloat64, type NumericArray } from '../core/columns.js';
import { scanFiles } from '../io/scan.js';
import { compileSelection } from '../expr/index.js';

export interface FitData {
  xs: Float64Array;
  weights?: Float64Array;
  /** Rows in the file, rows passing --where, and of those the rows outside the observable range (dropped). */
  rows: number;
  selected: number;
  outOfRange: number;
}

/**
 * Reads one numeric column of a parquet/ROOT file for a fit, keeping rows that pass `where` and fall inside
 * [lo, hi] (the PDFs are normalised there). Streams chunks; errors name the file and column.
 */
export async function readFitData(path: string, column: string, range: [number, number], opts: { where?: string; weight?: string; tree?: string } = {}): Promise<FitData> {
  const expr = compileSelection(opts.where);
  const need = new Set([column, ...(opts.weight ? [opts.weight] : []), ...(expr ? expr.columns : [])]);
  let rows = 0;
  const xs: number[] = [];
  const ws: number[] = [];
  let selected = 0;
  let outOfRange = 0;
  const scan = scanFiles([path], {
    tree: opts.tree,
    chunkRows: 1 << 16,
    where: expr,
    columns: (src) => {
      rows = src.rows;
      const names = new Set(src.columns.map((c) => c.name));
      for (const c of need) {
        if (!names.has(c)) throw new NtcorrError(`${path}: no column "${c}"${src.tree ? ` in tree ${src.tree}` : ''} (needed by the fit${c === column ? '' : ' selection/weight'})`, { file: path, column: c });
        const info = src.columns.find((x) => x.name === c)!;
        if (info.jagged || !info.dtype) throw new NtcorrError(`${path}: column "${c}" is ${info.detail}; the fit needs a flat numeric column`, { file: path, column: c });
      }
      return [...need];
    },
  });
  for await (const { chunk, mask } of scan) {
    const col = chunk.columns.get(column)!;
    if (isJagged(col)) throw new NtcorrError(`${path}: column "${column}" is jagged; the fit needs a flat numeric column`, { file: path, column });
    const x = toFloat64(col as NumericArray);
    const w = opts.weight ? toFloat64(chunk.columns.get(opts.weight) as NumericArray) : null;
    for (let i = 0; i < chunk.rows; i++) {
      if (mask && !mask[i]) continue;
      selected++;
      const v = x[i];
      if (!(v >= range[0] && v <= range[1])) {
        outOfRange++;
        continue;
      }
      xs.push(v);
      if (w) ws.push(w[i]);
    }
  }
  return { xs: Float64Array.from(xs), weights: opts.weight ? Float64Array.from(ws) : undefined, rows, selected, outOfRange };
}
