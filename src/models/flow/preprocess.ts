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
 * `shift` back to exactly 0. Draws are counter-based (seed, file, row, variable): reruns, other chunk
 * sizes and other worker counts give identical outputs.
 */
export interface VariableTransform {
  /** Logical variable name (as in config.variables / config.conditions). */
  name: string;
  mean: number;
  std: number;
  /** Present for variables with a spike at 0 (isolations). */
  continuous?: { shift: number };
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
      let x = col[r];
      if (v.continuous) x = makeContinuous(x, v.continuous.shift, x === 0 ? uniformAt(draws.seed, draws.file, draws.rowStart + r, (draws.lane ?? 0) + j) : 0);
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
    for (let r = 0; r < rows; r++) {
      const s = z[r * F + j] * v.std + v.mean;
      col[r] = v.continuous ? undoContinuous(s, v.continuous.shift) : s;
    }
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
  }
  return undefined;
}
