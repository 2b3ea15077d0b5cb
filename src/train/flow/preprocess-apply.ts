import { basename } from 'node:path';
import { hashString, uniformAt } from '../../core/random.js';
import { needsDraw, toFlowScale, type PreprocessParams } from '../../models/flow/preprocess.js';

/**
 * The model's preprocessing (src/models/flow/preprocess.ts) applied to training EXAMPLES, which are
 * scattered rows of several files rather than one contiguous chunk. Each value goes through exactly the
 * formula of `forwardInputs`: the spike-smearing draw is uniformAt(seed, hashString(file key), row,
 * collection index x F + variable index), so an example preprocessed here equals the same row preprocessed by `apply` with the
 * same seed (tested against forwardInputs).
 */
export interface ExampleIds {
  files: string[];
  /** Draw key per file (path below the sample's common folder); default the basename. */
  keys?: string[];
  file: Int32Array;
  row: Float64Array;
  /** Index of the example's collection in the bundle's collections (draw lane collection x F). */
  collection: Uint8Array;
}

/** Inputs -> standardised flow features, one Float64Array per variable. NaN where forwardInputs gives NaN. */
export function preprocessInputs(p: PreprocessParams, x: ArrayLike<number>[], ids: ExampleIds, seed: number): Float64Array[] {
  const streams = ids.files.map((f, k) => hashString(ids.keys?.[k] ?? basename(f)));
  const n = ids.file.length;
  const F = p.inputs.length;
  return p.inputs.map((v, j) => {
    const col = x[j];
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const raw = col[i];
      const val = toFlowScale(v, raw, needsDraw(v, raw) ? uniformAt(seed, streams[ids.file[i]], ids.row[i], ids.collection[i] * F + j) : 0);
      // float32 like forwardInputs' output, so training sees what apply feeds the flow
      out[i] = Number.isFinite(val) ? Math.fround((val - v.mean) / v.std) : NaN;
    }
    return out;
  });
}

/** Conditions -> standardised context columns (the is-data flag is added by the dataset). */
export function preprocessConditions(p: PreprocessParams, c: ArrayLike<number>[]): Float64Array[] {
  return p.conditions.map((v, j) => Float64Array.from(c[j] as ArrayLike<number>, (x) => (Number.isFinite(x) ? Math.fround((x - v.mean) / v.std) : NaN)));
}
