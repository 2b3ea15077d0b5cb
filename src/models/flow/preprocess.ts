import { uniformAt } from '../../core/random.js';

/**
 * The preprocessing chain between ntuple values and the flow's feature space, stored in the bundle
 * (config.preprocessing) so `apply` reproduces training exactly:
 *
 *   inputs:     x -> [make continuous] -> standardise: (v - mean) / std
 *   conditions: x -> standardise
 *
 * "Make continuous" (CMS photon isolation variables, which have a spike at exactly 0): x > 0 is shifted
 * up by `shift`; exact zeros are replaced by draws from a triangular distribution on [0, 0.99 shift)
 * (mode 0, density falling towards the shift); then v = log(1e-3 + that). The inverse maps values below
 * `shift` back to exactly 0.
 * "Capped" (variables with a spike at a physical upper bound, e.g. R9 and S4 at exactly 1): values at the
 * bound are spread above it by the same triangular draw over [max, max + width); the inverse maps values
 * at or above `max` back to exactly `max`, so the correction moves the spike's size, never past the bound.
 * Draws are counter-based (seed, file, row, variable): reruns, other chunk sizes and other worker counts
 * give identical outputs.
 * Output precision: where the inputs are stored with fewer mantissa bits (NanoAOD's reduced-precision
 * photon variables keep 10), corrected values are rounded to the same bits, so the corrected column has
 * the format of its input (and a classifier cannot tell them apart by their float lattice alone).
 */
export interface VariableTransform {
  /** Logical variable name (as in config.variables / config.conditions). */
  name: string;
  mean: number;
  std: number;
  /** Present for variables with a spike at 0 (isolations). */
  continuous?: ContinuousSpec;
  /**
   * Min-max scaling after standardisation (Flows_for_sim_correction main branch, `min_values.npy` /
   * `max_values.npy`): s -> -5 + 10 (s - min) / (max - min), so the isolations fill the spline's [-5, 5].
   */
  minmax?: { min: number; max: number };
  /** Present for variables with a spike at an upper bound (R9, S4 at 1). */
  capped?: { max: number; width: number };
  /** Mantissa bits the corrected values are rounded to (inputs stored with reduced precision); absent: float32. */
  bits?: number;
}

/**
 * "Make continuous" settings. `convention` picks the edge-case behaviour:
 * * "ntcorr" (default; bundles from `train flow`): negative inputs are not corrected (NaN), and the
 *   inverse maps everything below the shift, the shift itself included, to exactly 0.
 * * "higgsdna" (HiggsDNA's flow_corrections.py Make_iso_continuous): a negative input is not shifted and
 *   goes through log(1e-3 + x) as is (finite for -1e-3 < x < 0; NaN/-inf below, so not corrected); the
 *   inverse maps values below the shift to 0, above it to value - shift, and leaves a value exactly at
 *   the shift unchanged (HiggsDNA's two strict comparisons).
 */
export interface ContinuousSpec {
  shift: number;
  /** Zeros are spread over [0, spread * shift): 0.99 in HiggsDNA and ntcorr, 0.98 in Flows_for_sim_correction main. */
  spread?: number;
  convention?: 'ntcorr' | 'higgsdna';
}

export interface PreprocessParams {
  /** One per flow input variable, in feature order. */
  inputs: VariableTransform[];
  /** One per condition variable, in context order (the is-data flag is not preprocessed). */
  conditions: VariableTransform[];
}

/** Offset inside the log of the continuous transform (CMS analysis value). */
export const LOG_OFFSET = 1e-3;
/** Zeros are spread over [0, ZERO_FRACTION * shift). */
export const ZERO_FRACTION = 0.99;

/** x >= 0 -> log-space value; `u` in [0, 1) is used only when x is exactly 0. Negative x: see ContinuousSpec. */
export function makeContinuous(x: number, c: ContinuousSpec | number, u: number): number {
  const spec = typeof c === 'number' ? { shift: c } : c;
  if (x > 0) return Math.log(LOG_OFFSET + x + spec.shift);
  if (x === 0) return Math.log(LOG_OFFSET + (spec.spread ?? ZERO_FRACTION) * spec.shift * (1 - Math.sqrt(1 - u)));
  if (spec.convention === 'higgsdna') return Math.log(LOG_OFFSET + x);
  return NaN;
}

/** Inverse of makeContinuous: below the shift -> exactly 0. */
export function undoContinuous(v: number, c: ContinuousSpec | number): number {
  const spec = typeof c === 'number' ? { shift: c } : c;
  return unshift(Math.exp(v) - LOG_OFFSET, spec);
}

/** The shift undone on s = exp(v) - 1e-3 (split out so the edge at exactly the shift can be tested). */
export function unshift(s: number, spec: ContinuousSpec): number {
  if (spec.convention === 'higgsdna') return s < spec.shift ? 0 : s > spec.shift ? s - spec.shift : s;
  return s < spec.shift ? 0 : s - spec.shift;
}

/** Flow-scale value -> flow feature: standardisation, then the optional min-max scaling. */
export function standardise(v: VariableTransform, s: number): number {
  const z = (s - v.mean) / v.std;
  return v.minmax ? -5 + ((z - v.minmax.min) * 10) / (v.minmax.max - v.minmax.min) : z;
}

/** Inverse of standardise. */
export function unstandardise(v: VariableTransform, z: number): number {
  const s = v.minmax ? v.minmax.min + ((z + 5) * (v.minmax.max - v.minmax.min)) / 10 : z;
  return s * v.std + v.mean;
}

/** x <= max -> x; the spike at max (and anything above) -> a draw in [max, max + 0.99 width). */
export function spreadCap(x: number, max: number, width: number, u: number): number {
  return x >= max ? max + ZERO_FRACTION * width * (1 - Math.sqrt(1 - u)) : x;
}

/** Whether forwardValue uses its random draw for this value (only spike values do). */
export function needsDraw(v: VariableTransform, x: number): boolean {
  return (v.continuous !== undefined && x === 0) || (v.capped !== undefined && x >= v.capped.max);
}

/** Physical value -> the flow's scale before standardisation; `u` in [0, 1) is read only where needsDraw. */
export function toFlowScale(v: VariableTransform, x: number, u: number): number {
  if (v.continuous) return makeContinuous(x, v.continuous, u);
  if (v.capped) return spreadCap(x, v.capped.max, v.capped.width, u);
  return x;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Rounds to `bits` mantissa bits (nearest, ties away), on the float32 pattern as NanoAOD's precision reduction. */
export function roundMantissa(x: number, bits: number): number {
  if (!Number.isFinite(x) || bits >= 23) return x;
  f32[0] = x;
  const drop = 23 - bits;
  u32[0] = ((u32[0] + (1 << (drop - 1))) >>> drop) << drop;
  return f32[0];
}

/** Significant mantissa bits of x as a float32 (0 for 0 and powers of two); 24 when x is not a float32. */
export function mantissaBits(x: number): number {
  f32[0] = x;
  if (f32[0] !== x) return 24;
  const m = u32[0] & 0x7fffff;
  if (m === 0) return 0;
  let tz = 0;
  while (((m >>> tz) & 1) === 0) tz++;
  return 23 - tz;
}

/** Unstandardised flow-scale value -> physical value (spikes restored, precision of the input). */
export function fromFlowScale(v: VariableTransform, s: number): number {
  let x = s;
  if (v.continuous) x = undoContinuous(s, v.continuous);
  else if (v.capped && s >= v.capped.max) x = v.capped.max;
  return v.bits !== undefined ? roundMantissa(x, v.bits) : x;
}

/** Where the random draws of one chunk come from. */
export interface DrawStream {
  seed: number;
  /** Stream id of the file (hashString of its base name). */
  file: number;
  /** Row index in the file of the first row of the chunk. */
  rowStart: number;
  /** Added to the variable index to pick the draw lane (distinct per collection: collection * F). */
  lane?: number;
}

/**
 * Input columns (one Float64Array per variable, `rows` each) -> standardised features [rows, F] (float32,
 * row-major, for the flow). NaN where an input is NaN/inf or a continuous variable is negative.
 */
export function forwardInputs(p: PreprocessParams, cols: Float64Array[], rows: number, draws: DrawStream): Float32Array {
  const F = p.inputs.length;
  const out = new Float32Array(rows * F);
  p.inputs.forEach((v, j) => {
    const col = cols[j];
    for (let r = 0; r < rows; r++) {
      const raw = col[r];
      const x = toFlowScale(v, raw, needsDraw(v, raw) ? uniformAt(draws.seed, draws.file, draws.rowStart + r, (draws.lane ?? 0) + j) : 0);
      out[r * F + j] = Number.isFinite(x) ? standardise(v, x) : NaN;
    }
  });
  return out;
}

/** Flow features [rows, F] -> physical values, one Float64Array per variable. */
export function inverseInputs(p: PreprocessParams, z: Float32Array, rows: number): Float64Array[] {
  const F = p.inputs.length;
  return p.inputs.map((v, j) => {
    const col = new Float64Array(rows);
    for (let r = 0; r < rows; r++) col[r] = fromFlowScale(v, unstandardise(v, z[r * F + j]));
    return col;
  });
}

/** Condition columns -> standardised context [rows, C] with room for the is-data flag (last, left 0). */
export function forwardConditions(p: PreprocessParams, cols: Float64Array[], rows: number): Float32Array {
  const C = p.conditions.length + 1;
  const out = new Float32Array(rows * C);
  p.conditions.forEach((v, j) => {
    const col = cols[j];
    for (let r = 0; r < rows; r++) {
      const x = col[r];
      out[r * C + j] = Number.isFinite(x) ? (x - v.mean) / v.std : NaN;
    }
  });
  return out;
}

/** Identity preprocessing (mean 0, std 1) for the given names: imported flows that take raw inputs. */
export function identityPreprocess(inputs: string[], conditions: string[]): PreprocessParams {
  return {
    inputs: inputs.map((name) => ({ name, mean: 0, std: 1 })),
    conditions: conditions.map((name) => ({ name, mean: 0, std: 1 })),
  };
}

/** A problem with the parameters, or undefined. */
export function preprocessProblem(p: PreprocessParams, inputs: string[], conditions: string[]): string | undefined {
  if (!p || !Array.isArray(p.inputs) || !Array.isArray(p.conditions)) return 'preprocessing must have "inputs" and "conditions" lists';
  if (p.inputs.length !== inputs.length || p.inputs.some((v, i) => v.name !== inputs[i])) return `preprocessing.inputs must list the variables in order (${inputs.join(', ')})`;
  if (p.conditions.length !== conditions.length || p.conditions.some((v, i) => v.name !== conditions[i])) return `preprocessing.conditions must list the conditions in order (${conditions.join(', ')})`;
  for (const v of [...p.inputs, ...p.conditions]) {
    if (!Number.isFinite(v.mean) || !(v.std > 0)) return `preprocessing of ${v.name}: mean must be finite and std > 0 (got ${v.mean}, ${v.std})`;
    if (v.continuous && !(v.continuous.shift > 0)) return `preprocessing of ${v.name}: continuous.shift must be > 0`;
    if (v.continuous?.spread !== undefined && !(v.continuous.spread > 0 && v.continuous.spread <= 1)) return `preprocessing of ${v.name}: continuous.spread must be in (0, 1]`;
    if (v.continuous?.convention !== undefined && !['ntcorr', 'higgsdna'].includes(v.continuous.convention)) return `preprocessing of ${v.name}: continuous.convention must be "ntcorr" or "higgsdna"`;
    if (v.minmax && !(Number.isFinite(v.minmax.min) && v.minmax.max > v.minmax.min)) return `preprocessing of ${v.name}: minmax needs finite min < max`;
    if (v.capped && !(Number.isFinite(v.capped.max) && v.capped.width > 0)) return `preprocessing of ${v.name}: capped needs a finite max and width > 0`;
    if (v.continuous && v.capped) return `preprocessing of ${v.name}: a variable cannot be both continuous (spike at 0) and capped`;
    if (v.bits !== undefined && !(Number.isInteger(v.bits) && v.bits >= 1 && v.bits <= 23)) return `preprocessing of ${v.name}: bits must be a whole number in 1..23`;
  }
  return undefined;
}
