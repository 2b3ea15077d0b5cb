import { type FlowArch, layerSizes, paramsPerFeature, transformOrder } from './arch.js';

/**
 * MADE masks exactly as zuko 1.6 builds them (zuko/nn.py MaskedMLP, zuko/flows/autoregressive.py):
 * the adjacency A (feature i may see input j) is repeated P times per feature, its unique rows are sorted
 * lexicographically (column 0 most significant, 0 < 1) and hidden units are assigned those groups
 * cyclically. Hand-written rather than trained-into-weights because imported weights must meet the very
 * same masks (unit h of layer l must be the same group as in zuko).
 */
export function buildMasks(arch: FlowArch, t: number): Uint8Array[] {
  const F = arch.features;
  const C = arch.context;
  const I = F + C;
  const P = paramsPerFeature(arch);
  const order = transformOrder(arch, t);
  // A[i][j]: feature i sees input j (x first, then context).
  const A: Uint8Array[] = [];
  for (let i = 0; i < F; i++) {
    const row = new Uint8Array(I);
    for (let j = 0; j < F; j++) row[j] = order[i] > order[j] ? 1 : 0;
    for (let j = F; j < I; j++) row[j] = 1;
    A.push(row);
  }
  // Unique rows, sorted lexicographically; `inverse[i]` = group of feature i.
  const key = (r: Uint8Array) => Array.from(r).join('');
  const uniq = [...new Set(A.map(key))].sort();
  const U = uniq.map((k) => Uint8Array.from(k, (ch) => (ch === '1' ? 1 : 0)));
  const inverse = A.map((r) => uniq.indexOf(key(r)));
  const G = U.length;
  const size = U.map((r) => r.reduce((s, v) => s + v, 0));
  // Prec[a][b] = group b's set is a subset of group a's.
  const prec: Uint8Array[] = U.map((ua) => Uint8Array.from(U, (ub, b) => {
    let dot = 0;
    for (let j = 0; j < I; j++) dot += ua[j] & ub[j];
    return dot === size[b] ? 1 : 0;
  }));
  const sizes = layerSizes(arch);
  const masks: Uint8Array[] = [];
  // Layer 0.
  let reach = U.map((_, g) => g).filter((g) => size[g] > 0);
  let idx = Array.from({ length: sizes[1] }, (_, h) => reach[h % reach.length]);
  {
    const m = new Uint8Array(sizes[1] * I);
    idx.forEach((g, h) => m.set(U[g], h * I));
    masks.push(m);
  }
  // Hidden layers l > 0: m = Prec[:, idx_prev].
  for (let l = 2; l < sizes.length - 1; l++) {
    const prevIdx = idx;
    const rowsOf = (g: number) => Uint8Array.from(prevIdx, (gp) => prec[g][gp]);
    const groupRows = U.map((_, g) => rowsOf(g));
    reach = U.map((_, g) => g).filter((g) => groupRows[g].some((v) => v));
    idx = Array.from({ length: sizes[l] }, (_, h) => reach[h % reach.length]);
    const m = new Uint8Array(sizes[l] * prevIdx.length);
    idx.forEach((g, h) => m.set(groupRows[g], h * prevIdx.length));
    masks.push(m);
  }
  // Output layer: Prec[:, idx_last][inverse] repeated P times per feature.
  {
    const H = idx.length;
    const m = new Uint8Array(F * P * H);
    for (let i = 0; i < F; i++) {
      const g = inverse[i];
      const row = Uint8Array.from(idx, (gp) => prec[g][gp]);
      for (let p = 0; p < P; p++) m.set(row, (i * P + p) * H);
    }
    masks.push(m);
  }
  void G;
  return masks;
}
