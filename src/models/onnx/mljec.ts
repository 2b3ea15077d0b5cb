import { join } from 'node:path';
import type { Column, JaggedColumn } from '../../core/columns.js';
import { NtcorrError } from '../../core/errors.js';
import type { JetConfig } from '../jet/config.js';
import { buildJetBlock, jetInputColumns } from '../jet/features.js';
import { readTransform, type Transform, type TransformStep } from '../jet/transform.js';
import { noUnknown, type InputSpec } from './config.js';
import { specBuilder, type FeedBuilder } from './pack.js';
import type { TensorInfo } from './signature.js';

/**
 * ml-jec's feature pipeline in front of an ONNX export of its Keras model (tf2onnx), so a model trained
 * with ml-jec is applied to ntuples as ml-jec fed it. ml-jec's Keras model (mljec/model.py) has, per
 * constituent type (sorted by name), an input `<type>_numerical` (ragged [jets, (constituents), features]
 * in config order) and one ragged input per categorical feature named after it (index into
 * transform.yaml's list, -1 for values not in it: ml-jec's StaticHashTable default), then
 * `global_numerical` [jets, features]. Features are computed as ml-jec's data.py does (rel_pt, deta,
 * dphi, dr from the jet's pt/eta/phi; per-feature transform steps), by the jet kind's features.ts.
 *
 * model.json config.mljec:
 *   features:  ml-jec's `features` block, unchanged (global + one block per constituent type)
 *   transform: transform.yaml inside the bundle (default transform.yaml)
 *   historic_transform: true feeds the inputs ml-jec computed before its late-binding fix was needed:
 *              every step of a feature runs with the parameters of the feature's LAST step (its
 *              closures captured the loop variable); default false (each step its own parameters)
 *   layout:    ragged (default: values [constituents, F] + row splits [jets + 1]) or padded ([jets, L, F])
 *   row_splits: name of each ragged input's row-splits input; "{input}" and "{type}" are replaced (default "{input}_row_splits"; "{type}_row_splits" when an export shares one per type)
 *   max_length: padded: L per type ({ch: 64, ...} or one number); ragged: optional truncation
 *   mask:      padded: mask input name per type, if the export has one ("{type}" replaced)
 *   names:     { ml-jec input name: name in the ONNX model } where the export renamed inputs
 *   jet:       jet branch names { pt, eta, phi } (default pt, eta, phi)
 */
interface MljecSettings {
  cfg: JetConfig;
  transform: Transform;
  specs: InputSpec[];
}

function fail(dir: string, key: string, msg: string): never {
  throw new NtcorrError(`model bundle ${dir}: config.mljec.${key}: ${msg}`, { file: dir });
}

const DERIVED = ['rel_pt', 'deta', 'dphi', 'dr'];

function list(dir: string, key: string, v: unknown): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) fail(dir, key, `expected a list of names, got ${JSON.stringify(v)}`);
  return v as string[];
}

/**
 * ml-jec's historic transform: each step's closure read `step['params']` after the loop had finished,
 * so every parametrised step used the last step's parameters. Steps without parameters (log, abs) are
 * unaffected; a step needing a parameter the last step lacks failed in ml-jec too.
 */
export function historicTransform(t: Transform, where = 'transform'): Transform {
  const numerical: Record<string, TransformStep[]> = {};
  for (const [name, steps] of Object.entries(t.numerical)) {
    const last = (steps[steps.length - 1] as { params?: Record<string, number> } | undefined)?.params ?? {};
    numerical[name] = steps.map((s): TransformStep => {
      if (s.type === 'arcsinh') {
        if (!(last.scale > 0)) throw new NtcorrError(`${where}: numerical.${name}: with historic_transform the arcsinh step takes the last step's scale, which it does not have (ml-jec failed here too)`, { column: name });
        return { type: 'arcsinh', params: { scale: last.scale } };
      }
      if (s.type === 'linear') {
        if (!Number.isFinite(last.loc) || !Number.isFinite(last.scale)) throw new NtcorrError(`${where}: numerical.${name}: with historic_transform the linear step takes the last step's loc and scale, which it does not have (ml-jec failed here too)`, { column: name });
        return { type: 'linear', params: { loc: last.loc, scale: last.scale } };
      }
      return s;
    });
  }
  return { categorical: t.categorical, numerical };
}

function parse(dir: string, o: Record<string, unknown>): MljecSettings {
  noUnknown(dir, 'mljec', o, ['features', 'transform', 'historic_transform', 'layout', 'row_splits', 'max_length', 'mask', 'names', 'jet']);
  if (!o.features || typeof o.features !== 'object') fail(dir, 'features', 'expected ml-jec\'s features block (global and one block per constituent type)');
  const f = o.features as Record<string, Record<string, unknown>>;
  if (!f.global) fail(dir, 'features.global', 'ml-jec requires the global block');
  const j = (o.jet ?? {}) as Record<string, string>;
  noUnknown(dir, 'mljec.jet', j, ['pt', 'eta', 'phi']);
  const layout = (o.layout ?? 'ragged') as string;
  if (layout !== 'ragged' && layout !== 'padded') fail(dir, 'layout', 'expected ragged or padded');
  if (o.historic_transform !== undefined && typeof o.historic_transform !== 'boolean') fail(dir, 'historic_transform', 'expected true or false');
  const names = (o.names ?? {}) as Record<string, string>;
  const rename = (n: string) => names[n] ?? n;
  const types = Object.keys(f).filter((k) => k !== 'global').sort(); // ml-jec sorts the constituent types
  for (const [name, b] of Object.entries(f)) {
    if (!b || typeof b !== 'object') fail(dir, `features.${name}`, 'expected a mapping');
    noUnknown(dir, `mljec.features.${name}`, b, ['numerical', 'numerical_branches', 'categorical', 'categorical_branches']);
    if (b.categorical_branches !== undefined && JSON.stringify(b.categorical_branches) !== JSON.stringify(b.categorical ?? [])) fail(dir, `features.${name}.categorical_branches`, 'branches named differently from their categorical features are not supported');
  }
  if (list(dir, 'features.global.categorical', f.global.categorical).length) fail(dir, 'features.global.categorical', 'global categorical features are not supported for ONNX models yet');
  const maxLen = (t: string): number | undefined => {
    const m = o.max_length;
    const v = typeof m === 'number' ? m : m && typeof m === 'object' ? (m as Record<string, unknown>)[t] : undefined;
    if (v === undefined) {
      if (layout === 'padded') fail(dir, 'max_length', `a padded layout needs the padded length of every type (missing: ${t})`);
      return undefined;
    }
    if (!Number.isInteger(v) || (v as number) < 1) fail(dir, `max_length.${t}`, 'expected a positive integer');
    return v as number;
  };
  const globalNum = list(dir, 'features.global.numerical', f.global.numerical);
  const cfg = {
    jet: { pt: j.pt ?? 'pt', eta: j.eta ?? 'eta', phi: j.phi ?? 'phi', pt_gen: 'pt_gen' },
    global: { numerical: globalNum, numerical_branches: globalNum },
    types: types.map((t) => {
      const b = f[t];
      const numerical = list(dir, `features.${t}.numerical`, b.numerical);
      const branches = [...new Set([...list(dir, `features.${t}.numerical_branches`, b.numerical_branches), ...numerical.filter((n) => !DERIVED.some((d) => n === `${t}_${d}`))])];
      if (!branches.length) fail(dir, `features.${t}`, 'needs at least one numerical branch (it gives the constituent count)');
      return { name: t, features: { numerical, numerical_branches: branches, categorical: list(dir, `features.${t}.categorical`, b.categorical), max_size: maxLen(t) ?? Infinity }, embeddings: {} };
    }),
  } as unknown as JetConfig;
  const file = join(dir, typeof o.transform === 'string' ? o.transform : 'transform.yaml');
  let transform = readTransform(file);
  for (const t of cfg.types) for (const c of t.features.categorical) if (!transform.categorical[c]) fail(dir, 'transform', `${file} has no category list for ${c}`);
  if (o.historic_transform === true) transform = historicTransform(transform, file);
  const splits = (input: string, t: string) => (typeof o.row_splits === 'string' ? o.row_splits : '{input}_row_splits').replaceAll('{input}', input).replaceAll('{type}', t);
  const mask = (t: string) => (typeof o.mask === 'string' ? rename(o.mask.replaceAll('{type}', t)) : undefined);
  const specs: InputSpec[] = [];
  const jagged = (name: string, columns: string[], t: string): InputSpec => {
    const max = cfg.types.find((x) => x.name === t)!.features.max_size;
    return {
      kind: 'jagged', name: rename(name), columns, layout: layout as 'ragged' | 'padded', max_length: max === Infinity ? undefined : max,
      pad_to: 'max_length', pad: 0, row_splits: layout === 'ragged' ? rename(splits(name, t)) : undefined, mask: layout === 'padded' ? mask(t) : undefined,
    };
  };
  for (const t of cfg.types) {
    specs.push(jagged(`${t.name}_numerical`, t.features.numerical.map((_, k) => `mljec:${t.name}:${k}`), t.name));
    for (const c of t.features.categorical) specs.push(jagged(c, [`mljec:${c}`], t.name));
  }
  specs.push({ kind: 'flat', name: rename('global_numerical'), columns: globalNum.map((_, k) => `mljec:global:${k}`) });
  return { cfg, transform, specs };
}

/** The feed builder: ml-jec features for the chunk (once), then the generic packing of pack.ts. */
export function mljecBuilder(dir: string, raw: Record<string, unknown>, infos: Map<string, TensorInfo>): FeedBuilder {
  const s = parse(dir, raw);
  const inner = specBuilder(s.specs, infos);
  const G = s.cfg.global.numerical.length;
  return {
    columns: jetInputColumns(s.cfg, false),
    fills: inner.fills,
    batched: inner.batched,
    prepare(env: Map<string, Column>, rows: number, file: string) {
      const block = buildJetBlock(env, rows, s.cfg, s.transform, file, false);
      for (let k = 0; k < G; k++) {
        const v = new Float64Array(rows);
        for (let i = 0; i < rows; i++) v[i] = block.global[i * G + k];
        env.set(`mljec:global:${k}`, v);
      }
      s.cfg.types.forEach((t, ti) => {
        const tb = block.types[ti];
        const total = tb.offsets[rows];
        const N = t.features.numerical.length;
        for (let k = 0; k < N; k++) {
          const v = new Float64Array(total);
          for (let e = 0; e < total; e++) v[e] = tb.num[e * N + k];
          env.set(`mljec:${t.name}:${k}`, { offsets: tb.offsets, values: v } as JaggedColumn);
        }
        const C = t.features.categorical.length;
        t.features.categorical.forEach((c, k) => {
          const unknown = s.transform.categorical[c].length; // features.ts maps unknown values to the list length
          const v = new Float64Array(total);
          for (let e = 0; e < total; e++) { const x = tb.cat[e * C + k]; v[e] = x === unknown ? -1 : x; }
          env.set(`mljec:${c}`, { offsets: tb.offsets, values: v } as JaggedColumn);
        });
      });
    },
    build: (env, idx, batch, bad, file) => inner.build(env, idx, batch, bad, file),
  };
}
