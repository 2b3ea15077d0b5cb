import type { Constraint, Model } from './model.js';
import type { Fcn } from './fcn.js';
import { constraintTerm } from './constraints.js';

/**
 * Unbinned negative log-likelihood of a Model on one dataset (optionally weighted):
 *   extended:      sum_k N_k - sum_i w_i log(sum_k N_k f_k(x_i))
 *   fractions:             - sum_i w_i log(sum_k c_k f_k(x_i)),  c_last = 1 - sum of the others
 * plus the constraint terms. No constant terms (matches iminuit/RooFit conventions for the fixture model).
 * Sums over events are Neumaier-compensated; the loops run over preallocated Float64Arrays.
 */
export class UnbinnedNll implements Fcn {
  readonly errordef = 0.5;
  readonly valueGrad?: (p: Float64Array, grad: Float64Array) => number;
  private n: number;
  private readonly dens: Float64Array[];
  private readonly dlog: Float64Array[][];
  private L: Float64Array;
  private readonly local: Float64Array[];
  private readonly coef: Float64Array;
  /** The constraint terms in use: the model's, or a toy's resampled ones. */
  constraints: Constraint[];

  constructor(
    readonly model: Model,
    private xs: Float64Array,
    private weights?: Float64Array,
  ) {
    this.constraints = model.constraints;
    this.n = xs.length;
    const cap = xs.length;
    this.dens = model.components.map(() => new Float64Array(cap));
    this.dlog = model.components.map((c) => c.pdf.params.map(() => new Float64Array(cap)));
    this.L = new Float64Array(cap);
    this.local = model.components.map((c) => new Float64Array(c.paramIndex.length));
    this.coef = new Float64Array(model.components.length);
    if (model.components.every((c) => c.pdf.densityGrad)) this.valueGrad = (p, g) => this.evalGrad(p, g);
  }

  /** Swaps in a new dataset (toys reuse the buffers when the new one fits). */
  setData(xs: Float64Array, weights?: Float64Array): void {
    if (xs.length > this.L.length) {
      const cap = Math.ceil(xs.length * 1.25);
      for (let k = 0; k < this.dens.length; k++) {
        this.dens[k] = new Float64Array(cap);
        this.dlog[k] = this.dlog[k].map(() => new Float64Array(cap));
      }
      this.L = new Float64Array(cap);
    }
    this.xs = xs;
    this.weights = weights;
    this.n = xs.length;
  }

  /** Loads the component parameters and mixture coefficients; false when a parameter is out of its domain. */
  private prepare(p: Float64Array): boolean {
    const comps = this.model.components;
    let fsum = 0;
    for (let k = 0; k < comps.length; k++) {
      const c = comps[k];
      const lp = this.local[k];
      for (let j = 0; j < lp.length; j++) lp[j] = p[c.paramIndex[j]];
      if (c.pdf.check(lp) !== null) return false;
      if (this.model.extended) this.coef[k] = p[c.coefIndex];
      else if (c.coefIndex >= 0) fsum += this.coef[k] = p[c.coefIndex];
    }
    if (!this.model.extended) this.coef[comps.length - 1] = 1 - fsum;
    return true;
  }

  /** sum_k coef_k dens_k into L, then -sum w log L (compensated). */
  private mixLogSum(): number {
    const K = this.dens.length;
    const n = this.n;
    const L = this.L;
    const d0 = this.dens[0];
    const c0 = this.coef[0];
    if (K === 2) {
      const d1 = this.dens[1];
      const c1 = this.coef[1];
      for (let i = 0; i < n; i++) L[i] = c0 * d0[i] + c1 * d1[i];
    } else {
      for (let i = 0; i < n; i++) L[i] = c0 * d0[i];
      for (let k = 1; k < K; k++) {
        const dk = this.dens[k];
        const ck = this.coef[k];
        for (let i = 0; i < n; i++) L[i] += ck * dk[i];
      }
    }
    // Plain sums over blocks of 64 terms (error ~64 eps of the block), Neumaier-compensated across blocks:
    // as accurate as compensating every term for ~1e6 events, at the cost of a plain loop.
    let s = 0;
    let comp = 0;
    const w = this.weights;
    for (let b = 0; b < n; b += 64) {
      const e = Math.min(n, b + 64);
      let t = 0;
      if (w) for (let i = b; i < e; i++) t += w[i] * Math.log(L[i]);
      else for (let i = b; i < e; i++) t += Math.log(L[i]);
      const u = s + t;
      comp += Math.abs(s) >= Math.abs(t) ? s - u + t : t - u + s;
      s = u;
    }
    const r = -(s + comp);
    // A non-positive mixture density anywhere (e.g. a negative polynomial) makes the point invalid.
    return Number.isNaN(r) ? Infinity : r;
  }

  private extendedTerm(): number {
    if (!this.model.extended) return 0;
    let s = 0;
    for (let k = 0; k < this.coef.length; k++) s += this.coef[k];
    return s;
  }

  value(p: Float64Array): number {
    if (!this.prepare(p)) return NaN;
    const comps = this.model.components;
    for (let k = 0; k < comps.length; k++) comps[k].pdf.density(this.xs, this.local[k], this.dens[k], this.n);
    return this.extendedTerm() + this.mixLogSum() + constraintTerm(this.constraints, p);
  }

  private evalGrad(p: Float64Array, grad: Float64Array): number {
    grad.fill(0);
    if (!this.prepare(p)) return NaN;
    const comps = this.model.components;
    const K = comps.length;
    for (let k = 0; k < K; k++) comps[k].pdf.densityGrad!(this.xs, this.local[k], this.dens[k], this.dlog[k], this.n);
    const nll = this.extendedTerm() + this.mixLogSum();
    const n = this.n;
    const L = this.L;
    const w = this.weights;
    // L becomes w_i / L_i: every derivative is a sum of dens_k * (something) over it.
    for (let i = 0; i < n; i++) L[i] = (w ? w[i] : 1) / L[i];
    let gLast = 0;
    for (let k = K - 1; k >= 0; k--) {
      const c = comps[k];
      const dk = this.dens[k];
      const dl = this.dlog[k];
      const J = dl.length;
      let g = 0;
      const sj = new Float64Array(J);
      if (J === 1) {
        const d0 = dl[0];
        let s0 = 0;
        for (let i = 0; i < n; i++) {
          const t = dk[i] * L[i];
          g += t;
          s0 += t * d0[i];
        }
        sj[0] = s0;
      } else if (J === 2) {
        const d0 = dl[0];
        const d1 = dl[1];
        let s0 = 0;
        let s1 = 0;
        for (let i = 0; i < n; i++) {
          const t = dk[i] * L[i];
          g += t;
          s0 += t * d0[i];
          s1 += t * d1[i];
        }
        sj[0] = s0;
        sj[1] = s1;
      } else {
        for (let i = 0; i < n; i++) {
          const t = dk[i] * L[i];
          g += t;
          for (let j = 0; j < J; j++) sj[j] += t * dl[j][i];
        }
      }
      const ck = this.coef[k];
      for (let j = 0; j < J; j++) grad[c.paramIndex[j]] -= ck * sj[j];
      if (this.model.extended) grad[c.coefIndex] += 1 - g;
      else if (k === K - 1) gLast = g;
      else if (c.coefIndex >= 0) grad[c.coefIndex] -= g - gLast;
    }
    return nll + constraintTerm(this.constraints, p, grad);
  }
}

/**
 * Binned Poisson NLL for a histogram: sum_b (nu_b - n_b log nu_b) with nu_b from the PDFs' analytic
 * integrals over each bin (extended), or the multinomial -sum_b n_b log p_b (fractions). Gradients numerical.
 */
export class BinnedNll implements Fcn {
  readonly errordef = 0.5;
  private readonly local: Float64Array[];
  constructor(
    readonly model: Model,
    readonly edges: Float64Array,
    readonly counts: Float64Array,
  ) {
    this.local = model.components.map((c) => new Float64Array(c.paramIndex.length));
  }

  /** Expected count (extended) or probability (fractions) per bin. */
  expected(p: Float64Array): Float64Array | null {
    const comps = this.model.components;
    const nb = this.counts.length;
    const out = new Float64Array(nb);
    let fsum = 0;
    for (let k = 0; k < comps.length; k++) {
      const c = comps[k];
      const lp = this.local[k];
      for (let j = 0; j < lp.length; j++) lp[j] = p[c.paramIndex[j]];
      if (c.pdf.check(lp) !== null) return null;
      let coef: number;
      if (this.model.extended) coef = p[c.coefIndex];
      else if (c.coefIndex >= 0) fsum += coef = p[c.coefIndex];
      else coef = 1 - fsum;
      for (let b = 0; b < nb; b++) out[b] += coef * c.pdf.integral(this.edges[b], this.edges[b + 1], lp);
    }
    return out;
  }

  value(p: Float64Array): number {
    const nu = this.expected(p);
    if (!nu) return NaN;
    let s = 0;
    let comp = 0;
    for (let b = 0; b < nu.length; b++) {
      const n = this.counts[b];
      const t = (this.model.extended ? nu[b] : 0) - (n > 0 ? n * Math.log(nu[b]) : 0);
      const u = s + t;
      comp += Math.abs(s) >= Math.abs(t) ? s - u + t : t - u + s;
      s = u;
    }
    const r = s + comp;
    return (Number.isNaN(r) ? Infinity : r) + constraintTerm(this.model.constraints, p);
  }
}
