/**
 * Weighted fits: values and the sum-of-weights-squared covariance (C = V H2 V) against iminuit + numpy on the
 * same weighted data (test/data/fits/weighted.json from scripts/ref/iminuit-fits.py); the Hessian of the
 * squared-weight NLL by every route (exact, gradient differences, function values) gives the same C.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './helpers/fixtures.js';
import { buildModel } from '../src/fit/model.js';
import { fitModel, buildNll } from '../src/fit/fit-run.js';
import { sumW2Covariance } from '../src/fit/weighted.js';
import type { Fcn } from '../src/fit/fcn.js';

const dir = join(ROOT, 'test', 'data', 'fits');
const ref = JSON.parse(readFileSync(join(dir, 'weighted.json'), 'utf8'));
const f64 = (file: string): Float64Array => {
  const raw = readFileSync(join(dir, file));
  return new Float64Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
};
const xs = f64('zlike.f64.bin');
const w = f64('zlike-weights.f64.bin');
const model = buildModel({
  observable: { name: 'mass', range: [60, 120] },
  parameters: Object.fromEntries(ref.parameters.map((n: string) => [n, { value: ref.start[n], step: ref.step[n] }])),
  components: [
    { name: 'signal', pdf: 'gauss', mu: 'mu', sigma: 'sigma', yield: 'nsig' },
    { name: 'background', pdf: 'exponential', lambda: 'lam', yield: 'nbkg' },
  ],
});
const want = ref.fit_tight;

test('weighted fit: values, uncorrected and sum-of-weights-squared errors and covariance match iminuit + numpy', (t) => {
  const rep = fitModel(model, xs, { weights: w });
  const r = rep.result;
  t.true(r.valid);
  t.is(rep.weighted?.method, 'sumw2');
  ref.parameters.forEach((n: string, i: number) => {
    t.true(Math.abs(r.values[i] - want.values[n]) < 0.02 * want.errors_sumw2[n], `${n}: ${r.values[i]} vs ${want.values[n]}`);
    t.true(Math.abs(rep.weighted!.uncorrectedErrors[i] / want.errors_uncorrected[n] - 1) < 3e-3, `${n} uncorrected error`);
    t.true(Math.abs(r.errors[i] / want.errors_sumw2[n] - 1) < 3e-3, `${n} sumw2 error ${r.errors[i]} vs ${want.errors_sumw2[n]}`);
  });
  const C = want.covariance_sumw2 as number[][];
  for (let a = 0; a < 5; a++) for (let b = 0; b < 5; b++) t.true(Math.abs(r.covariance[a][b] - C[a][b]) < 5e-3 * Math.sqrt(C[a][a] * C[b][b]), `C[${a}][${b}]`);
  // Weights below 1 on average-ish: the correction is not the identity.
  t.true(r.errors.some((e, i) => Math.abs(e / rep.weighted!.uncorrectedErrors[i] - 1) > 0.01));
  const none = fitModel(model, xs, { weights: w, weightErrors: 'none' }).result;
  none.errors.forEach((e, i) => t.true(Math.abs(e / rep.weighted!.uncorrectedErrors[i] - 1) < 1e-9));
});

test('the squared-weight Hessian by gradient differences and by function values gives the same correction', (t) => {
  const r = fitModel(model, xs, { weights: w, weightErrors: 'none' }).result;
  const exact = buildNll(model, xs, { weights: Float64Array.from(w, (v) => v * v) });
  const viaGrad: Fcn = { errordef: 0.5, value: (p) => exact.value(p), valueGrad: (p, g) => exact.valueGrad!(p, g) };
  const viaValue: Fcn = { errordef: 0.5, value: (p) => exact.value(p) };
  const C0 = sumW2Covariance(r, model.params, exact)!;
  for (const f of [viaGrad, viaValue]) {
    const C = sumW2Covariance(r, model.params, f)!;
    for (let a = 0; a < 5; a++) for (let b = 0; b < 5; b++) t.true(Math.abs(C[a][b] - C0[a][b]) < 1e-4 * Math.sqrt(C0[a][a] * C0[b][b]), `${f.valueGrad ? 'grad' : 'value'} C[${a}][${b}]`);
  }
});
