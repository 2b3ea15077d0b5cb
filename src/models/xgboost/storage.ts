import { readFileSync } from 'node:fs';
import type { Bundle } from '../../bundle/bundle.js';
import type { TensorData } from '../../bundle/tensors.js';
import { NtcorrError } from '../../core/errors.js';
import { parseXgboostDump } from './dump.js';
import { parseXgboostJson, type Forest, type XgbObjective } from './forest.js';

/**
 * How a bundle holds one forest: either XGBoost's own JSON file next to model.json (`{ file }`), or the
 * flattened arrays in weights.bin (`{ tensors, objective, baseMargin, numFeatures }`), which is ~4x smaller
 * than the JSON and loads without parsing megabytes of text. A JSON *dump* (dump_model) needs
 * `{ file, dump: { objective, baseMargin, featureNames? } }` since dumps carry neither.
 */
export type ForestRef =
  | { file: string; dump?: { objective: XgbObjective; baseMargin: number; numFeatures?: number; featureNames?: string[] } }
  | { tensors: string; objective: XgbObjective; baseMargin: number; numFeatures: number };

export function forestTensors(prefix: string, f: Forest): { ref: ForestRef; tensors: { name: string; shape: number[]; data: TensorData }[] } {
  const t = (name: string, data: TensorData) => ({ name: `${prefix}.${name}`, shape: [data.length], data });
  return {
    ref: { tensors: prefix, objective: f.objective, baseMargin: f.baseMargin, numFeatures: f.numFeatures },
    tensors: [t('roots', f.roots), t('feature', f.feature), t('value', f.value), t('left', f.left), t('right', f.right), t('defaultLeft', f.defaultLeft)],
  };
}

export function loadForest(bundle: Bundle, ref: ForestRef, what: string): Forest {
  if ('file' in ref) {
    const path = bundle.file(ref.file, `${what}: XGBoost model file`);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      throw new NtcorrError(`model bundle ${bundle.dir}: ${what}: XGBoost model file ${ref.file} not found`, { file: path });
    }
    return ref.dump ? parseXgboostDump(text, { ...ref.dump, file: path }) : parseXgboostJson(text, path);
  }
  const all = bundle.tensors();
  const get = <T extends TensorData>(name: string, ctor: new (...a: any[]) => T): T => {
    const e = all.get(`${ref.tensors}.${name}`);
    if (!e || !(e.data instanceof ctor)) throw new NtcorrError(`model bundle ${bundle.dir}: ${what}: tensor ${ref.tensors}.${name} missing or of the wrong type in weights.bin`, { file: bundle.dir });
    return e.data as T;
  };
  const f: Forest = {
    numFeatures: ref.numFeatures, objective: ref.objective, baseMargin: ref.baseMargin,
    roots: get('roots', Int32Array), feature: get('feature', Int32Array), value: get('value', Float32Array),
    left: get('left', Int32Array), right: get('right', Int32Array), defaultLeft: get('defaultLeft', Uint8Array),
  };
  const n = f.feature.length;
  if (f.value.length !== n || f.left.length !== n || f.right.length !== n || f.defaultLeft.length !== n) {
    throw new NtcorrError(`model bundle ${bundle.dir}: ${what}: node arrays of ${ref.tensors} have different lengths`, { file: bundle.dir });
  }
  for (let i = 0; i < n; i++) {
    if (f.feature[i] >= f.numFeatures || (f.feature[i] >= 0 && !(f.left[i] >= 0 && f.left[i] < n && f.right[i] >= 0 && f.right[i] < n))) {
      throw new NtcorrError(`model bundle ${bundle.dir}: ${what}: node ${i} of ${ref.tensors} is corrupt`, { file: bundle.dir });
    }
  }
  return f;
}
