/**
 * The Hypatia PDF (RooHypatia2) against ROOT's formula transcribed into numpy/scipy (test/data/fits/hypatia.json
 * from scripts/ref/hypatia-ref.py): log K_nu, normalised densities and interval fractions on the range (the
 * numerical normalisation), the zeta = 0 branch, the zeta -> 0 and zeta -> infinity (Gaussian) limits, parameter
 * domains, samples, and a YAML model fit that finds the generating mu and sigma.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './helpers/fixtures.js';
import { makePdf } from '../src/fit/pdfs/index.js';
import { lnBesselK } from '../src/fit/special.js';
import { Xoshiro128ss } from '../src/core/random.js';
import { buildModel, loadModel } from '../src/fit/model.js';
import { runToys } from '../src/fit/toys/run-toy.js';
import { fitModel } from '../src/fit/fit-run.js';

const ref = JSON.parse(readFileSync(join(ROOT, 'test', 'data', 'fits', 'hypatia.json'), 'utf8'));
const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);

test('log K_nu(x) matches scipy.special.kve over small, large and half-integer orders and arguments', (t) => {
  for (const [nu, x, want] of ref.besselk_log as [number, number, number][]) t.true(Math.abs(lnBesselK(nu, x) - want) < 1e-12 * Math.max(1, Math.abs(want)), `K_${nu}(${x}): ${lnBesselK(nu, x)} vs ${want}`);
  t.is(lnBesselK(1, 0), Infinity);
  t.true(Number.isNaN(lnBesselK(1, -1)));
});

test('Hypatia matches the RooHypatia2 formula: normalised density and interval fractions to 1e-9', (t) => {
  t.is(ref.cases.length, 8);
  for (const c of ref.cases) {
    const [lo, hi] = c.range;
    const pdf = makePdf('hypatia', lo, hi);
    t.is(pdf.check(c.params), null, c.name);
    const xs = Float64Array.from(c.x as number[]);
    const out = new Float64Array(xs.length);
    pdf.density(xs, c.params, out);
    c.density.forEach((d: number, i: number) => t.true(rel(out[i], d) < 1e-9, `${c.name} at ${xs[i]}: ${out[i]} vs ${d}`));
    c.intervals.forEach(([a, b]: [number, number], k: number) => t.true(rel(pdf.integral(a, b, c.params), c.fractions[k]) < 1e-9, `${c.name} [${a}, ${b}]: ${pdf.integral(a, b, c.params)} vs ${c.fractions[k]}`));
    t.true(rel(pdf.integral(lo, hi, c.params), 1) < 1e-12);
  }
});

test('limits: zeta -> 0 is the zeta = 0 form with delta = sigma sqrt(-2 lambda - 2); zeta -> infinity is a Gaussian', (t) => {
  const lim = ref.limits;
  const xs = Float64Array.from(lim.zeta0.x as number[]);
  const pdf = makePdf('hypatia', 5000, 5600);
  const small = new Float64Array(xs.length);
  const zero = new Float64Array(xs.length);
  const sig = 20;
  pdf.density(xs, [-2.5, 1e-9, 0, sig, 5280, 50, 2, 50, 2], small);
  pdf.density(xs, [-2.5, 0, 0, sig * Math.sqrt(3), 5280, 50, 2, 50, 2], zero);
  xs.forEach((x, i) => {
    t.true(rel(small[i], lim.zeta0.small_zeta[i]) < 1e-9, `small zeta at ${x}`);
    t.true(rel(zero[i], lim.zeta0.zeta0_scaled_sigma[i]) < 1e-9, `zeta = 0 at ${x}`);
    t.true(rel(small[i], zero[i]) < 1e-9, `limit at ${x}: ${small[i]} vs ${zero[i]}`);
  });
  // Gaussian limit: the GH core approaches N(mu, sigma) as 1/zeta; at zeta = 1e4 within 1e-3 of the peak.
  const g = new Float64Array(xs.length);
  pdf.density(xs, [1, 1e4, 0, sig, 5280, 50, 2, 50, 2], g);
  const peak = Math.max(...(lim.gauss.gauss as number[]));
  xs.forEach((x, i) => t.true(Math.abs(g[i] - lim.gauss.gauss[i]) < 1e-3 * peak, `gauss limit at ${x}: ${g[i]} vs ${lim.gauss.gauss[i]}`));
  pdf.density(xs, [1, 10, 0, sig, 5280, 50, 2, 50, 2], g);
  t.true(xs.some((x, i) => Math.abs(g[i] - lim.gauss.gauss[i]) > 1e-2 * peak), 'zeta = 10 is visibly not Gaussian');
});

test('parameter domains are checked', (t) => {
  const pdf = makePdf('hypatia', 0, 1);
  const ok = [-2, 1, 0, 1, 0.5, 2, 2, 2, 2];
  t.is(pdf.check(ok), null);
  const bad = (i: number, v: number) => pdf.check(ok.map((x, j) => (j === i ? v : x)));
  t.regex(bad(3, 0)!, /sigma must be > 0/);
  t.regex(bad(1, -1)!, /zeta must be >= 0/);
  t.regex(pdf.check([1, 0, 0, 1, 0.5, 2, 2, 2, 2])!, /zeta = 0 needs lambda < 0/);
  t.regex(bad(5, 0)!, /a must be > 0/);
  t.regex(bad(8, -1)!, /n2 must be >= 0/);
});

test('samples follow Hypatia and a YAML model fit recovers mu and sigma', (t) => {
  const c = ref.cases.find((x: any) => x.name === 'bmass');
  const [lo, hi] = c.range;
  const pdf = makePdf('hypatia', lo, hi);
  const n = 20_000;
  const xs = new Float64Array(n);
  pdf.sample(Xoshiro128ss.fromSeedAndStream(5, 1), c.params, n, xs, 0);
  const nb = 30;
  let chi2 = 0;
  let ndf = -1;
  const counts = new Float64Array(nb);
  for (const x of xs) counts[Math.min(nb - 1, Math.floor(((x - lo) / (hi - lo)) * nb))]++;
  for (let b = 0; b < nb; b++) {
    const e = n * pdf.integral(lo + ((hi - lo) * b) / nb, lo + ((hi - lo) * (b + 1)) / nb, c.params);
    if (e < 5) continue;
    chi2 += (counts[b] - e) ** 2 / e;
    ndf++;
  }
  t.true(chi2 < ndf + 5 * Math.sqrt(2 * ndf), `chi2 ${chi2.toFixed(1)} / ${ndf}`);
  const data = xs.subarray(0, 4000);
  const [lambda, zeta, beta, , , a, nl, a2, n2] = c.params;
  const model = buildModel({
    observable: { name: 'B_M', range: [lo, hi] },
    parameters: { mu: { value: 5270, step: 2 }, sigma: { value: 25, step: 1, limits: [5, 60] } },
    components: [{ name: 'sig', pdf: 'hypatia', lambda, zeta, beta, sigma: 'sigma', mu: 'mu', a, n: nl, a2, n2 }],
  });
  const r = fitModel(model, data).result;
  t.true(r.valid);
  t.true(Math.abs(r.values[0] - 5280) < 4 * r.errors[0], `mu ${r.values[0]} +- ${r.errors[0]}`);
  t.true(Math.abs(r.values[1] - 20) < 4 * r.errors[1], `sigma ${r.values[1]} +- ${r.errors[1]}`);
  t.true(r.errors[0] > 0.1 && r.errors[0] < 2);
});

test('examples/fit/hypatia-exp.yaml: toys generate and fit the Hypatia model without bias in mu', (t) => {
  const model = loadModel(join(ROOT, 'examples', 'fit', 'hypatia-exp.yaml'));
  t.is(model.components[0].pdf.kind, 'hypatia');
  const mu = model.params.findIndex((p) => p.name === 'mu');
  const pulls: number[] = [];
  runToys(model, 0, 10, { seed: 4, vary: 'all' }, (r) => {
    t.true(r.valid, `toy ${r.toy}`);
    pulls.push((r.values[mu] - 5280) / r.errors[mu]);
  });
  t.is(pulls.length, 10);
  const mean = pulls.reduce((a, b) => a + b, 0) / pulls.length;
  t.true(Math.abs(mean) < 3 / Math.sqrt(pulls.length), `mean pull ${mean}`);
  t.true(pulls.every((p) => Math.abs(p) < 5));
});
