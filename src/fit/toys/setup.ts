import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { NtcorrError } from '../../core/errors.js';
import { TOOL } from '../../core/version.js';
import { buildModel, checkStart, modelCategories, type Model, type ParamDef } from '../model.js';
import type { MinimizeOptions } from '../minuit/migrad.js';
import { cholesky, type Mat } from '../minuit/linalg.js';
import type { Vary } from './generate.js';

/** Parameter values and errors by name, as `ntcorr fit` writes them (fit.parameters in its JSON). */
export type FitValues = Record<string, { value: number; error: number }>;

/** The fit's covariance (fit.covariance in its JSON): parameter names and the matrix. */
export interface FitCovariance {
  parameters: string[];
  matrix: number[][];
}

/**
 * How start values are randomised per toy: a number N draws each free parameter uniformly within +-N
 * errors of its start value (clipped to its limits); 'limits' draws uniformly within its limits (parameters
 * without two-sided limits fall back to +-3 errors).
 */
export type RandomizeStart = number | 'limits';

/** Everything that defines a toy study's numbers (what travels to workers, and what the config hash covers). */
export interface ToySpec {
  /** Fitting model: parsed YAML (kde/template samples resolved) and its path for messages. */
  fitDoc: unknown;
  fitSource: string;
  /** Generating model when it differs from the fitting one. */
  genDoc?: unknown;
  genSource?: string;
  /** Fit result (--from-fit): generating values (both models, by name) and start values/steps of the fit. */
  fromFit?: FitValues;
  fromFitSource?: string;
  /** --gen-values sampled: per toy, draw the generating values from the fit covariance (needs fromFitCov). */
  fromFitCov?: FitCovariance;
  sampleGen?: boolean;
  seed: number;
  vary: Vary;
  minimize?: MinimizeOptions;
  randomizeStart?: RandomizeStart;
  /** Bins per category of the binned chi2 goodness of fit (0: no GOF). */
  gofBins: number;
}

/** The models and parameter vectors a toy run needs, built from a ToySpec the same way in every thread. */
export interface PreparedToys {
  fit: Model;
  gen: Model;
  /** Generating values in the generating model's parameter order. */
  genValues: Float64Array;
  /** Per fit parameter: the generating value of the parameter of the same name, NaN when the generating model has none. */
  genForFit: Float64Array;
  /** Start values of the fit (fit model order; from --from-fit where given). */
  start: Float64Array;
  /** Scale of the start randomisation per fit parameter: the fit result's error, else the step. */
  startErrors: Float64Array;
  /** Per-toy generating values: these generating-model parameters are drawn from N(mean, L L^T). */
  sampleGen?: { genIdx: number[]; mean: Float64Array; chol: Mat };
  /** Per fit parameter, the index of the same-named generating-model parameter (-1: none). */
  fitToGen: number[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The covariance block of a fit result JSON (fit.covariance {parameters, matrix}). */
export function readFitCovariance(path: string): FitCovariance {
  const doc = JSON.parse(readFileSync(path, 'utf8')) as Obj;
  const c = isObj(doc.fit) ? doc.fit.covariance : undefined;
  const ok = isObj(c) && Array.isArray(c.parameters) && Array.isArray(c.matrix) && c.matrix.length === c.parameters.length &&
    (c.matrix as unknown[]).every((r) => Array.isArray(r) && r.length === (c.parameters as unknown[]).length && r.every((v) => typeof v === 'number' && Number.isFinite(v)));
  if (!ok) throw new NtcorrError(`${path}: no usable fit.covariance {parameters, matrix} (needed by --gen-values sampled)`, { file: path });
  return { parameters: (c as Obj).parameters as string[], matrix: (c as Obj).matrix as number[][] };
}

/** Reads the JSON `ntcorr fit` writes: fit.parameters {name: {value, error}}. Errors name the file and key. */
export function readFitResult(path: string): FitValues {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new NtcorrError(`${path}: cannot read the fit result (${(e as Error).message})`, { file: path });
  }
  const fit = isObj(doc) ? doc.fit : undefined;
  const params = isObj(fit) ? fit.parameters : undefined;
  if (!isObj(params) || Object.keys(params).length === 0) throw new NtcorrError(`${path}: not a fit result of ntcorr fit (no fit.parameters)`, { file: path });
  const out: FitValues = {};
  for (const [name, p] of Object.entries(params)) {
    if (!isObj(p) || typeof p.value !== 'number' || !Number.isFinite(p.value)) throw new NtcorrError(`${path}: fit.parameters.${name}.value must be a finite number`, { file: path });
    const err = typeof p.error === 'number' && Number.isFinite(p.error) ? p.error : NaN;
    out[name] = { value: p.value, error: err };
  }
  return out;
}

/**
 * Builds both models and the parameter vectors. Fit-result values replace the YAML values by name in the
 * generating model (its generating values) and in the fitting model (start values; the fit errors become
 * the steps). A fit-result parameter that is in neither model is an error (likely the wrong file).
 */
export function prepareToys(spec: ToySpec): PreparedToys {
  const fit = buildModel(spec.fitDoc, spec.fitSource);
  const gen = spec.genDoc === undefined ? fit : buildModel(spec.genDoc, spec.genSource ?? '<gen model>');
  const src = spec.fromFitSource ?? '<fit result>';
  if (spec.fromFit) {
    for (const name of Object.keys(spec.fromFit)) {
      if (!fit.params.some((p) => p.name === name) && !gen.params.some((p) => p.name === name)) {
        throw new NtcorrError(`${src}: parameter "${name}" of the fit result is not in ${spec.fitSource}${spec.genDoc !== undefined ? ` nor in ${spec.genSource}` : ''}: is it the result of another model?`, { file: src });
      }
    }
  }
  const override = (m: Model, steps: boolean): ParamDef[] => m.params.map((p) => {
    const r = spec.fromFit?.[p.name];
    if (!r) return p;
    if (p.limits && (r.value < p.limits[0] || r.value > p.limits[1])) {
      throw new NtcorrError(`${src}: ${p.name} = ${r.value} is outside its limits [${p.limits[0]}, ${p.limits[1]}] in ${m.source}`, { file: src });
    }
    return { ...p, value: r.value, step: steps && r.error > 0 ? r.error : p.step };
  });
  if (spec.fromFit) {
    fit.params.splice(0, fit.params.length, ...override(fit, true));
    if (gen !== fit) gen.params.splice(0, gen.params.length, ...override(gen, false));
    // Categories share the top-level params array by reference (buildModel); splice kept it.
    for (const m of gen === fit ? [fit] : [fit, gen]) {
      for (const c of modelCategories(m)) {
        const bad = checkStart(c, m.params.map((p) => p.value));
        if (bad) throw new NtcorrError(`${src}: with the fit result's values, ${m.source}${c.category ? ` (category ${c.category})` : ''}: ${bad}`, { file: src });
      }
    }
  }
  const gcats = modelCategories(gen);
  const fcats = modelCategories(fit);
  if (gcats.length !== fcats.length) {
    throw new NtcorrError(`${spec.genSource}: ${gcats.length} categor${gcats.length === 1 ? 'y' : 'ies'} but the fitting model ${spec.fitSource} has ${fcats.length}`, { file: spec.genSource ?? spec.fitSource });
  }
  gcats.forEach((c, k) => {
    if (c.category !== fcats[k].category) throw new NtcorrError(`${spec.genSource}: category ${k} is "${c.category}", the fitting model's is "${fcats[k].category}" (same categories in the same order)`, { file: spec.genSource ?? spec.fitSource });
  });
  const genValues = Float64Array.from(gen.params, (p) => p.value);
  const genForFit = Float64Array.from(fit.params, (p) => {
    const i = gen.params.findIndex((q) => q.name === p.name);
    return i >= 0 ? genValues[i] : NaN;
  });
  const fitToGen = fit.params.map((p) => gen.params.findIndex((q) => q.name === p.name));
  let sampleGen: PreparedToys['sampleGen'];
  if (spec.sampleGen) {
    const cov = spec.fromFitCov;
    if (!spec.fromFit || !cov) throw new NtcorrError('--gen-values sampled needs --from-fit (a fit result with its covariance)');
    // The free parameters of the fit (those with a covariance row) that the generating model has.
    const rows = cov.parameters.map((n, a) => ({ n, a, g: gen.params.findIndex((q) => q.name === n) }))
      .filter((x) => x.g >= 0 && !gen.params[x.g].fixed && cov.matrix[x.a][x.a] > 0);
    const chol = cholesky(rows.map((x) => Float64Array.from(rows, (y) => cov.matrix[x.a][y.a])));
    if (!chol) throw new NtcorrError(`${src}: the covariance of ${rows.map((x) => x.n).join(', ')} is not positive definite`, { file: src });
    sampleGen = { genIdx: rows.map((x) => x.g), mean: Float64Array.from(rows, (x) => genValues[x.g]), chol };
  }
  const start = Float64Array.from(fit.params, (p) => p.value);
  const startErrors = Float64Array.from(fit.params, (p) => {
    const e = spec.fromFit?.[p.name]?.error;
    return e !== undefined && e > 0 ? e : p.step;
  });
  return { fit, gen, genValues, genForFit, start, startErrors, fitToGen, ...(sampleGen ? { sampleGen } : {}) };
}

/**
 * One toy's generating values drawn from the fit covariance (multivariate normal around the fitted values),
 * clipped to each parameter's limits. Drawn first from the toy's stream.
 */
export function sampleGenValues(prep: PreparedToys, normal: () => number): Float64Array {
  const s = prep.sampleGen!;
  const g = Float64Array.from(prep.genValues);
  const z = s.genIdx.map(() => normal());
  s.genIdx.forEach((gi, a) => {
    let v = s.mean[a];
    for (let b = 0; b <= a; b++) v += s.chol[a][b] * z[b];
    const l = prep.gen.params[gi].limits;
    g[gi] = l ? Math.min(l[1], Math.max(l[0], v)) : v;
  });
  return g;
}

/** Draws start values for one toy (free parameters only; fixed ones keep their value). */
export function randomStart(params: ParamDef[], start: Float64Array, errors: Float64Array, how: RandomizeStart, uniform: () => number): Float64Array {
  const out = Float64Array.from(start);
  params.forEach((p, i) => {
    if (p.fixed) return;
    let lo: number;
    let hi: number;
    const l = p.limits;
    if (how === 'limits' && l && Number.isFinite(l[0]) && Number.isFinite(l[1])) [lo, hi] = l;
    else {
      const w = (how === 'limits' ? 3 : how) * errors[i];
      lo = start[i] - w;
      hi = start[i] + w;
      if (l) {
        lo = Math.max(lo, l[0]);
        hi = Math.min(hi, l[1]);
      }
    }
    out[i] = lo + (hi - lo) * uniform();
  });
  return out;
}

/**
 * The configuration hash: sha256 over the models as parsed (formatting and comments do not count; samples
 * read for kde/template components do), the fit-result values, every option that changes the numbers, the
 * seed and the ntcorr version. Not the number of toys nor the first toy: the jobs of one Condor study and
 * a single run of all its toys share it (that is what `toys merge` checks).
 */
export function configHash(spec: ToySpec): string {
  const payload = {
    tool: TOOL,
    fit: spec.fitDoc,
    gen: spec.genDoc ?? null,
    fromFit: spec.fromFit ?? null,
    sampleGen: spec.sampleGen ? spec.fromFitCov ?? null : null,
    seed: spec.seed,
    vary: spec.vary,
    strategy: spec.minimize?.strategy ?? 1,
    tol: spec.minimize?.tol ?? 0.1,
    randomizeStart: spec.randomizeStart ?? null,
    gofBins: spec.gofBins,
  };
  // Key order is kept (parameter order is part of a model), so plain JSON is the canonical form.
  return createHash('sha256').update(JSON.stringify(payload)).digest('hex');
}
