import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { NtcorrError } from '../core/errors.js';
import { isJagged, toFloat64, type NumericArray } from '../core/columns.js';
import { formatFor, openTable } from '../io/formats.js';
import type { OutputWriter, ProvenanceRecord, TableSource } from '../io/table.js';
import type { Column } from '../core/columns.js';
import { compileSelection } from '../expr/index.js';
import { scanFiles } from '../io/scan.js';

export interface FitData {
  xs: Float64Array;
  weights?: Float64Array;
  /** Row number in the file of each fitted event (for columns written back, e.g. sWeights). */
  index: Float64Array;
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
  const idx: number[] = [];
  let row0 = 0;
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
      idx.push(row0 + i); // row in the file, for sWeights written back beside the data
      if (w) ws.push(w[i]);
    }
    row0 += chunk.rows;
  }
  return { xs: Float64Array.from(xs), weights: opts.weight ? Float64Array.from(ws) : undefined, index: Float64Array.from(idx), rows, selected, outOfRange };
}

/** Where one category's data come from. */
export interface DataSpec {
  file: string;
  column: string;
}

/**
 * `--data` values for a model: one FILE for a single-category model; CAT=FILE[:COLUMN] once per category for
 * a simultaneous one (COLUMN defaults to `--column`). An existing path is always that file, never split.
 */
export function parseDataSpecs(values: string[], model: { source: string; categories?: Array<{ category?: string }> }, column?: string): DataSpec[] {
  const fail = (msg: string): never => {
    throw new NtcorrError(`--data: ${msg}`);
  };
  const splitColumn = (v: string): DataSpec => {
    const i = v.lastIndexOf(':');
    if (existsSync(v) || i <= 0) {
      if (!column) fail(`no column for ${v}: give --column or write FILE:COLUMN`);
      return { file: v, column: column! };
    }
    return { file: v.slice(0, i), column: v.slice(i + 1) };
  };
  if (!model.categories) {
    if (values.length !== 1) fail(`the model ${model.source} has one category: give one --data FILE (got ${values.length})`);
    const v = values[0];
    if (/^[A-Za-z_][\w-]*=/.test(v) && !existsSync(v)) fail(`${v}: CAT=FILE is for simultaneous models (${model.source} has no categories:)`);
    return [splitColumn(v)];
  }
  const names = model.categories.map((c) => c.category!);
  const byCat = new Map<string, DataSpec>();
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq <= 0) fail(`${v}: a simultaneous model needs CAT=FILE[:COLUMN] for each of its categories (${names.join(', ')})`);
    const cat = v.slice(0, eq);
    if (!names.includes(cat)) fail(`${v}: unknown category "${cat}" (the model's categories: ${names.join(', ')})`);
    if (byCat.has(cat)) fail(`category "${cat}" given twice`);
    byCat.set(cat, splitColumn(v.slice(eq + 1)));
  }
  const missing = names.filter((n) => !byCat.has(n));
  if (missing.length) fail(`no data for categor${missing.length > 1 ? 'ies' : 'y'} ${missing.join(', ')} (give --data ${missing[0]}=FILE[:COLUMN])`);
  return names.map((n) => byCat.get(n)!);
}

/**
 * Reads the simulation files that kde/template components name (`samples: {file, column[, where, weight,
 * tree]}`, paths relative to the model file) and returns a copy of the model document with the samples
 * inline (`{values, weights}`): the form buildModel takes and toy workers receive.
 */
export async function resolveModelFiles(doc: unknown, modelPath: string): Promise<unknown> {
  if (typeof doc !== 'object' || doc === null) return doc;
  const out = structuredClone(doc) as Record<string, unknown>;
  const lists: unknown[] = [out.components];
  if (out.categories && typeof out.categories === 'object') for (const c of Object.values(out.categories as Record<string, Record<string, unknown>>)) lists.push(c?.components);
  for (const list of lists) {
    if (!Array.isArray(list)) continue;
    for (const comp of list as Array<Record<string, unknown>>) {
      const s = comp?.samples as Record<string, unknown> | undefined;
      if (!s || typeof s !== 'object' || Array.isArray(s) || !('file' in s)) continue;
      const where = `${modelPath}: component ${String(comp.name ?? '?')} samples`;
      for (const k of Object.keys(s)) if (!['file', 'column', 'where', 'weight', 'tree'].includes(k)) throw new NtcorrError(`${where}.${k}: unknown key; allowed here: file, column, where, weight, tree`, { file: modelPath });
      if (typeof s.file !== 'string' || typeof s.column !== 'string') throw new NtcorrError(`${where}: needs file and column`, { file: modelPath });
      const file = isAbsolute(s.file) ? s.file : join(dirname(modelPath), s.file);
      const d = await readFitData(file, s.column, [-Infinity, Infinity], { where: s.where as string | undefined, weight: s.weight as string | undefined, tree: s.tree as string | undefined });
      if (d.xs.length < 2) throw new NtcorrError(`${file}: only ${d.xs.length} rows of "${s.column}" for ${where}`, { file, column: s.column });
      comp.samples = { values: Array.from(d.xs), ...(d.weights ? { weights: Array.from(d.weights) } : {}) };
    }
  }
  return out;
}

/**
 * Adds float64 columns to a parquet/ROOT file in place through the format's writer (temp file in the same
 * folder, verified, fsynced, renamed over the input; every original column carried over). `values[k]` holds
 * one value per fitted event and `index` their row numbers; every other row gets NaN. An existing column of
 * the same name is an error (the input stays untouched).
 */
export async function writeColumnsInPlace(file: string, names: string[], index: Float64Array, values: Float64Array[], provenance: ProvenanceRecord, tree?: string): Promise<void> {
  let src: TableSource | undefined = await openTable(file, tree ? { tree } : undefined);
  let writer: OutputWriter | undefined;
  try {
    const s0 = src;
    const clash = names.find((n) => s0.columns.some((c) => c.name === n));
    if (clash) throw new NtcorrError(`${file}: already has a column "${clash}"; choose another name (--sweights-prefix)`, { file, column: clash });
    const full = names.map(() => new Float64Array(s0.rows).fill(NaN));
    for (let k = 0; k < names.length; k++) for (let e = 0; e < index.length; e++) full[k][index[e]] = values[k][e];
    writer = await (await formatFor(file)).createWriter(s0, file, names.map((name) => ({ name, type: 'float64' as const })), { mode: 'full', provenance });
    const first = (s0.columns.find((c) => !c.jagged && c.dtype) ?? s0.columns[0]).name;
    let row0 = 0;
    for await (const chunk of s0.chunks([first], 1 << 16)) {
      const cols = new Map<string, Column>(names.map((n, k) => [n, full[k].subarray(row0, row0 + chunk.rows)]));
      await writer.append(cols, chunk.rows);
      row0 += chunk.rows;
    }
    await s0.close();
    src = undefined;
    await writer.finish();
    writer = undefined;
  } finally {
    await writer?.abort().catch(() => {});
    await src?.close().catch(() => {});
  }
}
