import test from 'ava';
import { compileExpression } from '../src/expr/index.js';
import { NtcorrError } from '../src/core/errors.js';
import type { Column } from '../src/core/columns.js';
import { mulberry32 } from '../src/core/random.js';

/** Deterministic pseudo-random column values (mulberry32), including edge values. */
function sample(n: number, seed: number, lo: number, hi: number): Float64Array {
  const u = mulberry32(seed);
  return Float64Array.from({ length: n }, () => lo + (hi - lo) * u());
}

const N = 2000;
const mass = sample(N, 1, 60, 120);
const eta = sample(N, 2, -2.5, 2.5);
const pt = sample(N, 3, 20, 200);
const err = sample(N, 4, 0.5, 5);
mass[0] = NaN; pt[1] = Infinity; eta[2] = 0; mass[3] = 80; mass[4] = 100;
const cols = new Map<string, Column>([
  ['mass', mass], ['eta', eta], ['pt', pt], ['err', new Float32Array(err)],
  ['n', new Int32Array(N).map((_, i) => i % 7)], ['flag', new Uint8Array(N).map((_, i) => i % 3 === 0 ? 1 : 0)],
  ['big', new BigInt64Array(N).map((_, i) => BigInt(i) * 1000000007n)],
  ['odd name', new Float64Array(N).fill(2)],
]);

function check(t: import('ava').ExecutionContext, src: string, ref: (i: number) => number) {
  const e = compileExpression(src);
  const got = e.evalFloat(cols, N);
  for (let i = 0; i < N; i++) {
    const want = ref(i);
    if (!(Object.is(got[i], want) || Math.abs(got[i] - want) <= 1e-12 * Math.abs(want))) {
      t.fail(`${src}: row ${i} got ${got[i]} want ${want}`);
      return;
    }
  }
  t.pass();
}

test('arithmetic, precedence and power associativity match JS reference', (t) => {
  check(t, 'mass + 2*pt - err/3', (i) => mass[i] + 2 * pt[i] - Math.fround(err[i]) / 3);
  check(t, '-eta**2', (i) => -(eta[i] ** 2));
  check(t, '-eta^2 + 1', (i) => -(eta[i] ** 2) + 1);
  check(t, '2^3^2', () => 512);
  check(t, '2**-1', () => 0.5);
  check(t, '(mass - 91.1876) / (pt + 1e-3)', (i) => (mass[i] - 91.1876) / (pt[i] + 1e-3));
  check(t, 'n % 3 + .5', (i) => (i % 7) % 3 + 0.5);
  check(t, 'big / 7', (i) => Number(BigInt(i) * 1000000007n) / 7);
  check(t, '`odd name` * pi', () => 2 * Math.PI);
});

test('functions match Math', (t) => {
  check(t, '0.5*sqrt((err/(pt*cosh(eta)))^2 + (err/(mass*cosh(eta)))**2)', (i) => {
    const e = Math.fround(err[i]);
    return 0.5 * Math.sqrt((e / (pt[i] * Math.cosh(eta[i]))) ** 2 + (e / (mass[i] * Math.cosh(eta[i]))) ** 2);
  });
  check(t, 'abs(eta) + exp(-pt/100) + log(mass) + log10(pt)', (i) => Math.abs(eta[i]) + Math.exp(-pt[i] / 100) + Math.log(mass[i]) + Math.log10(pt[i]));
  check(t, 'sin(eta)*cos(eta)-tan(eta/3)+sinh(eta)-tanh(eta)+asinh(eta)+atanh(eta/3)+acosh(pt)', (i) =>
    Math.sin(eta[i]) * Math.cos(eta[i]) - Math.tan(eta[i] / 3) + Math.sinh(eta[i]) - Math.tanh(eta[i]) + Math.asinh(eta[i]) + Math.atanh(eta[i] / 3) + Math.acosh(pt[i]));
  check(t, 'atan2(eta, pt) + pow(pt, 0.3) + min(pt, mass) + max(eta, 0, n)', (i) =>
    Math.atan2(eta[i], pt[i]) + Math.pow(pt[i], 0.3) + Math.min(pt[i], mass[i]) + Math.max(eta[i], 0, i % 7));
  check(t, 'where(abs(eta) < 1.4442, pt, -pt)', (i) => (Math.abs(eta[i]) < 1.4442 ? pt[i] : -pt[i]));
  check(t, 'if(isfinite(pt), pt, 0)', (i) => (Number.isFinite(pt[i]) ? pt[i] : 0));
});

test('chained comparisons are Python-style and NaN never passes', (t) => {
  const e = compileExpression('80 < mass < 100');
  t.true(e.isCondition);
  const m = e.evalMask(cols, N);
  for (let i = 0; i < N; i++) t.is(m[i], 80 < mass[i] && mass[i] < 100 ? 1 : 0);
  t.is(m[0], 0); // NaN
  t.is(m[3], 0); // 80 is not > 80
  const m2 = compileExpression('80 <= mass <= 100').evalMask(cols, N);
  t.is(m2[3], 1);
  t.is(m2[4], 1);
  // a < b > c means a<b and b>c, not (a<b)>c
  const m3 = compileExpression('0 < pt > 100').evalMask(cols, N);
  for (let i = 0; i < N; i++) t.is(m3[i], 0 < pt[i] && pt[i] > 100 ? 1 : 0);
});

test('logic: and/or/not, &&/||/!, = and ==, booleans as numbers', (t) => {
  const ref = (i: number) => ((mass[i] > 90 && !(Math.abs(eta[i]) > 1.5)) || i % 7 === 3 ? 1 : 0);
  const a = compileExpression('mass > 90 and not abs(eta) > 1.5 or n == 3').evalMask(cols, N);
  const b = compileExpression('mass > 90 && !(abs(eta) > 1.5) || n = 3').evalMask(cols, N);
  for (let i = 0; i < N; i++) {
    t.is(a[i], ref(i));
    t.is(b[i], ref(i));
  }
  check(t, '(pt > 100) + (flag != 0) * 2', (i) => (pt[i] > 100 ? 1 : 0) + (i % 3 === 0 ? 2 : 0));
  // a numeric expression as a selection: true when non-zero and not NaN
  const m = compileExpression('flag').evalMask(cols, N);
  for (let i = 0; i < N; i++) t.is(m[i], i % 3 === 0 ? 1 : 0);
  t.is(compileExpression('mass').evalMask(cols, N)[0], 0);
});

test('columns are listed once, constants are not columns, quoted names are', (t) => {
  const e = compileExpression('pt*pi + pt + `pi` + eta');
  t.deepEqual(e.columns, ['pt', 'pi', 'eta']);
  t.deepEqual(e.missing(['pt', 'eta']), ['pi']);
});

test('fills a float32 output array in place', (t) => {
  const out = new Float32Array(N);
  const r = compileExpression('pt / 3').evalFloat(cols, N, out);
  t.is(r, out);
  t.is(out[10], Math.fround(pt[10] / 3));
});

test('syntax errors point at the position', (t) => {
  const cases: [string, RegExp][] = [
    ['mass > ', /position 8: expected a number, column or "\(" but found end of expression/],
    ['(mass + 1', /position 10: expected "\)"/],
    ['mass $ 3', /position 6: unexpected character "\$"/],
    ['sqrt(1, 2)', /position 1: sqrt\(\) takes 1 argument, got 2/],
    ['foo(mass)', /unknown function "foo"/],
    ['mass 3', /position 6: unexpected "3"/],
    ['', /empty expression/],
    ['and mass', /position 1: "and" needs an operand/],
  ];
  for (const [src, re] of cases) {
    const err = t.throws(() => compileExpression(src), { instanceOf: NtcorrError });
    t.regex(err!.message, re, src);
  }
  const err = t.throws(() => compileExpression('mass > '));
  t.true(err!.message.includes('\n  mass > \n         ^'));
});

test('unknown and jagged columns are named', (t) => {
  const e = compileExpression('mass + nope');
  const err = t.throws(() => e.evalFloat(cols, N), { instanceOf: NtcorrError });
  t.regex(err!.message, /column "nope" not found/);
  t.is((err as NtcorrError).column, 'nope');
  const jag = new Map<string, Column>([['j', { offsets: new Int32Array([0, 1]), values: new Float32Array([1]) }]]);
  t.throws(() => compileExpression('j + 1').evalFloat(jag, 1), { message: /"j" is a list/ });
});

test('long chains compile and evaluate; deep nesting is a clear error naming the position', (t) => {
  const n = 3000;
  const names = Array.from({ length: n }, (_, i) => `x${i % 7}`);
  const cols = new Map<string, Float64Array>(Array.from({ length: 7 }, (_, j) => [`x${j}`, new Float64Array([j + 1, -j])]));
  // 3000-term sum with alternating signs, against a plain loop
  const src = names.map((c, i) => (i === 0 ? c : `${i % 2 ? '-' : '+'} ${c}`)).join(' ');
  const ref = [0, 1].map((row) => names.reduce((s, c, i) => (i === 0 ? cols.get(c)![row] : i % 2 ? s - cols.get(c)![row] : s + cols.get(c)![row]), 0));
  t.deepEqual([...compileExpression(src).evalFloat(cols, 2)], ref);
  const prod = names.slice(0, 2000).join(' * ');
  t.is(compileExpression(prod).evalFloat(cols, 2)[1], names.slice(0, 2000).reduce((s, c) => s * cols.get(c)![1], 1));
  const conj = Array.from({ length: 2000 }, (_, i) => `x${i % 7} > -1`).join(' and ');
  t.deepEqual([...compileExpression(conj).evalMask(cols, 2)], [1, 0]);
  const cmp = Array.from({ length: 1500 }, (_, i) => `${i}`).join(' < ');
  t.deepEqual([...compileExpression(cmp).evalMask(cols, 1)], [1]);
  // 200 nested parentheses are fine; 1000 are refused at the position of the first one too deep
  t.is(compileExpression(`${'('.repeat(200)}x1${')'.repeat(200)} + 1`).evalFloat(cols, 1)[0], 3);
  const deep = `${'('.repeat(1000)}x1${')'.repeat(1000)}`;
  const e = t.throws(() => compileExpression(deep), { instanceOf: NtcorrError });
  t.regex(e!.message, /^expression error at position 257: nested more than 256 levels deep/);
  t.true(e!.message.includes(deep.slice(0, 50)));
  t.throws(() => compileExpression(`${'-'.repeat(1000)}x1`), { message: /position 257: nested more than 256 levels/ });
  t.throws(() => compileExpression(`${'abs('.repeat(400)}x1${')'.repeat(400)}`), { message: /nested more than 256 levels/ });
  t.throws(() => compileExpression(Array.from({ length: 400 }, () => 'x1').join(' ^ ')), { message: /nested more than 256 levels/ });
  t.throws(() => compileExpression(`${'not '.repeat(400)}x1`), { message: /nested more than 256 levels/ });
});

test('names of JS object properties are ordinary column names', (t) => {
  const names = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'prototype', '__defineGetter__'];
  const cols = new Map<string, Float64Array>(names.map((n, i) => [n, new Float64Array([i + 0.5])]));
  for (const [i, n] of names.entries()) {
    const e = compileExpression(`${n} * 2`);
    t.deepEqual(e.columns, [n]);
    t.is(e.evalFloat(cols, 1)[0], 2 * (i + 0.5), n);
    t.is(compileExpression(`\`${n}\` + 1`).evalFloat(cols, 1)[0], i + 1.5);
  }
  t.throws(() => compileExpression('constructor(1)'), { message: /unknown function "constructor"/ });
  t.throws(() => compileExpression('__proto__(1)'), { message: /unknown function "__proto__"/ });
  t.throws(() => compileExpression('tostring(1)'), { message: /unknown function "tostring"/ });
  t.throws(() => compileExpression('constructor > 1').evalMask(new Map(), 1), { message: /column "constructor" not found/ });
});
