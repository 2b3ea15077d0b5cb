/**
 * What the minimiser minimises: a function of the full external parameter vector (fixed ones included).
 * `valueGrad` is present when every part of the model has analytic derivatives.
 */
export interface Fcn {
  /** 0.5 for negative log-likelihoods, 1 for chi-square. */
  readonly errordef: number;
  value(p: Float64Array): number;
  valueGrad?(p: Float64Array, grad: Float64Array): number;
  /** Exact second derivatives into H (full np x np); false when the point is outside the domain. */
  hessian?(p: Float64Array, H: Float64Array[]): boolean;
}
