import type { ParamDef } from '../model.js';
import { EPS2 } from './strategy.js';

/**
 * Minuit's parameter transformations, so the minimiser works on an unbounded internal variable:
 * two limits: ext = lo + (hi - lo)/2 (sin u + 1); one limit: ext = lo - 1 + sqrt(u^2 + 1) (or hi + 1 - ...).
 */
export class Transform {
  private readonly kind: Int8Array; // 0 none, 1 both, 2 lower only, 3 upper only
  private readonly lo: Float64Array;
  private readonly hi: Float64Array;
  constructor(params: ParamDef[], readonly free: number[]) {
    const n = free.length;
    this.kind = new Int8Array(n);
    this.lo = new Float64Array(n);
    this.hi = new Float64Array(n);
    free.forEach((e, i) => {
      const l = params[e].limits;
      if (!l) return;
      const [a, b] = l;
      this.lo[i] = a;
      this.hi[i] = b;
      this.kind[i] = Number.isFinite(a) && Number.isFinite(b) ? 1 : Number.isFinite(a) ? 2 : Number.isFinite(b) ? 3 : 0;
    });
  }

  hasLimits(i: number): boolean {
    return this.kind[i] !== 0;
  }

  int2ext(i: number, u: number): number {
    switch (this.kind[i]) {
      case 1: return this.lo[i] + 0.5 * (this.hi[i] - this.lo[i]) * (Math.sin(u) + 1);
      case 2: return this.lo[i] - 1 + Math.sqrt(u * u + 1);
      case 3: return this.hi[i] + 1 - Math.sqrt(u * u + 1);
      default: return u;
    }
  }

  ext2int(i: number, x: number): number {
    switch (this.kind[i]) {
      case 1: {
        const y = (2 * (x - this.lo[i])) / (this.hi[i] - this.lo[i]) - 1;
        // At (or within rounding of) a limit, as Minuit: just inside it, where d ext / d int is not 0 (at
        // exactly +-pi/2 the gradient would vanish and the parameter could never leave the limit).
        if (y * y > 1 - EPS2) return Math.sign(y) * (0.5 * Math.PI - 8 * Math.sqrt(EPS2));
        return Math.asin(y);
      }
      case 2: {
        const y = x - this.lo[i] + 1;
        return y <= 1 ? 0 : Math.sqrt(y * y - 1);
      }
      case 3: {
        const y = this.hi[i] - x + 1;
        return y <= 1 ? 0 : Math.sqrt(y * y - 1);
      }
      default: return x;
    }
  }

  /** d ext / d int at internal value u. */
  dInt2Ext(i: number, u: number): number {
    switch (this.kind[i]) {
      case 1: return 0.5 * (this.hi[i] - this.lo[i]) * Math.cos(u);
      case 2: return u / Math.sqrt(u * u + 1);
      case 3: return -u / Math.sqrt(u * u + 1);
      default: return 1;
    }
  }

  /** d^2 ext / d int^2 at internal value u (for the exact internal Hessian near limits). */
  d2Int2Ext(i: number, u: number): number {
    switch (this.kind[i]) {
      case 1: return -0.5 * (this.hi[i] - this.lo[i]) * Math.sin(u);
      case 2: return 1 / Math.pow(u * u + 1, 1.5);
      case 3: return -1 / Math.pow(u * u + 1, 1.5);
      default: return 0;
    }
  }

  /**
   * The sin transform is periodic: a long step can leave u many periods away, where the same external value
   * has far coarser floating-point resolution (steps of 8 eps2 |u|) and sin(u) loses digits. Returns the
   * equivalent u on the principal branch [-pi/2, pi/2] and the sign of d u_new / d u (-1 on a falling branch).
   */
  fold(i: number, u: number): { u: number; sign: 1 | -1 } {
    if (this.kind[i] !== 1 || Math.abs(u) <= 0.5 * Math.PI) return { u, sign: 1 };
    let r = u - 2 * Math.PI * Math.round(u / (2 * Math.PI)); // in [-pi, pi]
    if (r > 0.5 * Math.PI) return { u: Math.PI - r, sign: -1 };
    if (r < -0.5 * Math.PI) return { u: -Math.PI - r, sign: -1 };
    return { u: r, sign: 1 };
  }

  /** Internal step corresponding to an external step, as Minuit seeds its initial error matrix. */
  intStep(i: number, x: number, step: number): number {
    if (this.kind[i] === 0) return step;
    const u = this.ext2int(i, x);
    const up = this.ext2int(i, this.clamp(i, x + step));
    const dn = this.ext2int(i, this.clamp(i, x - step));
    const d = 0.5 * (Math.abs(up - u) + Math.abs(dn - u));
    return Math.min(Math.max(d, 1e-8), this.kind[i] === 1 ? 1 : Infinity);
  }

  private clamp(i: number, x: number): number {
    const k = this.kind[i];
    if (k === 1 || k === 2) x = Math.max(x, this.lo[i]);
    if (k === 1 || k === 3) x = Math.min(x, this.hi[i]);
    return x;
  }
}
