import test from 'ava';
import { forwardInputs, fromFlowScale, inverseInputs, mantissaBits, roundMantissa, spreadCap, type PreprocessParams } from '../src/models/flow/preprocess.js';
import { hashString } from '../src/core/random.js';
import { capFraction, fitCapWidth, fitOutputBits } from '../src/train/flow/preprocess-fit.js';
import { preprocessInputs } from '../src/train/flow/preprocess-apply.js';
import { parseFlowConfigs } from '../src/train/flow/config.js';

const P: PreprocessParams = {
  inputs: [
    { name: 'r9', mean: 0.95, std: 0.04, capped: { max: 1, width: 0.01 }, bits: 10 },
    { name: 'sieie', mean: 0.0095, std: 0.0006 },
  ],
  conditions: [{ name: 'pt', mean: 40, std: 15 }],
};

test('capped: the spike at the bound is spread over [max, max + 0.99 width) with the triangular density; inverse gives exactly max', (t) => {
  const n = 100_000;
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < n; i++) {
    const s = spreadCap(1, 1, 0.01, (i + 0.5) / n) - 1;
    if (!(s >= 0 && s < 0.0099)) t.fail(`draw ${s} outside [0, 0.99 width)`);
    sum += s;
    sumSq += s * s;
  }
  // Triangular(0, mode 0, b): mean b/3, variance b^2/18 (closed form).
  const b = 0.0099;
  t.true(Math.abs(sum / n - b / 3) < 1e-7);
  t.true(Math.abs(sumSq / n - (sum / n) ** 2 - (b * b) / 18) < 1e-9);
  // below the bound: unchanged (no draw); at or above: back to exactly the bound
  t.is(spreadCap(0.97, 1, 0.01, 0.3), 0.97);
  t.is(fromFlowScale({ name: 'r9', mean: 0, std: 1, capped: { max: 1, width: 0.01 } }, 1.004), 1);
  t.is(fromFlowScale({ name: 'r9', mean: 0, std: 1, capped: { max: 1, width: 0.01 } }, 0.9931), 0.9931);
});

test('mantissa rounding: NanoAOD-style 10-bit values are fixed points; bits are counted on the float32 pattern', (t) => {
  t.is(mantissaBits(1.5), 1);
  t.is(mantissaBits(1.25), 2);
  t.is(mantissaBits(0), 0);
  t.is(mantissaBits(Math.fround(0.1)), 23);
  t.is(mantissaBits(0.1), 24); // not a float32 at all
  // 1 + 2^-10 + 2^-11 rounds (ties away) to 1 + 2^-9 with 10 bits; relative error below 2^-11 in general
  t.is(roundMantissa(1 + 2 ** -10 + 2 ** -11, 10), 1 + 2 ** -9);
  for (let i = 1; i < 2000; i++) {
    const x = Math.fround(0.0001 * i * Math.PI);
    const r = roundMantissa(x, 10);
    if (mantissaBits(r) > 10 || Math.abs(r - x) > 2 ** -11 * Math.abs(x) || roundMantissa(r, 10) !== r) t.fail(`${x} -> ${r}`);
  }
  t.is(roundMantissa(Number.NaN, 10), Number.NaN);
});

test('fitted constants: cap width, spike fraction, output bits', (t) => {
  const v = Float64Array.from([1, 1, 1, ...Array.from({ length: 101 }, (_, i) => 0.9 + i * 0.0009)]);
  t.is(capFraction(v, 1), 3 / 104);
  // 90% quantile of the values below 1 is 0.9 + 90 * 0.0009
  t.true(Math.abs(fitCapWidth(v, 1, 'r9') - (1 - (0.9 + 90 * 0.0009))) < 1e-12);
  t.throws(() => fitCapWidth(new Float64Array(20).fill(1), 1, 'r9'), { message: /preprocessing\.capped\.r9: width: auto needs values below 1/ });
  t.is(fitOutputBits(Float64Array.from({ length: 500 }, (_, i) => roundMantissa(Math.fround(0.9 + i * 1e-4), 10))), 10);
  t.is(fitOutputBits(Float64Array.from({ length: 500 }, (_, i) => Math.fround(0.9 + i * 1.37e-5))), undefined); // full float32
  t.is(fitOutputBits(Float64Array.from({ length: 500 }, (_, i) => i % 7)), undefined); // integer-like: never rounded
});

test('capped + bits through the model\'s chunk path and the training path agree; corrected values keep the input format', (t) => {
  const rows = 400;
  const r9 = Float64Array.from({ length: rows }, (_, i) => (i % 5 === 0 ? 1 : roundMantissa(0.9 + (i % 41) * 0.002, 10)));
  const sieie = Float64Array.from({ length: rows }, (_, i) => 0.009 + (i % 13) * 1e-5);
  const ref = forwardInputs(P, [r9, sieie], rows, { seed: 3, file: hashString('a.parquet'), rowStart: 10, lane: 0 });
  const ids = { files: ['/x/a.parquet'], file: new Int32Array(rows), row: Float64Array.from({ length: rows }, (_, i) => 10 + i), collection: new Uint8Array(rows) };
  const mine = preprocessInputs(P, [r9, sieie], ids, 3);
  for (let i = 0; i < rows; i++) {
    if (mine[0][i] !== ref[i * 2] || mine[1][i] !== ref[i * 2 + 1]) t.fail(`row ${i}`);
  }
  // the spike rows sit above the bound in flow space, the others keep their value
  for (let i = 0; i < rows; i++) {
    const s = ref[i * 2] * 0.04 + 0.95;
    if (r9[i] === 1 ? !(s >= 1 - 1e-6 && s < 1.0099 + 1e-6) : Math.abs(s - r9[i]) > 1e-6) t.fail(`row ${i}: ${s}`);
  }
  const [r9b, sieieb] = inverseInputs(P, ref, rows);
  for (let i = 0; i < rows; i++) {
    if (r9[i] === 1 && r9b[i] !== 1) t.fail(`row ${i}: spike not restored (${r9b[i]})`);
    if (mantissaBits(r9b[i]) > 10) t.fail(`row ${i}: ${r9b[i]} has more than 10 bits`);
    if (Math.abs(r9b[i] - r9[i]) > 2e-3) t.fail(`row ${i}: ${r9b[i]} vs ${r9[i]}`);
  }
  t.true(Math.abs(sieieb[3] - sieie[3]) < 1e-9); // no bits: not rounded
});

test('config: capped and output_precision are checked', (t) => {
  const base = (pre: string) => `
configurations:
  c:
    data: d.parquet
    mc: m.parquet
    variables: [r9, iso]
    conditions: [pt]
    preprocessing: ${pre}
    output: out
`;
  const [c] = parseFlowConfigs(base('{capped: {r9: 1.0}, isolation: {iso: auto}, output_precision: full}'), 'x.yaml');
  t.deepEqual(c.preprocessing.capped, { r9: { max: 1, width: 'auto' } });
  t.is(c.preprocessing.output_precision, 'full');
  t.is(parseFlowConfigs(base('{capped: {r9: {max: 1.0, width: 0.01}}}'), 'x.yaml')[0].preprocessing.capped.r9.width, 0.01);
  t.is(parseFlowConfigs(base('{}'), 'x.yaml')[0].preprocessing.output_precision, 'auto');
  t.throws(() => parseFlowConfigs(base('{capped: {pt: 1.0}}'), 'x.yaml'), { message: /preprocessing\.capped\.pt/ });
  t.throws(() => parseFlowConfigs(base('{capped: {iso: 1.0}, isolation: {iso: auto}}'), 'x.yaml'), { message: /not also under preprocessing\.isolation/ });
  t.throws(() => parseFlowConfigs(base('{output_precision: 40}'), 'x.yaml'), { message: /output_precision/ });
});
