import { NtcorrError } from '../../core/errors.js';

/**
 * Fitting the preprocessing constants on the TRAINING split only (validation and test never leak into
 * them). The transforms themselves (isolation "make continuous", standardisation) live with the model in
 * src/models/flow/preprocess.ts, so `apply` runs exactly the code training ran; here we only choose their
 * parameters. All statistics are float64 and weighted with the training weights (reweighted simulation +
 * data), i.e. over the very distribution the flow is fitted to.
 */

/** Quantile of the positive values that `shift: auto` uses. */
export const AUTO_SHIFT_QUANTILE = 0.1;

/**
 * `shift: auto` for an isolation-like variable: the 10% quantile of its positive values. Any shift > 0 makes
 * the transform invertible (zeros are smeared into [0, 0.99 shift), positives move to x + shift); tying it to
 * the low end of the positive spectrum keeps the smeared zeros next to the smallest real values on the
 * variable's own scale (GeV for isolations), and a quantile rather than the minimum is immune to a few
 * tiny values.
 */
export function fitIsolationShift(values: Float64Array, idx: Int32Array, variable: string): number {
  const pos: number[] = [];
  for (const i of idx) if (values[i] > 0 && Number.isFinite(values[i])) pos.push(values[i]);
  if (pos.length < 10) {
    throw new NtcorrError(`preprocessing.isolation.${variable}: shift: auto needs positive values in the training set, found ${pos.length}; give the shift as a number`, { column: variable });
  }
  pos.sort((a, b) => a - b);
  return pos[Math.floor(AUTO_SHIFT_QUANTILE * (pos.length - 1))];
}

/** Count of exact zeros (for the training report: the fraction the flow must learn to move). */
export function zeroFraction(values: Float64Array, idx: Int32Array): number {
  let z = 0;
  for (const i of idx) if (values[i] === 0) z++;
  return idx.length ? z / idx.length : 0;
}

/**
 * Weighted mean and standard deviation (population form, sum w (x - mean)^2 / sum w), two-pass for
 * accuracy. A constant column gets std 1 (standardisation then only centres it) rather than a division by 0.
 */
export function weightedMeanStd(values: ArrayLike<number>, weights: ArrayLike<number>): { mean: number; std: number } {
  let sw = 0;
  let sx = 0;
  for (let i = 0; i < values.length; i++) {
    sw += weights[i];
    sx += weights[i] * values[i];
  }
  if (!(sw > 0)) throw new Error('weightedMeanStd: weights sum to zero');
  const mean = sx / sw;
  let s2 = 0;
  for (let i = 0; i < values.length; i++) {
    const d = values[i] - mean;
    s2 += weights[i] * d * d;
  }
  const std = Math.sqrt(s2 / sw);
  return { mean, std: std > 1e-12 * Math.max(1, Math.abs(mean)) ? std : 1 };
}
