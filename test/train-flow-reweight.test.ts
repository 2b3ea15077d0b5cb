import test from 'ava';
import { equalPopulationEdges, kinematicReweight } from '../src/train/flow/reweight.js';
import { splitExamples, splitOf } from '../src/train/flow/split.js';
import type { Examples } from '../src/train/flow/load.js';
import { mulberry32 } from '../src/core/random.js';

// Seeded test inputs (mulberry32); the reweighting under test draws no random numbers itself.
const rng = mulberry32;

test('equal-population edges split uniform data into equal parts and merge ties', (t) => {
  const x = Float64Array.from({ length: 1000 }, (_, i) => i);
  t.deepEqual(equalPopulationEdges(x, 4), [250, 500, 750]);
  const ties = Float64Array.from({ length: 100 }, (_, i) => (i < 80 ? 1 : i));
  const e = equalPopulationEdges(ties, 5);
  t.is(e[0], 1);
  t.true(e.every((v, i) => i === 0 || v > e[i - 1]));
});

test('reweighting makes the simulated spectrum match data (analytic densities) and normalises to N data', (t) => {
  const r = rng(7);
  // data pt: 20 + Exp(mean 15) (truncated at 120 by rejection); simulation pt: uniform on [20, 120).
  const nd = 60000;
  const nm = 80000;
  const dpt = new Float64Array(nd);
  for (let i = 0; i < nd; i++) {
    let v: number;
    do v = 20 - 15 * Math.log(1 - r()); while (v >= 120);
    dpt[i] = v;
  }
  // a second, independent condition with the same distribution in both: its weights must stay flat
  const deta = Float64Array.from({ length: nd }, () => 5 * r() - 2.5);
  const mpt = Float64Array.from({ length: nm }, () => 20 + 100 * r());
  const meta = Float64Array.from({ length: nm }, () => 5 * r() - 2.5);
  const res = kinematicReweight([dpt, deta], new Float64Array(nd).fill(1), [mpt, meta], new Float64Array(nm).fill(1), { bins: 20, maxWeight: 100 });
  let sw = 0;
  for (let i = 0; i < nm; i++) {
    sw += res.weights[i];
  }
  t.true(Math.abs(sw - nd) < 1e-6 * nd, `sum of weights ${sw} = ${nd}`);
  // The weighted simulation CDF at the bin edges must follow the analytic data CDF (within a bin the
  // shape is not corrected, so only the edges are compared), F(x) = (1 - e^{-(x-20)/15}) / (1 - e^{-100/15}).
  const q = Math.exp(-100 / 15);
  const cdf = (x: number) => (1 - Math.exp(-(x - 20) / 15)) / (1 - q);
  for (const edge of res.edges[0]) {
    let below = 0;
    for (let i = 0; i < nm; i++) if (mpt[i] < edge) below += res.weights[i];
    t.true(Math.abs(below / sw - cdf(edge)) < 0.01, `weighted simulation CDF at ${edge}: ${below / sw} vs ${cdf(edge)}`);
  }
  // weight vs analytic density ratio f_data/f_sim at a few pt values (cells average the ratio over eta)
  const ratioAt = (pt: number) => (Math.exp(-(pt - 20) / 15) / 15 / (1 - q)) / (1 / 100); // f_data / f_sim
  for (const pt of [25, 40, 60]) {
    let s = 0;
    let n = 0;
    for (let i = 0; i < nm; i++) if (Math.abs(mpt[i] - pt) < 1) { s += res.weights[i]; n++; }
    const expected = ratioAt(pt) * (nd / nm); // weights sum to nd over nm events
    t.true(Math.abs(s / n / expected - 1) < 0.2, `mean weight near pt=${pt}: ${s / n} vs analytic ${expected}`);
  }
  t.true(res.effectiveEvents > 0 && res.effectiveEvents < nm);
});

test('identical distributions give weights close to 1 and clipping caps the factor', (t) => {
  const r = rng(11);
  const n = 40000;
  const a = Float64Array.from({ length: n }, () => r());
  const b = Float64Array.from({ length: n }, () => r());
  const res = kinematicReweight([a], new Float64Array(n).fill(1), [b], new Float64Array(n).fill(1), { bins: 10, maxWeight: 10 });
  const maxDev = res.weights.reduce((m, w) => Math.max(m, Math.abs(w - 1)), 0);
  t.true(maxDev < 0.1, `max |w-1| = ${maxDev}`);
  // simulation concentrated where data is sparse: the factor in the sparse cells is capped
  const c = Float64Array.from({ length: n }, (_, i) => (i < n / 100 ? r() * 0.5 : 0.5 + 0.5 * r()));
  const res2 = kinematicReweight([a], new Float64Array(n).fill(1), [c], new Float64Array(n).fill(1), { bins: 10, maxWeight: 3 });
  t.true(res2.clipped > 0);
});

test('input simulation weights multiply the kinematic factor', (t) => {
  // two cells; simulation has the right populations but event weights 2 in the upper cell: factor must undo it
  const d = Float64Array.from([0, 0, 1, 1]);
  const m = Float64Array.from([0, 0, 1, 1]);
  const res = kinematicReweight([d], new Float64Array(4).fill(1), [m], Float64Array.from([1, 1, 2, 2]), { bins: 2, maxWeight: 10 });
  t.deepEqual([...res.weights].map((w) => +w.toFixed(12)), [1, 1, 1, 1]);
});

function fakeExamples(n: number, files: string[]): Examples {
  return {
    n, x: [], c: [], w: new Float64Array(n).fill(1),
    file: Int32Array.from({ length: n }, (_, i) => i % files.length),
    row: Float64Array.from({ length: n }, (_, i) => Math.floor(i / files.length)),
    collection: new Uint8Array(n), files, resolved: [],
  };
}

test('seeded split: fractions, disjoint, reproducible, independent of file order, changes with seed', (t) => {
  const e = fakeExamples(100000, ['/a/x.parquet', '/a/y.parquet']);
  const s = splitExamples(e, 42, { val: 0.2, test: 0.1 });
  t.is(s.train.length + s.val.length + s.test.length, e.n);
  t.true(Math.abs(s.test.length / e.n - 0.1) < 0.01);
  t.true(Math.abs(s.val.length / e.n - 0.2) < 0.01);
  const all = new Set([...s.train, ...s.val, ...s.test]);
  t.is(all.size, e.n);
  t.deepEqual(splitExamples(e, 42, { val: 0.2, test: 0.1 }).test, s.test);
  const other = splitExamples(e, 43, { val: 0.2, test: 0.1 });
  t.notDeepEqual(other.test, s.test);
  // same file and row -> same split, whatever the position of the example
  for (const i of s.test.slice(0, 50)) t.is(splitOf(42, e.files[e.file[i]], e.row[i], 0, { val: 0.2, test: 0.1 }), 'test');
});

test('factors fitted on one simulated set reweight another set the same way', (t) => {
  const r = rng(5);
  const n = 20000;
  const d = Float64Array.from({ length: n }, () => r() * r());
  const m1 = Float64Array.from({ length: n }, () => r());
  const res = kinematicReweight([d], new Float64Array(n).fill(1), [m1], new Float64Array(n).fill(1), { bins: 5, maxWeight: 50 });
  // applying to the same events reproduces the weights; to fresh events it gives the per-cell factor
  const again = res.reweight([m1], new Float64Array(n).fill(1));
  for (let i = 0; i < 100; i++) t.true(Math.abs(again[i] - res.weights[i]) < 1e-12);
  const m2 = Float64Array.from([0.001, 0.999]);
  const w2 = res.reweight([m2], Float64Array.from([1, 2]));
  // d = u1*u2 has density -ln(x): far more data at 0.001 than at 0.999
  t.true(w2[0] > 3 && w2[1] < 0.5 * 2);
});
