import test from 'ava';
import { classifierTwoSampleTest, classifierTestWithPValue } from '../src/stats/index.js';
import { Mulberry32 } from '../src/core/random.js';

function erf(x: number): number {
  const s = Math.sign(x); x = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * x);
  return s * (1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x));
}
const Phi = (x: number) => 0.5 * (1 + erf(x / Math.SQRT2));

/** 2-D Gaussian sample with means (mx, my) and correlation rho. */
function gauss2(n: number, seed: number, mx: number, my: number, rho: number) {
  const r = Mulberry32.fromSeed(seed);
  const x = new Float64Array(n), y = new Float64Array(n);
  for (let i = 0; i < n; i++) { const a = r.normal(), b = r.normal(); x[i] = mx + a; y[i] = my + rho * a + Math.sqrt(1 - rho * rho) * b; }
  return { columns: [x, y] };
}

test('identical distributions give AUC ≈ 0.5', (t) => {
  const r = classifierTwoSampleTest(gauss2(10_000, 1, 0, 0, 0.3), gauss2(10_000, 2, 0, 0, 0.3), { seed: 1 });
  t.true(Math.abs(r.auc - 0.5) < 0.02, `auc ${r.auc}`);
  t.is(r.nTest, 10_000);
});

test('shifted Gaussians: AUC approaches the Bayes-optimal Φ(d/√2)', (t) => {
  // Independent unit Gaussians shifted by (0.6, 0.8): Mahalanobis distance d = 1.
  const r = classifierTwoSampleTest(gauss2(20_000, 3, 0.6, 0.8, 0), gauss2(20_000, 4, 0, 0, 0), { seed: 2 });
  const optimal = Phi(1 / Math.SQRT2);
  t.true(r.auc <= optimal + 0.015 && r.auc > optimal - 0.02, `auc ${r.auc} vs optimal ${optimal}`);
});

test('a change of correlation alone (same marginals) is detected, with a small bootstrap p-value', (t) => {
  const a = gauss2(6000, 5, 0, 0, 0.5), b = gauss2(6000, 6, 0, 0, -0.5);
  const r = classifierTestWithPValue(a, b, { seed: 3, toys: 5, gbdt: { rounds: 40 } });
  t.true(r.auc > 0.65, `auc ${r.auc}`);
  t.is(r.pValue, 1 / 6);
  t.true(Math.max(...r.toys) < 0.56);
  const same = classifierTestWithPValue(a, gauss2(6000, 7, 0, 0, 0.5), { seed: 4, toys: 5, gbdt: { rounds: 40 } });
  t.true(same.pValue > 1 / 6, `p ${same.pValue} auc ${same.auc} toys ${same.toys}`);
});

test('weights: reweighting b to a removes the separation; deterministic for a seed', (t) => {
  // b ~ N(0,1) reweighted by the density ratio N(0.5,1)/N(0,1) = exp(0.5x − 0.125) looks like a ~ N(0.5,1).
  const a = gauss2(20_000, 8, 0.5, 0, 0), b = gauss2(20_000, 9, 0, 0, 0);
  const unweighted = classifierTwoSampleTest(a, b, { seed: 5 });
  const w = Float64Array.from(b.columns[0], (x) => Math.exp(0.5 * x - 0.125));
  const weighted = classifierTwoSampleTest(a, { columns: b.columns, weights: w }, { seed: 5 });
  t.true(unweighted.auc > 0.6, `unweighted ${unweighted.auc}`);
  t.true(Math.abs(weighted.auc - 0.5) < 0.025, `weighted ${weighted.auc}`);
  t.is(classifierTwoSampleTest(a, b, { seed: 5 }).auc, unweighted.auc);
});
