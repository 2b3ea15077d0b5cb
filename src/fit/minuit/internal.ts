import type { Fcn } from '../fcn.js';
import type { ParamDef } from '../model.js';
import { Transform } from './transform.js';

/**
 * The function as the minimiser sees it: only free parameters, in Minuit's internal (unbounded)
 * coordinates, counting calls. Non-finite values (parameter outside a PDF's domain) read as +inf so that
 * line searches back off.
 */
export class InternalFcn {
  nfcn = 0;
  readonly n: number;
  readonly free: number[];
  readonly trafo: Transform;
  readonly ext: Float64Array;
  private readonly gext: Float64Array;
  readonly hasGrad: boolean;
  readonly hasHess: boolean;
  private hext: Float64Array[] | null = null;

  constructor(
    readonly fcn: Fcn,
    readonly params: ParamDef[],
    start: Float64Array,
  ) {
    this.free = params.flatMap((p, i) => (p.fixed ? [] : [i]));
    this.n = this.free.length;
    this.trafo = new Transform(params, this.free);
    this.ext = Float64Array.from(start);
    this.gext = new Float64Array(params.length);
    this.hasGrad = typeof fcn.valueGrad === 'function';
    this.hasHess = typeof fcn.hessian === 'function';
  }

  get up(): number {
    return this.fcn.errordef;
  }

  /** Internal start vector from external values. */
  toInternal(ext: ArrayLike<number>): Float64Array {
    return Float64Array.from(this.free, (e, i) => this.trafo.ext2int(i, ext[e]));
  }

  /** Writes the external vector for internal u into this.ext (and returns it). */
  toExternal(u: ArrayLike<number>): Float64Array {
    for (let i = 0; i < this.n; i++) this.ext[this.free[i]] = this.trafo.int2ext(i, u[i]);
    return this.ext;
  }

  value(u: ArrayLike<number>): number {
    this.nfcn++;
    const v = this.fcn.value(this.toExternal(u));
    return Number.isFinite(v) ? v : Infinity;
  }

  /**
   * Exact internal Hessian: J H J plus, on the diagonal, the external gradient times the transform's second
   * derivative (zero without limits). `gInt` is the internal gradient at u.
   */
  hessian(u: ArrayLike<number>, gInt: ArrayLike<number>, out: Float64Array[]): boolean {
    this.nfcn++;
    const np = this.params.length;
    if (!this.hext) this.hext = Array.from({ length: np }, () => new Float64Array(np));
    if (!this.fcn.hessian!(this.toExternal(u), this.hext)) return false;
    const J = Float64Array.from(this.free, (_, i) => this.trafo.dInt2Ext(i, u[i]));
    for (let a = 0; a < this.n; a++) {
      for (let b = 0; b < this.n; b++) out[a][b] = J[a] * J[b] * this.hext[this.free[a]][this.free[b]];
      if (J[a] !== 0) out[a][a] += (gInt[a] / J[a]) * this.trafo.d2Int2Ext(a, u[a]);
    }
    return true;
  }

  /** Value and internal gradient (analytic, chain rule through the transforms). */
  valueGrad(u: ArrayLike<number>, g: Float64Array): number {
    this.nfcn++;
    const v = this.fcn.valueGrad!(this.toExternal(u), this.gext);
    for (let i = 0; i < this.n; i++) g[i] = this.gext[this.free[i]] * this.trafo.dInt2Ext(i, u[i]);
    return Number.isFinite(v) ? v : Infinity;
  }
}
