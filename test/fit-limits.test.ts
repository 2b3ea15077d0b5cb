/**
 * Parameter limits on every parameter kind (yields, location, scale, slope, fraction; two-sided, lower-only,
 * upper-only, active) against iminuit 2.11 fits of the same data (test/data/fits, made by
 * scripts/ref/iminuit-fits.py), for the analytic-gradient and the numerical-gradient MIGRAD and every
 * strategy; and the clear errors for degenerate set-ups (unknown keys, sigma <= 0, no support in the range).
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './helpers/fixtures.js';
import { buildModel } from '../src/fit/model.js';
import { UnbinnedNll } from '../src/fit/nll.js';
import { minimize } from '../src/fit/minuit/migrad.js';
import { fitModel } from '../src/fit/fit-run.js';

interface Fit { values: Record<string, number>; errors: Record<string, number>; fmin: number; valid: boolean; nfcn: number }
interface Case { kind: 'ext' | 'frac' | 'single'; parameters: string[]; start: Record<string, number>; step: Record<string, number>; limits: Record<string, [number | null, number | null]>; fit_tight: Fit; fit: Fit }
const dir = join(ROOT, 'test', 'data', 'fits');
const ref = JSON.parse(readFileSync(join(dir, 'limits.json'), 'utf8')) as { range: [number, number]; cases: Record<string, Case> };
const f64 = (file: string): Float64Array => {
  const raw = readFileSync(join(dir, file));
  return new Float64Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
};
const xs = f64('zlike.f64.bin');
const zpeak = f64('zpeak.f64.bin');

function modelDoc(c: Case): Record<string, unknown> {
  const parameters = Object.fromEntries(c.parameters.map((n) => [n, { value: c.start[n], step: c.step[n], ...(c.limits[n] ? { limits: c.limits[n] } : {}) }]));
  const components = c.kind === 'single'
    ? [{ name: 'signal', pdf: 'gauss', mu: 'mu', sigma: 'sigma' }]
    : c.kind === 'ext'
    ? [{ name: 'signal', pdf: 'gauss', mu: 'mu', sigma: 'sigma', yield: 'nsig' }, { name: 'background', pdf: 'exponential', lambda: 'lam', yield: 'nbkg' }]
    : [{ name: 'signal', pdf: 'gauss', mu: 'mu', sigma: 'sigma', fraction: 'f' }, { name: 'background', pdf: 'exponential', lambda: 'lam' }];
  return { observable: { name: 'mass', range: ref.range }, parameters, components };
}

test('data and reference are what the script wrote', (t) => {
  t.is(xs.length, 2500);
  t.is(zpeak.length, 20000);
  t.is(Object.keys(ref.cases).length, 11);
  for (const c of Object.values(ref.cases)) t.true(c.fit_tight.valid);
});

for (const [name, c] of Object.entries(ref.cases)) {
  for (const grad of [true, false]) {
    for (const strategy of [0, 1, 2] as const) {
      test(`${name}: ${grad ? 'analytic' : 'numerical'} gradient, strategy ${strategy} matches iminuit`, (t) => {
        const model = buildModel(modelDoc(c), name);
        const r = minimize(new UnbinnedNll(model, c.kind === 'single' ? zpeak : xs), model.params, { strategy, useGradient: grad });
        const want = c.fit_tight;
        t.true(r.valid, `valid (edm ${r.edm}, ${r.nfcn} calls)`);
        t.true(Math.abs(r.fmin - want.fmin) < 1e-4, `fmin ${r.fmin} vs ${want.fmin}`);
        c.parameters.forEach((p, i) => {
          const err = want.errors[p];
          // At an active limit the value sits on the limit and the parabolic error is not meaningful.
          const atLimit = c.limits[p]?.some((l) => l !== null && Math.abs(want.values[p] - l) < 1e-6 * Math.abs(l));
          t.true(Math.abs(r.values[i] - want.values[p]) < (atLimit ? 1e-4 : 0.02 * err), `${p}: ${r.values[i]} vs ${want.values[p]} +- ${err}`);
          if (!atLimit) t.true(Math.abs(r.errors[i] / err - 1) < 3e-3, `${p} error: ${r.errors[i]} vs ${err}`);
          const lim = c.limits[p];
          if (lim) t.true((lim[0] === null || r.values[i] >= lim[0]) && (lim[1] === null || r.values[i] <= lim[1]), `${p} inside its limits`);
        });
        // Minuit-like cost: never more calls than iminuit's own tol-0.1 fit needs (plus HESSE).
        t.true(r.nfcn < 2 * c.fit.nfcn + 100, `${r.nfcn} calls (iminuit ${c.fit.nfcn})`);
      });
    }
  }
}

const BASE = (sigma: unknown, mu: unknown = 91) => ({
  observable: { name: 'mass', range: [60, 120] },
  parameters: { mu, sigma },
  components: [{ name: 'signal', pdf: 'gauss', mu: 'mu', sigma: 'sigma' }],
});

test('unknown YAML keys are errors naming the key path (with the likely intended key)', (t) => {
  const e = t.throws(() => buildModel(BASE({ value: 3, stpe: 0.1 }), 'm.yaml'));
  t.regex(e!.message, /^m\.yaml: parameters\.sigma\.stpe: unknown key \(did you mean step\?\)/);
  t.regex(t.throws(() => buildModel({ ...BASE(3), toys: { event: 10 } }, 'm.yaml'))!.message, /toys\.event: unknown key/);
  t.regex(t.throws(() => buildModel({ ...BASE(3), constraint: [] }, 'm.yaml'))!.message, /m\.yaml: constraint: unknown key \(did you mean constraints\?\)/);
  t.regex(t.throws(() => buildModel({ ...BASE(3), observable: { name: 'm', range: [60, 120], bins: 3 } }, 'm.yaml'))!.message, /observable\.bins: unknown key/);
  const comp = { ...BASE(3), components: [{ name: 'signal', pdf: 'gauss', mu: 'mu', sigma: 'sigma', sgima: 1 }] };
  t.regex(t.throws(() => buildModel(comp, 'm.yaml'))!.message, /components\.signal\.sgima: unknown key \(did you mean sigma\?\)/);
  const cons = { ...BASE(3), constraints: [{ type: 'gaussian', parameter: 'sigma', mean: 3, sigma: 1, width: 2 }] };
  t.regex(t.throws(() => buildModel(cons, 'm.yaml'))!.message, /constraints\[0\]\.width: unknown key/);
  // a type named like a JS object property is an ordinary unknown type, not a TypeError
  const proto = { ...BASE(3), constraints: [{ type: 'constructor', parameter: 'sigma', mean: 3, sigma: 1 }] };
  t.regex(t.throws(() => buildModel(proto, 'm.yaml'))!.message, /constraints\[0\]\.type must be gaussian, multigauss or poisson \(got "constructor"\)/);
});

test('degenerate set-ups are clear errors, not an infinite NLL or NaN results', (t) => {
  for (const s of [-1, 0]) {
    const e = t.throws(() => buildModel(BASE({ value: s, step: 0.1 }), 'm.yaml'));
    t.regex(e!.message, new RegExp(`components\\.signal \\(gauss\\): sigma must be > 0 \\(got ${s}\\) at the start values`));
  }
  const far = t.throws(() => buildModel(BASE(3, 300), 'm.yaml'));
  t.regex(far!.message, /components\.signal \(gauss\): no support in the observable range \[60, 120\] at the start values \(mu = 300, sigma = 3\)/);
  const neg = { observable: { name: 'm', range: [0, 1] }, parameters: { c1: 3 }, components: [{ name: 'bkg', pdf: 'chebyshev', coefficients: ['c1'] }] };
  t.regex(t.throws(() => buildModel(neg, 'm.yaml'))!.message, /components\.bkg \(chebyshev\): the density is negative near m = 0/);
  // Inside the range but far from every event: the NLL is infinite on these data.
  const narrow = buildModel(BASE({ value: 0.001, step: 0.001 }, 62), 'm.yaml');
  t.regex(t.throws(() => fitModel(narrow, xs))!.message, /m\.yaml: the NLL at the start values is Infinity on these data \(\d+ of 2500 events have zero density under every component\)/);
});
