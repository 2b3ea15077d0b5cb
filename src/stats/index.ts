/**
 * Statistics for closure and validation, all float64 on the host, all accepting per-event weights:
 *  - histogram.ts: weighted histograms (sumw, sumw2 → errors), uniform/quantile edges, scaling; UniformHist
 *                  (streaming fixed bins, with each use's edge rule named)
 *  - distance.ts:  KS distance (+ asymptotic p-value), Wasserstein-1
 *  - quantiles.ts: weighted quantiles, named order-statistic quantiles, quantiles of y in bins of x (profiles)
 *  - correlation.ts: weighted correlation matrices and their differences
 *  - chi2.ts:      χ²/ndf between histograms, χ² survival (gamma.ts: lgamma and the incomplete gamma)
 *  - roc.ts:       weighted, tie-correct ROC AUC
 *  - two-sample.ts: classifier two-sample test (held-out AUC of boosted trees) + bootstrap-toy p-value
 */
export * from './histogram.js';
export * from './distance.js';
export * from './quantiles.js';
export * from './correlation.js';
export * from './chi2.js';
export * from './roc.js';
export * from './two-sample.js';
export { trainGbdt, predictGbdt } from './gbdt.js';
export type { GbdtModel, GbdtOptions } from './gbdt.js';
export { sortSample, type SortedSample } from './sorted.js';
