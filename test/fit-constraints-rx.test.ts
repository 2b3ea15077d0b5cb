/**
 * Constraints in rx's YAML form (named sections: GaussianConstraint with parameters/observation/cov or
 * uncertainty, PoissonConstraint over several parameters) against an iminuit fit with the same terms
 * (test/data/fits/constraints.json from scripts/ref/iminuit-fits.py), and equal to today's list form.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './helpers/fixtures.js';
import { buildModel } from '../src/fit/model.js';
import { fitModel, buildNll } from '../src/fit/fit-run.js';

const dir = join(ROOT, 'test', 'data', 'fits');
const ref = JSON.parse(readFileSync(join(dir, 'constraints.json'), 'utf8'));
const raw = readFileSync(join(dir, 'zlike.f64.bin'));
const xs = new Float64Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
const base = {
  observable: { name: 'mass', range: [60, 120] },
  parameters: Object.fromEntries(ref.parameters.map((n: string) => [n, { value: ref.start[n], step: ref.step[n] }])),
  components: [
    { name: 'signal', pdf: 'gauss', mu: 'mu', sigma: 'sigma', yield: 'nsig' },
    { name: 'background', pdf: 'exponential', lambda: 'lam', yield: 'nbkg' },
  ],
};

test('rx-form constraints: the constrained fit matches iminuit', (t) => {
  const m = buildModel({ ...base, constraints: ref.constraints }, 'rx.yaml');
  t.deepEqual(m.constraints.map((c) => c.kind), ['multigauss', 'gaussian', 'poisson', 'poisson']);
  const r = fitModel(m, xs).result;
  t.true(r.valid);
  const want = ref.fit_tight;
  ref.parameters.forEach((n: string, i: number) => {
    t.true(Math.abs(r.values[i] - want.values[n]) < 0.02 * want.errors[n], `${n}: ${r.values[i]} vs ${want.values[n]}`);
    t.true(Math.abs(r.errors[i] / want.errors[n] - 1) < 3e-3, `${n} error`);
  });
  // ntcorr's Poisson term is -log L relative to its best case: iminuit's lam - n log lam plus n log n - n.
  const offset = ref.constraints.yields.observation.reduce((a: number, n: number) => a + n * Math.log(n) - n, 0);
  t.true(Math.abs(r.fmin - (want.fmin + offset)) < 1e-4, `${r.fmin} vs ${want.fmin + offset}`);
});

test('rx form and list form give the same NLL', (t) => {
  const rx = buildModel({ ...base, constraints: ref.constraints });
  const list = buildModel({
    ...base,
    constraints: [
      { type: 'multigauss', parameters: ['mu', 'sigma'], mean: [91.0, 2.6], covariance: [[0.01, 0.002], [0.002, 0.04]] },
      { type: 'gaussian', parameter: 'lam', mean: -0.03, sigma: 0.005 },
      { type: 'poisson', parameter: 'nsig', observed: 1450 },
      { type: 'poisson', parameter: 'nbkg', observed: 980 },
    ],
  });
  const p = Float64Array.from([1460, 990, 91.1, 2.55, -0.031]);
  t.is(buildNll(rx, xs).value(p), buildNll(list, xs).value(p));
});

test('rx-form constraint errors name the section', (t) => {
  const err = (c: unknown) => t.throws(() => buildModel({ ...base, constraints: c }, 'rx.yaml'))!.message;
  t.regex(err({ s: { kind: 'GaussConstraint', parameters: ['mu'], observation: [1], cov: [[1]] } }), /constraints\.s\.kind must be GaussianConstraint or PoissonConstraint/);
  t.regex(err({ s: { kind: 'GaussianConstraint', parameters: ['mu', 'sigma'], observation: [1], cov: [[1]] } }), /constraints\.s\.observation must be a list of 2 numbers/);
  t.regex(err({ s: { kind: 'GaussianConstraint', parameters: ['mu', 'sigma'], observation: [1, 2], cov: [[1, 2], [2, 1]] } }), /constraints\.s\.cov is not positive definite/);
  t.regex(err({ s: { kind: 'GaussianConstraint', parameters: ['mux'], observation: [1], cov: [[1]] } }), /unknown parameter "mux"/);
  t.regex(err({ s: { kind: 'PoissonConstraint', parameters: ['nsig'], observation: [1], covv: 1 } }), /constraints\.s\.covv: unknown key/);
});
