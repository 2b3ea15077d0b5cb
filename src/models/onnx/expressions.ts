import { isJagged, type Column, type JaggedColumn, type NumericArray } from '../../core/columns.js';
import { NtcorrError } from '../../core/errors.js';
import type { CompiledExpression } from '../../expr/index.js';

/**
 * Evaluates an expression on a chunk where some inputs may be list columns: with no list column it is
 * the ordinary per-row evaluation; otherwise it runs once per element (every list column must have the
 * same number of elements in each row; per-row columns are repeated for each element of their row) and
 * the result is a list column, e.g. `ch_pt / pt` gives each constituent's pt over its jet's.
 */
export function evalColumn(expr: CompiledExpression, env: Map<string, Column>, rows: number, file: string): Column {
  const lists = expr.columns.filter((c) => { const v = env.get(c); return v !== undefined && isJagged(v); });
  if (lists.length === 0) return expr.evalFloat(env, rows);
  const ref = env.get(lists[0]) as JaggedColumn;
  const offsets = new Int32Array(rows + 1);
  for (let i = 0; i < rows; i++) offsets[i + 1] = offsets[i] + (ref.offsets[i + 1] - ref.offsets[i]);
  const total = offsets[rows];
  const flat = new Map<string, Column>();
  for (const name of expr.columns) {
    const c = env.get(name);
    if (c === undefined) continue; // evalFloat names the missing column
    const out = new Float64Array(total);
    if (isJagged(c)) {
      for (let i = 0; i < rows; i++) {
        const n = c.offsets[i + 1] - c.offsets[i];
        if (n !== offsets[i + 1] - offsets[i]) throw new NtcorrError(`${file}: expression "${expr.source}": list columns ${lists[0]} and ${name} have different lengths in row ${i} (${offsets[i + 1] - offsets[i]} and ${n})`, { file, column: name });
        const v = c.values as ArrayLike<number | bigint>;
        for (let q = 0; q < n; q++) out[offsets[i] + q] = Number(v[c.offsets[i] + q]);
      }
    } else {
      const v = c as ArrayLike<number | bigint>;
      for (let i = 0; i < rows; i++) out.fill(Number(v[i]), offsets[i], offsets[i + 1]);
    }
    flat.set(name, out);
  }
  const values = expr.evalFloat(flat, total);
  return { offsets, values } as JaggedColumn;
}
