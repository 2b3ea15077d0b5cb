import type { Constraint } from './model.js';

/** Penalty terms added to the NLL (constants dropped), with their gradients added into `grad` when given. */
export function constraintTerm(cons: Constraint[], p: Float64Array, grad?: Float64Array): number {
  let s = 0;
  for (const c of cons) {
    if (c.kind === 'gaussian') {
      const z = (p[c.index] - c.mean) / c.sigma;
      s += 0.5 * z * z;
      if (grad) grad[c.index] += z / c.sigma;
    } else if (c.kind === 'multigauss') {
      const n = c.indices.length;
      const d = c.indices.map((i, k) => p[i] - c.mean[k]);
      for (let a = 0; a < n; a++) {
        let row = 0;
        for (let b = 0; b < n; b++) row += c.inv[a][b] * d[b];
        s += 0.5 * d[a] * row;
        if (grad) grad[c.indices[a]] += row;
      }
    } else {
      // -log Poisson(observed | scale * p) relative to its best case (lambda = observed): 0 at the optimum.
      const lam = c.scale * p[c.index];
      if (!(lam > 0)) return NaN;
      const n = c.observed;
      s += lam - n + (n > 0 ? n * Math.log(n / lam) : 0);
      if (grad) grad[c.index] += c.scale * (1 - n / lam);
    }
  }
  return s;
}

/** Adds the constraint terms' second derivatives into H. */
export function constraintHessian(cons: Constraint[], p: Float64Array, H: Float64Array[]): void {
  for (const c of cons) {
    if (c.kind === 'gaussian') H[c.index][c.index] += 1 / (c.sigma * c.sigma);
    else if (c.kind === 'multigauss') {
      c.indices.forEach((a, i) => c.indices.forEach((b, j) => (H[a][b] += c.inv[i][j])));
    } else {
      const lam = c.scale * p[c.index];
      H[c.index][c.index] += (c.scale * c.scale * c.observed) / (lam * lam);
    }
  }
}
