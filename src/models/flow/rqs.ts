import type { FlowArch } from './arch.js';

/**
 * The univariate transform a flow is built from: zuko's monotonic rational-quadratic spline
 * (zuko/transforms.py MonotonicRQSTransform, ../shared/docs/zuko-nsf.md §4). One definition, several
 * evaluation strategies that compute the same function:
 *   - float64 on the host, one feature at a time (spline64.ts): the reference and the incremental inverse;
 *   - tfjs, batched, autodiff (tf-spline.ts `tfSpline`): inference on every tfjs backend;
 *   - host float64 value with a hand-written gradient behind tfjs (train/flow/fast-spline.ts): training;
 *   - the ONNX graph (onnx-flow.ts): export and ONNX Runtime.
 *
 * Parameters per feature, the raw hyper-network output, in this order: K widths, K heights, K-1 interior
 * knot derivatives. Widths and heights pass zuko's soft clip v / (1 + |2v / ln slope|) and a softmax,
 * the knots are the cumulative sums mapped onto [-bound, bound]; derivatives are exp(d / (1 + |d / ln slope|)),
 * 1 at both ends (linear tails). Identity outside [-bound, bound].
 */
export interface RQSpline {
  /** K, the number of bins. */
  bins: number;
  /** The knots span [-bound, bound] (zuko: 5). */
  bound: number;
  /**
   * zuko's `slope`: the soft floor of the bin widths, heights and knot derivatives alike (each is
   * clipped through ln slope); 1e-3 in zuko 1.0.0 and >= 1.5, 1e-4 in 1.0.1-1.4.x.
   */
  slope: number;
}

/** The spline of a flow architecture. */
export function rqsOf(arch: FlowArch): RQSpline {
  return { bins: arch.bins, bound: arch.bound, slope: arch.slope };
}

/** Raw parameters per feature: K widths, K heights, K-1 interior derivatives. */
export function rqsParams(s: Pick<RQSpline, 'bins'>): number {
  return 3 * s.bins - 1;
}
