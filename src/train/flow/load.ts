import { isJagged, toFloat64, type Column, type NumericArray } from '../../core/columns.js';
import { NtcorrError } from '../../core/errors.js';
import { compileSelection } from '../../expr/index.js';
import { drawKeys, expandAll } from '../../io/files.js';
import { scanFiles } from '../../io/scan.js';
import type { TableSource } from '../../io/table.js';

/**
 * Training examples of one sample (data or simulation), column-major float64: one entry per selected
 * object (an event contributes one example per collection, e.g. its probe). `file`/`row`/`collection` say
 * where each example came from, so the test split can be matched with `apply` output row by row.
 */
export interface Examples {
  n: number;
  /** Per variable to correct. */
  x: Float64Array[];
  /** Per condition (without the is-data flag). */
  c: Float64Array[];
  /** Input per-event weight (the simulation weight column, or 1). */
  w: Float64Array;
  /** Index into `files`. */
  file: Int32Array;
  row: Float64Array;
  /** Index into the collections list. */
  collection: Uint8Array;
  files: string[];
  /** Key of each file's random draws (split, preprocessing): its path below the sample's common folder (src/io/files.ts drawKeys). */
  keys?: string[];
  /** Column of each variable/condition per collection, as resolved in the first file (conditions may be event-level). */
  resolved: { prefix: string; columns: Record<string, string> }[];
}

export interface LoadSpec {
  /** Files or patterns (src/io/files.ts); a pattern matching nothing is an error. */
  globs: string[];
  tree?: string;
  selection?: string;
  weight?: string;
  collections: string[];
  variables: string[];
  conditions: string[];
  /** Explicit column names per collection prefix (a flow bundle's `columns` maps), tried first. */
  columnMaps?: Record<string, Record<string, string>>;
  /** For messages: "data" / "simulation". */
  label: string;
  chunkRows?: number;
}

/** Input files of one sample (src/io/files.ts: an existing path is that file; every pattern must match). */
export async function expandGlobs(globs: string[], label: string): Promise<string[]> {
  return expandAll(globs, label);
}

/** Column name of a condition for a collection: `<prefix><name>` if the file has it, else the event-level `<name>`. */
export function resolveColumn(available: Set<string>, prefix: string, name: string): string | undefined {
  if (available.has(prefix + name)) return prefix + name;
  if (available.has(name)) return name;
  return undefined;
}

class Growable {
  data: Float64Array;
  n = 0;
  constructor(cap = 1 << 14) { this.data = new Float64Array(cap); }
  push(v: number): void {
    if (this.n === this.data.length) {
      const d = new Float64Array(this.data.length * 2);
      d.set(this.data);
      this.data = d;
    }
    this.data[this.n++] = v;
  }
  done(): Float64Array { return this.data.slice(0, this.n); }
}

function flat(c: Column | undefined, file: string, name: string): NumericArray {
  if (!c) throw new NtcorrError(`${file}: column ${name} missing from the chunk`, { file, column: name });
  if (isJagged(c)) throw new NtcorrError(`${file}: column ${name} is a list (jagged); training needs one value per row (use a collection prefix such as probe_)`, { file, column: name });
  return c;
}

/** Reads every selected example of a sample into memory (float64). */
export async function loadExamples(spec: LoadSpec): Promise<Examples> {
  const files = await expandGlobs(spec.globs, spec.label);
  const sel = compileSelection(spec.selection, `${spec.label}: selection`);
  const nx = spec.variables.length;
  const nc = spec.conditions.length;
  const gx = Array.from({ length: nx }, () => new Growable());
  const gc = Array.from({ length: nc }, () => new Growable());
  const gw = new Growable();
  const gfile = new Growable();
  const grow = new Growable();
  const gcoll = new Growable();
  let resolved: Examples['resolved'] | undefined;
  /** Per file, as resolved when it is opened: each collection's variable and condition columns. */
  let perColl: { xs: string[]; cs: string[] }[] = [];
  const columnsOf = (table: TableSource, index: number): string[] => {
    const path = files[index];
    const available = new Set(table.columns.map((c) => c.name));
    const need = new Set<string>();
    perColl = spec.collections.map((prefix) => {
      const map = spec.columnMaps?.[prefix] ?? {};
      const xs = spec.variables.map((v) => {
        const col = map[v] ?? prefix + v;
        if (!available.has(col)) throw new NtcorrError(`${path}: ${spec.label}: variable column ${col} not found (collection "${prefix}", variable "${v}")`, { file: path, column: col });
        return col;
      });
      const cs = spec.conditions.map((c) => {
        const col = map[c] ?? resolveColumn(available, prefix, c);
        if (!col) throw new NtcorrError(`${path}: ${spec.label}: condition ${c} not found (looked for ${prefix}${c} and ${c})`, { file: path, column: prefix + c });
        return col;
      });
      for (const c of [...xs, ...cs]) need.add(c);
      return { xs, cs };
    });
    resolved ??= spec.collections.map((prefix, ci) => ({
      prefix,
      columns: Object.fromEntries(spec.conditions.map((c, k) => [c, perColl[ci].cs[k]] as const).filter(([c, col]) => col !== prefix + c)),
    }));
    if (sel) {
      const miss = sel.missing(available);
      if (miss.length) throw new NtcorrError(`${path}: ${spec.label}: selection "${spec.selection}" uses column(s) not in the file: ${miss.join(', ')}`, { file: path, column: miss[0] });
      for (const c of sel.columns) need.add(c);
    }
    if (spec.weight) {
      if (!available.has(spec.weight)) throw new NtcorrError(`${path}: ${spec.label}: weight column ${spec.weight} not found`, { file: path, column: spec.weight });
      need.add(spec.weight);
    }
    for (const info of table.columns) {
      if (need.has(info.name) && (info.jagged || info.dtype === undefined)) {
        throw new NtcorrError(`${path}: ${spec.label}: column ${info.name} is ${info.detail}; expected one number per row`, { file: path, column: info.name });
      }
    }
    return [...need];
  };
  for await (const { file: path, index: fi, chunk, mask } of scanFiles(files, { tree: spec.tree, chunkRows: spec.chunkRows ?? 65536, where: sel, columns: columnsOf })) {
    const w = spec.weight ? toFloat64(flat(chunk.columns.get(spec.weight), path, spec.weight)) : undefined;
    perColl.forEach(({ xs, cs }, ci) => {
      const xa = xs.map((n) => flat(chunk.columns.get(n), path, n));
      const ca = cs.map((n) => flat(chunk.columns.get(n), path, n));
      for (let i = 0; i < chunk.rows; i++) {
        if (mask && !mask[i]) continue;
        for (let k = 0; k < nx; k++) gx[k].push(Number(xa[k][i]));
        for (let k = 0; k < nc; k++) gc[k].push(Number(ca[k][i]));
        gw.push(w ? w[i] : 1);
        gfile.push(fi);
        grow.push(chunk.start + i);
        gcoll.push(ci);
      }
    });
  }
  const n = gw.n;
  if (n === 0) throw new NtcorrError(`${spec.label}: no events pass the selection${spec.selection ? ` "${spec.selection}"` : ''} in ${files.join(', ')}`, { file: files[0] });
  return {
    n,
    x: gx.map((g) => g.done()),
    c: gc.map((g) => g.done()),
    w: gw.done(),
    file: Int32Array.from(gfile.done()),
    row: grow.done(),
    collection: Uint8Array.from(gcoll.done()),
    files,
    keys: drawKeys(files),
    resolved: resolved ?? [],
  };
}

/** Drops examples with non-finite inputs (they would poison the NLL); returns the kept count per reason. */
export function dropNonFinite(e: Examples): { examples: Examples; dropped: number } {
  const keep: number[] = [];
  for (let i = 0; i < e.n; i++) {
    let ok = Number.isFinite(e.w[i]);
    for (const a of e.x) ok &&= Number.isFinite(a[i]);
    for (const a of e.c) ok &&= Number.isFinite(a[i]);
    if (ok) keep.push(i);
  }
  if (keep.length === e.n) return { examples: e, dropped: 0 };
  return { examples: subset(e, Int32Array.from(keep)), dropped: e.n - keep.length };
}

/** Examples at the given indices (in that order). */
export function subset(e: Examples, idx: Int32Array): Examples {
  const pick = (a: Float64Array) => Float64Array.from(idx, (i) => a[i]);
  return {
    n: idx.length,
    x: e.x.map(pick),
    c: e.c.map(pick),
    w: pick(e.w),
    file: Int32Array.from(idx, (i) => e.file[i]),
    row: pick(e.row),
    collection: Uint8Array.from(idx, (i) => e.collection[i]),
    files: e.files,
    keys: e.keys,
    resolved: e.resolved,
  };
}
