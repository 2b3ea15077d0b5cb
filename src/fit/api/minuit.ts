import type { Fcn } from '../fcn.js';
import type { ParamDef } from '../model.js';
import { minimize, type FitResult } from '../minuit/migrad.js';
import { minos as runMinos } from '../minuit/minos.js';
import { hesse as runHesse, type HesseResult } from '../minuit/hesse.js';
import { invertSpd, makePosDef } from '../minuit/linalg.js';
import { EPS } from '../minuit/strategy.js';
import { InternalFcn } from '../minuit/internal.js';
import { initialGradient, numericalGradient, type GradientState } from '../minuit/gradient.js';
import { strategy as makeStrategy } from '../minuit/strategy.js';

/** A cost function: called with the parameters positionally (named start) or as one array (array start). */
export type CostFunction = ((...x: number[]) => number) | ((x: Float64Array) => number);

/** Per-parameter settings and results by name, as iminuit's `m.values`, `m.errors`, `m.limits`, `m.fixed`. */
export class ParamMap<T> {
  constructor(
    private readonly names: readonly string[],
    private readonly read: (i: number) => T,
    private readonly write?: (i: number, v: T) => void,
  ) {}

  private index(name: string): number {
    const i = this.names.indexOf(name);
    if (i < 0) throw new Error(`unknown parameter "${name}" (parameters: ${this.names.join(', ')})`);
    return i;
  }

  get(name: string): T {
    return this.read(this.index(name));
  }

  set(name: string, v: T): this {
    if (!this.write) throw new Error('read-only');
    this.write(this.index(name), v);
    return this;
  }

  toObject(): Record<string, T> {
    return Object.fromEntries(this.names.map((n, i) => [n, this.read(i)]));
  }

  toArray(): T[] {
    return this.names.map((_, i) => this.read(i));
  }
}

/** The function minimum, as iminuit's `m.fmin` (no minimiser state). */
export interface FMin {
  fval: number;
  edm: number;
  /** MIGRAD stops when edm < edmGoal = 0.002 tol errordef. */
  edmGoal: number;
  nfcn: number;
  /** Converged, with an accurate, positive-definite covariance (iminuit's is_valid and has_accurate_covar). */
  valid: boolean;
  isAboveMaxEdm: boolean;
  hasReachedCallLimit: boolean;
  hasAccurateCovar: boolean;
  hasMadePosdefCovar: boolean;
  errordef: number;
}

/** A MINOS error, as iminuit's `m.merrors[name]`. */
export interface MError {
  name: string;
  lower: number;
  upper: number;
  lowerValid: boolean;
  upperValid: boolean;
  isValid: boolean;
  nfcn: number;
}

/** The covariance by parameter names (zero rows for fixed parameters, as iminuit). */
export class Covariance {
  constructor(
    readonly names: readonly string[],
    private readonly m: readonly Float64Array[],
  ) {}
  get(a: string, b: string): number {
    return this.m[this.idx(a)][this.idx(b)];
  }
  correlation(a: string, b: string): number {
    const d = Math.sqrt(this.get(a, a) * this.get(b, b));
    return d > 0 ? this.get(a, b) / d : 0;
  }
  toArray(): number[][] {
    return this.m.map((r) => Array.from(r));
  }
  private idx(n: string): number {
    const i = this.names.indexOf(n);
    if (i < 0) throw new Error(`unknown parameter "${n}" (parameters: ${this.names.join(', ')})`);
    return i;
  }
}

export interface MinuitOptions {
  /** Parameter names for an array start (default x0, x1, ... as iminuit). */
  name?: string[];
  /** Analytic gradient of the cost, same calling convention as the cost, returning one entry per parameter. */
  grad?: ((...x: number[]) => ArrayLike<number>) | ((x: Float64Array) => ArrayLike<number>);
}

/**
 * An iminuit-shaped front end to ntcorr's minimiser (MIGRAD, HESSE, MINOS):
 *
 *   const m = new Minuit((a, b) => (1 - a) ** 2 + 100 * (b - a * a) ** 2, { a: -1.2, b: 1 });
 *   m.errordef = Minuit.LEAST_SQUARES;
 *   m.limits.set('a', [-5, 5]);
 *   m.migrad().hesse().minos('a');
 *   m.values.get('a'); m.errors.get('a'); m.covariance.get('a', 'b'); m.fmin.valid; m.merrors.get('a')?.upper;
 *
 * As iminuit: errordef defaults to 1 (least squares; 0.5 for a negative log-likelihood), start errors to
 * 1% of |value| (0.1 for 0), tol to 0.1, strategy to 1; migrad() reruns MIGRAD up to `iterate` times while the
 * minimum is not valid; errors after migrad() are MIGRAD's, hesse() recomputes them from function values
 * (Minuit's HESSE, continuing from MIGRAD's tuned steps), or from differences of the gradient when one is given.
 */
export class Minuit {
  static readonly LEAST_SQUARES = 1;
  static readonly LIKELIHOOD = 0.5;
  errordef = 1;
  tol = 0.1;
  strategy: 0 | 1 | 2 = 1;
  readonly parameters: readonly string[];
  readonly values: ParamMap<number>;
  readonly errors: ParamMap<number>;
  readonly limits: ParamMap<[number, number] | null>;
  readonly fixed: ParamMap<boolean>;
  readonly merrors = new Map<string, MError>();
  /** Calls of the cost function, over all migrad/hesse/minos runs. */
  nfcn = 0;
  readonly #cost: (x: Float64Array) => number;
  readonly #grad?: (x: Float64Array, g: Float64Array) => void;
  readonly #val: Float64Array;
  readonly #err: Float64Array;
  readonly #lim: Array<[number, number] | null>;
  readonly #fix: boolean[];
  #result: FitResult | null = null;
  #cov: Float64Array[] | null = null;
  #fmin: FMin | null = null;

  constructor(fcn: CostFunction, start: Record<string, number> | ArrayLike<number>, opts: MinuitOptions = {}) {
    const named = !isArrayLike(start);
    const entries = named ? Object.entries(start as Record<string, number>) : Array.from(start as ArrayLike<number>, (v, i) => [opts.name?.[i] ?? `x${i}`, v] as [string, number]);
    if (!named && opts.name && opts.name.length !== entries.length) throw new Error(`${entries.length} start values but ${opts.name.length} names`);
    if (entries.length === 0) throw new Error('Minuit needs at least one parameter');
    for (const [n, v] of entries) if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`start value of "${n}" must be a finite number (got ${v})`);
    this.parameters = entries.map((e) => e[0]);
    this.#val = Float64Array.from(entries, (e) => e[1]);
    this.#err = Float64Array.from(this.#val, (v) => (v !== 0 ? 0.01 * Math.abs(v) : 0.1));
    this.#lim = this.parameters.map(() => null);
    this.#fix = this.parameters.map(() => false);
    const args: number[] = new Array(entries.length);
    const call = <R>(f: (...a: any[]) => R, x: Float64Array): R => {
      if (!named) return f(x);
      for (let i = 0; i < x.length; i++) args[i] = x[i];
      return f(...args);
    };
    this.#cost = (x) => call(fcn as (...a: any[]) => number, x);
    if (opts.grad) {
      const grad = opts.grad;
      this.#grad = (x, g) => {
        const r = call(grad as (...a: any[]) => ArrayLike<number>, x);
        if (r.length !== g.length) throw new Error(`grad returned ${r.length} entries for ${g.length} parameters`);
        for (let i = 0; i < g.length; i++) g[i] = r[i];
      };
    }
    const changed = () => {
      this.#result = null;
      this.#cov = null;
    };
    this.values = new ParamMap(this.parameters, (i) => this.#val[i], (i, v) => {
      if (!Number.isFinite(v)) throw new Error(`value of "${this.parameters[i]}" must be finite`);
      this.#val[i] = v;
      changed();
    });
    this.errors = new ParamMap(this.parameters, (i) => this.#err[i], (i, v) => {
      if (!(v > 0)) throw new Error(`error of "${this.parameters[i]}" must be > 0`);
      this.#err[i] = v;
    });
    this.limits = new ParamMap(this.parameters, (i) => this.#lim[i], (i, v) => {
      if (v !== null && !(v.length === 2 && v[0] < v[1])) throw new Error(`limits of "${this.parameters[i]}" must be [lo, hi] with lo < hi (got ${JSON.stringify(v)})`);
      this.#lim[i] = v ? [v[0], v[1]] : null;
      changed();
    });
    this.fixed = new ParamMap(this.parameters, (i) => this.#fix[i], (i, v) => {
      this.#fix[i] = v;
      changed();
    });
  }

  /** The minimum of the last migrad()/hesse(); throws before the first. */
  get fmin(): FMin {
    if (!this.#fmin) throw new Error('no minimum yet: call migrad() first');
    return { ...this.#fmin };
  }

  get fval(): number {
    return this.fmin.fval;
  }

  get valid(): boolean {
    return this.#fmin?.valid ?? false;
  }

  /** The covariance of the last migrad()/hesse(), by name; throws when there is none. */
  get covariance(): Covariance {
    if (!this.#cov) throw new Error('no covariance: call migrad() or hesse() first (or the parameters changed since)');
    return new Covariance(this.parameters, this.#cov.map((r) => Float64Array.from(r)));
  }

  /** The cost as the minimiser calls it, with the current errordef, counting calls. */
  private fcn(): Fcn {
    const cost = this.#cost;
    const grad = this.#grad;
    const f: Fcn = {
      errordef: this.errordef,
      value: (p) => {
        this.nfcn++;
        return cost(p);
      },
    };
    if (grad) {
      f.valueGrad = (p, g) => {
        this.nfcn++;
        grad(p, g);
        return cost(p);
      };
    }
    return f;
  }

  private params(): ParamDef[] {
    return this.parameters.map((name, i) => {
      const lim = this.#lim[i];
      if (lim) {
        const [lo, hi] = lim;
        if (this.#val[i] < lo || this.#val[i] > hi) this.#val[i] = Math.min(hi, Math.max(lo, this.#val[i]));
      }
      return { name, value: this.#val[i], step: this.#err[i], fixed: this.#fix[i], ...(lim ? { limits: lim } : {}) };
    });
  }

  private check(): void {
    if (!(this.errordef > 0)) throw new Error(`errordef must be > 0 (got ${this.errordef})`);
    if (!(this.tol >= 0)) throw new Error(`tol must be >= 0 (got ${this.tol})`);
    if (this.#fix.every(Boolean)) throw new Error('all parameters are fixed');
  }

  private take(r: FitResult): void {
    this.#result = r;
    this.#val.set(r.values);
    this.#fix.forEach((fx, i) => {
      if (!fx) this.#err[i] = r.errors[i];
    });
    this.#cov = r.covariance.map((row) => Float64Array.from(row));
    const edmGoal = 0.002 * this.tol * this.errordef;
    this.#fmin = {
      fval: r.fmin,
      edm: r.edm,
      edmGoal,
      nfcn: this.nfcn,
      valid: r.valid,
      isAboveMaxEdm: r.edm > edmGoal,
      hasReachedCallLimit: r.callLimit,
      hasAccurateCovar: r.accurateCovar,
      hasMadePosdefCovar: r.madePosDef,
      errordef: this.errordef,
    };
  }

  /** MIGRAD from the current values (rerun up to `iterate` times while the minimum is not valid). */
  migrad(ncall?: number, iterate = 5): this {
    this.check();
    if (!(iterate >= 1)) throw new Error('iterate must be at least 1');
    this.merrors.clear();
    let r: FitResult;
    for (let k = 0; ; k++) {
      r = minimize(this.fcn(), this.params(), { tol: this.tol, strategy: this.strategy, hesse: false, ...(ncall ? { maxfcn: ncall } : {}) });
      this.take(r);
      if (r.valid || r.callLimit || k + 1 >= iterate) break;
    }
    return this;
  }

  /** HESSE at the current values: errors and covariance from numerical second derivatives (Minuit's algorithm). */
  hesse(): this {
    this.check();
    const fcn = this.fcn();
    const params = this.params();
    const x = Float64Array.from(this.#val);
    const f = new InternalFcn(fcn, params, x);
    const st = makeStrategy(this.strategy);
    const u = f.toInternal(x);
    const f0 = f.value(u);
    // After migrad() (parameters untouched since), start from its gradient state, tuned steps and curvatures
    // included, as iminuit's hesse() does with the FunctionMinimum; else from the errors as steps.
    const prev0 = this.#result?.internal;
    const steps = Float64Array.from(f.free, (e, i) => f.trafo.intStep(i, x[e], params[e].step));
    let g: GradientState;
    let h: HesseResult;
    if (this.#grad) {
      // Not iminuit (whose HESSE ignores a gradient): central differences of the analytic gradient, steps 1e-4
      // of the errors; far more accurate than second differences of values on ill-conditioned problems.
      g = { grad: new Float64Array(f.n), g2: new Float64Array(f.n), gstep: steps };
      f.valueGrad(u, g.grad);
      const V = prev0 && prev0.V.length === f.n ? prev0.V : null;
      h = hesseCentral(f, u, Float64Array.from(steps, (s0, i) => 1e-4 * (V ? Math.sqrt(Math.abs(V[i][i])) || s0 : s0)), g);
    } else {
      g = prev0 && prev0.g.grad.length === f.n ? prev0.g : numericalGradient(f, u, f0, initialGradient(f, u, steps), st);
      h = runHesse(f, u, f0, g, st);
    }
    const n = f.n;
    const np = params.length;
    const cov = Array.from({ length: np }, () => new Float64Array(np));
    const J = Float64Array.from(f.free, (_, i) => f.trafo.dInt2Ext(i, u[i]));
    for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) cov[f.free[a]][f.free[b]] = 2 * f.up * J[a] * h.V[a][b] * J[b];
    let edm = 0;
    for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) edm += 0.5 * g.grad[a] * h.V[a][b] * g.grad[b];
    const prev = this.#result;
    const converged = prev ? prev.converged : edm < 0.002 * this.tol * this.errordef;
    const accurate = !h.failed;
    this.take({
      names: [...this.parameters],
      values: Float64Array.from(x),
      errors: Float64Array.from(cov, (r, i) => Math.sqrt(Math.max(r[i], 0))),
      covariance: cov,
      fmin: f0,
      edm,
      nfcn: f.nfcn,
      converged,
      accurateCovar: accurate,
      madePosDef: h.madePosDef,
      callLimit: prev?.callLimit ?? false,
      valid: converged && accurate && !h.madePosDef,
    });
    return this;
  }

  /** MINOS for the named free parameters (all free ones when none are named); runs migrad() first if needed. */
  minos(...names: string[]): this {
    if (!this.#result) this.migrad();
    const best = this.#result!;
    if (!best.valid) throw new Error('MINOS needs a valid minimum (fmin.valid is false)');
    const params = this.params();
    const list = names.length ? names : this.parameters.filter((_, i) => !this.#fix[i]);
    for (const n of list) {
      const i = this.parameters.indexOf(n);
      if (i < 0) throw new Error(`unknown parameter "${n}" (parameters: ${this.parameters.join(', ')})`);
      if (this.#fix[i]) throw new Error(`cannot run MINOS on fixed parameter "${n}"`);
      const me = runMinos(this.fcn(), params, best, i, { tol: this.tol, strategy: this.strategy });
      this.merrors.set(n, { name: n, lower: me.lower, upper: me.upper, lowerValid: me.lowerValid, upperValid: me.upperValid, isValid: me.lowerValid && me.upperValid, nfcn: me.nfcn });
    }
    if (this.#fmin) this.#fmin = { ...this.#fmin, nfcn: this.nfcn };
    return this;
  }
}

/** Hessian by central differences of the analytic internal gradient (2n gradient calls), inverted. */
function hesseCentral(f: InternalFcn, u: Float64Array, h: Float64Array, grad: GradientState): HesseResult {
  const n = f.n;
  const x = Float64Array.from(u);
  const gp = new Float64Array(n);
  const gm = new Float64Array(n);
  const H = Array.from({ length: n }, () => new Float64Array(n));
  for (let i = 0; i < n; i++) {
    x[i] = u[i] + h[i];
    f.valueGrad(x, gp);
    x[i] = u[i] - h[i];
    f.valueGrad(x, gm);
    x[i] = u[i];
    for (let j = 0; j < n; j++) H[i][j] = (gp[j] - gm[j]) / (2 * h[i]);
  }
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) H[i][j] = H[j][i] = 0.5 * (H[i][j] + H[j][i]);
  const g2 = Float64Array.from(H, (r, i) => r[i]);
  const { mat, changed } = makePosDef(H, EPS);
  const V = invertSpd(mat);
  if (!V) return { V: Array.from(g2, (v, i) => Float64Array.from(g2, (_, j) => (i === j ? 1 / Math.max(Math.abs(v), 1e-300) : 0))), grad: { ...grad, g2 }, madePosDef: true, failed: true };
  return { V, grad: { ...grad, g2 }, madePosDef: changed, failed: false };
}

function isArrayLike(v: unknown): v is ArrayLike<number> {
  return Array.isArray(v) || ArrayBuffer.isView(v);
}
