/** Finite (value, weight) pairs sorted by value: the common first step of KS, Wasserstein and quantiles. */
export interface SortedSample {
  x: Float64Array;
  /** null = unit weights. */
  w: Float64Array | null;
  /** Sum of weights (= length for unit weights). */
  total: number;
}

/**
 * Drops rows with non-finite value or weight. Unit weights use the native typed-array sort (fast, no
 * comparator); weighted samples sort an index array.
 */
export function sortSample(values: ArrayLike<number>, weights?: ArrayLike<number> | null): SortedSample {
  const n = values.length;
  if (!weights) {
    let m = 0;
    const x = new Float64Array(n);
    for (let i = 0; i < n; i++) { const v = values[i]; if (Number.isFinite(v)) x[m++] = v; }
    const xs = x.subarray(0, m).sort();
    return { x: xs, w: null, total: m };
  }
  const idx: number[] = [];
  for (let i = 0; i < n; i++) if (Number.isFinite(values[i]) && Number.isFinite(weights[i])) idx.push(i);
  const order = Uint32Array.from(idx).sort((a, b) => values[a] - values[b]);
  const x = new Float64Array(order.length), w = new Float64Array(order.length);
  let total = 0;
  for (let k = 0; k < order.length; k++) { x[k] = values[order[k]]; w[k] = weights[order[k]]; total += w[k]; }
  return { x, w, total };
}

export function weightAt(s: SortedSample, i: number): number {
  return s.w ? s.w[i] : 1;
}
