import { availableParallelism } from 'node:os';
import { basename } from 'node:path';
import { isJagged, toFloat64, type Column } from '../../core/columns.js';
import { NtcorrError } from '../../core/errors.js';
import { settings } from '../../core/settings.js';
import type { OutputSpec } from '../../bundle/manifest.js';
import type { ChunkStats, CorrectionKind, Corrector, FileContext, KindOptions } from '../types.js';
import { flowFromBundle } from './bundle-io.js';
import { type FlowCollection, type FlowConfig, outputName, resolveColumn, resolveVariable } from './config.js';
import { openCorrections } from './pool.js';
import { forwardConditions, forwardInputs, inverseInputs } from './preprocess.js';
import { hashString } from '../../core/random.js';

/**
 * The `flow` correction kind: for every collection present in a file (probe_/tag_, photon_, lead_/sublead_),
 * reads the flow inputs and conditions, preprocesses them, corrects valid rows (z = T(x | c, is-data 0),
 * x_corr = T^-1(z | c, is-data 1)) and writes one `_corr` column per variable. Rows not selected, with
 * non-finite inputs, or outside the bundle's validity region get NaN or their input value (fill='keep'),
 * and are counted; they never reach the flow.
 */

/** Worker threads: options.threads, else NTCORR_THREADS, else every core (one single-threaded engine per worker). */
export function flowThreads(options: KindOptions): number {
  if (options.threads !== undefined && options.threads >= 1) return Math.floor(options.threads);
  if (settings.threads !== undefined) return settings.threads;
  return availableParallelism();
}

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
    const pool = await openCorrections(bundle.dir, options.backend ?? 'auto', flowThreads(options), { device: options.device });
    const fill = options.fill ?? 'nan';
    return {
      bind(file: FileContext): Corrector {
        return bindFile(config, file, options.seed, fill, pool, bundle.manifest.name);
      },
      close: () => pool.close(),
    };
  },
};

function bindFile(cfg: FlowConfig, file: FileContext, seed: number, fill: 'nan' | 'keep', pool: Awaited<ReturnType<typeof openCorrections>>, model: string): Corrector {
  const has = new Set(file.columns);
  const active: Active[] = [];
  cfg.collections.forEach((col, index) => {
    const inputs = cfg.variables.map((v) => resolveVariable(col, v, (c) => has.has(c)));
    const conditions = cfg.conditions.map((v) => resolveColumn(col, v));
    const all = [...inputs, ...conditions];
    const missing = all.filter((n) => !has.has(n));
    // A collection the file lacks entirely is skipped (one bundle serves Zee, Zmmg and diphoton files); a
    // partial one is an error. Event-level columns (rho) say nothing about which photons a file has.
    const own = col.prefix ? all.filter((n) => n.startsWith(col.prefix)) : all;
    if (own.length ? own.every((n) => !has.has(n)) : missing.length === all.length) return;
    if (missing.length) throw new NtcorrError(`${file.file}: column ${missing[0]} not found (needed by flow model ${model} for collection "${col.prefix}"; expected ${all.join(', ')})`, { file: file.file, column: missing[0] });
    active.push({ collection: col, index, inputs, conditions, outputs: cfg.variables.map((v) => outputName(cfg, col, v)) });
  });
  if (active.length === 0) {
    const want = cfg.collections.map((c) => resolveColumn(c, cfg.variables[0])).join(' or ');
    throw new NtcorrError(`${file.file}: none of flow model ${model}'s collections is in the file (looked for ${want})`, { file: file.file, column: resolveColumn(cfg.collections[0], cfg.variables[0]) });
  }
  const outputs: OutputSpec[] = active.flatMap((a) => a.outputs.map((name, j) => ({ name, type: 'float32' as const, description: `${a.inputs[j]} corrected by flow ${model}` })));
  const F = cfg.variables.length;
  const Cn = cfg.conditions.length;
  const stream = hashString(file.key ?? basename(file.file));
  const validity = cfg.validity ?? {};
  return {
    inputs: [...new Set(active.flatMap((a) => [...a.inputs, ...a.conditions]))],
    outputs,
    async process(chunk, selected) {
      const n = chunk.rows;
      const stats: ChunkStats = { nonFinite: 0, outOfRange: 0 };
      const columns = new Map<string, Column>();
      const flat = (name: string): Float64Array => {
        const c = chunk.columns.get(name);
        if (!c) throw new NtcorrError(`${file.file}: column ${name} missing from the chunk`, { file: file.file, column: name });
        if (isJagged(c)) throw new NtcorrError(`${file.file}: column ${name} is a per-event list; the flow corrects one value per row (flat columns like probe_r9)`, { file: file.file, column: name });
        return toFloat64(c);
      };
      // Every collection's valid rows go to the engines in one call, so worker threads see one big batch.
      const C = Cn + 1;
      const parts = active.map((a) => {
        const xs = a.inputs.map(flat);
        const cs = a.conditions.map(flat);
        const x = forwardInputs(cfg.preprocessing, xs, n, { seed, file: stream, rowStart: chunk.start, lane: a.index * F });
        const c = forwardConditions(cfg.preprocessing, cs, n);
        // Valid rows: selected, inputs inside the validity region, preprocessed values finite.
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
        return { a, xs, x, c, rows };
      });
      const m = parts.reduce((s, p) => s + p.rows.length, 0);
      const xv = new Float32Array(m * F);
      const cv = new Float32Array(m * C);
      let k = 0;
      for (const p of parts) {
        for (const r of p.rows) {
          xv.set(p.x.subarray(r * F, (r + 1) * F), k * F);
          cv.set(p.c.subarray(r * C, (r + 1) * C), k * C);
          k++;
        }
      }
      const z = m > 0 ? await pool.correct(xv, cv, m, F, C) : new Float32Array(0);
      const back = inverseInputs(cfg.preprocessing, z, m);
      let offset = 0;
      for (const p of parts) {
        p.a.outputs.forEach((name, j) => {
          const out = new Float32Array(n);
          if (fill === 'keep') out.set(p.xs[j]);
          else out.fill(NaN);
          p.rows.forEach((r, q) => (out[r] = back[j][offset + q]));
          columns.set(name, out);
        });
        offset += p.rows.length;
      }
      return { columns, stats };
    },
  };
}
