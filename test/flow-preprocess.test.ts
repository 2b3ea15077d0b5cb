import test from 'ava';
import { loadBundle } from '../src/bundle/bundle.js';
import { flowFromBundle, saveFlowBundle } from '../src/models/flow/bundle-io.js';
import type { FlowConfig } from '../src/models/flow/config.js';
import { forwardInputs, inverseInputs, makeContinuous, undoContinuous, type PreprocessParams } from '../src/models/flow/preprocess.js';
import { forward64 } from '../src/models/flow/reference.js';
import { weightsFromZuko } from '../src/models/flow/zuko.js';
import { tempDir } from './helpers/fixtures.js';
import { fixtureArch, fixtureTensors, io, maxAbsDiff } from './flow-fixtures.js';

const params: PreprocessParams = {
  inputs: [
    { name: 'r9', mean: 0.9, std: 0.05 },
    { name: 'pfPhoIso03', mean: 0.2, std: 1.3, continuous: { shift: 0.5 } },
  ],
  conditions: [{ name: 'pt', mean: 40, std: 10 }],
};

test('make-continuous: zeros spread over [0, 0.99 shift) with a triangular (mode 0) density; inverse gives exactly 0', (t) => {
  const shift = 2;
  const n = 200_000;
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < n; i++) {
    const v = makeContinuous(0, shift, (i + 0.5) / n);
    const s = Math.exp(v) - 1e-3;
    if (!(s >= 0 && s < 0.99 * shift)) t.fail(`draw ${s} outside [0, 0.99 shift)`);
    sum += s;
    sumSq += s * s;
    if (undoContinuous(v, shift) !== 0) t.fail();
  }
  // Triangular(0, mode 0, b): mean b/3, variance b^2/18 (closed form, independent of our code).
  const b = 0.99 * shift;
  t.true(Math.abs(sum / n - b / 3) < 1e-4);
  t.true(Math.abs(sumSq / n - (sum / n) ** 2 - (b * b) / 18) < 1e-4);
  // Positive values come back exactly up to float rounding; negative are invalid.
  for (const x of [1e-6, 0.3, 7, 150]) t.true(Math.abs(undoContinuous(makeContinuous(x, shift, 0.5), shift) - x) < 1e-12 * Math.max(1, x));
  t.true(Number.isNaN(makeContinuous(-1, shift, 0.5)));
});

test('forwardInputs: identical across chunkings (counter-based draws), differs with the seed; inverse restores inputs', (t) => {
  const rows = 1000;
  const r9 = Float64Array.from({ length: rows }, (_, i) => 0.8 + (i % 17) * 0.01);
  const iso = Float64Array.from({ length: rows }, (_, i) => (i % 3 === 0 ? 0 : i * 0.01));
  const whole = forwardInputs(params, [r9, iso], rows, { seed: 5, file: 123, rowStart: 0 });
  const a = forwardInputs(params, [r9.subarray(0, 300), iso.subarray(0, 300)], 300, { seed: 5, file: 123, rowStart: 0 });
  const b = forwardInputs(params, [r9.subarray(300), iso.subarray(300)], 700, { seed: 5, file: 123, rowStart: 300 });
  t.deepEqual(Array.from(whole), [...a, ...b]);
  const other = forwardInputs(params, [r9, iso], rows, { seed: 6, file: 123, rowStart: 0 });
  t.notDeepEqual(Array.from(whole), Array.from(other));
  t.true(Math.abs(whole[0] - (0.8 - 0.9) / 0.05) < 1e-6);
  const [r9b, isob] = inverseInputs(params, whole, rows);
  t.true(maxAbsDiff(r9b, r9) < 1e-6);
  for (let i = 0; i < rows; i++) {
    if (iso[i] === 0) t.is(isob[i], 0);
    else if (Math.abs(isob[i] - iso[i]) > 1e-5 * Math.max(1, iso[i])) t.fail(`row ${i}: ${isob[i]} vs ${iso[i]}`);
  }
});

test('flow bundle round trip: saved nsf_c weights reload and still match zuko', async (t) => {
  const arch = fixtureArch('nsf_c');
  const weights = weightsFromZuko(fixtureTensors('nsf_c'), arch, 'nsf_c');
  const config: FlowConfig = {
    architecture: arch,
    variables: ['a', 'b', 'c'],
    conditions: ['pt'],
    isDataFlag: 'is_data',
    collections: [{ prefix: 'probe_' }, { prefix: 'tag_', columns: { a: 'tag_raw_a' } }],
    preprocessing: { inputs: ['a', 'b', 'c'].map((name) => ({ name, mean: 0, std: 1 })), conditions: [{ name: 'pt', mean: 0, std: 1 }] },
  };
  const dir = tempDir();
  await saveFlowBundle(dir, { name: 'nsf_c', config, weights, provenance: { source: 'test' } });
  const bundle = loadBundle(dir);
  t.is(bundle.manifest.kind, 'flow');
  t.deepEqual(bundle.manifest.outputs.map((o) => o.name), ['probe_a_corr', 'probe_b_corr', 'probe_c_corr', 'tag_a_corr', 'tag_b_corr', 'tag_c_corr']);
  t.true(bundle.manifest.inputs.includes('tag_raw_a'));
  const back = flowFromBundle(bundle);
  const r = forward64(back.weights, io('nsf_c', 'x').data, io('nsf_c', 'c').data, 256);
  t.true(maxAbsDiff(r.logProb, io('nsf_c', 'log_prob').data) < 1e-9);
});
