import { isJagged, type Column } from '../../core/columns.js';
import { NtcorrError } from '../../core/errors.js';
import type { OutputSpec } from '../../bundle/manifest.js';
import { fillPlan } from '../fill.js';
import type { ChunkStats, CorrectionKind, Corrector, FileContext, KindOptions } from '../types.js';
import { parseXgbConfig, resolveInput, type XgbConfig } from './config.js';
import { predictMargin } from './evaluate.js';
import type { Forest } from './forest.js';
import { loadForest } from './storage.js';

/** One collection's plan for a file: which columns feed which region's forest. */
interface Plan {
  prefix: string;
  output: string;
  selector?: string;
  regions: { forest: Forest; columns: string[]; absMin: number; absMax: number }[];
}

function transformOf(cfg: XgbConfig, f: Forest): (m: number) => number {
  switch (cfg.transform) {
    case 'tanh': return Math.tanh;
    case 'sigmoid': return (m) => 1 / (1 + Math.exp(-m));
    case 'objective': return f.objective === 'binary:logistic' || f.objective === 'reg:logistic' ? (m) => 1 / (1 + Math.exp(-m)) : (m) => m;
    default: return (m) => m;
  }
}

/** Plans every collection of a file: resolves input columns (corrected when present) per region. */
export function planFile(cfg: XgbConfig, forests: Forest[], file: FileContext, outputName = (p: string) => `${p}${cfg.output}`, inputs = cfg.inputs): Plan[] {
  const has = new Set(file.columns);
  const present = cfg.collections.filter((p) => !cfg.optionalCollections.includes(p) || !cfg.region || has.has(`${p}${cfg.region.variable}`));
  if (present.length === 0) throw new NtcorrError(`${file.file}: none of the collections ${cfg.collections.join(', ')} is in the file (no ${cfg.collections.map((p) => p + (cfg.region?.variable ?? '')).join(' / ')} column)`, { file: file.file });
  return present.map((prefix) => {
    const selector = cfg.region ? `${prefix}${cfg.region.variable}` : undefined;
    if (selector && !has.has(selector)) throw new NtcorrError(`${file.file}: column "${selector}" not found (selects the ${cfg.regions.map((r) => r.name).join('/')} model)`, { file: file.file, column: selector });
    const regions = cfg.regions.map((r, k) => {
      const forest = forests[k];
      if (r.inputs.length !== forest.numFeatures) throw new NtcorrError(`model bundle: region ${r.name} lists ${r.inputs.length} inputs but its model has ${forest.numFeatures} features`);
      const columns = r.inputs.map((v) => {
        const c = resolveInput(v, prefix, inputs, (n) => has.has(n));
        if (!c) throw new NtcorrError(`${file.file}: column "${prefix}${v}" not found (input ${v} of the ${r.name} model for collection "${prefix}")`, { file: file.file, column: `${prefix}${v}` });
        return c;
      });
      return { forest, columns, absMin: r.absMin ?? 0, absMax: r.absMax ?? Infinity };
    });
    return { prefix, output: outputName(prefix), selector, regions };
  });
}

function numberAt(c: Column, i: number): number {
  return Number((c as ArrayLike<number | bigint>)[i]);
}

/**
 * Evaluates a planned collection on a chunk: rows are routed to their region's forest, gathered into a
 * row-major float32 block (what the evaluator wants), and scattered back. Unselected rows and rows in no
 * region get NaN. Returns float32 scores (margin through the transform).
 */
export function evaluatePlan(cfg: XgbConfig, plan: Plan, columns: Map<string, Column>, rows: number, selected?: Uint8Array): { out: Float32Array; outside: number; nonFinite: number } {
  const out = new Float32Array(rows).fill(NaN);
  const sel = plan.selector ? columns.get(plan.selector)! : undefined;
  let outside = 0, nonFinite = 0;
  const region = new Int8Array(rows).fill(-1);
  for (let i = 0; i < rows; i++) {
    if (selected && !selected[i]) continue;
    if (!sel) { region[i] = 0; continue; }
    const a = Math.abs(numberAt(sel, i));
    if (!Number.isFinite(a)) { nonFinite++; continue; }
    const k = plan.regions.findIndex((r) => a >= r.absMin && a < r.absMax);
    if (k < 0) outside++;
    region[i] = k;
  }
  plan.regions.forEach((r, k) => {
    const idx: number[] = [];
    for (let i = 0; i < rows; i++) if (region[i] === k) idx.push(i);
    if (idx.length === 0) return;
    const nf = r.columns.length;
    const x = new Float32Array(idx.length * nf);
    r.columns.forEach((name, f) => {
      const c = columns.get(name)!;
      if (isJagged(c)) throw new NtcorrError(`column "${name}" is a list column; xgboost inputs must be one number per row`, { column: name });
      for (let j = 0; j < idx.length; j++) x[j * nf + f] = numberAt(c, idx[j]); // inf stays inf, NaN = missing (XGBoost semantics)
    });
    const m = predictMargin(r.forest, x, idx.length);
    const tr = transformOf(cfg, r.forest);
    for (let j = 0; j < idx.length; j++) out[idx[j]] = tr(m[j]);
  });
  return { out, outside, nonFinite };
}

export const kind: CorrectionKind = {
  kind: 'xgboost',
  async load(bundle, options: KindOptions) {
    const cfg = parseXgbConfig(bundle.dir, bundle.manifest.config);
    const forests = cfg.regions.map((r) => loadForest(bundle, r.model, `region ${r.name}`));
    return {
      bind(file: FileContext): Corrector {
        const plans = planFile(cfg, forests, file);
        const outputs: OutputSpec[] = plans.map((p) => ({ name: p.output, type: 'float32', description: `XGBoost ${bundle.manifest.name} (${cfg.transform})` }));
        // --fill (models/fill.ts): rows outside the selection (evaluatePlan leaves them NaN)
        const fills = fillPlan(options.fill, file.columns, plans.map((p) => ({ name: p.output })));
        const inputs = [...new Set(plans.flatMap((p) => [...(p.selector ? [p.selector] : []), ...p.regions.flatMap((r) => r.columns)]).concat(fills.reads))];
        return {
          inputs,
          outputs,
          async process(chunk, selected) {
            const cols = new Map<string, Column>();
            const stats: ChunkStats = { nonFinite: 0, outOfRange: 0 };
            for (const p of plans) {
              const r = evaluatePlan(cfg, p, chunk.columns, chunk.rows, selected);
              if (selected) {
                const fill = fills.flat(p.output, chunk);
                for (let i = 0; i < chunk.rows; i++) if (!selected[i]) r.out[i] = fill(i);
              }
              stats.nonFinite += r.nonFinite;
              stats.outOfRange += r.outside;
              cols.set(p.output, r.out);
            }
            return { columns: cols, stats };
          },
        };
      },
    };
  },
};
