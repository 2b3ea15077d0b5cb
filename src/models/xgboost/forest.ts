import { NtcorrError } from '../../core/errors.js';

/**
 * An XGBoost tree ensemble flattened into typed arrays (one node table for all trees), the form both
 * evaluation and bundle storage use. Node i: `feature[i] < 0` marks a leaf whose value is `value[i]`;
 * otherwise go to `left[i]` when x[feature] < value[i] (float32 compare), `right[i]` when not, and
 * `defaultLeft[i]` decides for a missing (NaN) x. Children indices are global (into the same arrays).
 */
export interface Forest {
  numFeatures: number;
  /** Index of each tree's root node. */
  roots: Int32Array;
  feature: Int32Array;
  /** Split threshold (internal node) or leaf value, float32 as XGBoost stores them. */
  value: Float32Array;
  left: Int32Array;
  right: Int32Array;
  defaultLeft: Uint8Array;
  /** Margin added before the trees (base_score mapped through the objective's ProbToMargin). */
  baseMargin: number;
  objective: XgbObjective;
}

export type XgbObjective = 'binary:logistic' | 'binary:logitraw' | 'reg:squarederror' | 'reg:logistic' | 'reg:linear';
const OBJECTIVES = new Set<string>(['binary:logistic', 'binary:logitraw', 'reg:squarederror', 'reg:logistic', 'reg:linear']);

interface JsonTree {
  left_children: number[];
  right_children: number[];
  split_indices: number[];
  split_conditions: number[];
  default_left: (boolean | number)[];
  split_type?: number[];
  categories?: number[];
}

/** "5E-1", "[5E-1]" (XGBoost 2.x vector intercept), or a number. */
function parseBaseScore(v: unknown, file: string): number {
  let s = v;
  if (typeof s === 'string') s = s.trim().replace(/^\[/, '').replace(/\]$/, '').split(',')[0];
  const x = typeof s === 'number' ? s : Number(s);
  if (!Number.isFinite(x)) throw new NtcorrError(`${file}: XGBoost base_score ${JSON.stringify(v)} is not a number`, { file });
  return x;
}

/**
 * Base margin as XGBoost computes it from base_score: logit for the logistic objectives, identity for
 * logitraw (XGBoost >= 1.6 defines LogisticRaw::ProbToMargin as identity) and squared error.
 */
function baseMarginFor(objective: XgbObjective, baseScore: number, file: string): number {
  if (objective === 'binary:logistic' || objective === 'reg:logistic') {
    if (!(baseScore > 0 && baseScore < 1)) throw new NtcorrError(`${file}: base_score ${baseScore} must be in (0,1) for ${objective}`, { file });
    return Math.fround(-Math.log(1 / baseScore - 1));
  }
  return Math.fround(baseScore);
}

/** Parses XGBoost's JSON model (save_model("x.json"), XGBoost 1.x and 2.x layouts; gbtree booster only). */
export function parseXgboostJson(text: string, file = 'model.json'): Forest {
  let doc: any;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new NtcorrError(`${file}: not valid JSON (${(e as Error).message})`, { file });
  }
  const learner = doc?.learner;
  if (!learner?.gradient_booster) throw new NtcorrError(`${file}: not an XGBoost JSON model (expected learner.gradient_booster; the text "dump" format is not supported, re-save with booster.save_model("model.json"))`, { file });
  const gb = learner.gradient_booster;
  const name = gb.name ?? 'gbtree';
  if (name !== 'gbtree') throw new NtcorrError(`${file}: booster "${name}" is not supported (only gbtree; dart/gblinear models cannot be evaluated)`, { file });
  const objective = String(learner.objective?.name ?? 'reg:squarederror');
  if (!OBJECTIVES.has(objective)) throw new NtcorrError(`${file}: objective "${objective}" not supported (expected one of ${[...OBJECTIVES].join(', ')})`, { file });
  const mp = learner.learner_model_param ?? {};
  const numClass = Number(mp.num_class ?? 0);
  if (numClass > 1) throw new NtcorrError(`${file}: multi-class models (num_class=${numClass}) are not supported`, { file });
  const numTarget = Number(mp.num_target ?? 1);
  if (numTarget > 1) throw new NtcorrError(`${file}: multi-target models (num_target=${numTarget}) are not supported`, { file });
  const numFeatures = Number(mp.num_feature);
  const trees: JsonTree[] = gb.model?.trees;
  if (!Array.isArray(trees)) throw new NtcorrError(`${file}: learner.gradient_booster.model.trees is missing`, { file });
  const baseMargin = baseMarginFor(objective as XgbObjective, parseBaseScore(mp.base_score ?? 0.5, file), file);

  let total = 0;
  for (const t of trees) total += t.left_children.length;
  const f: Forest = {
    numFeatures, objective: objective as XgbObjective, baseMargin,
    roots: new Int32Array(trees.length), feature: new Int32Array(total), value: new Float32Array(total),
    left: new Int32Array(total), right: new Int32Array(total), defaultLeft: new Uint8Array(total),
  };
  let off = 0;
  trees.forEach((t, ti) => {
    const n = t.left_children.length;
    if ((t.split_type ?? []).some((s) => s !== 0)) throw new NtcorrError(`${file}: tree ${ti} has categorical splits, which are not supported`, { file });
    f.roots[ti] = off;
    for (let i = 0; i < n; i++) {
      const l = t.left_children[i];
      const k = off + i;
      f.value[k] = t.split_conditions[i];
      if (l === -1) {
        f.feature[k] = -1; f.left[k] = -1; f.right[k] = -1;
      } else {
        const fi = t.split_indices[i];
        if (!(fi >= 0 && (!(numFeatures > 0) || fi < numFeatures))) throw new NtcorrError(`${file}: tree ${ti} node ${i} splits on feature ${fi}, outside 0..${numFeatures - 1}`, { file });
        f.feature[k] = fi;
        f.left[k] = off + l;
        f.right[k] = off + t.right_children[i];
        f.defaultLeft[k] = t.default_left[i] ? 1 : 0;
      }
    }
    off += n;
  });
  if (!(numFeatures > 0)) f.numFeatures = Math.max(0, ...f.feature) + 1;
  return f;
}

/** Output transform of the objective (what XGBoost's predict() returns without output_margin). */
export function predTransform(objective: XgbObjective): (margin: number) => number {
  return objective === 'binary:logistic' || objective === 'reg:logistic' ? (m) => 1 / (1 + Math.exp(-m)) : (m) => m;
}
