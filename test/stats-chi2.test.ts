import test from 'ava';
import { chi2Histograms, chi2Survival, gammaQ } from '../src/stats/chi2.js';
import { histogram } from '../src/stats/histogram.js';
import { REF } from './helpers/unit-refs.js';

test('chi2Survival equals scipy.stats.chi2.sf; gammaQ equals scipy.special.gammaincc', (t) => {
  for (const [x, k, p] of REF.chi2_sf as number[][]) t.true(Math.abs(chi2Survival(x, k) - p) <= 1e-12 * Math.max(p, 1e-300) + 1e-15, `chi2 ${x} ${k}`);
  for (const [a, x, q] of REF.gammaincc as number[][]) t.true(Math.abs(gammaQ(a, x) - q) <= 1e-12 * q + 1e-15, `Q ${a} ${x}`);
  t.is(chi2Survival(0, 3), 1);
});

test('chi2Histograms: the WW formula by hand (counts 1, 2, 1 vs 1, 1, 2)', (t) => {
  const e = [0, 1, 2, 3];
  const a = histogram([0.5, 1.5, 1.5, 2.5], e);
  const b = histogram([0.5, 1.5, 2.5, 2.5], e);
  t.is(chi2Histograms(a, a).chi2, 0);
  // k = 4/4; terms 0/2 + 1/3 + 1/3; three bins used, one degree of freedom for the normalisation
  const r = chi2Histograms(a, b);
  t.true(Math.abs(r.chi2 - 2 / 3) < 1e-15);
  t.is(r.ndf, 2);
  t.true(Math.abs(r.pValue - Math.exp(-1 / 3)) < 1e-14); // chi2 survival for 2 dof is exp(-x/2)
});
