/**
 * Weighted fits: values and the sum-of-weights-squared covariance (C = V H2 V) against iminuit + numpy on the
 * same weighted data (test/data/fits/weighted.json from scripts/ref/iminuit-fits.py); the Hessian of the
 * squared-weight NLL by every route (exact, gradient differences, function values) gives the same C.
 * The asymptotically correct covariance (Langenbruch) against numpy (test/data/fits/weighted-asymptotic.json from
 * scripts/ref/weighted-asymptotic.py): extended, binned and fraction models, the matrix at the reference minimum
 * and the errors of a full fit.
 */
import test from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, tempDir } from './helpers/fixtures.js';
import { runCli } from './helpers/cli.js';
import { writeParquetTable } from '../src/io/parquet/index.js';
import { buildModel } from '../src/fit/model.js';
import { fitModel, buildNll } from '../src/fit/fit-run.js';
import { asymptoticCovariance, sumW2Covariance } from '../src/fit/weighted.js';
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
  const rep = fitModel(model, xs, { weights: w, weightErrors: 'sumw2' });
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

const asy = JSON.parse(readFileSync(join(dir, 'weighted-asymptotic.json'), 'utf8'));
const ax = Float64Array.from(asy.x as number[]);
const aw = Float64Array.from(asy.w as number[]);
function asyModel(kind: string): ReturnType<typeof buildModel> {
  const c = asy.cases[kind];
  const errs = c.errors_uncorrected as number[];
  const parameters = Object.fromEntries(c.params.map((n: string, i: number) => [n, { value: c.values[i] * 1.02 + (n === 'lam' ? 0.004 : 0), step: errs[i] }]));
  const ext = kind !== 'fractions';
  return buildModel({
    observable: { name: 'mass', range: asy.range },
    parameters,
    components: [
      { name: 'signal', pdf: 'gauss', mu: 'mu', sigma: 'sigma', ...(ext ? { yield: 'nsig' } : { fraction: 'f' }) },
      { name: 'background', pdf: 'exponential', lambda: 'lam', ...(ext ? { yield: 'nbkg' } : {}) },
    ],
  });
}

for (const kind of ['extended', 'binned', 'fractions']) {
  test(`asymptotic covariance (${kind}): H^-1 (sum w^2 g g^T) H^-1 matches numpy at its minimum and after a fit`, (t) => {
    const c = asy.cases[kind];
    const model = asyModel(kind);
    const binned = kind === 'binned' ? asy.bins : undefined;
    const np = c.params.length;
    t.deepEqual(model.params.map((p) => p.name), c.params);
    // The sandwich at the reference minimum with the reference H^-1: only D (the per-event gradients) is ours.
    const C = asymptoticCovariance(model, ax, aw, { values: Float64Array.from(c.values), errors: Float64Array.from(c.errors_uncorrected), covariance: (c.hinv as number[][]).map((r) => Float64Array.from(r)) }, binned)!;
    const want = c.covariance_asymptotic as number[][];
    for (let a = 0; a < np; a++) for (let b = 0; b < np; b++) t.true(Math.abs(C[a][b] - want[a][b]) < 1e-6 * Math.sqrt(want[a][a] * want[b][b]), `C[${a}][${b}] ${C[a][b]} vs ${want[a][b]}`);
    // A full fit (tight tolerance: numpy's minimum is polished by Newton steps): our minimum and HESSE, then the correction.
    const rep = fitModel(model, ax, { weights: aw, binned, tol: 1e-4 });
    const r = rep.result;
    t.true(r.valid);
    t.is(rep.weighted?.method, 'asymptotic');
    c.params.forEach((n: string, i: number) => {
      t.true(Math.abs(r.values[i] - c.values[i]) < 2e-3 * c.errors_asymptotic[i], `${n}: ${r.values[i]} vs ${c.values[i]}`);
      t.true(Math.abs(rep.weighted!.uncorrectedErrors[i] / c.errors_uncorrected[i] - 1) < 2e-3, `${n} uncorrected ${rep.weighted!.uncorrectedErrors[i]} vs ${c.errors_uncorrected[i]}`);
      t.true(Math.abs(r.errors[i] / c.errors_asymptotic[i] - 1) < 2e-3, `${n} asymptotic ${r.errors[i]} vs ${c.errors_asymptotic[i]}`);
    });
    if (c.errors_sumw2) {
      // The two corrections differ on efficiency-like weights (numpy: lam 15% apart), and ours follows each.
      const s = fitModel(model, ax, { weights: aw, binned, weightErrors: 'sumw2', tol: 1e-4 }).result;
      c.params.forEach((n: string, i: number) => t.true(Math.abs(s.errors[i] / c.errors_sumw2[i] - 1) < 3e-3, `${n} sumw2 ${s.errors[i]} vs ${c.errors_sumw2[i]}`));
      const li = c.params.indexOf('lam');
      t.true(s.errors[li] / r.errors[li] > 1.1);
    }
  });
}

test('asymptotic covariance: fixed parameters get zero rows; no weights count as unit weights; constraints add their Hessian', (t) => {
  const c = asy.cases.extended;
  const model = asyModel('extended');
  const res = { values: Float64Array.from(c.values), errors: Float64Array.from(c.errors_uncorrected), covariance: (c.hinv as number[][]).map((r) => Float64Array.from(r)) };
  const ones = new Float64Array(aw.length).fill(1);
  const C1 = asymptoticCovariance(model, ax, ones, res)!;
  const C0 = asymptoticCovariance(model, ax, undefined, res)!;
  for (let a = 0; a < 5; a++) for (let b = 0; b < 5; b++) t.is(C0[a][b], C1[a][b]);
  const fixed = { ...model, params: model.params.map((p, i) => (i === 2 ? { ...p, fixed: true } : p)) };
  const Cf = asymptoticCovariance(fixed, ax, aw, { ...res, covariance: res.covariance.map((r, a) => r.map((v, b) => (a === 2 || b === 2 ? 0 : v))) })!;
  t.true(Cf[2].every((v) => v === 0) && Cf.every((r) => r[2] === 0));
  const sig = 0.1;
  const withC = { ...model, constraints: [{ kind: 'gaussian' as const, index: 3, mean: 3, sigma: sig }] };
  const Cc = asymptoticCovariance(withC, ax, aw, res)!;
  const Cw = asymptoticCovariance(model, ax, aw, res)!;
  // D gains 1/sig^2 at (sigma, sigma): C changes by H^-1 e e^T H^-1 / sig^2.
  const h = res.covariance;
  for (let a = 0; a < 5; a++) for (let b = 0; b < 5; b++) t.true(Math.abs(Cc[a][b] - Cw[a][b] - (h[a][3] * h[3][b]) / sig ** 2) < 1e-9 * Math.sqrt(Cw[a][a] * Cw[b][b]), `constraint C[${a}][${b}]`);
});

test('asymptotic covariance of a simultaneous fit: two identical categories sharing every parameter halve C', (t) => {
  const c = asy.cases.extended;
  const single = asyModel('extended');
  const comps = [
    { name: 'signal', pdf: 'gauss', mu: 'mu', sigma: 'sigma', yield: 'nsig' },
    { name: 'background', pdf: 'exponential', lambda: 'lam', yield: 'nbkg' },
  ];
  const sim = buildModel({
    parameters: Object.fromEntries(single.params.map((p) => [p.name, { value: p.value, step: p.step }])),
    categories: { a: { observable: { name: 'mass', range: asy.range }, components: comps }, b: { observable: { name: 'mass', range: asy.range }, components: comps } },
  });
  const one = fitModel(single, ax, { weights: aw, tol: 1e-4 }).result;
  const two = fitModel(sim, [ax, ax], { weights: [aw, aw], tol: 1e-4 }).result;
  t.true(two.valid);
  c.params.forEach((n: string, i: number) => t.true(Math.abs(two.errors[i] * Math.SQRT2 / one.errors[i] - 1) < 2e-3, `${n}: ${two.errors[i]} x sqrt2 vs ${one.errors[i]}`));
});

test('ntcorr fit --weight: asymptotic errors by default, --weight-errors sumw2, recorded in the JSON; a misspelt choice is an error', async (t) => {
  const c = asy.cases.extended;
  const tmp = tempDir();
  const file = join(tmp, 'w.parquet');
  await writeParquetTable(file, [{ name: 'mass', data: ax }, { name: 'w', data: aw }]);
  const model = join(tmp, 'm.yaml');
  const start = Object.fromEntries(c.params.map((n: string, i: number) => [n, { value: c.values[i] * 1.02, step: c.errors_uncorrected[i] }]));
  writeFileSync(model, JSON.stringify({
    observable: { name: 'mass', range: asy.range },
    parameters: start,
    components: [
      { name: 'signal', pdf: 'gauss', mu: 'mu', sigma: 'sigma', yield: 'nsig' },
      { name: 'background', pdf: 'exponential', lambda: 'lam', yield: 'nbkg' },
    ],
  }));
  const fit = (extra: string[], out: string) => {
    const r = runCli(['fit', '--model', model, '--data', file, '--column', 'mass', '--weight', 'w', '--tol', '1e-4', '--no-plot', '--out', join(tmp, out), ...extra]);
    t.is(r.code, 0, r.stderr);
    return JSON.parse(readFileSync(join(tmp, `${out}.json`), 'utf8')).fit;
  };
  const def = fit([], 'def');
  t.is(def.weight_errors, 'asymptotic');
  c.params.forEach((n: string, i: number) => {
    t.true(Math.abs(def.parameters[n].error / c.errors_asymptotic[i] - 1) < 2e-3, `${n} asymptotic ${def.parameters[n].error} vs ${c.errors_asymptotic[i]}`);
    t.true(Math.abs(def.parameters[n].error_uncorrected / c.errors_uncorrected[i] - 1) < 2e-3, `${n} uncorrected`);
  });
  const s2 = fit(['--weight-errors', 'sumw2'], 's2');
  t.is(s2.weight_errors, 'sumw2');
  c.params.forEach((n: string, i: number) => t.true(Math.abs(s2.parameters[n].error / c.errors_sumw2[i] - 1) < 3e-3, `${n} sumw2`));
  const bad = runCli(['fit', '--model', model, '--data', file, '--column', 'mass', '--weight', 'w', '--weight-errors', 'asymptotc', '--no-plot', '--out', join(tmp, 'bad')]);
  t.not(bad.code, 0);
  t.regex(bad.stderr, /asymptotc/);
});
