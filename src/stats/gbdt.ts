/**
 * A small histogram-based gradient-boosted-trees binary classifier (logistic loss, second-order splits as
 * in XGBoost/LightGBM "hist"), used only for the classifier two-sample test.
 *
 * Hand-written because no npm package trains boosted trees in pure JS with weights and determinism, and
 * the test needs only a modest learner: features are binned once into ≤ 64 quantile bins (bin 0 = NaN),
 * trees are depth-limited and grown level by level. Fully deterministic (no sampling).
 */
export interface GbdtOptions {
  rounds?: number;
  maxDepth?: number;
  learningRate?: number;
  /** L2 regularisation of leaf values (XGBoost lambda). */
  lambda?: number;
  /** Minimum sum of hessians in a child (XGBoost min_child_weight), relative to the mean hessian weight. */
  minChildWeight?: number;
  maxBins?: number;
}

interface Tree {
  /** Per node: feature (−1 = leaf), bin threshold (go left if bin <= thr), children, leaf value. */
  feature: Int32Array;
  thr: Int32Array;
  left: Int32Array;
  right: Int32Array;
  value: Float64Array;
}

export interface GbdtModel {
  cuts: Float64Array[];
  base: number;
  trees: Tree[];
}

/** Quantile cut points per feature from the training rows (unweighted; only shapes the bins). */
function makeCuts(col: ArrayLike<number>, maxBins: number): Float64Array {
  const v = Float64Array.from({ length: col.length }, (_, i) => col[i]).filter(Number.isFinite).sort();
  if (v.length === 0) return new Float64Array(0);
  const cuts: number[] = [];
  for (let k = 1; k < maxBins; k++) {
    const c = v[Math.min(v.length - 1, Math.floor((k * v.length) / maxBins))];
    if (cuts.length === 0 || c > cuts[cuts.length - 1]) cuts.push(c);
  }
  return Float64Array.from(cuts);
}

/** Bin index: 0 for NaN, else 1 + number of cuts strictly below v (so v <= cut[k] → bin <= k+1). */
function binColumn(col: ArrayLike<number>, cuts: Float64Array): Uint8Array {
  const out = new Uint8Array(col.length);
  for (let i = 0; i < col.length; i++) {
    const v = col[i];
    if (!Number.isFinite(v)) { out[i] = 0; continue; }
    let lo = 0, hi = cuts.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (cuts[mid] < v) lo = mid + 1; else hi = mid; }
    out[i] = 1 + lo;
  }
  return out;
}

export function trainGbdt(columns: ArrayLike<number>[], labels: Uint8Array, weights: Float64Array, opts: GbdtOptions = {}): GbdtModel {
  const rounds = opts.rounds ?? 100, maxDepth = opts.maxDepth ?? 3, lr = opts.learningRate ?? 0.1, lambda = opts.lambda ?? 1;
  const maxBins = Math.min(255, opts.maxBins ?? 64);
  const n = labels.length, nf = columns.length;
  const cuts = columns.map((c) => makeCuts(c, maxBins));
  const bins = columns.map((c, f) => binColumn(c, cuts[f]));
  const nbins = cuts.map((c) => c.length + 2);
  let wp = 0, wn = 0, wsum = 0;
  for (let i = 0; i < n; i++) { if (labels[i]) wp += weights[i]; else wn += weights[i]; wsum += weights[i]; }
  const base = wp > 0 && wn > 0 ? Math.log(wp / wn) : 0;
  const minChild = (opts.minChildWeight ?? 1) * 0.25 * (wsum / n) * Math.max(1, n / 2000);
  const F = new Float64Array(n).fill(base);
  const g = new Float64Array(n), h = new Float64Array(n);
  const trees: Tree[] = [];
  const maxNodes = 2 ** (maxDepth + 1);
  const nodeOf = new Int32Array(n);
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < n; i++) {
      const p = 1 / (1 + Math.exp(-F[i]));
      g[i] = weights[i] * (p - labels[i]);
      h[i] = weights[i] * Math.max(p * (1 - p), 1e-16);
    }
    const tree: Tree = { feature: new Int32Array(maxNodes).fill(-1), thr: new Int32Array(maxNodes), left: new Int32Array(maxNodes).fill(-1), right: new Int32Array(maxNodes).fill(-1), value: new Float64Array(maxNodes) };
    let nodes = 1;
    nodeOf.fill(0);
    let level = [0];
    for (let depth = 0; depth <= maxDepth && level.length; depth++) {
      // Gradient/hessian histograms for every node of this level in one pass over the rows.
      const slot = new Int32Array(nodes).fill(-1);
      level.forEach((nd, k) => { slot[nd] = k; });
      const G = new Float64Array(level.length), H = new Float64Array(level.length);
      for (let i = 0; i < n; i++) { const s = slot[nodeOf[i]]; if (s >= 0) { G[s] += g[i]; H[s] += h[i]; } }
      const best = level.map(() => ({ gain: 0, f: -1, b: -1 }));
      if (depth < maxDepth) {
        for (let f = 0; f < nf; f++) {
          const nb = nbins[f], bf = bins[f];
          const hg = new Float64Array(level.length * nb), hh = new Float64Array(level.length * nb);
          for (let i = 0; i < n; i++) { const s = slot[nodeOf[i]]; if (s >= 0) { const o = s * nb + bf[i]; hg[o] += g[i]; hh[o] += h[i]; } }
          for (let k = 0; k < level.length; k++) {
            const parent = (G[k] * G[k]) / (H[k] + lambda);
            let gl = 0, hl = 0;
            for (let b = 0; b < nb - 1; b++) {
              gl += hg[k * nb + b]; hl += hh[k * nb + b];
              const gr = G[k] - gl, hr = H[k] - hl;
              if (hl < minChild || hr < minChild) continue;
              const gain = (gl * gl) / (hl + lambda) + (gr * gr) / (hr + lambda) - parent;
              if (gain > best[k].gain + 1e-12) best[k] = { gain, f, b };
            }
          }
        }
      }
      const next: number[] = [];
      level.forEach((nd, k) => {
        const bs = best[k];
        if (bs.f < 0) { tree.value[nd] = (-G[k] / (H[k] + lambda)) * lr; return; }
        tree.feature[nd] = bs.f; tree.thr[nd] = bs.b;
        tree.left[nd] = nodes++; tree.right[nd] = nodes++;
        next.push(tree.left[nd], tree.right[nd]);
      });
      if (next.length) for (let i = 0; i < n; i++) {
        const nd = nodeOf[i];
        const f = tree.feature[nd];
        if (f >= 0 && slot[nd] >= 0) nodeOf[i] = bins[f][i] <= tree.thr[nd] ? tree.left[nd] : tree.right[nd];
      }
      level = next;
    }
    for (let i = 0; i < n; i++) F[i] += tree.value[nodeOf[i]];
    trees.push(tree);
  }
  return { cuts, base, trees };
}

/** Raw scores (log-odds) for new rows. */
export function predictGbdt(model: GbdtModel, columns: ArrayLike<number>[]): Float64Array {
  const n = columns.length ? columns[0].length : 0;
  const bins = columns.map((c, f) => binColumn(c, model.cuts[f]));
  const out = new Float64Array(n).fill(model.base);
  for (const t of model.trees) {
    for (let i = 0; i < n; i++) {
      let nd = 0;
      while (t.feature[nd] >= 0) nd = bins[t.feature[nd]][i] <= t.thr[nd] ? t.left[nd] : t.right[nd];
      out[i] += t.value[nd];
    }
  }
  return out;
}
