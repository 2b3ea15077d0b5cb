import test from 'ava';
import { readFileSync } from 'node:fs';
import { mulberry32 } from '../src/core/random.js';
import { SplineKernel, type PhiLayout } from '../src/models/flow/kernel/spline-kernel.js';
import { SPLINE_WASM_BASE64 } from '../src/models/flow/kernel/spline-wasm.js';
import type { RQSpline } from '../src/models/flow/rqs.js';
import { knotsFrom, splineForward, splineInverse } from '../src/models/flow/spline64.js';
import { compileKernel, KERNEL_MODULE, kernelModuleText } from '../scripts/build-kernel.js';

/**
 * The WebAssembly spline kernel against the scalar float64 reference (spline64.ts, itself checked against
 * zuko in flow-reference.test.ts), element by element: forward values and summed log|dy/dx|, inverse values,
 * both parameter layouts the host flow uses, column maps, odd row counts (the last vector's second lane),
 * inputs outside the knots and on them, NaN, and strongly bent splines. Differences are rounding only
 * (the kernel's exp and its shared divisions): 1e-12 here, against float32 errors of ~1e-6 downstream.
 */

test('spline kernel: the embedded WebAssembly is what spline.as.ts compiles to (npm run build:kernel)', async (t) => {
  const bytes = await compileKernel();
  t.is(Buffer.from(bytes).toString('base64'), SPLINE_WASM_BASE64, 'spline-wasm.ts is stale: run npm run build:kernel');
  t.is(readFileSync(KERNEL_MODULE, 'utf8'), kernelModuleText(bytes));
});

interface Case {
  n: number;
  F: number;
  spline: RQSpline;
  /** Scale of the raw parameters (large: strongly bent splines, clipped weights). */
  scale: number;
  transposed: boolean;
}

function makeCase(c: Case, seed: number) {
  const rnd = mulberry32(seed);
  const P = 3 * c.spline.bins - 1;
  const phi = new Float32Array(c.n * c.F * P).map(() => (rnd() * 2 - 1) * c.scale);
  const lay: PhiLayout = c.transposed ? { row: 1, feature: P * c.n, param: c.n } : { row: c.F * P, feature: P, param: 1 };
  const B = c.spline.bound;
  // Mostly inside the knots, some outside, a few exactly on the ends, one NaN.
  const v = Float64Array.from({ length: c.n * c.F }, (_, i) => (i % 37 === 5 ? B : i % 41 === 7 ? -B : (rnd() * 2.4 - 1.2) * B));
  v[3] = NaN;
  return { phi, lay, v, P };
}

/** Reference forward/inverse of element (r, q) from the same float32 parameters. */
function reference(phi: Float32Array, lay: PhiLayout, spline: RQSpline, r: number, q: number) {
  return knotsFrom(phi, r * lay.row + q * lay.feature, spline, undefined, lay.param);
}

const cases: [string, Case][] = [
  ['nsf_a-like (K 10, slope 1e-3, bound 5), row-major', { n: 257, F: 16, spline: { bins: 10, bound: 5, slope: 1e-3 }, scale: 3, transposed: false }],
  ['transposed layout, K 8, 7 features', { n: 130, F: 7, spline: { bins: 8, bound: 5, slope: 1e-3 }, scale: 3, transposed: true }],
  ['odd K 7, slope 1e-4, bound 4, strongly bent', { n: 99, F: 5, spline: { bins: 7, bound: 4, slope: 1e-4 }, scale: 40, transposed: false }],
  ['one row, K 3', { n: 1, F: 9, spline: { bins: 3, bound: 2, slope: 1e-3 }, scale: 5, transposed: true }],
];

for (const [name, c] of cases) {
  test(`spline kernel ${name}: forward and log|dy/dx| equal the float64 reference`, (t) => {
    const { phi, lay, v } = makeCase(c, 11);
    const k = new SplineKernel(c.spline);
    const z = Float64Array.from(v);
    const ladj = new Float64Array(c.n).fill(0.25);
    k.forward(phi, lay, c.n, c.F, z, c.F, ladj);
    let dz = 0;
    let dl = 0;
    let outside = 0;
    for (let r = 0; r < c.n; r++) {
      let sum = 0.25;
      for (let q = 0; q < c.F; q++) {
        const [y, l] = splineForward(reference(phi, lay, c.spline, r, q), v[r * c.F + q]);
        const got = z[r * c.F + q];
        if (Number.isNaN(y)) t.true(Number.isNaN(got), `(${r}, ${q}): NaN in, NaN out`);
        else dz = Math.max(dz, Math.abs(got - y));
        if (l === 0) outside++;
        sum += l;
      }
      dl = Math.max(dl, Math.abs(ladj[r] - sum));
    }
    t.true(outside > 0, 'some inputs lie outside the knots (identity)');
    t.true(dz < 1e-12, `max |y - reference| ${dz}`);
    t.true(dl < 1e-11, `max |ladj - reference| ${dl}`);
  });

  test(`spline kernel ${name}: inverse equals the float64 reference, through a column map`, (t) => {
    const { phi, lay, v } = makeCase(c, 23);
    const k = new SplineKernel(c.spline);
    // The kernel writes columns cols[q] of x from columns cols[q] of y; the other columns stay as they were.
    const cols = Int32Array.from({ length: c.F }, (_, q) => c.F - 1 - q);
    const nf = Math.max(1, c.F - 1);
    const x = new Float64Array(c.n * c.F).fill(-7);
    k.inverse(phi, lay, c.n, nf, v, c.F, cols, x);
    let dx = 0;
    for (let r = 0; r < c.n; r++) {
      for (let q = 0; q < nf; q++) {
        const want = splineInverse(reference(phi, lay, c.spline, r, q), v[r * c.F + cols[q]]);
        const got = x[r * c.F + cols[q]];
        if (Number.isNaN(want)) t.true(Number.isNaN(got));
        else dx = Math.max(dx, Math.abs(got - want));
      }
      for (let q = nf; q < c.F; q++) t.is(x[r * c.F + cols[q]], -7, 'columns not in the map are left alone');
    }
    t.true(dx < 1e-12, `max |x - reference| ${dx}`);
  });
}

test('spline kernel: workspace views run in place and agree with copied arrays; a forward inverts', (t) => {
  const c: Case = { n: 64, F: 6, spline: { bins: 10, bound: 5, slope: 1e-3 }, scale: 3, transposed: false };
  const { phi, lay, v } = makeCase(c, 5);
  const k = new SplineKernel(c.spline);
  const ws = k.workspace({ phi: ['f32', phi.length], z: ['f64', v.length], x: ['f64', v.length], ladj: ['f64', c.n] });
  ws.phi.set(phi);
  ws.z.set(v);
  k.forward(ws.phi, lay, c.n, c.F, ws.z, c.F, ws.ladj);
  const z = Float64Array.from(v);
  const ladj = new Float64Array(c.n);
  k.forward(phi, lay, c.n, c.F, z, c.F, ladj);
  // The second call copied its arrays in (memory may have grown): the workspace's getters give live views.
  t.deepEqual(Array.from(ws.z), Array.from(z));
  t.deepEqual(Array.from(ws.ladj), Array.from(ladj));
  k.inverse(ws.phi, lay, c.n, c.F, ws.z, c.F, Int32Array.from({ length: c.F }, (_, q) => q), ws.x);
  let d = 0;
  for (let i = 0; i < v.length; i++) if (!Number.isNaN(v[i])) d = Math.max(d, Math.abs(ws.x[i] - v[i]));
  t.true(d < 1e-9, `max |inverse(forward(x)) - x| ${d}`);
});
