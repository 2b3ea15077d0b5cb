import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { NtcorrError } from '../../core/errors.js';
import type { TransformStepSpec } from './config.js';

/**
 * Preprocessing in ml-jec's transform.yaml layout: per numerical feature a list of steps applied in order
 * (log, abs, arcsinh(x/scale), linear (x-loc)/scale), per categorical feature the list of known values
 * (value -> its index; anything else -> one extra "unknown" index). Each step carries and uses its own
 * parameters (ml-jec's closures bound the last step's parameters to every step; that bug is not copied).
 */
export type TransformStep =
  | { type: 'log' }
  | { type: 'abs' }
  | { type: 'arcsinh'; params: { scale: number } }
  | { type: 'linear'; params: { loc: number; scale: number } };

export interface Transform {
  categorical: Record<string, number[]>;
  numerical: Record<string, TransformStep[]>;
}

/** One numeric value through a feature's steps (float64). */
export function applySteps(steps: TransformStep[] | undefined, x: number): number {
  if (!steps) return x;
  for (const s of steps) {
    switch (s.type) {
      case 'log': x = Math.log(x); break;
      case 'abs': x = Math.abs(x); break;
      case 'arcsinh': x = Math.asinh(x / s.params.scale); break;
      case 'linear': x = (x - s.params.loc) / s.params.scale; break;
    }
  }
  return x;
}

/** A categorical lookup: value -> index in the list, unknown -> list length. */
export function categoryIndexer(values: number[]): (v: number) => number {
  const m = new Map(values.map((v, i) => [v, i] as const));
  const unknown = values.length;
  return (v) => m.get(v) ?? unknown;
}

export function readTransform(path: string): Transform {
  let doc: unknown;
  try {
    doc = YAML.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new NtcorrError(`transform ${path} cannot be read (${(e as Error).message}); run ntcorr build-transform first`, { file: path });
  }
  const o = (doc ?? {}) as Partial<Transform>;
  const t: Transform = { categorical: o.categorical ?? {}, numerical: o.numerical ?? {} };
  for (const [name, steps] of Object.entries(t.numerical)) {
    if (!Array.isArray(steps)) throw new NtcorrError(`transform ${path}: numerical.${name} must be a list of steps`, { file: path, column: name });
    for (const s of steps) {
      const ok = s.type === 'log' || s.type === 'abs'
        || (s.type === 'arcsinh' && s.params?.scale > 0)
        || (s.type === 'linear' && Number.isFinite(s.params?.loc) && Number.isFinite(s.params?.scale) && s.params.scale !== 0);
      if (!ok) throw new NtcorrError(`transform ${path}: numerical.${name} has an invalid step ${JSON.stringify(s)}`, { file: path, column: name });
    }
  }
  for (const [name, vals] of Object.entries(t.categorical)) {
    if (!Array.isArray(vals)) throw new NtcorrError(`transform ${path}: categorical.${name} must be a list of values`, { file: path, column: name });
  }
  return t;
}

export function transformToYaml(t: Transform): string {
  return YAML.stringify(t);
}

/**
 * Fits a feature's steps: the configured non-linear steps, then a linear map of their result's range
 * onto [0, 1] (ml-jec's choice: loc = min, scale = max - min). Non-finite results are ignored.
 */
export class StepFitter {
  private min = Infinity;
  private max = -Infinity;
  private readonly pre: TransformStep[];

  constructor(steps: TransformStepSpec[]) {
    this.pre = steps.map((s) => (s.type === 'arcsinh' ? { type: 'arcsinh', params: { scale: s.scale } } : { type: s.type }));
  }

  add(values: ArrayLike<number>): void {
    for (let i = 0; i < values.length; i++) {
      const y = applySteps(this.pre, values[i]);
      if (!Number.isFinite(y)) continue;
      if (y < this.min) this.min = y;
      if (y > this.max) this.max = y;
    }
  }

  result(): TransformStep[] {
    const loc = Number.isFinite(this.min) ? this.min : 0;
    const range = Number.isFinite(this.max) ? this.max - loc : 0;
    return [...this.pre, { type: 'linear', params: { loc, scale: range > 0 ? range : 1 } }];
  }
}
