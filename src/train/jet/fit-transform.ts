import { isJagged, toFloat64, type NumericArray } from '../../core/columns.js';
import { derivedKind, type JetConfig, type TransformStepSpec } from '../../models/jet/config.js';
import { fileChunks } from './dataset.js';
import { StepFitter, type Transform } from '../../models/jet/transform.js';

/**
 * ml-jec's bin/build_transform.py keeps its non-linear steps in the script, not the config: these are the
 * same steps per feature. Used when the config has no transform.steps; features not listed get only the
 * fitted linear step (as the script's empty lists do).
 */
export const MLJEC_DEFAULT_STEPS: Record<string, TransformStepSpec[]> = {
  pt: [{ type: 'arcsinh', scale: 10 }],
  mass: [{ type: 'arcsinh', scale: 10 }],
  ch_pt: [{ type: 'arcsinh', scale: 0.1 }],
  ch_dxy: [{ type: 'abs' }, { type: 'arcsinh', scale: 1e-3 }],
  ch_dxy_significance: [{ type: 'arcsinh', scale: 1 }],
  ch_dz: [{ type: 'abs' }, { type: 'arcsinh', scale: 1e-3 }],
  ch_num_hits: [{ type: 'arcsinh', scale: 5 }],
  ch_num_pixel_hits: [{ type: 'arcsinh', scale: 5 }],
  ch_norm_chi2: [{ type: 'arcsinh', scale: 1 }],
  ne_pt: [{ type: 'arcsinh', scale: 0.1 }],
  sv_mass: [{ type: 'arcsinh', scale: 0.1 }],
  sv_pt: [{ type: 'arcsinh', scale: 0.1 }],
  sv_distance: [{ type: 'arcsinh', scale: 0.01 }],
  sv_significance: [{ type: 'arcsinh', scale: 1 }],
  sv_num_tracks: [{ type: 'log' }],
};

/**
 * Fits transform.yaml on the given (training) files: for every numerical network input that is a branch,
 * the configured non-linear steps (ml-jec's defaults without transform.steps) then a min-max linear step; for every categorical input, the configured
 * value list or else the sorted distinct values seen. Derived features stay untransformed (as in ml-jec).
 */
export async function fitTransform(cfg: JetConfig, files: string[]): Promise<Transform> {
  const numerical = [...cfg.global.numerical, ...cfg.types.flatMap((t) => t.features.numerical.filter((f) => !derivedKind(t.name, f)))];
  const categorical = [...(cfg.global.categorical ?? []), ...cfg.types.flatMap((t) => t.features.categorical)];
  const steps = cfg.transform.steps ?? MLJEC_DEFAULT_STEPS;
  const fitters = new Map(numerical.map((n) => [n, new StepFitter(steps[n] ?? [])] as const));
  const seen = new Map(categorical.map((c) => [c, new Set<number>()] as const));
  const cols = [...new Set([...numerical, ...categorical])];
  for (const f of files) {
    for await (const ch of fileChunks(f, cfg.data.tree, cols)) {
      for (const [name, col] of ch.columns) {
        const values = toFloat64(isJagged(col) ? col.values : (col as NumericArray));
        fitters.get(name)?.add(values);
        const s = seen.get(name);
        if (s) for (const v of values) s.add(v);
      }
    }
  }
  const out: Transform = { categorical: {}, numerical: {} };
  for (const c of categorical) out.categorical[c] = cfg.transform.categorical[c] ?? [...seen.get(c)!].sort((a, b) => a - b);
  for (const n of numerical) out.numerical[n] = fitters.get(n)!.result();
  return out;
}
