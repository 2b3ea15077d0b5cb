import type { Constraint, Model } from './model.js';
import type { Fcn } from './fcn.js';
import { constraintHessian, constraintTerm } from './constraints.js';

/** An NLL part that can swap in new data (toys). */
export interface DataFcn extends Fcn {
  setData?(xs: Float64Array, weights?: Float64Array): void;
}

/**
 * The NLL of a simultaneous fit: the sum of one NLL per category (each on its own data, range and components,
 * all functions of the same parameter vector, so parameters are shared by name) plus the constraint terms,
 * added once. Gradient and exact Hessian exist when every part has them.
 */
export class SimultaneousNll implements Fcn {
  readonly errordef = 0.5;
  readonly valueGrad?: (p: Float64Array, grad: Float64Array) => number;
  readonly hessian?: (p: Float64Array, H: Float64Array[]) => boolean;
  /** The constraint terms in use: the model's, or a toy's resampled ones. */
  constraints: Constraint[];
  private gbuf: Float64Array;

  constructor(
    readonly model: Model,
    readonly parts: DataFcn[],
  ) {
    this.constraints = model.constraints;
    this.gbuf = new Float64Array(model.params.length);
    if (parts.every((f) => f.valueGrad)) this.valueGrad = (p, g) => this.evalGrad(p, g);
    if (parts.every((f) => f.hessian)) this.hessian = (p, H) => this.evalHess(p, H);
  }

  value(p: Float64Array): number {
    let s = constraintTerm(this.constraints, p);
    for (const f of this.parts) s += f.value(p);
    return s;
  }

  private evalGrad(p: Float64Array, grad: Float64Array): number {
    grad.fill(0);
    let s = constraintTerm(this.constraints, p, grad);
    for (const f of this.parts) {
      s += f.valueGrad!(p, this.gbuf);
      for (let i = 0; i < grad.length; i++) grad[i] += this.gbuf[i];
    }
    return s;
  }

  private evalHess(p: Float64Array, H: Float64Array[]): boolean {
    const np = H.length;
    const tmp = Array.from({ length: np }, () => new Float64Array(np));
    for (const row of H) row.fill(0);
    for (const f of this.parts) {
      if (!f.hessian!(p, tmp)) return false;
      for (let a = 0; a < np; a++) for (let b = 0; b < np; b++) H[a][b] += tmp[a][b];
    }
    constraintHessian(this.constraints, p, H);
    return true;
  }
}
