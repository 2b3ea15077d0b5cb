import { NtcorrError } from '../../core/errors.js';
import { mantissaBits } from '../../models/flow/preprocess.js';
import { sortedQuantile } from '../../stats/quantiles.js';

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
  return sortedQuantile(pos, AUTO_SHIFT_QUANTILE, 'lower');
}

/**
 * `width: auto` for a capped variable: the distance from the bound to the 90% quantile of the values below
 * it, so the spike is spread over about the scale of the distribution's last 10% below the bound.
 */
export function fitCapWidth(values: Float64Array, max: number, variable: string): number {
  const below: number[] = [];
  for (const v of values) if (v < max && Number.isFinite(v)) below.push(v);
  if (below.length < 10) throw new NtcorrError(`preprocessing.capped.${variable}: width: auto needs values below ${max} in the training set, found ${below.length}; give the width as a number`, { column: variable });
  below.sort((a, b) => a - b);
  const w = max - sortedQuantile(below, 0.9, 'lower');
  if (!(w > 0)) throw new NtcorrError(`preprocessing.capped.${variable}: fitted width ${w} is not positive; give the width as a number`, { column: variable });
  return w;
}

/** Fraction of values at or above the bound (the spike's size, for the training report). */
export function capFraction(values: Float64Array, max: number): number {
  let k = 0;
  for (const v of values) if (v >= max) k++;
  return values.length ? k / values.length : 0;
}

/**
 * `output_precision: auto`: the most mantissa bits any training value needs. Reduced-precision storage
 * (NanoAOD keeps 10 bits for many photon variables) gives 7-20; full float32 gives 21-23 (no rounding);
 * fewer than 7 means integer-like values, which are not rounded either (a correction is not an integer).
 */
export function fitOutputBits(values: ArrayLike<number>): number | undefined {
  let m = 0;
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) continue;
    m = Math.max(m, mantissaBits(values[i]));
    if (m > 20) return undefined;
  }
  return m >= 7 ? m : undefined;
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
