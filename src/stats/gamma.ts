import { lentz } from './continued-fraction.js';

/**
 * log Gamma and the regularised incomplete gamma functions in float64, one implementation for the chi2
 * p-values of validate (stats/chi2.ts) and the fit's gamma PDFs and GOF (fit/special.ts re-exports them).
 */

/** log Gamma(x) for x > 0 (Lanczos, g = 7, 9 terms: ~1e-15 relative). */
export function lgamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lgamma(1 - x);
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  const z = x - 1;
  let a = c[0];
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** P(a, x) by its series, for x < a + 1; `lg` = a log x - x - lgamma(a). */
function gammaSeries(a: number, x: number, lg: number): number {
  let term = 1 / a;
  let sum = term;
  for (let n = 1; n < 10000; n++) {
    term *= x / (a + n);
    sum += term;
    if (Math.abs(term) < Math.abs(sum) * 1e-17) break;
  }
  return sum * Math.exp(lg);
}

/** Q(a, x) by its continued fraction (modified Lentz, NR §6.2), for x >= a + 1. */
function gammaFraction(a: number, x: number, lg: number): number {
  // NR's gcf: 1 / (b0 - 1(1-a) / (b0 + 2 - 2(2-a) / (b0 + 4 - ...))), b0 = x + 1 - a
  let b = x + 1 - a;
  const start = { f: 1 / b, c: 1 / 1e-300, d: 1 / b };
  // b accumulates (b += 2 per term, called once per term in order), as the fits' seeded p-values were made
  const h = lentz(start, (i) => -i * (i - a), () => (b += 2), 10000);
  return Math.exp(lg) * h;
}

/** Regularised lower incomplete gamma P(a, x): series below a + 1, continued fraction above. */
export function gammaP(a: number, x: number): number {
  if (x <= 0) return 0;
  const lg = a * Math.log(x) - x - lgamma(a);
  return x < a + 1 ? gammaSeries(a, x, lg) : 1 - gammaFraction(a, x, lg);
}

/**
 * Regularised upper incomplete gamma Q(a, x) = 1 - P(a, x); above a + 1 the fraction gives Q itself, so the
 * upper tail keeps its relative precision (1 - P would round it to 0). NaN for x < 0 or a <= 0.
 */
export function gammaQ(a: number, x: number): number {
  if (x < 0 || a <= 0) return NaN;
  if (x === 0) return 1;
  const lg = a * Math.log(x) - x - lgamma(a);
  return x < a + 1 ? Math.max(0, 1 - gammaSeries(a, x, lg)) : Math.min(1, gammaFraction(a, x, lg));
}
