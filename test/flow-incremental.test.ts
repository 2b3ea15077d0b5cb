import test from 'ava';
import { type FlowArch, type FlowWeights, layerSizes, transformOrder } from '../src/models/flow/arch.js';
import { buildMasks } from '../src/models/flow/masks.js';
import { initialWeights } from '../src/models/flow/tf-flow.js';
import { inverseIncremental64, planTransform } from '../src/models/flow/incremental.js';
import { forward64, inverse64 } from '../src/models/flow/reference.js';
import { mulberry32 } from '../src/core/random.js';
import { weightsFromZuko } from '../src/models/flow/zuko.js';
import { fixtureArch, fixtureTensors, io, maxAbsDiff } from './flow-fixtures.js';

/**
 * Random weights (seeded) for architectures the fixtures do not cover, e.g. passes=2: the model's own
 * PyTorch-style init, with weights doubled and biases widened to +-0.5 so the splines bend strongly.
 */
function randomWeights(arch: FlowArch, seed: number): FlowWeights {
  const w = initialWeights(arch, seed);
  for (const t of w.transforms) {
    for (const l of t.layers) {
      const a = 1 / Math.sqrt(l.in);
      for (let i = 0; i < l.weight.length; i++) l.weight[i] *= 2;
      for (let i = 0; i < l.bias.length; i++) l.bias[i] *= 0.5 / a;
    }
  }
  return w;
}

/** Runs the incremental inverse of every transform (last to first) in float64. */
function inverseInc(w: FlowWeights, z: ArrayLike<number>, c: ArrayLike<number>, n: number): Float64Array {
  const { features: F, context: C } = w.arch;
  const plans = w.transforms.map((_, t) => planTransform(w, t));
  const out = new Float64Array(n * F);
  for (let r = 0; r < n; r++) {
    let v: Float64Array = Float64Array.from({ length: F }, (_, i) => z[r * F + i]);
    const cr = Array.from({ length: C }, (_, j) => c[r * C + j]);
    for (let t = w.transforms.length - 1; t >= 0; t--) v = inverseIncremental64(w, plans[t], v, cr);
    out.set(v, r * F);
  }
  return out;
}

for (const name of ['nsf_c', 'nsf_a'] as const) {
  test(`${name}: incremental inverse equals zuko's inverse (float64) and the naive one`, (t) => {
    const arch = fixtureArch(name);
    const w = weightsFromZuko(fixtureTensors(name), arch, name);
    const n = name === 'nsf_a' ? 16 : 256;
    const y = io(name, 'y').data;
    const c = io(name, 'c').data;
    const inc = inverseInc(w, y, c, n);
    t.true(maxAbsDiff(inc, io(name, 'x_back').data, n * arch.features) < 1e-9);
    t.true(maxAbsDiff(inc, inverse64(w, y, c, n)) < 1e-10);
  });
}

test('nsf_a plan: every hidden unit is computed once, at the step its inputs become known', (t) => {
  const arch = fixtureArch('nsf_a');
  const w = weightsFromZuko(fixtureTensors('nsf_a'), arch, 'nsf_a');
  const plan = planTransform(w, 0);
  t.is(plan.steps, 16);
  for (const L of plan.layers) {
    // Blocks tile a prefix of the layer's units without overlap.
    let end = 0;
    for (const [b0, b1] of L.block) {
      t.is(b0, end);
      end = b1;
    }
    t.true(end <= L.out);
  }
  // Ascending order: feature 0 first (context only), feature 15 last.
  t.deepEqual(plan.featureOrder, Array.from({ length: 16 }, (_, i) => i));
  t.deepEqual(planTransform(w, 1).featureOrder, Array.from({ length: 16 }, (_, i) => 15 - i));
});

for (const [features, passes] of [[6, 2], [5, 3], [4, undefined]] as const) {
  test(`passes=${passes ?? 'F'}, features=${features}: masks are autoregressive; inverse(forward(x)) = x, incremental = naive`, (t) => {
    const arch: FlowArch = { features, context: 2, bins: 6, transforms: 3, hidden: [24, 24], passes, slope: 1e-3, bound: 5 };
    // Autoregressive property: output of feature i reachable only from features with smaller order_eff.
    for (let tr = 0; tr < arch.transforms; tr++) {
      const order = transformOrder(arch, tr);
      const masks = buildMasks(arch, tr);
      const sizes = layerSizes(arch);
      let reach: boolean[][] = Array.from({ length: sizes[0] }, (_, j) => Array.from({ length: sizes[0] }, (_, k) => j === k));
      masks.forEach((m, l) => {
        const [inN, out] = [sizes[l], sizes[l + 1]];
        reach = Array.from({ length: out }, (_, r) => Array.from({ length: sizes[0] }, (_, k) => {
          for (let j = 0; j < inN; j++) if (m[r * inN + j] && reach[j][k]) return true;
          return false;
        }));
      });
      const P = 3 * arch.bins - 1;
      for (let i = 0; i < features; i++) for (let j = 0; j < features; j++) {
        if (reach[i * P].slice(0, features)[j]) t.true(order[j] < order[i], `transform ${tr}: feature ${i} sees ${j}`);
      }
      if (passes === 2) t.is(new Set(order).size, 2);
    }
    const w = randomWeights(arch, 7 + features);
    const n = 40;
    const rnd = mulberry32(99);
    const x = Float64Array.from({ length: n * features }, () => (rnd() - 0.5) * 8);
    const c = Float64Array.from({ length: n * 2 }, () => rnd() - 0.5);
    const y = forward64(w, x, c, n).y;
    t.true(maxAbsDiff(inverse64(w, y, c, n), x) < 1e-9);
    t.true(maxAbsDiff(inverseInc(w, y, c, n), x) < 1e-9);
  });
}
