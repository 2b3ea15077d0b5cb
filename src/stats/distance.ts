import { sortSample, weightAt, type SortedSample } from './sorted.js';

/**
 * Two-sample distances between (weighted) 1-D distributions, from their empirical CDFs.
 * Non-finite values/weights are ignored. Weights may be any non-negative numbers (event weights).
 */

/** Walks the merged sorted values; calls `f(x, nextX, Fa, Fb)` after each distinct value is absorbed. */
function sweep(a: SortedSample, b: SortedSample, f: (x: number, nextX: number, Fa: number, Fb: number) => void): void {
  let i = 0, j = 0, ca = 0, cb = 0;
  const na = a.x.length, nb = b.x.length;
  while (i < na || j < nb) {
    const x = j >= nb || (i < na && a.x[i] <= b.x[j]) ? a.x[i] : b.x[j];
    // Absorb every tie in both samples before comparing CDFs (correct for discrete/tied values).
    while (i < na && a.x[i] === x) ca += weightAt(a, i++);
    while (j < nb && b.x[j] === x) cb += weightAt(b, j++);
    const nx = Math.min(i < na ? a.x[i] : Infinity, j < nb ? b.x[j] : Infinity);
    f(x, nx, ca / a.total, cb / b.total);
  }
}

/** Kolmogorov-Smirnov distance sup |F_a - F_b| (weighted ECDFs; equals scipy's ks_2samp statistic for unit weights). */
export function ksDistance(a: ArrayLike<number>, b: ArrayLike<number>, wa?: ArrayLike<number> | null, wb?: ArrayLike<number> | null): number {
  return ksDistanceSorted(sortSample(a, wa), sortSample(b, wb));
}

/** KS distance of samples already sorted by sortSample (reuse one sort for KS, Wasserstein and quantiles). */
export function ksDistanceSorted(sa: SortedSample, sb: SortedSample): number {
  if (sa.total <= 0 || sb.total <= 0) return NaN;
  let d = 0;
  sweep(sa, sb, (_x, _n, Fa, Fb) => { d = Math.max(d, Math.abs(Fa - Fb)); });
  return d;
}

/** 1-D Wasserstein-1 (earth mover's) distance = integral |F_a - F_b| dx (as scipy.stats.wasserstein_distance). */
export function wasserstein1(a: ArrayLike<number>, b: ArrayLike<number>, wa?: ArrayLike<number> | null, wb?: ArrayLike<number> | null): number {
  return wasserstein1Sorted(sortSample(a, wa), sortSample(b, wb));
}

export function wasserstein1Sorted(sa: SortedSample, sb: SortedSample): number {
  if (sa.total <= 0 || sb.total <= 0) return NaN;
  let s = 0;
  sweep(sa, sb, (x, nx, Fa, Fb) => { if (Number.isFinite(nx)) s += Math.abs(Fa - Fb) * (nx - x); });
  return s;
}

/**
 * Asymptotic p-value of a two-sample KS distance d with (effective) sizes n1, n2: Q_KS(λ) with the
 * Stephens small-sample correction λ = (√ne + 0.12 + 0.11/√ne)·d (Numerical Recipes §14.3).
 */
export function ksPValue(d: number, n1: number, n2: number): number {
  const ne = (n1 * n2) / (n1 + n2);
  const sq = Math.sqrt(ne);
  return kolmogorovQ((sq + 0.12 + 0.11 / sq) * d);
}

/** Q_KS(λ) = 2 Σ_{k>=1} (-1)^{k-1} exp(-2 k² λ²), the Kolmogorov survival function. */
export function kolmogorovQ(lambda: number): number {
  if (lambda < 0.2) return 1;
  let sum = 0, sign = 1;
  for (let k = 1; k <= 100; k++) {
    const term = sign * Math.exp(-2 * k * k * lambda * lambda);
    sum += term;
    if (Math.abs(term) < 1e-12 * Math.abs(sum)) break;
    sign = -sign;
  }
  return Math.max(0, Math.min(1, 2 * sum));
}
