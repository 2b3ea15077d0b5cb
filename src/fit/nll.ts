import type { Constraint, Model } from './model.js';
import type { Fcn } from './fcn.js';
import { constraintHessian, constraintTerm } from './constraints.js';

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
  readonly hessian?: (p: Float64Array, H: Float64Array[]) => boolean;
  private d2log: Float64Array[][] | null = null;
  private hbuf: Float64Array[] = [];
  private n: number;
  private readonly dens: Float64Array[];
  private readonly dlog: Float64Array[][];
  private L: Float64Array;
  private readonly local: Float64Array[];
  private readonly coef: Float64Array;
  /** The constraint terms in use: the model's, or a toy's resampled ones. */
  constraints: Constraint[];
  /**
   * Components without parameters (a KDE or template without smearing) have the same density on a dataset at
   * every call: it is computed once per dataset (done[k]) instead of at every NLL call.
   */
  private readonly constant: boolean[];
  private done: boolean[];

  constructor(
    readonly model: Model,
    private xs: Float64Array,
    private weights?: Float64Array,
  ) {
    this.constant = model.components.map((c) => c.pdf.params.length === 0);
    this.done = model.components.map(() => false);
    this.constraints = model.constraints;
    this.n = xs.length;
    const cap = xs.length;
    this.dens = model.components.map(() => new Float64Array(cap));
    this.dlog = model.components.map((c) => c.pdf.params.map(() => new Float64Array(cap)));
    this.L = new Float64Array(cap);
    this.local = model.components.map((c) => new Float64Array(c.paramIndex.length));
    this.coef = new Float64Array(model.components.length);
    if (model.components.every((c) => c.pdf.densityGrad)) this.valueGrad = (p, g) => this.evalGrad(p, g);
    if (model.components.every((c) => c.pdf.densityHess)) this.hessian = (p, H) => this.evalHess(p, H);
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
      this.d2log = null;
    }
    this.xs = xs;
    this.weights = weights;
    this.n = xs.length;
    this.done.fill(false);
  }

  /** False when component k's density is already in dens[k] for this dataset (and marks it so for constant ones). */
  private needs(k: number): boolean {
    if (!this.constant[k]) return true;
    if (this.done[k]) return false;
    this.done[k] = true;
    return true;
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
    for (let k = 0; k < comps.length; k++) if (this.needs(k)) comps[k].pdf.density(this.xs, this.local[k], this.dens[k], this.n);
    return this.extendedTerm() + this.mixLogSum() + constraintTerm(this.constraints, p);
  }

  private evalGrad(p: Float64Array, grad: Float64Array): number {
    grad.fill(0);
    if (!this.prepare(p)) return NaN;
    const comps = this.model.components;
    const K = comps.length;
    for (let k = 0; k < K; k++) if (this.needs(k)) comps[k].pdf.densityGrad!(this.xs, this.local[k], this.dens[k], this.dlog[k], this.n);
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

  /**
   * The exact Hessian of the unbinned NLL from each PDF's first and second derivatives of log f:
   * H = sum_i w_i (v v^T - grad^2 L_i / L_i) with v = grad L_i / L_i, plus constraints. It replaces the 2n
   * gradient calls of a finite-difference HESSE. Written as a few tight loops over event arrays (per-event
   * v components first, then one dot product per matrix entry) because V8 runs those fastest.
   */
  private evalHess(p: Float64Array, H: Float64Array[]): boolean {
    for (const row of H) row.fill(0);
    if (!this.prepare(p)) return false;
    const comps = this.model.components;
    const K = comps.length;
    const n = this.n;
    const cap = this.L.length;
    if (!this.d2log || this.d2log.length !== K || this.hbuf.length === 0 || this.hbuf[0].length !== cap) {
      this.d2log = comps.map((c) => Array.from({ length: c.pdf.params.length ** 2 }, () => new Float64Array(cap)));
      this.hbuf = [];
    }
    for (let k = 0; k < K; k++) if (this.needs(k)) comps[k].pdf.densityHess!(this.xs, this.local[k], this.dens[k], this.dlog[k], this.d2log[k], n);
    const slots: number[] = [];
    const slot = (g: number): number => {
      const s = slots.indexOf(g);
      return s >= 0 ? s : slots.push(g) - 1;
    };
    const extended = this.model.extended;
    const cs = comps.map((c) => (c.coefIndex >= 0 ? slot(c.coefIndex) : -1));
    const ts = comps.map((c) => c.paramIndex.map(slot));
    const fracSlots = extended ? [] : cs.filter((x) => x >= 0);
    const m = slots.length;
    // Buffers: m arrays for v, one for 1/L, one for dens_k / L.
    while (this.hbuf.length < m + 2) this.hbuf.push(new Float64Array(cap));
    const V = this.hbuf.slice(0, m);
    const R = this.hbuf[m];
    const T = this.hbuf[m + 1];
    for (const a of V) a.fill(0, 0, n);
    const L = this.L;
    for (let i = 0; i < n; i++) {
      let sum = 0;
      for (let k = 0; k < K; k++) sum += this.coef[k] * this.dens[k][i];
      L[i] = sum;
      R[i] = 1 / sum;
    }
    const w = this.weights;
    const Hs = new Float64Array(m * m);
    const add = (x: number, y: number, val: number) => {
      Hs[x * m + y] += val;
      if (x !== y) Hs[y * m + x] += val;
    };
    for (let k = 0; k < K; k++) {
      const dk = this.dens[k];
      for (let i = 0; i < n; i++) T[i] = dk[i] * R[i];
      if (extended || cs[k] >= 0) axpy(1, T, V[cs[k]], n);
      else for (const f of fracSlots) axpy(-1, T, V[f], n);
      const ck = this.coef[k];
      const t = ts[k];
      const J = t.length;
      const dl = this.dlog[k];
      const d2 = this.d2log[k];
      for (let j = 0; j < J; j++) {
        axpy2(ck, T, dl[j], V[t[j]], n);
        // Mixed coefficient-shape second derivative of L: dens_k dlog_kj (sign -1 for the last fraction).
        const S = wdot2(T, dl[j], w, n);
        if (extended || cs[k] >= 0) add(cs[k], t[j], -S);
        else for (const f of fracSlots) add(f, t[j], S);
        for (let l = j; l < J; l++) add(t[j], t[l], -ck * wdot3(T, dl[j], dl[l], d2[j * J + l], w, n) * (j === l || t[j] !== t[l] ? 1 : 2));
      }
    }
    for (let x = 0; x < m; x++) for (let y = x; y < m; y++) add(x, y, wdot2(V[x], V[y], w, n));
    for (let x = 0; x < m; x++) for (let y = 0; y < m; y++) H[slots[x]][slots[y]] += Hs[x * m + y];
    constraintHessian(this.constraints, p, H);
    return true;
  }
}

/** y += a x over the first n entries. */
function axpy(a: number, x: Float64Array, y: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) y[i] += a * x[i];
}

/** z += a x y. */
function axpy2(a: number, x: Float64Array, y: Float64Array, z: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) z[i] += a * x[i] * y[i];
}

/** sum_i w_i a_i b_i (w = 1 when absent). */
function wdot2(a: Float64Array, b: Float64Array, w: Float64Array | undefined, n: number): number {
  let s = 0;
  if (w) for (let i = 0; i < n; i++) s += w[i] * a[i] * b[i];
  else for (let i = 0; i < n; i++) s += a[i] * b[i];
  return s;
}

/** sum_i w_i t_i (a_i b_i + e_i): the second derivative of L along two shape parameters, over L. */
function wdot3(t: Float64Array, a: Float64Array, b: Float64Array, e: Float64Array, w: Float64Array | undefined, n: number): number {
  let s = 0;
  if (w) for (let i = 0; i < n; i++) s += w[i] * t[i] * (a[i] * b[i] + e[i]);
  else for (let i = 0; i < n; i++) s += t[i] * (a[i] * b[i] + e[i]);
  return s;
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
