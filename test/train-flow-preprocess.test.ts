import test from 'ava';
import { forwardInputs, forwardConditions, type PreprocessParams } from '../src/models/flow/preprocess.js';
import { hashString } from '../src/core/random.js';
import { fitIsolationShift, weightedMeanStd } from '../src/train/flow/preprocess-fit.js';
import { preprocessConditions, preprocessInputs } from '../src/train/flow/preprocess-apply.js';

const P: PreprocessParams = {
  inputs: [{ name: 'r9', mean: 0.9, std: 0.05 }, { name: 'iso', mean: -1, std: 2, continuous: { shift: 0.3 } }],
  conditions: [{ name: 'pt', mean: 40, std: 15 }],
};

test('per-example preprocessing equals the model\'s chunk preprocessing (same draws for the same file rows)', (t) => {
  const rows = 500;
  const r9 = Float64Array.from({ length: rows }, (_, i) => 0.8 + (i % 37) / 200);
  const iso = Float64Array.from({ length: rows }, (_, i) => (i % 3 === 0 ? 0 : (i % 11) / 3));
  const pt = Float64Array.from({ length: rows }, (_, i) => 25 + i / 7);
  const file = '/some/where/zee_mc.parquet';
  const rowStart = 1000;
  // second collection of the bundle (e.g. probe_ after tag_): draw lane 1 x F + variable
  const ref = forwardInputs(P, [r9, iso], rows, { seed: 77, file: hashString('zee_mc.parquet'), rowStart, lane: 2 });
  const refC = forwardConditions(P, [pt], rows);
  // the same rows, in a scrambled order, as training examples
  const order = Int32Array.from({ length: rows }, (_, i) => (i * 7919) % rows);
  const ids = { files: ['/other/file.parquet', file], file: new Int32Array(rows).fill(1), row: Float64Array.from(order, (i) => rowStart + i), collection: new Uint8Array(rows).fill(1) };
  const mine = preprocessInputs(P, [Float64Array.from(order, (i) => r9[i]), Float64Array.from(order, (i) => iso[i])], ids, 77);
  const mineC = preprocessConditions(P, [Float64Array.from(order, (i) => pt[i])]);
  for (let k = 0; k < rows; k++) {
    const i = order[k];
    t.is(mine[0][k], ref[i * 2]);
    t.is(mine[1][k], ref[i * 2 + 1]);
    t.is(mineC[0][k], refC[i * 2]);
  }
  // zeros were smeared below the shift: log(1e-3 + [0, 0.99*0.3)), standardised
  const zeroRow = order.indexOf(0);
  const v = mine[1][zeroRow] * 2 - 1;
  t.true(v < Math.log(1e-3 + 0.3) && v >= Math.log(1e-3));
});

test('isolation shift auto is the 10% quantile of the positive values', (t) => {
  const v = Float64Array.from([0, 0, 0, ...Array.from({ length: 101 }, (_, i) => i + 1)]);
  t.is(fitIsolationShift(v, Int32Array.from(v.keys()), 'iso'), 11);
  t.throws(() => fitIsolationShift(new Float64Array(50), Int32Array.from({ length: 50 }, (_, i) => i), 'iso'), { message: /preprocessing\.isolation\.iso: shift: auto needs positive values/ });
});

test('weighted mean and std match the closed form; constant columns get std 1', (t) => {
  // values 1 (weight 3) and 5 (weight 1): mean 2, variance (3*1 + 1*9)/4 = 3
  const r = weightedMeanStd([1, 5], [3, 1]);
  t.is(r.mean, 2);
  t.true(Math.abs(r.std - Math.sqrt(3)) < 1e-15);
  t.deepEqual(weightedMeanStd([4, 4, 4], [1, 2, 3]), { mean: 4, std: 1 });
});
