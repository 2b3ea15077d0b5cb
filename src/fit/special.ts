/**
 * Special functions in float64 for PDF normalisation and sampling. Hand-written because no installed
 * package provides erf/lgamma to full double precision (Math has neither).
 */

import { lentz } from '../stats/continued-fraction.js';
import { lgamma } from '../stats/gamma.js';

const SQRT_PI = Math.sqrt(Math.PI);
export const SQRT2 = Math.SQRT2;
export const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

// lgamma and the incomplete gamma live in stats/ (below fit/) so that the chi2 p-values of validate and the
// gamma PDFs share one implementation.
export { lgamma, gammaP } from '../stats/gamma.js';

/**
 * erfc(x) for x >= 0. Below 3: erf by the everywhere-positive series
 * erf(x) = 2/sqrt(pi) exp(-x^2) sum 2^n x^(2n+1) / (2n+1)!!, which has no cancellation.
 * Above: the continued fraction for erfc (Lentz), which converges fast there. Both reach ~1 ulp.
 */
function erfcPos(x: number): number {
  if (x < 3) return 1 - erfSeries(x);
  if (x > 27) return 0;
  // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...))))
  const f = lentz({ f: x, c: x, d: 0 }, (k) => k / 2, () => x, 300);
  return Math.exp(-x * x) / (SQRT_PI * f);
}

function erfSeries(x: number): number {
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (2 * x2) / (2 * n + 1);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return (2 / SQRT_PI) * Math.exp(-x2) * sum;
}

export function erf(x: number): number {
  if (x < 0) return -erf(-x);
  return x < 3 ? erfSeries(x) : 1 - erfcPos(x);
}

export function erfc(x: number): number {
  return x < 0 ? 2 - erfcPos(-x) : erfcPos(x);
}

/** Standard normal CDF, accurate in both tails. */
export function normCdf(z: number): number {
  return 0.5 * erfc(-z / SQRT2);
}

/** P(a < Z < b) for a standard normal Z, computed on the side that avoids cancellation. */
export function normProb(a: number, b: number): number {
  if (a > 0) return 0.5 * (erfc(a / SQRT2) - erfc(b / SQRT2));
  if (b < 0) return 0.5 * (erfc(-b / SQRT2) - erfc(-a / SQRT2));
  return 1 - 0.5 * (erfc(-a / SQRT2) + erfc(b / SQRT2));
}

/** Standard normal density. */
export function normPdf(z: number): number {
  return Math.exp(-0.5 * z * z - LOG_SQRT_2PI);
}

/** Inverse standard normal CDF (Acklam's rational start refined by two Halley steps on normCdf). */
export function normQuantile(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  let x: number;
  if (p < 0.02425) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p > 1 - 0.02425) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else {
    const q = p - 0.5;
    const r = q * q;
    x = ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  }
  for (let i = 0; i < 2; i++) {
    const e = normCdf(x) - p;
    const u = e * Math.sqrt(2 * Math.PI) * Math.exp(0.5 * x * x);
    x = x - u / (1 + 0.5 * x * u);
  }
  return x;
}

/** Continued fraction of the incomplete beta function (modified Lentz). */
function betaCf(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m < 1000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-16) break;
  }
  return h;
}

/** Regularised incomplete beta I_x(a, b) (continued fraction on the side where it converges fast). */
export function betaInc(a: number, b: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const lbt = lgamma(a + b) - lgamma(a) - lgamma(b) + a * Math.log(x) + b * Math.log1p(-x);
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(lbt) * betaCf(a, b, x)) / a;
  return 1 - (Math.exp(lbt) * betaCf(b, a, 1 - x)) / b;
}

// Weideman's rational approximation of the Faddeeva function w(z) for Im z >= 0 (SIAM J. Numer. Anal. 31
// (1994) 1497): w(z) = 2 p(Z) / (L - iz)^2 + 1 / (sqrt(pi) (L - iz)), Z = (L + iz) / (L - iz), with the
// polynomial p's coefficients from a cosine transform computed once here. N = 40 terms.
const W_N = 40;
const W_L = Math.sqrt(W_N / Math.SQRT2);
const W_A: Float64Array = (() => {
  const M = 2 * W_N;
  const f = new Float64Array(2 * M - 1);
  for (let k = -M + 1; k <= M - 1; k++) {
    const t = W_L * Math.tan((k * Math.PI) / M / 2);
    f[k + M - 1] = Math.exp(-t * t) * (W_L * W_L + t * t);
  }
  const a = new Float64Array(W_N + 1);
  for (let j = 1; j <= W_N; j++) {
    let s = 0;
    for (let k = -M + 1; k <= M - 1; k++) s += f[k + M - 1] * Math.cos((Math.PI * j * k) / M);
    a[j] = s / (2 * M);
  }
  return a;
})();

/** Real part of the Faddeeva function w(x + iy), y >= 0. */
export function faddeevaRe(x: number, y: number): number {
  // L - iz = (L + y) - i x ; L + iz = (L - y) + i x
  const dr = W_L + y;
  const di = -x;
  const nr = W_L - y;
  const ni = x;
  const dd = dr * dr + di * di;
  // Z = (nr + i ni) / (dr + i di)
  const zr = (nr * dr + ni * di) / dd;
  const zi = (ni * dr - nr * di) / dd;
  // p(Z) = sum_{n=1}^{N} a_n Z^(n-1), Horner from the top.
  let pr = W_A[W_N];
  let pi = 0;
  for (let n = W_N - 1; n >= 1; n--) {
    const r = pr * zr - pi * zi + W_A[n];
    pi = pr * zi + pi * zr;
    pr = r;
  }
  // 1 / (L - iz)^2 = conj(d)^2 / |d|^4
  const sr = (dr * dr - di * di) / (dd * dd);
  const si = (-2 * dr * di) / (dd * dd);
  const re1 = 2 * (pr * sr - pi * si);
  const re2 = dr / dd / Math.sqrt(Math.PI);
  return re1 + re2;
}

/** Voigt profile: Gaussian(sigma) convolved with Cauchy(gamma = half width), as scipy.special.voigt_profile. */
export function voigtProfile(x: number, sigma: number, gamma: number): number {
  const s = sigma * Math.SQRT2;
  return faddeevaRe(x / s, gamma / s) / (sigma * Math.sqrt(2 * Math.PI));
}

/**
 * log K_nu(x), the modified Bessel function of the second kind, for real nu and x > 0, from
 * K_nu(x) = int_0^inf exp(-x cosh t) cosh(nu t) dt by the trapezoidal rule (the integrand is even and entire,
 * so the rule converges geometrically: step h gives ~exp(-pi^2 / h)). Summed in log space around the largest
 * term so neither a large x (K ~ e^-x) nor a large nu at small x (K ~ x^-nu) over/underflows.
 */
export function lnBesselK(nu: number, x: number): number {
  if (!(x > 0)) return x === 0 ? Infinity : NaN;
  const v = Math.abs(nu);
  // The peak's width in t is ~1/sqrt(x) (large x) or ~1/sqrt(nu) (large nu): keep several steps across it.
  const h = Math.min(0.25, 0.6 / Math.sqrt(Math.max(x, v, 1)));
  // log of the integrand without the common e^-x: -x (cosh t - 1) + log cosh(nu t).
  const lcosh = (y: number) => y + Math.log1p(Math.exp(-2 * y)) - Math.LN2;
  const g = (t: number) => -x * (2 * Math.sinh(0.5 * t) ** 2) + lcosh(v * t);
  // Running log-sum-exp (rescaled when a larger term appears): no buffer, one pass.
  let top = g(0);
  let s = 0.5;
  for (let k = 1; k < 100_000; k++) {
    const lg = g(k * h);
    if (lg > top) {
      s = s * Math.exp(top - lg) + 1;
      top = lg;
    } else {
      s += Math.exp(lg - top);
      // Past the peak (the integrand is unimodal in t) and 40 e-folds below it: the rest is < 1e-17.
      if (lg < top - 40) break;
    }
  }
  return -x + top + Math.log(s * h);
}
