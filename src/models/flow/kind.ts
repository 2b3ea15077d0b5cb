import { basename } from 'node:path';
import { isJagged, toFloat64, type Chunk, type Column } from '../../core/columns.js';
import { NtcorrError } from '../../core/errors.js';
import type { OutputSpec } from '../../bundle/manifest.js';
import { fillPlan, type Fill } from '../fill.js';
import { computeThreads } from '../threads.js';
import type { ChunkStats, CorrectionKind, Corrector, FileContext, KindOptions } from '../types.js';
import { flowFromBundle } from './bundle-io.js';
import { type FlowCollection, type FlowConfig, outputName, resolveColumn, resolveVariable } from './config.js';
import { openCorrections } from './pool.js';
import { forwardConditions, forwardInputs, inverseInputs } from './preprocess.js';
import { hashString } from '../../core/random.js';

/**
 * The `flow` correction kind: for every collection present in a file (probe_/tag_, photon_, lead_/sublead_),
 * reads the flow inputs and conditions, preprocesses them, corrects valid rows (z = T(x | c, is-data 0),
 * x_corr = T^-1(z | c, is-data 1), correction.ts) and writes one `_corr` column per variable. Rows not
 * selected, with non-finite inputs, or outside the bundle's validity region never reach the flow; they
 * are counted and filled as --fill says (models/fill.ts: NaN, or with keep the file's existing output
 * value, else the uncorrected input).
 */

interface Active {
  collection: FlowCollection;
  index: number;
  inputs: string[];
  conditions: string[];
  outputs: string[];
}

export const kind: CorrectionKind = {
  kind: 'flow',
  async load(bundle, options: KindOptions) {
    const { config } = flowFromBundle(bundle);
    const pool = await openCorrections(bundle.dir, options.backend ?? 'auto', computeThreads(options), { device: options.device });
    const fill = options.fill ?? 'nan';
    return {
      bind(file: FileContext): Corrector {
        return bindFile(config, file, options.seed, fill, pool, bundle.manifest.name);
      },
      close: () => pool.close(),
    };
  },
};

type Pool = Awaited<ReturnType<typeof openCorrections>>;

function bindFile(cfg: FlowConfig, file: FileContext, seed: number, fill: Fill, pool: Pool, model: string): Corrector {
  const active = activeCollections(cfg, file, model);
  const outputs: OutputSpec[] = active.flatMap((a) => a.outputs.map((name, j) => ({ name, type: 'float32' as const, description: `${a.inputs[j]} corrected by flow ${model}` })));
  // --fill (models/fill.ts): a row the flow does not correct keeps the file's output column, else its input.
  const fills = fillPlan(fill, file.columns, active.flatMap((a) => a.outputs.map((name, j) => ({ name, uncorrected: a.inputs[j] }))));
  const F = cfg.variables.length;
  const C = cfg.conditions.length + 1;
  const stream = hashString(file.key ?? basename(file.file));
  return {
    inputs: [...new Set([...active.flatMap((a) => [...a.inputs, ...a.conditions]), ...fills.reads])],
    outputs,
    async process(chunk, selected) {
      const stats: ChunkStats = { nonFinite: 0, outOfRange: 0 };
      const parts = active.map((a) => preparePart(cfg, a, chunk, selected, file.file, { seed, file: stream }, stats));
      // Every collection's valid rows go to the engines in one call, so worker threads see one big batch.
      const { x, c, m } = gatherRows(parts, F, C);
      const z = m > 0 ? await pool.correct(x, c, m, F, C) : new Float32Array(0);
      const back = inverseInputs(cfg.preprocessing, z, m);
      const columns = new Map<string, Column>();
      let offset = 0;
      for (const p of parts) {
        p.a.outputs.forEach((name, j) => {
          const out = new Float32Array(chunk.rows);
          const value = fills.flat(name, chunk);
          for (let r = 0; r < chunk.rows; r++) out[r] = value(r);
          p.rows.forEach((r, q) => (out[r] = back[j][offset + q]));
          columns.set(name, out);
        });
        offset += p.rows.length;
      }
      return { columns, stats };
    },
  };
}

/**
 * The collections of the config this file has. A collection the file lacks entirely is skipped (one bundle
 * serves Zee, Zmmg and diphoton files); a partial one is an error. Event-level columns (rho) say nothing
 * about which photons a file has.
 */
function activeCollections(cfg: FlowConfig, file: FileContext, model: string): Active[] {
  const has = new Set(file.columns);
  const active: Active[] = [];
  cfg.collections.forEach((col, index) => {
    const inputs = cfg.variables.map((v) => resolveVariable(col, v, (c) => has.has(c)));
    const conditions = cfg.conditions.map((v) => resolveColumn(col, v));
    const all = [...inputs, ...conditions];
    const missing = all.filter((n) => !has.has(n));
    const own = col.prefix ? all.filter((n) => n.startsWith(col.prefix)) : all;
    if (own.length ? own.every((n) => !has.has(n)) : missing.length === all.length) return;
    if (missing.length) throw new NtcorrError(`${file.file}: column ${missing[0]} not found (needed by flow model ${model} for collection "${col.prefix}"; expected ${all.join(', ')})`, { file: file.file, column: missing[0] });
    active.push({ collection: col, index, inputs, conditions, outputs: cfg.variables.map((v) => outputName(cfg, col, v)) });
  });
  if (active.length === 0) {
    const want = cfg.collections.map((c) => resolveColumn(c, cfg.variables[0])).join(' or ');
    throw new NtcorrError(`${file.file}: none of flow model ${model}'s collections is in the file (looked for ${want})`, { file: file.file, column: resolveColumn(cfg.collections[0], cfg.variables[0]) });
  }
  return active;
}

/** One collection of a chunk, preprocessed, with the rows the flow corrects. */
interface Part {
  a: Active;
  /** Preprocessed inputs [n, F] and context [n, C] (is-data slot 0). */
  x: Float32Array;
  c: Float32Array;
  /** Valid rows: selected, inputs inside the validity region, preprocessed values finite. */
  rows: number[];
}

function preparePart(cfg: FlowConfig, a: Active, chunk: Chunk, selected: Uint8Array | undefined, fileName: string, draws: { seed: number; file: number }, stats: ChunkStats): Part {
  const n = chunk.rows;
  const F = cfg.variables.length;
  const validity = cfg.validity ?? {};
  const flat = (name: string): Float64Array => {
    const c = chunk.columns.get(name);
    if (!c) throw new NtcorrError(`${fileName}: column ${name} missing from the chunk`, { file: fileName, column: name });
    if (isJagged(c)) throw new NtcorrError(`${fileName}: column ${name} is a per-event list; the flow corrects one value per row (flat columns like probe_r9)`, { file: fileName, column: name });
    return toFloat64(c);
  };
  const xs = a.inputs.map(flat);
  const cs = a.conditions.map(flat);
  const x = forwardInputs(cfg.preprocessing, xs, n, { seed: draws.seed, file: draws.file, rowStart: chunk.start, lane: a.index * F });
  const c = forwardConditions(cfg.preprocessing, cs, n);
  const rows: number[] = [];
  for (let r = 0; r < n; r++) {
    if (selected && !selected[r]) continue;
    let finite = true;
    let inside = true;
    const check = (name: string, v: number) => {
      if (!Number.isFinite(v)) finite = false;
      const range = validity[name];
      if (range && !(v >= range[0] && v <= range[1])) inside = false;
    };
    cfg.variables.forEach((v, j) => check(v, xs[j][r]));
    cfg.conditions.forEach((v, j) => check(v, cs[j][r]));
    for (let j = 0; j < F && finite; j++) if (!Number.isFinite(x[r * F + j])) finite = false;
    if (!finite) stats.nonFinite++;
    else if (!inside) stats.outOfRange++;
    else rows.push(r);
  }
  return { a, x, c, rows };
}

/** The valid rows of every part, one after the other, as one batch. */
function gatherRows(parts: Part[], F: number, C: number): { x: Float32Array; c: Float32Array; m: number } {
  const m = parts.reduce((s, p) => s + p.rows.length, 0);
  const x = new Float32Array(m * F);
  const c = new Float32Array(m * C);
  let k = 0;
  for (const p of parts) {
    for (const r of p.rows) {
      x.set(p.x.subarray(r * F, (r + 1) * F), k * F);
      c.set(p.c.subarray(r * C, (r + 1) * C), k * C);
      k++;
    }
  }
  return { x, c, m };
}
