import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { modelCategories, type Model } from './model.js';
import { SimultaneousNll } from './simultaneous.js';
import { asymptoticCovariance, sumW2Covariance } from './weighted.js';
import { BinnedNll, UnbinnedNll } from './nll.js';
import type { Fcn } from './fcn.js';
import { minimize, type FitResult, type MinimizeOptions } from './minuit/migrad.js';
import { minos, type MinosError } from './minuit/minos.js';
import { TOOL } from '../core/version.js';
import { NtcorrError } from '../core/errors.js';
import { UniformHist } from '../stats/histogram.js';

/** Events where every component's density is zero at the start values (why an NLL is infinite). */
function countZeroDensity(model: Model, xs: Float64Array): number {
  const tot = new Float64Array(xs.length);
  const d = new Float64Array(xs.length);
  for (const c of model.components) {
    c.pdf.density(xs, c.paramIndex.map((i) => model.params[i].value), d);
    for (let i = 0; i < xs.length; i++) tot[i] += Number.isFinite(d[i]) ? d[i] : 0;
  }
  return tot.reduce((a, v) => a + (v > 0 ? 0 : 1), 0);
}

export interface FitRunOptions extends MinimizeOptions {
  /** Binned Poisson fit with this many equal bins over the observable range (default: unbinned). */
  binned?: number;
  /** Per-event weights (simultaneous fits: one entry per category, undefined for unweighted ones). */
  weights?: Float64Array | Array<Float64Array | undefined>;
  /** Parameters to run MINOS on ('all' or names). */
  minos?: string[] | 'all';
  /**
   * Weighted fits: 'asymptotic' (default) is Langenbruch's asymptotically correct C = H^-1 D H^-1 with
   * D = sum w^2 g g^T of per-event gradients; 'sumw2' is RooFit's SumW2Error C = V H2 V (correct only when
   * the weights do not depend on the observable through the shape, e.g. constant weights); 'none' keeps V.
   */
  weightErrors?: WeightErrors;
}

export type WeightErrors = 'asymptotic' | 'sumw2' | 'none';
export const WEIGHT_ERRORS: readonly WeightErrors[] = ['asymptotic', 'sumw2', 'none'];

export interface FitReport {
  result: FitResult;
  /** Weighted fits with the sum-of-weights-squared correction: the uncorrected errors and how they were corrected. */
  weighted?: { method: WeightErrors; uncorrectedErrors: Float64Array };
  minos: Record<string, MinosError>;
  fcn: Fcn;
}

/** The NLL of one category's data: unbinned (optionally weighted) or binned Poisson. */
function categoryNll(model: Model, xs: Float64Array, weights: Float64Array | undefined, binned: number | undefined): Fcn {
  if (!binned) return new UnbinnedNll(model, xs, weights);
  const { lo, hi } = model.observable;
  const h = new UniformHist(lo, hi, binned, 'clamp');
  xs.forEach((x, i) => h.fill(x, weights ? weights[i] : 1));
  return new BinnedNll(model, h.edges(), h.sumw);
}

/**
 * The fit's NLL: one category's, or for a simultaneous model the sum over categories (data in category order)
 * with the constraints added once.
 */
export function buildNll(model: Model, data: Float64Array | Float64Array[], opts: Pick<FitRunOptions, 'binned' | 'weights'> = {}): Fcn {
  const cats = modelCategories(model);
  const xs = Array.isArray(data) ? data : [data];
  const ws = opts.weights === undefined ? [] : Array.isArray(opts.weights) ? opts.weights : [opts.weights];
  if (xs.length !== cats.length) throw new NtcorrError(`${model.source}: ${cats.length} categories but ${xs.length} datasets`, { file: model.source });
  if (!model.categories) {
    const f = categoryNll(model, xs[0], ws[0], opts.binned);
    return f;
  }
  return new SimultaneousNll(model, cats.map((c, k) => categoryNll(c, xs[k], ws[k], opts.binned)));
}

/** Builds the NLL for the data (unbinned, weighted, or binned; one dataset per category) and runs MIGRAD + HESSE (+ MINOS). */
export function fitModel(model: Model, data: Float64Array | Float64Array[], opts: FitRunOptions = {}): FitReport {
  const fcn = buildNll(model, data, opts);
  const xs = Array.isArray(data) ? data : [data];
  const f0 = fcn.value(Float64Array.from(model.params, (p) => p.value));
  if (!Number.isFinite(f0)) {
    const zero = opts.binned ? '' : ` (${modelCategories(model).map((c, k) => `${countZeroDensity(c, xs[k])} of ${xs[k].length} events${c.category ? ` in ${c.category}` : ''}`).join(', ')} have zero density under every component)`;
    throw new NtcorrError(`${model.source}: the NLL at the start values is ${f0} on these data${zero}: move the start values closer to the data or check the observable range`, { file: model.source });
  }
  const result = minimize(fcn, model.params, opts);
  const hasWeights = opts.weights !== undefined && (!Array.isArray(opts.weights) || opts.weights.some((w) => w !== undefined));
  let weighted: FitReport['weighted'];
  if (hasWeights) {
    const method = opts.weightErrors ?? 'asymptotic';
    weighted = { method, uncorrectedErrors: Float64Array.from(result.errors) };
    if (method !== 'none') {
      const sq = (w: Float64Array | undefined) => (w ? Float64Array.from(w, (v) => v * v) : undefined);
      const w2 = Array.isArray(opts.weights) ? opts.weights.map(sq) : sq(opts.weights);
      const cov =
        method === 'sumw2'
          ? sumW2Covariance(result, model.params, buildNll(model, data, { binned: opts.binned, weights: w2 }))
          : asymptoticCovariance(model, data, opts.weights, result, opts.binned);
      if (cov) {
        result.covariance = cov;
        result.errors = Float64Array.from(cov, (r, i) => Math.sqrt(Math.max(r[i], 0)));
      } else result.valid = false;
    }
  }
  const out: Record<string, MinosError> = {};
  if (opts.minos) {
    const names = opts.minos === 'all' ? model.params.filter((p) => !p.fixed).map((p) => p.name) : opts.minos;
    for (const n of names) {
      const i = model.params.findIndex((p) => p.name === n);
      if (i >= 0 && !model.params[i].fixed) out[n] = minos(fcn, model.params, result, i, opts);
    }
  }
  return { result, minos: out, fcn, ...(weighted ? { weighted } : {}) };
}

/** The JSON written by `ntcorr fit`. */
export function fitReportJson(model: Model, rep: FitReport, meta: Record<string, unknown>): Record<string, unknown> {
  const r = rep.result;
  const names = r.names;
  return {
    ...meta,
    fit: {
      ...(rep.weighted ? { weight_errors: rep.weighted.method } : {}),
      valid: r.valid,
      converged: r.converged,
      accurate_covar: r.accurateCovar,
      covariance_forced_posdef: r.madePosDef,
      call_limit: r.callLimit,
      fmin: r.fmin,
      edm: r.edm,
      nfcn: r.nfcn,
      parameters: Object.fromEntries(
        names.map((n, i) => [n, {
          value: r.values[i],
          error: r.errors[i],
          fixed: model.params[i].fixed,
          ...(rep.weighted && rep.weighted.method !== 'none' ? { error_uncorrected: rep.weighted.uncorrectedErrors[i] } : {}),
          ...(rep.minos[n] ? { minos_lower: rep.minos[n].lower, minos_upper: rep.minos[n].upper, minos_valid: rep.minos[n].lowerValid && rep.minos[n].upperValid } : {}),
        }]),
      ),
      covariance: { parameters: names, matrix: r.covariance.map((row) => Array.from(row)) },
    },
  };
}

/** Provenance for fit outputs: tool, model file hash, time, command. */
export function fitProvenance(modelPath: string, command: string): Record<string, unknown> {
  return {
    tool: TOOL,
    model: modelPath,
    modelHash: createHash('sha256').update(readFileSync(modelPath)).digest('hex'),
    kind: 'fit',
    time: new Date().toISOString(),
    command,
  };
}

/** The result table printed by `ntcorr fit`. */
export function formatFitTable(model: Model, rep: FitReport): string {
  const r = rep.result;
  const lines: string[] = [];
  const status = r.valid ? 'valid' : `NOT VALID (${!r.converged ? 'not converged' : !r.accurateCovar ? 'covariance not accurate' : 'covariance forced positive definite'})`;
  lines.push(`MIGRAD + HESSE: ${status}; NLL = ${r.fmin.toFixed(6)}, EDM = ${r.edm.toExponential(2)}, ${r.nfcn} calls`);
  const hasMinos = Object.keys(rep.minos).length > 0;
  lines.push(`${'parameter'.padEnd(16)}${'value'.padStart(16)}${'error'.padStart(14)}${hasMinos ? `${'minos -'.padStart(13)}${'minos +'.padStart(13)}` : ''}  `);
  r.names.forEach((n, i) => {
    const m = rep.minos[n];
    const fixed = model.params[i].fixed;
    lines.push(`${n.padEnd(16)}${r.values[i].toPrecision(8).padStart(16)}${(fixed ? 'fixed' : r.errors[i].toPrecision(4)).padStart(14)}${hasMinos ? (m ? `${m.lower.toPrecision(4).padStart(13)}${`+${m.upper.toPrecision(4)}`.padStart(13)}` : ''.padStart(26)) : ''}`);
  });
  return lines.join('\n');
}
