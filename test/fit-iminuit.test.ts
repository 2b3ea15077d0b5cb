/**
 * The fit engine against iminuit 2.11 (Migrad + Hesse, strategy 1) on the ten fixture toys of the
 * extended Gauss + exponential model: NLL values, fitted values, Hesse errors, covariance and fmin.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { fixture, ROOT } from './helpers/fixtures.js';
import { loadModel } from '../src/fit/model.js';
import { UnbinnedNll } from '../src/fit/nll.js';
import { minimize, type MinimizeOptions } from '../src/fit/minuit/migrad.js';
import { join } from 'node:path';

interface RefFit {
  values: Record<string, number>;
  errors: Record<string, number>;
  fmin: number;
  covariance: number[][];
  converged: boolean;
}
interface RefToy {
  toy: number;
  n_events: number;
  data_offset_elems: number;
  nll_at_true: number;
  nll_at_probe: { point: Record<string, number>; nll: number; nll_constrained: number };
  fit_tight: RefFit;
  fit_constrained_tight: RefFit;
}

const ref = JSON.parse(readFileSync(fixture('toys', 'reference_fits.json'), 'utf8')) as { toys: RefToy[] };
const raw = readFileSync(fixture('toys', 'toys_0-9.f64.bin'));
const all = new Float64Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length));
const data = (t: RefToy) => all.subarray(t.data_offset_elems, t.data_offset_elems + t.n_events);
const plain = loadModel(join(ROOT, 'examples/fit/gauss-exp.yaml'));
const constrained = loadModel(join(ROOT, 'examples/fit/gauss-exp-constrained.yaml'));
const names = plain.params.map((p) => p.name);
const vec = (point: Record<string, number>) => Float64Array.from(names, (n) => point[n]);
const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

test('ten toys are in the fixture', (t) => {
  t.is(ref.toys.length, 10);
  t.deepEqual(names, ['nsig', 'nbkg', 'mu', 'sigma', 'lam']);
});

test('NLL at the truth and at the probe point matches iminuit to 1e-9 relative', (t) => {
  for (const toy of ref.toys) {
    const nll = new UnbinnedNll(plain, data(toy));
    const truth = Float64Array.from(plain.params.map((p) => p.value));
    t.true(rel(nll.value(truth), toy.nll_at_true) < 1e-9, `toy ${toy.toy} truth`);
    t.true(rel(nll.value(vec(toy.nll_at_probe.point)), toy.nll_at_probe.nll) < 1e-9, `toy ${toy.toy} probe`);
    const cnll = new UnbinnedNll(constrained, data(toy));
    t.true(rel(cnll.value(vec(toy.nll_at_probe.point)), toy.nll_at_probe.nll_constrained) < 1e-9, `toy ${toy.toy} probe constrained`);
  }
});

test('analytic gradient agrees with central differences of the NLL', (t) => {
  const toy = ref.toys[3];
  for (const model of [plain, constrained]) {
    const nll = new UnbinnedNll(model, data(toy));
    const p = vec(toy.nll_at_probe.point);
    const g = new Float64Array(p.length);
    nll.valueGrad!(p, g);
    names.forEach((n, i) => {
      const h = 1e-5 * (model.params[i].step);
      const q = Float64Array.from(p);
      q[i] = p[i] + h;
      const fp = nll.value(q);
      q[i] = p[i] - h;
      const fm = nll.value(q);
      const num = (fp - fm) / (2 * h);
      t.true(Math.abs(g[i] - num) <= 1e-5 * Math.abs(num) + 1e-6, `${n}: analytic ${g[i]} numeric ${num}`);
    });
  }
});

// fit_tight is iminuit at tol 1e-6: at that tolerance values must agree to 0.01 of their error. At the default
// tol 0.1 (EDM < 1e-4) a converged point may sit up to sqrt(2 EDM / (2 up)) = 0.014 sigma from the exact
// minimum (iminuit's own tol-0.1 fits are up to 0.0073 sigma from fit_tight), so the bound there is 0.015
// for the numerical-gradient path; with the analytic gradient a final Newton step (see migrad.ts) removes
// that slack and the strict 0.01 applies.
const cases: Array<[string, MinimizeOptions, number]> = [
  ['analytic gradient, tol 1e-6', { tol: 1e-6 }, 0.01],
  ['analytic gradient and exact analytic Hessian, tol 1e-6', { tol: 1e-6, hesseMode: 'analytic' }, 0.01],
  ['numerical gradient and Minuit HESSE as iminuit runs it, tol 1e-6', { tol: 1e-6, useGradient: false, hesseMode: 'minuit' }, 0.01],
  ['analytic gradient, default tol', {}, 0.01],
  ['numerical gradient and Minuit HESSE, default tol', { useGradient: false, hesseMode: 'minuit' }, 0.015],
];
for (const [label, opts, maxDv] of cases) {
  for (const cons of [false, true]) {
    test(`fits match iminuit fit${cons ? '_constrained' : ''}_tight on all ten toys (${label})`, (t) => {
      const model = cons ? constrained : plain;
      for (const toy of ref.toys) {
        const r = cons ? toy.fit_constrained_tight : toy.fit_tight;
        const res = minimize(new UnbinnedNll(model, data(toy)), model.params, opts);
        t.true(res.valid && res.converged && res.accurateCovar, `toy ${toy.toy} valid`);
        names.forEach((n, i) => {
          const dv = Math.abs(res.values[i] - r.values[n]) / r.errors[n];
          t.true(dv < maxDv, `toy ${toy.toy} ${n}: value ${res.values[i]} vs ${r.values[n]} (${dv.toExponential(2)} sigma)`);
          const de = rel(res.errors[i], r.errors[n]);
          t.true(de < 1e-3, `toy ${toy.toy} ${n}: error ${res.errors[i]} vs ${r.errors[n]} (${de.toExponential(2)})`);
        });
        // Correlations too (covariance / errors), to 1e-3 absolute.
        for (let i = 0; i < 5; i++) {
          for (let j = 0; j < i; j++) {
            const ours = res.covariance[i][j] / (res.errors[i] * res.errors[j]);
            const theirs = r.covariance[i][j] / (r.errors[names[i]] * r.errors[names[j]]);
            t.true(Math.abs(ours - theirs) < 1e-3, `toy ${toy.toy} corr(${names[i]},${names[j]}) ${ours} vs ${theirs}`);
          }
        }
        t.true(Math.abs(res.fmin - r.fmin) < 1e-4, `toy ${toy.toy} fmin ${res.fmin} vs ${r.fmin}`);
      }
    });
  }
}
