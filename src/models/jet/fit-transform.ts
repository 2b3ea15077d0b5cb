import { isJagged, toFloat64, type NumericArray } from '../../core/columns.js';
import { derivedKind, type JetConfig } from './config.js';
import { fileChunks } from './dataset.js';
import { StepFitter, type Transform } from './transform.js';

/**
 * Fits transform.yaml on the given (training) files: for every numerical network input that is a branch,
 * the configured non-linear steps then a min-max linear step; for every categorical input, the configured
 * value list or else the sorted distinct values seen. Derived features stay untransformed (as in ml-jec).
 */
export async function fitTransform(cfg: JetConfig, files: string[]): Promise<Transform> {
  const numerical = [...cfg.global.numerical, ...cfg.types.flatMap((t) => t.features.numerical.filter((f) => !derivedKind(t.name, f)))];
  const categorical = cfg.types.flatMap((t) => t.features.categorical);
  const fitters = new Map(numerical.map((n) => [n, new StepFitter(cfg.transform.steps[n] ?? [])] as const));
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
