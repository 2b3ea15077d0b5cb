/**
 * PDFs, special functions, random numbers, constraints, binned NLL and MINOS against independent references:
 * scipy values (erf/erfc, scipy.stats.crystalball, a binned Poisson NLL computed with scipy.stats), numerical
 * integration, finite differences, and closed-form results.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { fixture } from './helpers/fixtures.js';
import { erf, erfc, normQuantile, normCdf } from '../src/fit/special.js';
import { Xoshiro128ss } from '../src/core/random.js';
import { makePdf, type PdfKind } from '../src/fit/pdfs/index.js';
import { buildModel } from '../src/fit/model.js';
import { BinnedNll, UnbinnedNll } from '../src/fit/nll.js';
import { constraintTerm } from '../src/fit/constraints.js';
import { minimize } from '../src/fit/minuit/migrad.js';
import { fitModel } from '../src/fit/fit-run.js';

const LO = 4600;
const HI = 7000;

/** Composite Simpson integral of the PDF over [a, b]. */
function simpson(f: (x: Float64Array, out: Float64Array) => void, a: number, b: number, n = 200_000): number {
  const xs = Float64Array.from({ length: n + 1 }, (_, i) => a + ((b - a) * i) / n);
  const ys = new Float64Array(n + 1);
  f(xs, ys);
  let s = ys[0] + ys[n];
  for (let i = 1; i < n; i++) s += ys[i] * (i % 2 ? 4 : 2);
  return (s * (b - a)) / (3 * n);
}

const CASES: Array<[PdfKind, number[], number?]> = [
  ['gauss', [5280, 50]],
  ['gauss', [4650, 300]],
  ['exponential', [-0.001]],
  ['exponential', [0.002]],
  ['exponential', [1e-9]],
  ['uniform', []],
  ['chebyshev', [0.3, -0.2, 0.1], 3],
  ['polynomial', [-0.4, 0.2], 2],
  ['crystalball', [5280, 50, 1.5, 3]],
  ['crystalball', [5280, 50, 0.8, 1.0]],
  ['dscb', [5280, 50, 1.2, 2.5, 0.9, 6]],
  ['dscb', [5000, 80, 2, 1.0000000001, 1.5, 30]],
];

test('erf and erfc match scipy to 1e-15 relative (both regimes of the implementation)', (t) => {
  const e: Array<[number, number]> = [[0.1, 0.1124629160182849], [0.5, 0.5204998778130465], [1, 0.8427007929497148], [2, 0.9953222650189527], [2.9, 0.9999589021219005], [3.1, 0.9999883513426328], [4, 0.9999999845827421]];
  for (const [x, v] of e) t.true(Math.abs(erf(x) - v) <= 1e-15 * v, `erf(${x}) = ${erf(x)} vs ${v}`);
  const c: Array<[number, number]> = [[3, 2.2090496998585445e-05], [5, 1.5374597944280347e-12], [10, 2.0884875837625446e-45], [20, 5.395865611607901e-176], [-1, 1.8427007929497148]];
  for (const [x, v] of c) t.true(Math.abs(erfc(x) - v) <= 1e-14 * v, `erfc(${x}) = ${erfc(x)} vs ${v}`);
  for (const p of [1e-10, 0.001, 0.3, 0.5, 0.975, 1 - 1e-9]) t.true(Math.abs(normCdf(normQuantile(p)) - p) < 1e-14 + 1e-12 * p);
});

test('every PDF integrates to 1 on the range; integral() matches numerical integration of density()', (t) => {
  for (const [kind, p, order] of CASES) {
    const pdf = makePdf(kind, LO, HI, order ?? 0);
    const f = (xs: Float64Array, out: Float64Array) => pdf.density(xs, p, out);
    const tot = simpson(f, LO, HI);
    t.true(Math.abs(tot - 1) < 1e-9, `${kind} ${p}: integral ${tot}`);
    for (const [a, b] of [[LO, 5000], [5100, 5300], [5250, 7000], [6900, 8000]]) {
      const num = simpson(f, a, Math.min(b, HI), 100_000);
      t.true(Math.abs(pdf.integral(a, b, p) - num) < 1e-9, `${kind} ${p} [${a}, ${b}]: ${pdf.integral(a, b, p)} vs ${num}`);
    }
  }
});

test('Crystal Ball matches scipy.stats.crystalball normalised on the range', (t) => {
  const xs = Float64Array.from([4700, 5100, 5200, 5280, 5300, 5500]);
  const refs: Array<[number[], number[], number]> = [
    [[5280, 50, 1.5, 3], [1.1034278774004587e-05, 0.00028362760173465765, 0.002110776151512184, 0.007526470574139155, 0.006947808017585861, 4.7056625841211397e-07], 0.3047252607628746],
    [[5280, 50, 0.8, 1.2], [0.0002941809613644513, 0.0010383375260210798, 0.002200023365923025, 0.005060173640294395, 0.004671129002910525, 3.1636966535291143e-07], 0.3833636868523159],
  ];
  for (const [p, vals, frac] of refs) {
    const pdf = makePdf('crystalball', LO, HI);
    const out = new Float64Array(xs.length);
    pdf.density(xs, p, out);
    vals.forEach((v, i) => t.true(Math.abs(out[i] / v - 1) < 1e-12, `x=${xs[i]}: ${out[i]} vs ${v}`));
    t.true(Math.abs(pdf.integral(5000, 5250, p) / frac - 1) < 1e-12);
    // The double-sided version with an unreachable right tail is the same function.
    const ds = makePdf('dscb', LO, HI);
    const out2 = new Float64Array(xs.length);
    ds.density(xs, [...p, 1e3, 5], out2);
    out2.forEach((v, i) => t.true(Math.abs(v / out[i] - 1) < 1e-12));
  }
});

test('analytic d log f / d p agrees with finite differences', (t) => {
  const xs = Float64Array.from([4610, 4900, 5230, 5280, 5333, 6100, 6990]);
  for (const [kind, p, order] of CASES) {
    const pdf = makePdf(kind, LO, HI, order ?? 0);
    if (!pdf.densityGrad || p.length === 0) continue;
    const out = new Float64Array(xs.length);
    const dl = p.map(() => new Float64Array(xs.length));
    pdf.densityGrad(xs, p, out, dl);
    p.forEach((v, j) => {
      const h = Math.max(Math.abs(v), 1e-3) * 1e-6;
      const up = new Float64Array(xs.length);
      const dn = new Float64Array(xs.length);
      pdf.density(xs, p.map((q, k) => (k === j ? q + h : q)), up);
      pdf.density(xs, p.map((q, k) => (k === j ? q - h : q)), dn);
      xs.forEach((_, i) => {
        const num = (Math.log(up[i]) - Math.log(dn[i])) / (2 * h);
        t.true(Math.abs(dl[j][i] - num) < 1e-5 * (Math.abs(num) + 1 / Math.max(Math.abs(v), 1e-3) * 1e-3), `${kind} p${j} x=${xs[i]}: ${dl[j][i]} vs ${num}`);
      });
    });
  }
});

test('samples follow each PDF (chi-square over 24 bins of 40k draws)', (t) => {
  const rng = Xoshiro128ss.fromSeedAndStream(2024, 7);
  for (const [kind, p, order] of CASES) {
    const pdf = makePdf(kind, LO, HI, order ?? 0);
    const n = 40_000;
    const xs = new Float64Array(n);
    pdf.sample(rng, p, n, xs, 0);
    const nb = 24;
    const counts = new Float64Array(nb);
    for (const x of xs) {
      t.true(x >= LO && x <= HI);
      counts[Math.min(nb - 1, Math.floor(((x - LO) / (HI - LO)) * nb))]++;
    }
    let chi2 = 0;
    let ndf = -1;
    for (let b = 0; b < nb; b++) {
      const e = n * pdf.integral(LO + ((HI - LO) * b) / nb, LO + ((HI - LO) * (b + 1)) / nb, p);
      if (e < 5) continue;
      chi2 += (counts[b] - e) ** 2 / e;
      ndf++;
    }
    // p-value ~1e-4 for ~20 dof; a 2% shape bias in 40k draws would give chi2 in the hundreds.
    t.true(chi2 < ndf + 5 * Math.sqrt(2 * ndf), `${kind} ${p}: chi2 ${chi2.toFixed(1)} / ${ndf}`);
  }
});

test('Poisson and normal draws have the right moments; streams differ by seed and index', (t) => {
  const rng = Xoshiro128ss.fromSeedAndStream(5, 0);
  for (const mean of [0.5, 3, 9.9, 10, 50, 1000, 1e5]) {
    const n = 40_000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const k = rng.poisson(mean);
      t.true(Number.isInteger(k) && k >= 0);
      s += k;
      s2 += k * k;
    }
    const m = s / n;
    const v = s2 / n - m * m;
    t.true(Math.abs(m - mean) < 4 * Math.sqrt(mean / n), `poisson(${mean}) mean ${m}`);
    t.true(Math.abs(v / mean - 1) < 4 * Math.sqrt(2 / n) + 0.01, `poisson(${mean}) variance ${v}`);
  }
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < 100_000; i++) {
    const z = rng.normal();
    s += z;
    s2 += z * z;
  }
  t.true(Math.abs(s / 1e5) < 0.015 && Math.abs(s2 / 1e5 - 1) < 0.02);
  t.not(Xoshiro128ss.fromSeedAndStream(1, 0).uniform(), Xoshiro128ss.fromSeedAndStream(1, 1).uniform());
  t.not(Xoshiro128ss.fromSeedAndStream(1, 0).uniform(), Xoshiro128ss.fromSeedAndStream(2, 0).uniform());
  t.is(Xoshiro128ss.fromSeedAndStream(3, 4).uniform(), Xoshiro128ss.fromSeedAndStream(3, 4).uniform());
});

const GAUSS_EXP = {
  observable: { name: 'm', range: [LO, HI] },
  parameters: { nsig: { value: 1000, step: 30 }, nbkg: { value: 2000, step: 45 }, mu: { value: 5280, step: 2 }, sigma: { value: 50, step: 2 }, lam: { value: -0.001, step: 1e-4 } },
  components: [
    { name: 'signal', pdf: 'gauss', mu: 'mu', sigma: 'sigma', yield: 'nsig' },
    { name: 'background', pdf: 'exponential', lambda: 'lam', yield: 'nbkg' },
  ],
};

function toy0(): Float64Array {
  const raw = readFileSync(fixture('toys', 'toys_0-9.f64.bin'));
  return new Float64Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + 3018 * 8));
}

test('binned Poisson NLL matches scipy on fixture toy 0 (48 bins, probe point)', (t) => {
  const model = buildModel(GAUSS_EXP);
  const xs = toy0();
  const edges = Float64Array.from({ length: 49 }, (_, i) => LO + ((HI - LO) * i) / 48);
  const counts = new Float64Array(48);
  for (const x of xs) counts[Math.min(47, Math.floor((x - LO) / 50))]++;
  const nll = new BinnedNll(model, edges, counts);
  const v = nll.value(Float64Array.from([1100, 1900, 5285, 55, -0.0012]));
  t.true(Math.abs(v / -11071.782533295824 - 1) < 1e-12, `binned NLL ${v}`);
  // With bins 10x narrower than the resolution the binned fit lands on the unbinned one.
  const fine = Float64Array.from({ length: 481 }, (_, i) => LO + ((HI - LO) * i) / 480);
  const fc = new Float64Array(480);
  for (const x of xs) fc[Math.min(479, Math.floor((x - LO) / 5))]++;
  const rb = minimize(new BinnedNll(model, fine, fc), model.params, { tol: 1e-6 });
  const ru = minimize(new UnbinnedNll(model, xs), model.params, { tol: 1e-6 });
  t.true(rb.valid);
  for (let i = 0; i < 5; i++) {
    t.true(Math.abs(rb.values[i] - ru.values[i]) < 0.05 * ru.errors[i], `param ${i}: ${rb.values[i]} vs ${ru.values[i]}`);
    t.true(Math.abs(rb.errors[i] / ru.errors[i] - 1) < 0.02, `error ${i}`);
  }
});

test('weighted NLL: unit weights change nothing, weights of 2 double the log term', (t) => {
  const model = buildModel(GAUSS_EXP);
  const xs = toy0();
  const p = Float64Array.from([1100, 1900, 5285, 55, -0.0012]);
  const plain = new UnbinnedNll(model, xs).value(p);
  t.is(new UnbinnedNll(model, xs, new Float64Array(xs.length).fill(1)).value(p), plain);
  const two = new UnbinnedNll(model, xs, new Float64Array(xs.length).fill(2)).value(p);
  // NLL = sum N - sum w log L: with w = 2 the log part doubles.
  t.true(Math.abs(two - (2 * plain - 3000)) < 1e-9 * Math.abs(two));
});

test('constraints: Gaussian, multivariate Gaussian and Poisson values and gradients', (t) => {
  const model = buildModel({
    ...GAUSS_EXP,
    constraints: [
      { type: 'gaussian', parameter: 'sigma', mean: 50, sigma: 5 },
      { type: 'multigauss', parameters: ['mu', 'lam'], mean: [5280, -0.001], covariance: [[4, 1e-4], [1e-4, 1e-8]] },
      { type: 'poisson', parameter: 'nbkg', observed: 2100, scale: 1 },
    ],
  });
  const p = Float64Array.from([1100, 1900, 5283, 55, -0.0012]);
  // Independent evaluation: 0.5 z^2; 0.5 d^T C^-1 d with C^-1 written out by hand; Poisson deviance / 2.
  const det = 4 * 1e-8 - 1e-8;
  const d0 = 3;
  const d1 = -0.0002;
  const q = (1e-8 * d0 * d0 - 2 * 1e-4 * d0 * d1 + 4 * d1 * d1) / det;
  const pois = 1900 - 2100 + 2100 * Math.log(2100 / 1900);
  const expect = 0.5 * 1 + 0.5 * q + pois;
  const g = new Float64Array(5);
  const v = constraintTerm(model.constraints, p, g);
  t.true(Math.abs(v - expect) < 1e-10 * expect, `${v} vs ${expect}`);
  for (let i = 0; i < 5; i++) {
    const h = 1e-6 * Math.max(1e-3, Math.abs(p[i]));
    const a = Float64Array.from(p);
    a[i] += h;
    const b = Float64Array.from(p);
    b[i] -= h;
    const num = (constraintTerm(model.constraints, a) - constraintTerm(model.constraints, b)) / (2 * h);
    t.true(Math.abs(g[i] - num) < 1e-5 * Math.abs(num) + 1e-8, `grad ${i}: ${g[i]} vs ${num}`);
  }
});

test('MINOS reproduces the exact Poisson likelihood interval of a counting yield', (t) => {
  // One flat component with a yield: NLL(N) = N - n log N (+ const); the interval solves N - n log N = min + 1/2.
  const model = buildModel({
    observable: { name: 'x', range: [0, 1] },
    parameters: { n: { value: 40, step: 5 } },
    components: [{ name: 'flat', pdf: 'uniform', yield: 'n' }],
  });
  const nObs = 37;
  const xs = Float64Array.from({ length: nObs }, (_, i) => (i + 0.5) / nObs);
  const rep = fitModel(model, xs, { minos: 'all', tol: 1e-6 });
  const r = rep.result;
  t.true(Math.abs(r.values[0] - nObs) < 1e-3);
  t.true(Math.abs(r.errors[0] - Math.sqrt(nObs)) < 1e-3 * Math.sqrt(nObs));
  const h = (N: number) => N - nObs * Math.log(N) - (nObs - nObs * Math.log(nObs)) - 0.5;
  const root = (a: number, b: number) => {
    for (let i = 0; i < 200; i++) {
      const m = 0.5 * (a + b);
      if (h(a) * h(m) <= 0) b = m;
      else a = m;
    }
    return 0.5 * (a + b);
  };
  const lo = root(nObs - 3 * Math.sqrt(nObs), nObs) - nObs;
  const hi = root(nObs, nObs + 3 * Math.sqrt(nObs)) - nObs;
  const m = rep.minos.n;
  t.true(m.lowerValid && m.upperValid);
  t.true(Math.abs(m.lower - lo) < 2e-3, `lower ${m.lower} vs ${lo}`);
  t.true(Math.abs(m.upper - hi) < 2e-3, `upper ${m.upper} vs ${hi}`);
});

test('limits far from the minimum leave the fit unchanged (Minuit transforms) and are respected when active', (t) => {
  const xs = toy0();
  const free = buildModel(GAUSS_EXP);
  const lim = buildModel({ ...GAUSS_EXP, parameters: { ...GAUSS_EXP.parameters, sigma: { value: 50, step: 2, limits: [10, 200] }, nsig: { value: 1000, step: 30, limits: [0, null] } } });
  const a = minimize(new UnbinnedNll(free, xs), free.params, { tol: 1e-6 });
  const b = minimize(new UnbinnedNll(lim, xs), lim.params, { tol: 1e-6 });
  t.true(b.valid);
  for (let i = 0; i < 5; i++) {
    t.true(Math.abs(a.values[i] - b.values[i]) < 1e-3 * a.errors[i]);
    t.true(Math.abs(b.errors[i] / a.errors[i] - 1) < 2e-3, `error ${i}: ${b.errors[i]} vs ${a.errors[i]}`);
  }
  // An upper limit below the best-fit sigma (~50.3) pins it at the limit.
  const pin = buildModel({ ...GAUSS_EXP, parameters: { ...GAUSS_EXP.parameters, sigma: { value: 45, step: 2, limits: [30, 48] } } });
  const c = minimize(new UnbinnedNll(pin, xs), pin.params);
  t.true(c.values[3] <= 48 && c.values[3] > 47.9, `sigma ${c.values[3]}`);
});

test('fraction model (non-extended) fits with analytic gradients and recovers the signal fraction', (t) => {
  const model = buildModel({
    observable: { name: 'm', range: [LO, HI] },
    parameters: { f: { value: 0.3, step: 0.02, limits: [0, 1] }, mu: { value: 5280, step: 2 }, sigma: { value: 50, step: 2 }, lam: { value: -0.001, step: 1e-4 } },
    components: [
      { name: 'signal', pdf: 'gauss', mu: 'mu', sigma: 'sigma', fraction: 'f' },
      { name: 'background', pdf: 'exponential', lambda: 'lam' },
    ],
  });
  const xs = toy0();
  const nll = new UnbinnedNll(model, xs);
  t.truthy(nll.valueGrad);
  const r = minimize(nll, model.params, { tol: 1e-6 });
  t.true(r.valid);
  // The extended fit's nsig / (nsig + nbkg) is the same maximum (iminuit fit_tight: 1057.524 / 3018).
  t.true(Math.abs(r.values[0] - 1057.5243133151341 / 3018) < 1e-4, `f = ${r.values[0]}`);
  t.true(Math.abs(r.values[1] - 5280.501021285128) < 0.01);
});

test('model errors name the file and the key', (t) => {
  const bad = (doc: unknown) => t.throws(() => buildModel(doc, 'm.yaml'));
  bad({});
  const e1 = t.throws(() => buildModel({ ...GAUSS_EXP, components: [{ name: 's', pdf: 'gaus', mu: 'mu', sigma: 'sigma', yield: 'nsig' }] }, 'm.yaml'));
  t.regex(e1!.message, /m\.yaml: components\.s\.pdf must be one of/);
  const e2 = t.throws(() => buildModel({ ...GAUSS_EXP, components: [{ name: 's', pdf: 'gauss', mu: 'mux', sigma: 'sigma', yield: 'nsig' }] }, 'm.yaml'));
  t.regex(e2!.message, /unknown parameter "mux"/);
  bad({ ...GAUSS_EXP, observable: { name: 'm', range: [7000, 4600] } });
  bad({ ...GAUSS_EXP, parameters: { ...GAUSS_EXP.parameters, sigma: { value: 50, limits: [60, 70] } } });
});

test('exact NLL Hessian agrees with differences of the analytic gradient (extended, fractions, constraints, weights)', (t) => {
  const xs = toy0();
  const w = Float64Array.from(xs, (_, i) => 0.5 + (i % 3) * 0.5);
  const ext = buildModel({ ...GAUSS_EXP, constraints: [{ type: 'gaussian', parameter: 'sigma', mean: 50, sigma: 5 }, { type: 'poisson', parameter: 'nbkg', observed: 2100 }] });
  const frac = buildModel({
    observable: { name: 'm', range: [LO, HI] },
    parameters: { f: 0.3, mu: 5280, sigma: 50, lam: -0.001, c1: 0.1 },
    components: [
      { name: 'signal', pdf: 'gauss', mu: 'mu', sigma: 'sigma', fraction: 'f' },
      { name: 'bkg', pdf: 'chebyshev', coefficients: ['c1', 0.05] },
    ],
  });
  const cases: Array<[string, UnbinnedNll, Float64Array]> = [
    ['extended + constraints', new UnbinnedNll(ext, xs), Float64Array.from([1100, 1900, 5285, 55, -0.0012])],
    ['extended, weighted', new UnbinnedNll(buildModel(GAUSS_EXP), xs, w), Float64Array.from([1100, 1900, 5285, 55, -0.0012])],
    ['fractions + chebyshev', new UnbinnedNll(frac, xs), Float64Array.from([0.35, 5283, 52, -0.001, 0.12, 0.05])],
  ];
  for (const [label, nll, p] of cases) {
    const np = p.length;
    const H = Array.from({ length: np }, () => new Float64Array(np));
    t.true(nll.hessian!(p, H));
    for (let i = 0; i < np; i++) {
      const h = 1e-6 * Math.max(Math.abs(p[i]), 1e-3);
      const a = Float64Array.from(p);
      a[i] += h;
      const b = Float64Array.from(p);
      b[i] -= h;
      const ga = new Float64Array(np);
      const gb = new Float64Array(np);
      nll.valueGrad!(a, ga);
      nll.valueGrad!(b, gb);
      for (let j = 0; j < np; j++) {
        const num = (ga[j] - gb[j]) / (2 * h);
        const scale = Math.sqrt(Math.abs(H[i][i] * H[j][j]));
        t.true(Math.abs(H[i][j] - num) <= 1e-5 * scale + 1e-12, `${label} H[${i}][${j}] = ${H[i][j]} vs ${num}`);
      }
    }
  }
});
