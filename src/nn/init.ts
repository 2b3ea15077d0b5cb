import type { Rng } from '../core/random.js';

/**
 * Seeded weight initialisation with PyTorch's nn.Linear defaults, so that models trained here start like
 * their PyTorch counterparts: weight and bias ~ U(-1/sqrt(fanIn), 1/sqrt(fanIn)) (kaiming_uniform with
 * a = sqrt(5) reduces to this bound).
 */
export function linearInit(rng: Rng, fanIn: number, fanOut: number): { weight: Float32Array; bias: Float32Array } {
  const bound = 1 / Math.sqrt(fanIn);
  const weight = new Float32Array(fanIn * fanOut); // stored [fanIn, fanOut] (x @ W), not PyTorch's [out, in]
  for (let i = 0; i < weight.length; i++) weight[i] = (2 * rng.uniform() - 1) * bound;
  const bias = new Float32Array(fanOut);
  for (let i = 0; i < bias.length; i++) bias[i] = (2 * rng.uniform() - 1) * bound;
  return { weight, bias };
}

/** Glorot/Xavier uniform, U(-a, a) with a = sqrt(6 / (fanIn + fanOut)). */
export function glorotUniform(rng: Rng, fanIn: number, fanOut: number): Float32Array {
  const a = Math.sqrt(6 / (fanIn + fanOut));
  const w = new Float32Array(fanIn * fanOut);
  for (let i = 0; i < w.length; i++) w[i] = (2 * rng.uniform() - 1) * a;
  return w;
}

/** N(0, std^2) entries (embeddings: PyTorch nn.Embedding uses N(0, 1)). */
export function normalInit(rng: Rng, n: number, std = 1): Float32Array {
  const w = new Float32Array(n);
  for (let i = 0; i < n; i++) w[i] = rng.normal() * std;
  return w;
}
