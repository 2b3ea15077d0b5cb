import test from 'ava';
import {
  ksDistance, ksPValue, wasserstein1, weightedQuantiles, binnedQuantiles, correlationMatrix, correlationDifference,
  histogram, histErrors, uniformEdges, quantileEdges, chi2Histograms, chi2Survival, rocAuc,
} from '../src/stats/index.js';
import { Mulberry32 } from '../src/core/random.js';

// Independent references here are analytic: Φ via erf (Abramowitz-Stegun 7.1.26, |err| < 1.5e-7).
function erf(x: number): number {
  const s = Math.sign(x); x = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * x);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return s * y;
}
const Phi = (x: number) => 0.5 * (1 + erf(x / Math.SQRT2));
const normals = (n: number, seed: number, mu = 0, sigma = 1) => { const r = Mulberry32.fromSeed(seed); return Float64Array.from({ length: n }, () => mu + sigma * r.normal()); };
const close = (t: any, a: number, b: number, tol: number, what = '') => t.true(Math.abs(a - b) <= tol, `${what} ${a} vs ${b} (tol ${tol})`);

test('KS: shifted grid gives exactly the shift; ties are absorbed; weights act as multiplicities', (t) => {
  const n = 1000;
  // Integer grid so that shifted values coincide exactly with other grid points (ties on the overlap).
  const a = Float64Array.from({ length: n }, (_, i) => i);
  const b = a.map((v) => v + 100);
  close(t, ksDistance(a, b), 0.1, 1e-12);
  close(t, ksDistance(a, a.map((v) => v + 0.5)), 0.001, 1e-12);
  close(t, ksDistance([1, 2, 3], [2, 3, 4]), 1 / 3, 1e-15);
  t.is(ksDistance([0, 0, 1, 1], [0, 1]), 0);
  t.is(ksDistance([0, 1], [0, 1], [3, 1], [1, 1]), 0.25);
  // Integer weights == repeated rows.
  const x = normals(300, 1), y = normals(200, 2, 0.3);
  const w = Float64Array.from(x, (_, i) => 1 + (i % 3));
  const rep: number[] = [];
  x.forEach((v, i) => { for (let k = 0; k < w[i]; k++) rep.push(v); });
  close(t, ksDistance(x, y, w, null), ksDistance(rep, y), 1e-12);
  t.is(ksDistance([NaN, 1, 2], [1, 2, Infinity]), 0);
});

test('KS of N(0,1) vs N(mu,1) matches 2Φ(mu/2)−1; p-value is small only when distributions differ', (t) => {
  const a = normals(100_000, 3), b = normals(100_000, 4, 0.5);
  close(t, ksDistance(a, b), 2 * Phi(0.25) - 1, 0.01, 'KS');
  const same = ksDistance(a, normals(100_000, 5));
  t.true(ksPValue(same, 1e5, 1e5) > 0.001);
  t.true(ksPValue(ksDistance(a, b), 1e5, 1e5) < 1e-10);
  // Q_KS at the 5% critical value 1.358 (Kolmogorov's table).
  close(t, ksPValue(1.358 / Math.sqrt(5e4), 1e5, 1e5), 0.05, 0.002);
});

test('Wasserstein-1: shift, scale and weights', (t) => {
  const a = normals(5000, 6);
  close(t, wasserstein1(a, a.map((v) => v + 0.37)), 0.37, 1e-9);
  close(t, wasserstein1([0, 1], [0, 1], [3, 1], [1, 1]), 0.25, 1e-15);
  // N(0,1) vs N(0,s^2): W1 = |1 − s|·E|Z| = |1 − s|·√(2/π).
  close(t, wasserstein1(normals(200_000, 7), normals(200_000, 8, 0, 1.5)), 0.5 * Math.sqrt(2 / Math.PI), 0.01);
});

test('weighted quantiles: Hazen for unit weights, analytic weighted case', (t) => {
  t.deepEqual(Array.from(weightedQuantiles([4, 1, 3, 2], [0.25, 0.5, 0.75])), [1.5, 2.5, 3.5]);
  t.is(weightedQuantiles(Float64Array.from({ length: 101 }, (_, i) => i + 1), [0.5])[0], 51);
  const q = weightedQuantiles(normals(200_000, 9), [0.25, 0.5, 0.75]);
  close(t, q[0], -0.6745, 0.01); close(t, q[1], 0, 0.01); close(t, q[2], 0.6745, 0.01);
  // Uniform x weighted by x has CDF x^2: median √0.5, quartiles √0.25, √0.75.
  const r = Mulberry32.fromSeed(10);
  const u = Float64Array.from({ length: 200_000 }, () => r.uniform());
  const wq = weightedQuantiles(u, [0.25, 0.5, 0.75], u);
  close(t, wq[0], 0.5, 0.005); close(t, wq[1], Math.SQRT1_2, 0.005); close(t, wq[2], Math.sqrt(0.75), 0.005);
  // Profiles: y = x + noise has median x-bin centre in each bin.
  const x = Float64Array.from({ length: 50_000 }, () => r.uniform() * 10);
  const y = x.map((v) => v + 0.1 * (r.uniform() - 0.5));
  const p = binnedQuantiles(x, y, [0, 2, 4, 6, 8, 10], [0.5]);
  for (let b = 0; b < 5; b++) close(t, p.quantiles[0][b], 2 * b + 1, 0.05);
});

test('correlation matrices: exact linear relations, Gaussian ρ, weights as multiplicities, differences', (t) => {
  const x = normals(50_000, 11), z = normals(50_000, 12);
  const rho = 0.6;
  const y = x.map((v, i) => rho * v + Math.sqrt(1 - rho * rho) * z[i]);
  const c = correlationMatrix([x, x.map((v) => 2 * v + 1), x.map((v) => -v), y]);
  close(t, c[0][1], 1, 1e-12); close(t, c[0][2], -1, 1e-12); close(t, c[0][3], rho, 0.01);
  t.is(c[3][0], c[0][3]);
  const w = Float64Array.from(x.subarray(0, 500), (_, i) => 1 + (i % 4));
  const xs: number[] = [], ys: number[] = [];
  for (let i = 0; i < 500; i++) for (let k = 0; k < w[i]; k++) { xs.push(x[i]); ys.push(y[i]); }
  close(t, correlationMatrix([x.subarray(0, 500), y.subarray(0, 500)], w)[0][1], correlationMatrix([xs, ys])[0][1], 1e-12);
  const d = correlationDifference([Float64Array.of(1, 0.5), Float64Array.of(0.5, 1)], [Float64Array.of(1, 0.3), Float64Array.of(0.3, 1)]);
  close(t, d.meanAbs, 0.2, 1e-15);
});

test('histograms: weights, errors, under/overflow, equal-population edges', (t) => {
  const h = histogram([0, 0.5, 1, 1.5, 2, -1, 3, NaN], [0, 1, 2], [1, 2, 3, 4, 5, 6, 7, 8]);
  t.deepEqual(Array.from(h.sumw), [3, 12]);
  t.deepEqual(Array.from(h.sumw2), [5, 50]);
  t.deepEqual(Array.from(histErrors(h)), [Math.sqrt(5), Math.sqrt(50)]);
  t.is(h.underflow, 6); t.is(h.overflow, 7); t.is(h.nonFinite, 8);
  // Uniform fast path agrees with the binary search on non-uniform-looking floats.
  const r = Mulberry32.fromSeed(13);
  const v = Float64Array.from({ length: 10_000 }, () => r.uniform() * 3 - 1);
  const eu = uniformEdges(-1, 2, 30);
  const en = Float64Array.from(eu); en[15] += 1e-7; // breaks uniformity → binary search
  const hu = histogram(v, eu), hn = histogram(v, en);
  let diff = 0; for (let i = 0; i < 30; i++) diff += Math.abs(hu.sumw[i] - hn.sumw[i]);
  t.true(diff <= 2);
  t.is(hu.sumw.reduce((s, x) => s + x, 0), 10_000);
  const qe = quantileEdges(Float64Array.from({ length: 1000 }, (_, i) => i), 4);
  t.is(qe.length, 5);
  t.is(histogram(Float64Array.from({ length: 1000 }, (_, i) => i), qe).sumw[1], 250);
});

test('chi2: survival function values and histogram χ² behave as χ²(ndf)', (t) => {
  close(t, chi2Survival(3.841459, 1), 0.05, 1e-6);
  close(t, chi2Survival(18.307038, 10), 0.05, 1e-6);
  close(t, chi2Survival(7.3, 2), Math.exp(-3.65), 1e-12);
  const edges = uniformEdges(-3, 3, 20);
  const a = histogram(normals(20_000, 14), edges);
  t.is(chi2Histograms(a, a).chi2, 0);
  // Same distribution, different sizes and weights: mean χ²/ndf over toys ≈ 1.
  let s = 0;
  for (let k = 0; k < 20; k++) {
    const b = histogram(normals(10_000, 100 + k), edges, new Float64Array(10_000).fill(2.5));
    const c = histogram(normals(20_000, 200 + k), edges);
    const r = chi2Histograms(c, b);
    t.is(r.ndf, 19);
    s += r.chi2 / r.ndf;
  }
  close(t, s / 20, 1, 0.2, 'mean chi2/ndf');
  t.true(chi2Histograms(a, histogram(normals(20_000, 15, 0.1), edges)).pValue < 1e-6);
});

test('ROC AUC: separable, reversed, ties count one half, weights, Gaussian Φ(μ/√2)', (t) => {
  t.is(rocAuc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1]), 1);
  t.is(rocAuc([0.1, 0.2, 0.8, 0.9], [1, 1, 0, 0]), 0);
  t.is(rocAuc([0.5, 0.5, 0.5, 0.5], [1, 0, 1, 0]), 0.5);
  t.is(rocAuc([1, 2, 1, 0], [1, 1, 0, 0]), 0.875);
  t.is(rocAuc([1, 2, 1, 0], [1, 1, 0, 0], [2, 1, 1, 1]), (2 * 1.5 + 1 * 2) / (3 * 2));
  const a = normals(100_000, 16, 1), b = normals(100_000, 17);
  const s = Float64Array.from([...a, ...b]);
  const lab = Uint8Array.from(s, (_, i) => (i < a.length ? 1 : 0));
  close(t, rocAuc(s, lab), Phi(1 / Math.SQRT2), 0.005);
});
