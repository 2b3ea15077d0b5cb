import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { NtcorrError } from '../../core/errors.js';
import { readNpy } from '../../io/torch/npy.js';
import type { PreprocessParams, VariableTransform } from './preprocess.js';

/**
 * HiggsDNA's flow preprocessing, as `higgs_dna/tools/flow_corrections.py` (perform_pre_processing /
 * Make_iso_continuous) and Flows_for_sim_correction (normalizing_flows/training_utils.py) define it:
 *
 *   isolations (the indexes of `Isolation_transform_order`):  x > 0 -> x + shift,  x == 0 -> a triangular
 *       draw on [0, 0.99 shift), x < 0 unchanged;  then log(1e-3 + .)
 *   every input:  (v - input_means) / input_std;  conditions: (c - conditions_means) / conditions_std
 *   Flows_for_sim_correction main branch only: the standardised isolations min-max scaled to [-5, 5]
 *       with min_values.npy / max_values.npy.
 *
 * The shift per isolation depends on the era (HiggsDNA's table, reimplemented here):
 *   Run 2 eras (the name contains 2016, 2017 or 2018): index 6 -> 0.6, 7 -> 3.0, 8 -> 1.0, 9 -> 10.0, 10 -> 0.2;
 *   otherwise index 6 (H/E in the Run 3 input list) -> 0.002 for era "2024", 0.02 for "2025", else 0.001;
 *   any other index -> 0.2 for era "2025", else 0.05.
 */
export interface HiggsdnaIsolation {
  /** Indexes into the flow inputs of the variables made continuous (HiggsDNA's Isolation_transform_order). */
  indexes: number[];
  /** Era name as HiggsDNA's `year` (2022preEE, 2022postEE, 2023, 2016preVFP, ...): picks the shift table. */
  era?: string;
  /** Shift per index, overriding the era table (e.g. for a flow trained with other shifts). */
  shifts?: Record<string, number>;
  /** Fraction of the shift the zeros are spread over (default 0.99; Flows_for_sim_correction main uses 0.98). */
  spread?: number;
}

const RUN2_SHIFTS: Record<number, number> = { 6: 0.6, 7: 3.0, 8: 1.0, 9: 10.0, 10: 0.2 };

/** HiggsDNA's shift for isolation input `index` in `era`. */
export function higgsdnaShift(era: string, index: number): number {
  if (['2016', '2017', '2018'].some((y) => era.includes(y)) && index in RUN2_SHIFTS) return RUN2_SHIFTS[index];
  if (index === 6) return era === '2024' ? 0.002 : era === '2025' ? 0.02 : 0.001;
  return era === '2025' ? 0.2 : 0.05;
}

function vector(dir: string, file: string, n: number, what: string): Float64Array {
  const path = join(dir, file);
  if (!existsSync(path)) throw new NtcorrError(`${path}: not found (HiggsDNA flow folders hold input_means.npy, input_std.npy, conditions_means.npy, conditions_std.npy next to best_model_.pth)`, { file: path });
  const a = readNpy(path);
  if (!(a.data instanceof Float32Array || a.data instanceof Float64Array)) throw new NtcorrError(`${path}: expected float32 or float64 values`, { file: path });
  if (a.data.length !== n || a.shape.length > 1) throw new NtcorrError(`${path}: has shape (${a.shape.join(', ')}), expected (${n},): one value per ${what}`, { file: path });
  return Float64Array.from(a.data);
}

/** Reads a HiggsDNA flow folder's .npy files into ntcorr preprocessing parameters. */
export function readHiggsdnaPreprocessing(dir: string, variables: string[], conditions: string[], iso: HiggsdnaIsolation | undefined): PreprocessParams {
  const F = variables.length;
  const C = conditions.length;
  const im = vector(dir, 'input_means.npy', F, `flow input (${F} features in the checkpoint)`);
  const is = vector(dir, 'input_std.npy', F, 'flow input');
  const cm = vector(dir, 'conditions_means.npy', C, `condition without the is-data flag (${C} = context - 1)`);
  const cs = vector(dir, 'conditions_std.npy', C, 'condition');
  const indexes = iso?.indexes ?? [];
  for (const i of indexes) if (!Number.isInteger(i) || i < 0 || i >= F) throw new NtcorrError(`isolation index ${i} is not a flow input index (0..${F - 1})`);
  const hasMin = existsSync(join(dir, 'min_values.npy'));
  const hasMax = existsSync(join(dir, 'max_values.npy'));
  if (hasMin !== hasMax) throw new NtcorrError(`${join(dir, hasMin ? 'max_values.npy' : 'min_values.npy')}: not found (min-max scaling needs both min_values.npy and max_values.npy)`, { file: dir });
  const mn = hasMin ? vector(dir, 'min_values.npy', indexes.length, 'isolation variable (Isolation_transform_order)') : undefined;
  const mx = hasMax ? vector(dir, 'max_values.npy', indexes.length, 'isolation variable (Isolation_transform_order)') : undefined;
  if (indexes.length && !iso?.era && !indexes.every((i) => iso?.shifts?.[String(i)] !== undefined)) {
    throw new NtcorrError('the isolation shifts depend on the era: give --era (e.g. 2022postEE) or a shift for every isolation index');
  }
  const inputs: VariableTransform[] = variables.map((name, j) => {
    const v: VariableTransform = { name, mean: im[j], std: is[j] };
    const k = indexes.indexOf(j);
    if (k >= 0) {
      const shift = iso?.shifts?.[String(j)] ?? higgsdnaShift(iso!.era!, j);
      v.continuous = { shift, convention: 'higgsdna', ...(iso?.spread !== undefined ? { spread: iso.spread } : {}) };
      if (mn && mx) v.minmax = { min: mn[k], max: mx[k] };
    }
    return v;
  });
  return { inputs, conditions: conditions.map((name, j) => ({ name, mean: cm[j], std: cs[j] })) };
}
