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

/**
 * Runs toys [from, to) of a model: generate at the model's start values, fit from them, HESSE.
 * Reuses one NLL object (buffers) across toys. `emit` receives each result in toy order.
 */
export function runToys(model: Model, from: number, to: number, opts: ToyOptions, emit: (r: ToyResult) => void): void {
  const gen = Float64Array.from(model.params.map((p) => p.value));
  const np = gen.length;
  let nll: UnbinnedNll | null = null;
  for (let toy = from; toy < to; toy++) {
    const rng = toyRng(opts.seed, toy);
    const data = generateToy(model, gen, rng, opts.vary);
    try {
      if (!nll) nll = new UnbinnedNll(model, data.xs);
      else nll.setData(data.xs);
      nll.constraints = data.constraints;
      const r = minimize(nll, model.params, opts.minimize ?? {});
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
