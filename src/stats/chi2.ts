import type { Hist } from './histogram.js';
import { gammaQ } from './gamma.js';

export { gammaQ };

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
