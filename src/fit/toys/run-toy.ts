import type { Model } from '../model.js';
import { UnbinnedNll } from '../nll.js';
import { minimize, type MinimizeOptions } from '../minuit/migrad.js';
import { generateToy, toyRng, type Vary } from './generate.js';

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
  nll: UnbinnedNll | null;
  buffer: { data: Float64Array };
}

export function newToyState(): ToyState {
  return { nll: null, buffer: { data: new Float64Array(0) } };
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
    const data = generateToy(model, gen, rng, opts.vary, state.buffer);
    try {
      if (!state.nll) state.nll = new UnbinnedNll(model, data.xs);
      else state.nll.setData(data.xs);
      state.nll.constraints = data.constraints;
      const r = minimize(state.nll, model.params, opts.minimize ?? {});
      emit({
        toy, events: data.xs.length, values: r.values, errors: r.errors, valid: r.valid, converged: r.converged,
        accurateCovar: r.accurateCovar, nll: r.fmin, edm: r.edm, nfcn: r.nfcn,
      });
    } catch (e) {
      emit({
        toy, events: data.xs.length, values: new Float64Array(np).fill(NaN), errors: new Float64Array(np).fill(NaN),
        valid: false, converged: false, accurateCovar: false, nll: NaN, edm: NaN, nfcn: 0, error: (e as Error).message,
      });
    }
  }
}
