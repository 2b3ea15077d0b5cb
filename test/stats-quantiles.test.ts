import test from 'ava';
import { binnedQuantiles, sortedQuantile, weightedQuantiles } from '../src/stats/quantiles.js';
import { REF, close } from './helpers/unit-refs.js';

const x: number[] = REF.x;
const qs: number[] = REF.qs;
const sorted = Float64Array.from(x).sort();

test("sortedQuantile 'linear' and 'lower' equal numpy.quantile's methods", (t) => {
  t.true(close(qs.map((q) => sortedQuantile(sorted, q)), REF.quantile.linear, 1e-14));
  t.deepEqual(qs.map((q) => sortedQuantile(sorted, q, 'lower')), REF.quantile.lower);
});

test("sortedQuantile 'rank' is x[min(n - 1, floor(n q))]; empty input is NaN", (t) => {
  // n = 17: floor(17 q) for q = 0, 0.05, 0.16, 0.25, 0.5, 0.75, 0.84, 0.9, 1 -> 0, 0, 2, 4, 8, 12, 14, 15, 16 (clamped)
  t.deepEqual(qs.map((q) => sortedQuantile(sorted, q, 'rank')), [0, 0, 2, 4, 8, 12, 14, 15, 16].map((i) => sorted[i]));
  t.true(Number.isNaN(sortedQuantile(new Float64Array(0), 0.5)));
});

test('weightedQuantiles with unit weights is numpy method=hazen; weights move the mid-point ECDF', (t) => {
  t.true(close(weightedQuantiles(x, qs), REF.quantile.hazen, 1e-14));
  // values 3, 1, 2 with weights 1, 1, 2: sorted 1, 2, 3 sit at (W_<i + w_i/2)/W = 1/8, 4/8, 7/8
  t.deepEqual(Array.from(weightedQuantiles([3, 1, 2], [0.5, 0.25, 0.75, 0], [1, 1, 2])), [2, 1 + (0.25 - 0.125) / 0.375, 2 + (0.75 - 0.5) / 0.375, 1]);
});

test('binnedQuantiles: per-bin medians, empty bins NaN, non-finite rows skipped', (t) => {
  const xs = [0.5, 0.6, 0.7, 2.5, 2.6, NaN, 0.8];
  const ys = [1, 2, 3, 10, 20, 99, 4];
  const r = binnedQuantiles(xs, ys, [0, 1, 2, 3], [0.5]);
  t.deepEqual(Array.from(r.sumw), [4, 0, 2]);
  t.is(r.quantiles[0][0], 2.5); // Hazen median of 1, 2, 3, 4
  t.true(Number.isNaN(r.quantiles[0][1]));
  t.is(r.quantiles[0][2], 15);
});
