import test from 'ava';
import { cholesky, eigenvaluesSym, invertSpd, makePosDef } from '../src/fit/minuit/linalg.js';
import { Transform } from '../src/fit/minuit/transform.js';
import type { ParamDef } from '../src/fit/model.js';
import { REF, close } from './helpers/unit-refs.js';

const A: number[][] = REF.spd.a;
const mat = () => A.map((r) => Float64Array.from(r));

test('cholesky, invertSpd and eigenvaluesSym equal numpy.linalg on an SPD matrix', (t) => {
  const L = cholesky(mat())!;
  A.forEach((_, i) => t.true(close(L[i], REF.spd.cholesky[i], 1e-14), `L row ${i}`));
  const inv = invertSpd(mat())!;
  A.forEach((_, i) => t.true(close(inv[i], REF.spd.inverse[i], 1e-13), `inverse row ${i}`));
  t.true(close(Float64Array.from(eigenvaluesSym(mat())).sort(), REF.spd.eigenvalues, 1e-12));
});

test('cholesky refuses a matrix that is not positive definite; makePosDef repairs it', (t) => {
  const bad = [Float64Array.from([1, 2]), Float64Array.from([2, 1])]; // eigenvalues 3 and -1
  t.is(cholesky(bad), null);
  const r = makePosDef(bad, 1e-8);
  t.true(r.changed);
  t.not(cholesky(r.mat), null);
});

test("Transform: Minuit's limit transformations and their inverses", (t) => {
  const params: ParamDef[] = [
    { name: 'both', value: 0, step: 1, fixed: false, limits: [-2, 6] },
    { name: 'low', value: 0, step: 1, fixed: false, limits: [1, Infinity] },
    { name: 'high', value: 0, step: 1, fixed: false, limits: [-Infinity, 3] },
    { name: 'free', value: 0, step: 1, fixed: false },
  ];
  const tr = new Transform(params, [0, 1, 2, 3]);
  // two limits: lo + (hi - lo)/2 (sin u + 1); one limit: lo - 1 + sqrt(u^2 + 1) / hi + 1 - sqrt(u^2 + 1)
  t.is(tr.int2ext(0, 0), 2);
  t.is(tr.int2ext(0, Math.PI / 2), 6);
  t.is(tr.int2ext(1, 0), 1);
  t.is(tr.int2ext(1, 0.75), 1.25); // sqrt(0.75^2 + 1) = 1.25 exactly
  t.is(tr.int2ext(2, -0.75), 2.75);
  t.is(tr.int2ext(3, -7.5), -7.5);
  for (const [i, x] of [[0, 1.3], [0, -1.9], [1, 4.5], [2, -10], [3, 42]] as const) t.true(Math.abs(tr.int2ext(i, tr.ext2int(i, x)) - x) < 1e-12, `${i} ${x}`);
  t.true(tr.hasLimits(0));
  t.false(tr.hasLimits(3));
});
