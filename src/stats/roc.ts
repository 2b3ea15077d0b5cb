/**
 * Weighted ROC AUC with correct handling of tied scores (a tie between a positive and a negative counts
 * one half), i.e. the weighted Mann-Whitney statistic; equals sklearn's roc_auc_score(sample_weight=...).
 * Rows with a non-finite score or weight are ignored. `labels[i]` truthy = positive class.
 */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number | boolean>, weights?: ArrayLike<number> | null): number {
  const idx: number[] = [];
  for (let i = 0; i < scores.length; i++) if (Number.isFinite(scores[i]) && (!weights || Number.isFinite(weights[i]))) idx.push(i);
  const order = Uint32Array.from(idx).sort((a, b) => scores[a] - scores[b]);
  let negBelow = 0, auc = 0, P = 0, N = 0;
  for (let k = 0; k < order.length;) {
    const s = scores[order[k]];
    let pos = 0, neg = 0;
    while (k < order.length && scores[order[k]] === s) {
      const i = order[k++];
      const w = weights ? weights[i] : 1;
      if (labels[i]) pos += w; else neg += w;
    }
    auc += pos * (negBelow + 0.5 * neg);
    negBelow += neg;
    P += pos; N += neg;
  }
  return P > 0 && N > 0 ? auc / (P * N) : NaN;
}
