import { isJagged, type Chunk, type Column } from '../core/columns.js';
import { NtcorrError } from '../core/errors.js';

/**
 * `apply --fill`: the value of an output column in a row the correction does not write. Rows outside
 * `--where` are never corrected; the flow also leaves out rows it refuses (non-finite inputs, outside the
 * bundle's validity region). One rule for every kind:
 *
 *   nan   NaN (0 in integer and bool columns);
 *   keep  the value the file already has in that column, when it has the column; else the output's
 *         uncorrected input, where the kind has one (a flow's `probe_r9` for `probe_r9_corr`); else NaN.
 *
 * Kinds call this module (the Corrector contract, models/types.ts, says what rows are filled); they only
 * declare which output has an uncorrected input.
 */
export type Fill = 'nan' | 'keep';

export interface FillOutput {
  name: string;
  /** The column this output corrects (kept with --fill keep when the file lacks the output itself). */
  uncorrected?: string;
}

export interface FillPlan {
  /** Columns to read besides the corrector's own inputs (existing outputs kept with --fill keep). */
  readonly reads: string[];
  /** Per-row fill values of a one-value-per-row output (NaN with --fill nan or when nothing is kept). */
  flat(name: string, chunk: Chunk): (row: number) => number;
  /**
   * Per-element fill values of a list output (one value per element, `count` in the chunk), or undefined
   * (NaN). An existing column must have one value per element.
   */
  elements(name: string, chunk: Chunk, count: number, file: string): ArrayLike<number> | undefined;
}

const NAN = (): number => NaN;

/** The fill rule for one file: `fileColumns` are the columns the file has. */
export function fillPlan(fill: Fill | undefined, fileColumns: Iterable<string>, outputs: readonly FillOutput[]): FillPlan {
  const has = new Set(fileColumns);
  const keep = fill === 'keep';
  // name -> the column its fill values come from
  const source = new Map<string, string>();
  if (keep) {
    for (const o of outputs) {
      if (has.has(o.name)) source.set(o.name, o.name);
      else if (o.uncorrected !== undefined && has.has(o.uncorrected)) source.set(o.name, o.uncorrected);
    }
  }
  const column = (name: string, chunk: Chunk): Column | undefined => {
    const from = source.get(name);
    return from === undefined ? undefined : chunk.columns.get(from);
  };
  return {
    reads: [...new Set(source.values())],
    flat(name, chunk) {
      const c = column(name, chunk);
      // A list column cannot fill a one-value-per-row output.
      if (c === undefined || isJagged(c)) return NAN;
      const v = c as ArrayLike<number | bigint>;
      return (row) => Number(v[row]);
    },
    elements(name, chunk, count, file) {
      const c = column(name, chunk);
      if (c === undefined) return undefined;
      const values = (isJagged(c) ? c.values.subarray(c.offsets[0], c.offsets[chunk.rows]) : c) as ArrayLike<number>;
      if (values.length !== count) throw new NtcorrError(`${file}: existing column ${source.get(name)} does not have one value per jet (needed for --fill keep)`, { file, column: source.get(name) });
      return values;
    },
  };
}
