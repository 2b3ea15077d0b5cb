/**
 * Weighted Pearson correlation matrix of several columns, over rows where every column and the weight are
 * finite. Two passes (means, then centred sums) for float64 accuracy on large samples.
 */
export function correlationMatrix(columns: ArrayLike<number>[], weights?: ArrayLike<number> | null): Float64Array[] {
  const k = columns.length;
  const n = k ? columns[0].length : 0;
  const ok = new Uint8Array(n);
  let W = 0;
  const mean = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    const w = weights ? weights[i] : 1;
    if (!Number.isFinite(w)) continue;
    let good = true;
    for (let c = 0; c < k && good; c++) if (!Number.isFinite(columns[c][i])) good = false;
    if (!good) continue;
    ok[i] = 1;
    W += w;
    for (let c = 0; c < k; c++) mean[c] += w * columns[c][i];
  }
  for (let c = 0; c < k; c++) mean[c] /= W;
  const cov = Array.from({ length: k }, () => new Float64Array(k));
  const d = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    if (!ok[i]) continue;
    const w = weights ? weights[i] : 1;
    for (let c = 0; c < k; c++) d[c] = columns[c][i] - mean[c];
    for (let a = 0; a < k; a++) { const wa = w * d[a]; const row = cov[a]; for (let b = a; b < k; b++) row[b] += wa * d[b]; }
  }
  const out = Array.from({ length: k }, () => new Float64Array(k));
  for (let a = 0; a < k; a++) for (let b = a; b < k; b++) {
    const r = cov[a][b] / Math.sqrt(cov[a][a] * cov[b][b]);
    out[a][b] = out[b][a] = a === b ? (cov[a][a] > 0 ? 1 : NaN) : r;
  }
  return out;
}

/** Element-wise a − b and the mean |difference| over off-diagonal elements (the analysis' one-number summary). */
export function correlationDifference(a: Float64Array[], b: Float64Array[]): { diff: Float64Array[]; meanAbs: number } {
  const k = a.length;
  let s = 0, m = 0;
  const diff = a.map((row, i) => row.map((v, j) => {
    const d = v - b[i][j];
    if (i !== j && Number.isFinite(d)) { s += Math.abs(d); m++; }
    return d;
  }));
  return { diff, meanAbs: k > 1 && m > 0 ? s / m : 0 };
}
