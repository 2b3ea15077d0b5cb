import type { Hist } from './histogram.js';

export interface Chi2Result {
  chi2: number;
  ndf: number;
  /** P(χ² >= chi2) for ndf degrees of freedom. */
  pValue: number;
}

/**
 * χ² between two weighted histograms with the same binning:
 *   χ² = Σ (a_i − k b_i)² / (σ²_a,i + k² σ²_b,i),
 * over bins where the denominator is non-zero. With `normalize` (default) b is scaled to a's in-range total
 * (k = Σa / Σb) and one degree of freedom is used by that, as ROOT's TH1::Chi2Test "WW" option does for shapes.
 */
export function chi2Histograms(a: Hist, b: Hist, opts: { normalize?: boolean } = {}): Chi2Result {
  const n = a.sumw.length;
  if (b.sumw.length !== n) throw new Error('chi2Histograms: histograms have different binnings');
  const normalize = opts.normalize ?? true;
  let sa = 0, sb = 0;
  for (let i = 0; i < n; i++) { sa += a.sumw[i]; sb += b.sumw[i]; }
  const k = normalize ? (sb > 0 ? sa / sb : 0) : 1;
  let chi2 = 0, used = 0;
  for (let i = 0; i < n; i++) {
    const den = a.sumw2[i] + k * k * b.sumw2[i];
    if (!(den > 0)) continue;
    chi2 += (a.sumw[i] - k * b.sumw[i]) ** 2 / den;
    used++;
  }
  const ndf = Math.max(0, used - (normalize ? 1 : 0));
  return { chi2, ndf, pValue: ndf > 0 ? chi2Survival(chi2, ndf) : NaN };
}

/** P(χ²_ndf >= x) = Q(ndf/2, x/2), the regularised upper incomplete gamma function. */
export function chi2Survival(x: number, ndf: number): number {
  if (x <= 0) return 1;
  return gammaQ(ndf / 2, x / 2);
}

/** Regularised upper incomplete gamma Q(a, x): series for x < a+1, continued fraction otherwise (NR §6.2). */
export function gammaQ(a: number, x: number): number {
  if (x < 0 || a <= 0) return NaN;
  if (x === 0) return 1;
  const lnPre = -x + a * Math.log(x) - logGamma(a);
  if (x < a + 1) {
    let sum = 1 / a, del = sum, ap = a;
    for (let n = 0; n < 1000; n++) { ap += 1; del *= x / ap; sum += del; if (Math.abs(del) < Math.abs(sum) * 1e-15) break; }
    return Math.max(0, 1 - sum * Math.exp(lnPre));
  }
  const tiny = 1e-300;
  let b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b; if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c; if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return Math.min(1, Math.exp(lnPre) * h);
}

/** ln Γ(x), Lanczos approximation (g = 7, 9 terms; ~1e-15 relative). */
export function logGamma(x: number): number {
  const g = 7;
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  x -= 1;
  let s = c[0];
  for (let i = 1; i < g + 2; i++) s += c[i] / (x + i);
  const t = x + g + 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(s);
}
