import { NtcorrError } from '../core/errors.js';
import type { Model } from './model.js';
import { invertSpd } from './minuit/linalg.js';

export interface SWeights {
  /** Component names, in the model's order. */
  names: string[];
  /** Per component, the sWeight of each event. */
  weights: Float64Array[];
  /** The yields' covariance with the shapes fixed (the inverse of sum_e f_j f_k / (sum_i N_i f_i)^2). */
  covariance: Float64Array[];
}

/**
 * sPlot (Pivk & Le Diberder 2005) for an extended model at fitted values: with the shape parameters fixed,
 * V^-1_jk = sum_e f_j(x_e) f_k(x_e) / (sum_i N_i f_i(x_e))^2, and the sWeight of component j for event e is
 * sum_k V_jk f_k(x_e) / sum_i N_i f_i(x_e). The sWeights of a component sum to its fitted yield.
 */
export function computeSWeights(model: Model, values: ArrayLike<number>, xs: Float64Array): SWeights {
  if (model.categories) throw new NtcorrError(`${model.source}: sWeights of a simultaneous model are not supported yet; fit each category alone`, { file: model.source });
  if (!model.extended) throw new NtcorrError(`${model.source}: sWeights need an extended model (a yield: on every component)`, { file: model.source });
  const comps = model.components;
  const K = comps.length;
  const n = xs.length;
  const f = comps.map((c) => {
    const out = new Float64Array(n);
    c.pdf.density(xs, c.paramIndex.map((i) => values[i]), out);
    return out;
  });
  const N = comps.map((c) => values[c.coefIndex]);
  const den = new Float64Array(n);
  for (let k = 0; k < K; k++) for (let e = 0; e < n; e++) den[e] += N[k] * f[k][e];
  const Vinv = Array.from({ length: K }, () => new Float64Array(K));
  for (let e = 0; e < n; e++) {
    const d2 = den[e] * den[e];
    for (let j = 0; j < K; j++) for (let k = j; k < K; k++) Vinv[j][k] += (f[j][e] * f[k][e]) / d2;
  }
  for (let j = 0; j < K; j++) for (let k = 0; k < j; k++) Vinv[j][k] = Vinv[k][j];
  const V = invertSpd(Vinv);
  if (!V) throw new NtcorrError(`${model.source}: the yields' matrix for sWeights is singular (components with the same shape?)`, { file: model.source });
  const weights = comps.map(() => new Float64Array(n));
  for (let e = 0; e < n; e++) {
    for (let j = 0; j < K; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += V[j][k] * f[k][e];
      weights[j][e] = s / den[e];
    }
  }
  return { names: comps.map((c) => c.name), weights, covariance: V };
}
