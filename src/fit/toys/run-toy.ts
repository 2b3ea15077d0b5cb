import { modelCategories, type Model } from '../model.js';
import { UnbinnedNll } from '../nll.js';
import { SimultaneousNll } from '../simultaneous.js';
import { minimize, type MinimizeOptions } from '../minuit/migrad.js';
import { generateModelToy, toyRng, type Vary } from './generate.js';

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
  /** Set when the fit threw (kept, flagged invalid, never dropped). */
  error?: string;
}

export interface ToyOptions {
  seed: number;
  vary: Vary;
  minimize?: MinimizeOptions;
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
 * Runs toys [from, to) of a model: generate at the model's start values, fit from them, HESSE.
 * Reuses one NLL object and one data buffer across toys (and across calls via `state`).
 * `emit` receives each result in toy order.
 */
export function runToys(model: Model, from: number, to: number, opts: ToyOptions, emit: (r: ToyResult) => void, state: ToyState = newToyState()): void {
  const gen = Float64Array.from(model.params.map((p) => p.value));
  const np = gen.length;
  for (let toy = from; toy < to; toy++) {
    const rng = toyRng(opts.seed, toy);
    const cats = modelCategories(model);
    while (state.buffers.length < cats.length) state.buffers.push({ data: new Float64Array(0) });
    const toyData = generateModelToy(model, gen, rng, opts.vary, state.buffers);
    const events = toyData.datasets.reduce((a, d) => a + d.xs.length, 0);
    try {
      if (!state.parts || !state.nll) {
        state.parts = cats.map((c, k) => new UnbinnedNll(c, toyData.datasets[k].xs));
        state.nll = model.categories ? new SimultaneousNll(model, state.parts) : state.parts[0];
      } else state.parts.forEach((p, k) => p.setData(toyData.datasets[k].xs));
      state.nll.constraints = toyData.constraints;
      const r = minimize(state.nll, model.params, opts.minimize ?? {});
      emit({
        toy, events, values: r.values, errors: r.errors, valid: r.valid, converged: r.converged,
        accurateCovar: r.accurateCovar, nll: r.fmin, edm: r.edm, nfcn: r.nfcn,
      });
    } catch (e) {
      emit({
        toy, events, values: new Float64Array(np).fill(NaN), errors: new Float64Array(np).fill(NaN),
        valid: false, converged: false, accurateCovar: false, nll: NaN, edm: NaN, nfcn: 0, error: (e as Error).message,
      });
    }
  }
}
