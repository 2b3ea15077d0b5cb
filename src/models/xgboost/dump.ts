import { NtcorrError } from '../../core/errors.js';
import type { Forest, XgbObjective } from './forest.js';

/**
 * XGBoost's JSON *dump* (`booster.dump_model(f, dump_format="json")`, also what older tools exported): an
 * array of nested trees, nodes `{nodeid, split, split_condition, yes, no, missing, children}` and leaves
 * `{nodeid, leaf}`. The dump has no objective or base_score, so the caller supplies them; split names are
 * "f<index>" or, when the model had feature names, those names (pass `featureNames` in model order).
 * Thresholds are as printed in the dump (XGBoost prints float32 with 9 significant digits in recent
 * versions, so they round-trip; very old dumps with fewer digits can differ from the binary model).
 */
interface DumpNode {
  nodeid: number;
  split?: string | number;
  split_condition?: number;
  yes?: number;
  no?: number;
  missing?: number;
  leaf?: number;
  children?: DumpNode[];
}

export function parseXgboostDump(text: string, opts: { objective: XgbObjective; baseMargin: number; numFeatures?: number; featureNames?: string[]; file?: string }): Forest {
  const file = opts.file ?? 'dump.json';
  let trees: DumpNode[];
  try {
    trees = JSON.parse(text);
  } catch (e) {
    throw new NtcorrError(`${file}: not valid JSON (${(e as Error).message})`, { file });
  }
  if (!Array.isArray(trees)) throw new NtcorrError(`${file}: an XGBoost JSON dump is an array of trees`, { file });
  const names = new Map((opts.featureNames ?? []).map((n, i) => [n, i]));
  const featureIndex = (s: string | number, where: string): number => {
    if (typeof s === 'number') return s;
    if (names.has(s)) return names.get(s)!;
    const m = /^f(\d+)$/.exec(s);
    if (m) return Number(m[1]);
    throw new NtcorrError(`${file}: ${where} splits on "${s}", which is not "f<index>" and not in featureNames`, { file });
  };
  const feature: number[] = [], value: number[] = [], left: number[] = [], right: number[] = [], defaultLeft: number[] = [];
  const roots: number[] = [];
  trees.forEach((tree, ti) => {
    // Collect nodes by id, then lay them out in id order so children indices are tree offset + id.
    const byId = new Map<number, DumpNode>();
    const walk = (n: DumpNode) => { byId.set(n.nodeid, n); for (const c of n.children ?? []) walk(c); };
    walk(tree);
    const off = feature.length;
    const maxId = Math.max(...byId.keys());
    roots.push(off + tree.nodeid);
    for (let id = 0; id <= maxId; id++) {
      const n = byId.get(id);
      if (!n) { feature.push(-1); value.push(0); left.push(-1); right.push(-1); defaultLeft.push(0); continue; }
      if (n.leaf !== undefined) { feature.push(-1); value.push(n.leaf); left.push(-1); right.push(-1); defaultLeft.push(0); continue; }
      if (n.split === undefined || n.yes === undefined || n.no === undefined) throw new NtcorrError(`${file}: tree ${ti} node ${id} is neither a leaf nor a split`, { file });
      feature.push(featureIndex(n.split, `tree ${ti} node ${id}`));
      value.push(n.split_condition ?? 0);
      left.push(off + n.yes);
      right.push(off + n.no);
      defaultLeft.push(n.missing === n.yes ? 1 : 0);
    }
  });
  const nf = opts.numFeatures ?? Math.max(opts.featureNames?.length ?? 0, ...feature.map((f) => f + 1));
  return {
    numFeatures: nf, objective: opts.objective, baseMargin: Math.fround(opts.baseMargin),
    roots: Int32Array.from(roots), feature: Int32Array.from(feature), value: Float32Array.from(value),
    left: Int32Array.from(left), right: Int32Array.from(right), defaultLeft: Uint8Array.from(defaultLeft),
  };
}
