import test from 'ava';
import { readFileSync } from 'node:fs';
import { fixture } from './helpers/fixtures.js';
import { parseXgboostJson, predTransform } from '../src/models/xgboost/forest.js';
import { predictMargin, predictMarginRowMajor } from '../src/models/xgboost/evaluate.js';
import { parseXgboostDump } from '../src/models/xgboost/dump.js';
import { NtcorrError } from '../src/core/errors.js';

function f32(path: string): Float32Array {
  const b = readFileSync(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

for (const [name, nf] of [['model_barrel', 15], ['model_endcap', 18]] as const) {
  test(`${name}: margins equal XGBoost 1.7.4's to 1e-5 (NaN inputs take the default branch)`, (t) => {
    const forest = parseXgboostJson(readFileSync(fixture('xgboost', `${name}.json`), 'utf8'), name);
    t.is(forest.numFeatures, nf);
    t.is(forest.roots.length, 2000);
    t.is(forest.objective, 'binary:logitraw');
    const x = f32(fixture('xgboost', `${name}.inputs.f32.bin`));
    const ref = f32(fixture('xgboost', `${name}.margin.f32.bin`));
    const pred = f32(fixture('xgboost', `${name}.pred.f32.bin`));
    const rows = x.length / nf;
    t.is(rows, 2000);
    let nan = 0;
    for (const v of x) if (Number.isNaN(v)) nan++;
    t.true(nan > 0, 'fixture has missing values');
    const m = predictMargin(forest, x, rows);
    const m2 = predictMarginRowMajor(forest, x, rows);
    const tr = predTransform(forest.objective);
    let maxd = 0;
    for (let i = 0; i < rows; i++) {
      maxd = Math.max(maxd, Math.abs(m[i] - ref[i]), Math.abs(tr(m[i]) - pred[i]));
      if (m[i] !== m2[i]) t.fail(`loop orders disagree at row ${i}`);
    }
    t.true(maxd <= 1e-5, `max |diff| ${maxd}`);
  });
}

/** A one-tree model written in XGBoost 2.x's layout, to check objectives, base_score forms, default_left. */
function tinyModel(objective: string, baseScore: string): string {
  return JSON.stringify({
    version: [2, 0, 3],
    learner: {
      learner_model_param: { base_score: baseScore, num_class: '0', num_feature: '2', num_target: '1' },
      objective: { name: objective },
      gradient_booster: { name: 'gbtree', model: { trees: [{
        left_children: [1, -1, 3, -1, -1], right_children: [2, -1, 4, -1, -1],
        split_indices: [0, 0, 1, 0, 0], split_conditions: [0.5, -1, 2, 3, 4],
        default_left: [0, 0, 1, 0, 0], split_type: [0, 0, 0, 0, 0],
      }] } },
    },
  });
}

test('tiny 2.x-layout model: x < thr goes left, equality right, NaN default; base_score per objective', (t) => {
  const raw = parseXgboostJson(tinyModel('reg:squarederror', '[1.5E0]'));
  t.is(raw.baseMargin, 1.5);
  const x = Float32Array.of(0.25, 0, 0.5, 0, 0.75, 1.99, 0.75, 2, NaN, NaN, 0.75, NaN);
  const m = predictMargin(raw, x, 6);
  // Tree: f0 < 0.5 ? leaf −1 : (f1 < 2 ? leaf 3 : leaf 4); NaN goes right at the root, left at node 2.
  // Rows: (0.25,0)→−1; (0.5,0) equal→right→3; (0.75,1.99)→3; (0.75,2) equal→4; (NaN,NaN)→right, left→3; (0.75,NaN)→3.
  t.deepEqual(Array.from(m), [-1, 3, 3, 4, 3, 3].map((leaf) => 1.5 + leaf));
  const logistic = parseXgboostJson(tinyModel('binary:logistic', '5E-1'));
  t.true(logistic.baseMargin === 0); // logit(0.5) (XGBoost computes it as −log(1/0.5 − 1) = −0)
  t.is(predTransform('binary:logistic')(0), 0.5);
  const float32Threshold = parseXgboostJson(tinyModel('reg:squarederror', '0').replace('"split_conditions":[0.5', '"split_conditions":[0.1'));
  // The threshold 0.1 is stored as float32 (0.100000001490116); an input 0.1 read as float32 is equal, so it goes
  // right (→ leaf 3) as in XGBoost, where a float64 comparison 0.1 < 0.100000001490116 would wrongly go left (−1).
  t.is(predictMargin(float32Threshold, Float32Array.of(0.1, 0), 1)[0], 3);
});

test('unsupported or broken models fail with a clear error', (t) => {
  t.throws(() => parseXgboostJson('{', 'x.json'), { instanceOf: NtcorrError, message: /x\.json: not valid JSON/ });
  t.throws(() => parseXgboostJson('{"a":1}', 'x.json'), { instanceOf: NtcorrError, message: /not an XGBoost JSON model/ });
  t.throws(() => parseXgboostJson(tinyModel('multi:softprob', '0.5'), 'm.json'), { message: /objective "multi:softprob" not supported/ });
  t.throws(() => parseXgboostJson(tinyModel('binary:logistic', '0'), 'm.json'), { message: /base_score 0 must be in \(0,1\)/ });
});

test('JSON dump format (dump_model(dump_format="json")): same margins as the saved model', (t) => {
  // Builds the dump XGBoost would print for the barrel model (nested nodes, "f<i>" split names, float32
  // thresholds with 9 significant digits) and checks it evaluates exactly like the model file.
  const doc = JSON.parse(readFileSync(fixture('xgboost', 'model_barrel.json'), 'utf8'));
  const trees = doc.learner.gradient_booster.model.trees as any[];
  const dump = trees.map((tr) => {
    const node = (i: number, depth: number): any => tr.left_children[i] === -1
      ? { nodeid: i, leaf: Number(Math.fround(tr.split_conditions[i]).toPrecision(9)) }
      : { nodeid: i, depth, split: `f${tr.split_indices[i]}`, split_condition: Number(Math.fround(tr.split_conditions[i]).toPrecision(9)),
        yes: tr.left_children[i], no: tr.right_children[i], missing: tr.default_left[i] ? tr.left_children[i] : tr.right_children[i],
        children: [node(tr.left_children[i], depth + 1), node(tr.right_children[i], depth + 1)] };
    return node(0, 0);
  });
  const fromDump = parseXgboostDump(JSON.stringify(dump), { objective: 'binary:logitraw', baseMargin: 0, numFeatures: 15 });
  const fromModel = parseXgboostJson(JSON.stringify(doc));
  const x = f32(fixture('xgboost', 'model_barrel.inputs.f32.bin'));
  const a = predictMargin(fromDump, x, 2000), b = predictMargin(fromModel, x, 2000);
  t.deepEqual(Array.from(a), Array.from(b));
  t.throws(() => parseXgboostDump(JSON.stringify([{ nodeid: 0, split: 'pt', split_condition: 1, yes: 1, no: 2, missing: 1, children: [{ nodeid: 1, leaf: 1 }, { nodeid: 2, leaf: 2 }] }]), { objective: 'reg:squarederror', baseMargin: 0 }),
    { message: /splits on "pt"/ });
  const named = parseXgboostDump(JSON.stringify([{ nodeid: 0, split: 'pt', split_condition: 1, yes: 1, no: 2, missing: 2, children: [{ nodeid: 1, leaf: 1 }, { nodeid: 2, leaf: 2 }] }]), { objective: 'reg:squarederror', baseMargin: 0.5, featureNames: ['eta', 'pt'] });
  t.deepEqual(Array.from(predictMargin(named, Float32Array.of(0, 0.5, 0, 1, 0, NaN), 3)), [1.5, 2.5, 2.5]);
});
