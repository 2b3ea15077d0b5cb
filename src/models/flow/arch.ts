import { rqsParams } from './rqs.js';

/**
 * The architecture of a zuko-compatible neural spline flow (zuko 1.6 `NSF`), and its weights in the
 * layout of zuko's state dict: per transform, the MADE layers `hyper.{0,2,4,6}` with weight (out, in),
 * bias (out) and mask (out, in). See ../shared/docs/zuko-nsf.md for the exact specification.
 */
export interface FlowArch {
  features: number;
  /** Context (condition) inputs, the is-data flag included (it is the last one). */
  context: number;
  bins: number;
  transforms: number;
  hidden: number[];
  /** Autoregressive passes; features (= fully autoregressive) when absent. */
  passes?: number;
  /**
   * Minimum spline slope (zuko's MonotonicRQSTransform `slope`): 1e-3 in zuko 1.0.0 and >= 1.5, 1e-4 in
   * 1.0.1-1.4.x. Per bundle, read by every evaluation path (float64 reference, tfjs, training, export).
   */
  slope: number;
  /** zuko release the flow was imported from / is meant for (e.g. "1.0.1"); absent for `train flow` bundles. */
  zukoVersion?: string;
  /** Spline domain [-bound, bound]; identity outside. zuko: 5. */
  bound: number;
}

export interface MadeLayer {
  out: number;
  in: number;
  /** Row-major (out, in), like torch's nn.Linear.weight. */
  weight: Float32Array;
  bias: Float32Array;
  /** Row-major (out, in); 1 = connection kept. */
  mask: Uint8Array;
}

export interface FlowWeights {
  arch: FlowArch;
  /** One entry per transform: effective order (zuko's `order` buffer) and the MADE layers, input first. */
  transforms: { order: Int32Array; layers: MadeLayer[] }[];
}

/** Spline parameters per feature: K widths, K heights, K-1 interior derivatives. */
export function paramsPerFeature(arch: FlowArch): number {
  return rqsParams(arch);
}

export function effectivePasses(arch: FlowArch): number {
  return Math.min(Math.max(arch.passes ?? arch.features, 1), arch.features);
}

/** zuko: `order_eff = floor(order / ceil(F / passes))`, ascending order for even transforms, descending for odd. */
export function transformOrder(arch: FlowArch, t: number): Int32Array {
  const F = arch.features;
  const div = Math.ceil(F / effectivePasses(arch));
  const o = new Int32Array(F);
  for (let i = 0; i < F; i++) o[i] = Math.floor((t % 2 === 0 ? i : F - 1 - i) / div);
  return o;
}

/** Layer sizes of one MADE: [F+C, ...hidden, F*P]. */
export function layerSizes(arch: FlowArch): number[] {
  return [arch.features + arch.context, ...arch.hidden, arch.features * paramsPerFeature(arch)];
}

/** Checks that an architecture is usable; returns a message or undefined. */
export function archProblem(a: FlowArch): string | undefined {
  const ints = ['features', 'context', 'bins', 'transforms'] as const;
  for (const k of ints) if (!Number.isInteger(a[k]) || a[k] < (k === 'context' ? 0 : 1)) return `${k} must be a positive integer (got ${a[k]})`;
  if (a.features < 2) return 'features must be at least 2 (zuko uses an element-wise transform for 1)';
  if (a.bins < 2) return 'bins must be at least 2';
  if (!Array.isArray(a.hidden) || a.hidden.length < 1 || a.hidden.some((h) => !Number.isInteger(h) || h < 1)) return `hidden must be a list of positive layer widths (got ${JSON.stringify(a.hidden)})`;
  if (!(a.slope > 0 && a.slope < 1)) return `slope must be in (0, 1) (got ${a.slope})`;
  if (!(a.bound > 0)) return `bound must be positive (got ${a.bound})`;
  if (a.zukoVersion !== undefined && !/^\d+\.\d+\.\d+$/.test(a.zukoVersion)) return `zukoVersion must look like 1.0.1 (got ${a.zukoVersion})`;
  if (a.passes !== undefined && (!Number.isInteger(a.passes) || a.passes < 1)) return `passes must be a positive integer (got ${a.passes})`;
  return undefined;
}
