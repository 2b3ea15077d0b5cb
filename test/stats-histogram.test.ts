import test from 'ava';
import { UniformHist, histogram, quantileEdges, uniformEdges } from '../src/stats/histogram.js';
import { REF, close } from './helpers/unit-refs.js';

test('histogram() equals numpy.histogram (weights and squared weights), uniform and variable edges', (t) => {
  for (const k of ['hist_uniform', 'hist_variable']) {
    const r = REF[k];
    const h = histogram(REF.x, r.edges, REF.w);
    t.true(close(h.sumw, r.sumw, 1e-15), k);
    t.true(close(h.sumw2, r.sumw2, 1e-15), k);
  }
});

test('UniformHist: each edge rule at the range ends', (t) => {
  const at = (rule: ConstructorParameters<typeof UniformHist>[3], x: number) => new UniformHist(0, 1, 4, rule).bin(x);
  // lo, an inner edge, hi, just outside, NaN and infinities
  const xs = [0, 0.25, 1, -1e-9, 1 + 1e-9, NaN, Infinity, -Infinity];
  t.deepEqual(xs.map((x) => at('edges', x)), [0, 1, 3, -1, -1, -1, -1, -1]);
  t.deepEqual(xs.map((x) => at('half-open', x)), [0, 1, -1, -1, -1, -1, -1, -1]);
  t.deepEqual(xs.map((x) => at('closed', x)), [0, 1, 3, -1, -1, -1, -1, -1]);
  t.deepEqual(xs.map((x) => at('clamp', x)), [0, 1, 3, 0, 3, -1, 3, 0]);
  t.deepEqual(xs.map((x) => at('plot', x)), [0, 1, 3, -1, 3, -1, 3, -1]);
});

test('UniformHist fills weights and counts what is in no bin', (t) => {
  const h = new UniformHist(-1, 1, 2, 'half-open');
  for (const [x, w] of [[-0.5, 2], [0, 3], [0.5, 0.5], [1, 7], [-2, 1], [NaN, 4]]) h.fill(x, w);
  t.deepEqual(Array.from(h.sumw), [2, 3.5]);
  t.deepEqual(Array.from(h.sumw2), [4, 9.25]);
  t.deepEqual([h.underflow, h.overflow, h.nonFinite], [1, 7, 4]);
  t.deepEqual(Array.from(h.edges()), [-1, 0, 1]);
  t.deepEqual(h.toHist().sumw, h.sumw);
  t.deepEqual(Array.from(uniformEdges(0, 1, 4)), [0, 0.25, 0.5, 0.75, 1]);
});

test("quantileEdges: 'hazen' spans min..max, 'rank' gives interior cut points; ties merge bins", (t) => {
  const v = Array.from({ length: 1000 }, (_, i) => i + 1);
  t.deepEqual(Array.from(quantileEdges(v, 4, null, 'rank')), [251, 501, 751]); // x[floor(b * 1000 / 4)]
  const e = quantileEdges(v, 4);
  t.is(e[0], 1);
  t.is(e[4], 1000);
  t.is(e[2], 500.5); // Hazen median of 1..1000
  t.deepEqual(Array.from(quantileEdges([1, 1, 1, 1, 2, 3], 3, null, 'rank')), [1, 2]);
  t.throws(() => quantileEdges(v, 4, v, 'rank'), { message: /unweighted/ });
});
