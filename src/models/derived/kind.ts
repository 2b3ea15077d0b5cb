import { allocate, isJagged, type Column, type DType, type NumericArray } from '../../core/columns.js';
import { checkKeys } from '../../core/config-keys.js';
import { NtcorrError } from '../../core/errors.js';
import type { OutputSpec } from '../../bundle/manifest.js';
import { compileExpression, type CompiledExpression } from '../../expr/index.js';
import { fillPlan } from '../fill.js';
import type { ChunkStats, CorrectionKind, Corrector, FileContext, KindOptions } from '../types.js';

/**
 * `derived`: new columns defined by expressions over existing ones (src/expr), e.g. sigma_m/m.
 *
 * model.json config:
 *   columns:  { "<output>": "<expression>", ... }   evaluated in order; later ones may use earlier outputs
 *   optional: ["<output>", ...]                      skipped (not written) in files lacking their inputs
 * or, for models that serve several sample layouts (HiggsDNA's Zee tag_/probe_, diphoton lead_/sublead_,
 * Zmmg photon_), the same outputs per layout; a file gets the first layout whose required inputs it has:
 *   layouts:  [{ "name": "zee", "columns": {...}, "optional": [...] }, ...]
 * Output types come from manifest.outputs (float32 unless declared).
 */
export interface DerivedConfig {
  columns?: Record<string, string>;
  optional?: string[];
  layouts?: { name: string; columns: Record<string, string>; optional?: string[] }[];
}

interface Layout { name: string; planned: Planned[]; optional: Set<string> }

function parseLayouts(bundleDir: string, config: Record<string, unknown>, outputs: OutputSpec[]): Layout[] {
  const c = config as DerivedConfig;
  if (c.layouts !== undefined) {
    checkKeys(config, ['layouts'], 'config', `${bundleDir}/model.json`);
    if (!Array.isArray(c.layouts) || c.layouts.length === 0 || c.columns !== undefined) throw new NtcorrError(`model bundle ${bundleDir}: derived config.layouts must be a non-empty list of {name, columns, optional?} (and then no top-level columns)`, { file: bundleDir });
    return c.layouts.map((l, i) => {
      if (!l || typeof l.name !== 'string') throw new NtcorrError(`model bundle ${bundleDir}: config.layouts[${i}] needs a name`, { file: bundleDir });
      const { name, ...rest } = l;
      return { name, planned: parseConfig(bundleDir, rest as unknown as Record<string, unknown>, outputs, `config.layouts[${i}]`), optional: new Set(l.optional ?? []) };
    });
  }
  return [{ name: '', planned: parseConfig(bundleDir, config, outputs), optional: new Set(c.optional ?? []) }];
}

/** Required inputs of a layout the file lacks (outputs computed earlier in the layout count as present). */
function missingFor(l: Layout, available: Set<string>): string[] {
  const defined = new Set<string>();
  const missing: string[] = [];
  for (const p of l.planned) {
    const m = p.expr.columns.filter((c) => !available.has(c) && !defined.has(c));
    if (m.length === 0) defined.add(p.spec.name);
    else if (!l.optional.has(p.spec.name)) missing.push(...m);
  }
  return [...new Set(missing)];
}

interface Planned { spec: OutputSpec; type: DType; expr: CompiledExpression }

function parseConfig(bundleDir: string, config: Record<string, unknown>, outputs: OutputSpec[], path = 'config'): Planned[] {
  checkKeys(config, ['columns', 'optional'], path, `${bundleDir}/model.json`);
  const cols = config.columns as Record<string, unknown> | undefined;
  if (!cols || typeof cols !== 'object') throw new NtcorrError(`model bundle ${bundleDir}: derived model needs config.columns {name: expression}`, { file: bundleDir });
  const specs = new Map(outputs.map((o) => [o.name, o]));
  return Object.entries(cols).map(([name, src]) => {
    if (typeof src !== 'string') throw new NtcorrError(`model bundle ${bundleDir}: config.columns.${name} must be an expression string`, { file: bundleDir });
    const spec = specs.get(name) ?? { name };
    if (spec.jagged) throw new NtcorrError(`model bundle ${bundleDir}: derived output ${name} cannot be jagged`, { file: bundleDir });
    let expr: CompiledExpression;
    try {
      expr = compileExpression(src);
    } catch (e) {
      throw new NtcorrError(`model bundle ${bundleDir}: config.columns.${name}: ${(e as Error).message}`, { file: bundleDir });
    }
    return { spec, type: spec.type ?? 'float32', expr };
  });
}

function nonFiniteRows(cols: Column[], rows: number, selected: Uint8Array | undefined): number {
  if (cols.length === 0) return 0;
  let n = 0;
  for (let i = 0; i < rows; i++) {
    if (selected && !selected[i]) continue;
    for (const c of cols) {
      const v = (c as Float64Array)[i];
      if (typeof v === 'number' && !Number.isFinite(v)) { n++; break; }
    }
  }
  return n;
}

export const kind: CorrectionKind = {
  kind: 'derived',
  async load(bundle, options: KindOptions) {
    const layouts = parseLayouts(bundle.dir, bundle.manifest.config, bundle.manifest.outputs);
    return {
      bind(file: FileContext): Corrector {
        const available = new Set(file.columns);
        const layout = layouts.length === 1 ? layouts[0] : layouts.find((l) => missingFor(l, available).length === 0);
        if (!layout) {
          const why = layouts.map((l) => `${l.name} lacks ${missingFor(l, available).join(', ')}`).join('; ');
          throw new NtcorrError(`${file.file}: no sample layout of model ${bundle.manifest.name} fits the file (${why})`, { file: file.file, column: missingFor(layouts[0], available)[0] });
        }
        const { planned, optional } = layout;
        const use: Planned[] = [];
        const defined = new Set<string>();
        const inputSet = new Set<string>();
        for (const p of planned) {
          const missing = p.expr.columns.filter((c) => !available.has(c) && !defined.has(c));
          if (missing.length) {
            if (optional.has(p.spec.name)) continue;
            throw new NtcorrError(`${file.file}: column "${missing[0]}" not found (needed by ${p.spec.name} = ${p.expr.source})`, { file: file.file, column: missing[0] });
          }
          use.push(p);
          for (const c of p.expr.columns) if (!defined.has(c)) inputSet.add(c);
          defined.add(p.spec.name);
        }
        if (use.length === 0) throw new NtcorrError(`${file.file}: none of the model's columns can be computed (missing inputs)`, { file: file.file });
        const inputs = [...inputSet];
        // --fill (models/fill.ts): rows outside the selection
        const fills = fillPlan(options.fill, available, use.map((p) => ({ name: p.spec.name })));
        const readCols = [...new Set([...inputs, ...fills.reads])];
        return {
          inputs: readCols,
          outputs: use.map((p) => ({ ...p.spec, type: p.type })),
          async process(chunk, selected) {
            const rows = chunk.rows;
            const env = new Map(chunk.columns);
            const out = new Map<string, Column>();
            for (const p of use) {
              const f = p.expr.evalFloat(env, rows);
              if (selected) {
                const fill = fills.flat(p.spec.name, chunk);
                for (let i = 0; i < rows; i++) if (!selected[i]) f[i] = fill(i);
              }
              env.set(p.spec.name, f);
              out.set(p.spec.name, convert(f, p.type));
            }
            const inputCols = inputs.map((n) => chunk.columns.get(n)!).filter((c) => !isJagged(c)) as Column[];
            const stats: ChunkStats = { nonFinite: nonFiniteRows(inputCols, rows, selected), outOfRange: 0 };
            return { columns: out, stats };
          },
        };
      },
    };
  },
};

function convert(f: Float64Array, type: DType): NumericArray {
  if (type === 'float64') return f;
  const out = allocate(type, f.length);
  if (out instanceof BigInt64Array || out instanceof BigUint64Array) {
    for (let i = 0; i < f.length; i++) out[i] = BigInt(Number.isFinite(f[i]) ? Math.trunc(f[i]) : 0);
  } else if (type === 'bool') {
    for (let i = 0; i < f.length; i++) out[i] = f[i] !== 0 && f[i] === f[i] ? 1 : 0;
  } else {
    (out as Float32Array).set(f);
  }
  return out;
}
