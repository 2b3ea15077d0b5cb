import { uniformAt } from './random.js';

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
  continuous?: { shift: number };
  /** Present for variables with a spike at an upper bound (R9, S4 at 1). */
  capped?: { max: number; width: number };
  /** Mantissa bits the corrected values are rounded to (inputs stored with reduced precision); absent: float32. */
  bits?: number;
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

/** x >= 0 -> log-space value; `u` in [0, 1) is used only when x is exactly 0. NaN for x < 0. */
export function makeContinuous(x: number, shift: number, u: number): number {
  if (x > 0) return Math.log(LOG_OFFSET + x + shift);
  if (x === 0) return Math.log(LOG_OFFSET + ZERO_FRACTION * shift * (1 - Math.sqrt(1 - u)));
  return NaN;
}

/** Inverse of makeContinuous: below the shift -> exactly 0. */
export function undoContinuous(v: number, shift: number): number {
  const s = Math.exp(v) - LOG_OFFSET;
  return s < shift ? 0 : s - shift;
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
  if (v.continuous) return makeContinuous(x, v.continuous.shift, u);
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
  if (v.continuous) x = undoContinuous(s, v.continuous.shift);
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
      out[r * F + j] = Number.isFinite(x) ? (x - v.mean) / v.std : NaN;
    }
  });
  return out;
}

/** Flow features [rows, F] -> physical values, one Float64Array per variable. */
export function inverseInputs(p: PreprocessParams, z: Float32Array, rows: number): Float64Array[] {
  const F = p.inputs.length;
  return p.inputs.map((v, j) => {
    const col = new Float64Array(rows);
    for (let r = 0; r < rows; r++) col[r] = fromFlowScale(v, z[r * F + j] * v.std + v.mean);
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
    if (v.capped && !(Number.isFinite(v.capped.max) && v.capped.width > 0)) return `preprocessing of ${v.name}: capped needs a finite max and width > 0`;
    if (v.continuous && v.capped) return `preprocessing of ${v.name}: a variable cannot be both continuous (spike at 0) and capped`;
    if (v.bits !== undefined && !(Number.isInteger(v.bits) && v.bits >= 1 && v.bits <= 23)) return `preprocessing of ${v.name}: bits must be a whole number in 1..23`;
  }
  return undefined;
}
