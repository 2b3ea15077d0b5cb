import type { Xoshiro128ss } from '../../core/random.js';

/**
 * The flow's training set in the layout the model eats: row-major float32 features X [n, F], conditions
 * C [n, C+1] whose last column is the is-data flag, and per-example weights. Data and simulation are in
 * one set (the flag tells them apart), so one flow learns p(x | c, data) and p(x | c, simulation) with
 * shared parameters, as the CMS training did.
 */
export interface FlowDataset {
  n: number;
  features: number;
  /** Context width including the is-data flag. */
  context: number;
  x: Float32Array;
  c: Float32Array;
  w: Float32Array;
  /** Mean weight, so batch losses are sum(w nll) / (batch size x meanWeight): unbiased, not per-batch normalised. */
  meanWeight: number;
}

/** One sample's preprocessed columns (column-major float64) with its weights. */
export interface SampleColumns {
  x: ArrayLike<number>[];
  c: ArrayLike<number>[];
  w: ArrayLike<number>;
  isData: boolean;
}

/** Interleaves column-major samples into one row-major float32 set (samples appended in order). */
export function buildDataset(samples: SampleColumns[]): FlowDataset {
  const F = samples[0].x.length;
  const C = samples[0].c.length + 1;
  const n = samples.reduce((s, p) => s + p.w.length, 0);
  const x = new Float32Array(n * F);
  const c = new Float32Array(n * C);
  const w = new Float32Array(n);
  let row = 0;
  let sw = 0;
  for (const s of samples) {
    const m = s.w.length;
    for (let i = 0; i < m; i++, row++) {
      for (let f = 0; f < F; f++) x[row * F + f] = s.x[f][i];
      for (let k = 0; k < C - 1; k++) c[row * C + k] = s.c[k][i];
      c[row * C + C - 1] = s.isData ? 1 : 0;
      w[row] = s.w[i];
      sw += s.w[i];
    }
  }
  return { n, features: F, context: C, x, c, w, meanWeight: n ? sw / n : 1 };
}

/** One batch on the host, row-major like the dataset; weights divided by the dataset's mean weight. */
export interface Batch {
  size: number;
  x: Float32Array;
  c: Float32Array;
  w: Float32Array;
}

/** Copies rows `idx[start, end)` of the dataset into a batch. */
export function batchOf(d: FlowDataset, idx: Int32Array, start: number, end: number): Batch {
  const size = end - start;
  const F = d.features;
  const C = d.context;
  const x = new Float32Array(size * F);
  const c = new Float32Array(size * C);
  const w = new Float32Array(size);
  for (let b = 0; b < size; b++) {
    const i = idx[start + b];
    x.set(d.x.subarray(i * F, i * F + F), b * F);
    c.set(d.c.subarray(i * C, i * C + C), b * C);
    w[b] = d.w[i] / d.meanWeight;
  }
  return { size, x, c, w };
}

/**
 * Shuffled batches of one epoch. The permutation is drawn from `rng` when the epoch starts, so the RNG
 * state saved in a checkpoint after epoch k reproduces epoch k+1's order on --resume. The last partial
 * batch is kept (every event is seen once per epoch).
 */
export function* epochBatches(d: FlowDataset, batchSize: number, rng: Xoshiro128ss): Generator<Batch> {
  const perm = rng.permutation(d.n);
  for (let s = 0; s < d.n; s += batchSize) yield batchOf(d, perm, s, Math.min(d.n, s + batchSize));
}

/** log p(x | c) of `n` rows on the host (the model's own threads decide how). */
export type HostLogProb = (x: Float32Array, c: Float32Array, n: number) => Promise<Float32Array>;

/**
 * Weighted mean NLL over a whole set, evaluated in batches without gradients; summed in float64 on the
 * host (a float32 device sum of 1e5 terms drifts by whole nats, measurements.md).
 */
export async function evaluateNll(d: FlowDataset, batchSize: number, logProb: HostLogProb): Promise<number> {
  const idx = Int32Array.from({ length: d.n }, (_, i) => i);
  let s = 0;
  let sw = 0;
  for (let start = 0; start < d.n; start += batchSize) {
    const b = batchOf(d, idx, start, Math.min(d.n, start + batchSize));
    const v = await logProb(b.x, b.c, b.size);
    for (let i = 0; i < b.size; i++) {
      s -= b.w[i] * v[i];
      sw += b.w[i];
    }
  }
  return sw > 0 ? s / sw : NaN;
}
