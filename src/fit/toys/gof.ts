import type { Model } from '../model.js';
import { BinnedNll } from '../nll.js';
import { gammaP } from '../special.js';

/** Merged bins must expect at least this many events (Cochran's rule for Pearson's chi2). */
export const GOF_MIN_EXPECTED = 5;

export interface Gof {
  /** P(chi2_ndf >= chi2): the binned goodness-of-fit p-value. */
  pvalue: number;
  chi2: number;
  ndf: number;
}

export const NO_GOF: Gof = { pvalue: NaN, chi2: NaN, ndf: 0 };

/** Upper tail of the chi2 distribution with ndf degrees of freedom. */
export function chi2Sf(chi2: number, ndf: number): number {
  if (!(ndf > 0) || !Number.isFinite(chi2)) return NaN;
  return Math.max(0, 1 - gammaP(ndf / 2, chi2 / 2));
}

/**
 * Pearson's chi2 of a fitted model against its (unbinned) data: per category `bins` equal-width bins on the
 * observable range; neighbouring bins are merged from low to high until each expects >= GOF_MIN_EXPECTED
 * events (a short remainder joins the last merged bin); chi2 = sum (n - nu)^2 / nu over the merged bins of
 * every category; ndf = merged bins - free parameters (- 1 per category of a fraction model, whose total
 * is fixed by the data). Constraint terms are not part of it.
 */
export function binnedGof(cats: Model[], data: Float64Array[], values: Float64Array, nfree: number, bins: number): Gof {
  if (bins <= 0) return NO_GOF;
  let chi2 = 0;
  let nb = 0;
  let fixedTotals = 0;
  for (let k = 0; k < cats.length; k++) {
    const c = cats[k];
    const { lo, hi } = c.observable;
    const xs = data[k];
    const edges = Float64Array.from({ length: bins + 1 }, (_, i) => lo + ((hi - lo) * i) / bins);
    const counts = new Float64Array(bins);
    for (let i = 0; i < xs.length; i++) counts[Math.min(bins - 1, Math.max(0, Math.floor(((xs[i] - lo) / (hi - lo)) * bins)))]++;
    const nu = new BinnedNll(c, edges, counts).expected(values);
    if (!nu) return NO_GOF;
    const scale = c.extended ? 1 : xs.length;
    if (!c.extended) fixedTotals++;
    const mn: number[] = [];
    const mnu: number[] = [];
    let an = 0;
    let anu = 0;
    for (let b = 0; b < bins; b++) {
      an += counts[b];
      anu += nu[b] * scale;
      if (anu >= GOF_MIN_EXPECTED) {
        mn.push(an);
        mnu.push(anu);
        an = 0;
        anu = 0;
      }
    }
    if (anu > 0 || an > 0) {
      if (mn.length) {
        mn[mn.length - 1] += an;
        mnu[mnu.length - 1] += anu;
      } else {
        mn.push(an);
        mnu.push(anu);
      }
    }
    for (let b = 0; b < mn.length; b++) if (mnu[b] > 0) chi2 += (mn[b] - mnu[b]) ** 2 / mnu[b];
    nb += mn.length;
  }
  const ndf = nb - nfree - fixedTotals;
  return { pvalue: chi2Sf(chi2, ndf), chi2, ndf };
}
