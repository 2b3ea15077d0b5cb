import { hashString, uniformAt } from '../../models/flow/random.js';

/**
 * The fitted preprocessing of a training run and its application to in-memory training examples.
 * The transform is the model's (isolation "make continuous", then standardisation); the zero smearing
 * draws a counter-based random number per (seed, file, row, collection), so the training set is the same
 * on every rerun and on --resume.
 */
export interface FittedPreprocessing {
  variables: string[];
  conditions: string[];
  isolation: { variable: string; index: number; shift: number }[];
  inputMean: number[];
  inputStd: number[];
  conditionMean: number[];
  conditionStd: number[];
  /** Seed of the smearing draws used for the training set. */
  seed: number;
}

export interface ExampleIds {
  files: string[];
  file: Int32Array;
  row: Float64Array;
  collection: Uint8Array;
}

/** Symmetric triangular draw on [0, 1) from a uniform u (inverse CDF). */
function triangular(u: number): number {
  return u < 0.5 ? Math.sqrt(u / 2) : 1 - Math.sqrt((1 - u) / 2);
}

/** Isolation forward: x > 0 -> x + shift; x == 0 -> triangular draw on [0, 0.99 shift); then log(1e-3 + .). */
export function isolationForward(x: number, shift: number, u: number): number {
  const v = x > 0 ? x + shift : 0.99 * shift * triangular(u);
  return Math.log(1e-3 + v);
}

export function applyPreprocessing(p: FittedPreprocessing, x: Float64Array[], c: Float64Array[], ids: ExampleIds): { x: Float64Array[]; c: Float64Array[] } {
  const n = ids.file.length;
  const streams = ids.files.map((f) => hashString(f));
  const xo = x.map((a) => Float64Array.from(a));
  for (const iso of p.isolation) {
    const a = xo[iso.index];
    for (let i = 0; i < n; i++) {
      const u = uniformAt(p.seed, streams[ids.file[i]], ids.row[i], ids.collection[i] * 64 + iso.index);
      a[i] = isolationForward(a[i], iso.shift, u);
    }
  }
  for (let k = 0; k < xo.length; k++) {
    const a = xo[k];
    const m = p.inputMean[k];
    const s = p.inputStd[k];
    for (let i = 0; i < n; i++) a[i] = (a[i] - m) / s;
  }
  const co = c.map((a, k) => Float64Array.from(a, (v) => (v - p.conditionMean[k]) / p.conditionStd[k]));
  return { x: xo, c: co };
}

/** Isolation inverse: back through log(1e-3 + .), values below the shift become exactly 0. */
export function isolationInverse(y: number, shift: number): number {
  const v = Math.exp(y) - 1e-3;
  return v < shift ? 0 : v - shift;
}

/** Maps flow-space inputs back to physical values (de-standardise, then isolation inverse). */
export function invertPreprocessing(p: FittedPreprocessing, x: Float64Array[]): Float64Array[] {
  const out = x.map((a, k) => Float64Array.from(a, (v) => v * p.inputStd[k] + p.inputMean[k]));
  for (const iso of p.isolation) {
    const a = out[iso.index];
    for (let i = 0; i < a.length; i++) a[i] = isolationInverse(a[i], iso.shift);
  }
  return out;
}
