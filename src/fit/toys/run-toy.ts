import { modelCategories, type Model } from '../model.js';
import { UnbinnedNll } from '../nll.js';
import { SimultaneousNll } from '../simultaneous.js';
import { minimize, type MinimizeOptions } from '../minuit/migrad.js';
import { generateToy, resampleConstraints, toyRng, type Vary } from './generate.js';
import { binnedGof, NO_GOF } from './gof.js';
import { randomStart, sampleGenValues, type PreparedToys, type RandomizeStart } from './setup.js';
import { NtcorrError } from '../../core/errors.js';

/** One toy's outcome: fitted values and errors of every parameter, with the fit's health. */
export interface ToyResult {
  toy: number;
  events: number;
  values: Float64Array;
  errors: Float64Array;
  valid: boolean;
  converged: boolean;
  accurateCovar: boolean;
  nll: number;
  edm: number;
  nfcn: number;
  /** Binned chi2 goodness of fit of the fitted model to the toy (NaN without --gof-bins or a failed fit). */
  gofPvalue: number;
  gofChi2: number;
  gofNdf: number;
  /** This toy's generating values per fit parameter, when they are drawn per toy (--gen-values sampled). */
  gen?: Float64Array;
  /** Set when the fit threw (kept, flagged invalid, never dropped). */
  error?: string;
}

export interface ToyOptions {
  seed: number;
  vary: Vary;
  minimize?: MinimizeOptions;
  randomizeStart?: RandomizeStart;
  gofBins?: number;
}

/** Buffers kept across calls of runToys (a worker keeps one for its lifetime). */
export interface ToyState {
  /** One NLL per category, and their sum for a simultaneous model. */
  parts: UnbinnedNll[] | null;
  nll: UnbinnedNll | SimultaneousNll | null;
  buffers: Array<{ data: Float64Array }>;
}

export function newToyState(): ToyState {
  return { parts: null, nll: null, buffers: [] };
}

/**
 * Runs toys [from, to): generate from the generating model at its generating values (toy i's stream is
 * (seed, i)), keep the events inside the fitting model's range, fit from the start values (drawn from the
 * same stream after the data when randomised), HESSE, binned GOF. Reuses one NLL object and one data buffer
 * across toys (and across calls via `state`). `emit` receives each result in toy order.
 */
export function runToys(model: PreparedToys | Model, from: number, to: number, opts: ToyOptions, emit: (r: ToyResult) => void, state: ToyState = newToyState()): void {
  const prep = 'fit' in model ? model : sameModel(model);
  const { fit, gen } = prep;
  const np = fit.params.length;
  const gcats = modelCategories(gen).map((c) => (c.constraints.length ? { ...c, constraints: [] } : c));
  const fcats = modelCategories(fit);
  const sameRange = gcats.map((c, k) => c.observable.lo === fcats[k].observable.lo && c.observable.hi === fcats[k].observable.hi);
  // Constraint central values fluctuate around the generating value of the same name (the fit's start value
  // for a parameter the generating model lacks).
  const consCentre = Float64Array.from(prep.genForFit, (g, i) => (Number.isNaN(g) ? prep.start[i] : g));
  const nfree = fit.params.filter((p) => !p.fixed).length;
  for (let toy = from; toy < to; toy++) {
    const rng = toyRng(opts.seed, toy);
    while (state.buffers.length < gcats.length) state.buffers.push({ data: new Float64Array(0) });
    let genValues = prep.genValues;
    let toyGen: Float64Array | undefined;
    let centre = consCentre;
    if (prep.sampleGen) {
      // Drawn first from the toy's stream; a draw outside a PDF's domain (e.g. sigma <= 0) is drawn again.
      for (let tries = 0; ; tries++) {
        genValues = sampleGenValues(prep, () => rng.normal());
        const g = genValues;
        if (gcats.every((c) => c.components.every((k) => k.pdf.check(k.paramIndex.map((i) => g[i])) === null))) break;
        if (tries === 100) throw new NtcorrError(`${prep.gen.source}: 100 draws of the generating values from the fit covariance fell outside a PDF's domain (toy ${toy}); use --gen-values fitted`, { file: prep.gen.source });
      }
      const g = genValues;
      toyGen = Float64Array.from(prep.fitToGen, (gi) => (gi >= 0 ? g[gi] : NaN));
      centre = Float64Array.from(toyGen, (v, i) => (Number.isNaN(v) ? prep.start[i] : v));
    }
    const xs = gcats.map((c, k) => {
      const d = generateToy(c, genValues, rng, opts.vary, state.buffers[k]).xs;
      if (sameRange[k]) return d;
      const { lo, hi } = fcats[k].observable;
      return d.filter((x) => x >= lo && x <= hi);
    });
    const constraints = resampleConstraints(fit.constraints, centre, rng);
    const start = opts.randomizeStart !== undefined ? randomStart(fit.params, prep.start, prep.startErrors, opts.randomizeStart, () => rng.uniform()) : prep.start;
    const events = xs.reduce((a, d) => a + d.length, 0);
    try {
      if (!state.parts || !state.nll) {
        state.parts = fcats.map((c, k) => new UnbinnedNll(c, xs[k]));
        state.nll = fit.categories ? new SimultaneousNll(fit, state.parts) : state.parts[0];
      } else state.parts.forEach((p, k) => p.setData(xs[k]));
      state.nll.constraints = constraints;
      const r = minimize(state.nll, fit.params, opts.minimize ?? {}, start);
      const g = opts.gofBins ? binnedGof(fcats, xs, r.values, nfree, opts.gofBins) : NO_GOF;
      emit({
        toy, events, values: r.values, errors: r.errors, valid: r.valid, converged: r.converged,
        accurateCovar: r.accurateCovar, nll: r.fmin, edm: r.edm, nfcn: r.nfcn, gofPvalue: g.pvalue, gofChi2: g.chi2, gofNdf: g.ndf,
        ...(toyGen ? { gen: toyGen } : {}),
      });
    } catch (e) {
      emit({
        toy, events, values: new Float64Array(np).fill(NaN), errors: new Float64Array(np).fill(NaN),
        valid: false, converged: false, accurateCovar: false, nll: NaN, edm: NaN, nfcn: 0, gofPvalue: NaN, gofChi2: NaN, gofNdf: 0, error: (e as Error).message,
        ...(toyGen ? { gen: toyGen } : {}),
      });
    }
  }
}

/** A model that both generates and fits, at its YAML values. */
export function sameModel(model: Model): PreparedToys {
  const v = Float64Array.from(model.params, (p) => p.value);
  return { fit: model, gen: model, genValues: v, genForFit: v, start: v, startErrors: Float64Array.from(model.params, (p) => p.step), fitToGen: model.params.map((_, i) => i) };
}
