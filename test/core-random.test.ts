import test from 'ava';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { Mulberry32, Xoshiro128ss, hashString, logFactorial, mulberry32, splitUniform, uniformAt } from '../src/core/random.js';
import { Rng as SampleRng } from '../scripts/make-samples.js';
import { ROOT } from './helpers/fixtures.js';

/**
 * test/data/rng-streams.json was written by the generators this module replaced (nn/rng.ts, fit/random.ts,
 * stats/rng.ts, models/flow/random.ts, scripts/make-samples.ts at commit 3f1e8b7): the first values and the
 * SHA-256 of the float64 bytes of every stream. Committed samples, bundles and toy fixtures depend on them.
 */
type Entry = { head: number[]; n: number; sha256: string; state?: unknown };
const REF = JSON.parse(readFileSync(join(ROOT, 'test/data/rng-streams.json'), 'utf8')) as Record<string, Entry>;

function streams(): Map<string, { v: number[]; state?: unknown }> {
  const m = new Map<string, { v: number[]; state?: unknown }>();
  for (const seed of [0, 1, 12345, 0x7a11 ^ 42, -1, 2 ** 32 + 5, 1.5]) {
    const g = Xoshiro128ss.fromSeed(seed); const v: number[] = [];
    for (let i = 0; i < 600; i++) v.push(g.nextUint32(), g.uniform(), g.normal(), g.uniform(), g.normal(), g.normal(), g.int(1000));
    v.push(...g.permutation(100));
    const st = g.getState();
    const h = Xoshiro128ss.fromState(JSON.parse(JSON.stringify(st)));
    v.push(h.normal(), h.uniform(), h.normal(), h.normal());
    m.set(`xoshiro.fromSeed(${seed})`, { v, state: st });
  }
  for (const [seed, stream] of [[1, 0], [12345, 7], [-3, 2], [2 ** 33 + 1, 4294967295], [2022, 0]]) {
    const g = Xoshiro128ss.fromSeedAndStream(seed, stream); const v: number[] = [];
    for (let i = 0; i < 500; i++) v.push(g.nextUint32(), g.uniform(), g.uniformOpen(), g.normal(), g.poisson(3.5), g.normal(), g.poisson(42), g.poisson(1e4), g.poisson(0), g.uniform());
    m.set(`xoshiro.fromSeedAndStream(${seed},${stream})`, { v });
  }
  for (const seed of [0, 1, 42, -7, 12345 * 7919 + 3]) {
    const g = Mulberry32.fromSeed(seed); const v: number[] = [];
    for (let i = 0; i < 700; i++) v.push(g.uniform(), g.int(97), g.normal(), g.uniform(), g.normal(), g.normal());
    v.push(...g.permutation(100));
    m.set(`mulberry.fromSeed(${seed})`, { v });
  }
  for (const seed of [0, 1, 7, -1, 123456789]) {
    const g = mulberry32(seed); const v: number[] = [];
    for (let i = 0; i < 4096; i++) v.push(g());
    m.set(`mulberry32(${seed})`, { v });
  }
  for (const seed of [2022, 2023, 5]) {
    const g = new SampleRng(seed); const v: number[] = [];
    for (let i = 0; i < 700; i++) v.push(g.uniform(), g.normal(), g.exp(2), g.poisson(1.4), g.normal(), g.uniform());
    m.set(`samples.Rng(${seed})`, { v });
  }
  const v: number[] = [];
  for (const seed of [0, 1, 2022, 4294967295]) for (const stream of [0, 3, hashString('zee_mc.parquet')]) for (const idx of [0, 1, 2, 1000, 2 ** 32 - 1, 2 ** 32, 2 ** 40 + 17]) for (const lane of [0, 1, 5]) v.push(uniformAt(seed, stream, idx, lane));
  m.set('uniformAt', { v });
  m.set('hashString', { v: ['', 'a', 'zee_mc.parquet', 'dir/ümlaut.root', 'x'.repeat(300)].map(hashString) });
  const z: number[] = [];
  for (const seed of [0, 1, 2022]) for (const f of [0, 77, 4294967295]) for (const row of [0, 5, 2 ** 32 + 3]) for (const c of [0, 1, 2]) z.push(splitUniform(seed, f, row, c));
  m.set('splitUniform', { v: z });
  return m;
}

test('every seeded stream is bit-identical to the generators it replaced', (t) => {
  const got = streams();
  t.deepEqual([...got.keys()].sort(), Object.keys(REF).sort());
  for (const [name, { v, state }] of got) {
    const ref = REF[name];
    t.deepEqual(v.slice(0, 8), ref.head, name);
    t.is(v.length, ref.n, name);
    t.is(createHash('sha256').update(Buffer.from(new Float64Array(v).buffer)).digest('hex'), ref.sha256, name);
    if (ref.state !== undefined) t.deepEqual(state, ref.state, `${name} state`);
  }
});

test('getState/fromState continues the same stream, including a kept normal', (t) => {
  for (const g of [Xoshiro128ss.fromSeed(3), Mulberry32.fromSeed(3)]) {
    g.uniform();
    g.normal(); // leaves the spare
    const st = JSON.parse(JSON.stringify(g.getState()));
    t.not(st.spare, null);
    const h = g instanceof Xoshiro128ss ? Xoshiro128ss.fromState(st) : Mulberry32.fromState(st);
    t.deepEqual(Array.from({ length: 9 }, () => h.normal()), Array.from({ length: 9 }, () => g.normal()));
  }
  t.throws(() => Xoshiro128ss.fromState({ s: [1, 2, 3], spare: null }), { message: /4 words/ });
});

test('xoshiro128** matches the reference C implementation from the all-(1,2,3,4) state', (t) => {
  // Blackman & Vigna's xoshiro128starstar.c compiled with gcc, s = {1, 2, 3, 4}, first eight next().
  const g = new Xoshiro128ss([1, 2, 3, 4]);
  t.deepEqual(Array.from({ length: 8 }, () => g.nextUint32()), [11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849]);
});

test('logFactorial: exact table and Stirling branch against lgamma values', (t) => {
  t.is(logFactorial(0), 0);
  t.is(logFactorial(1), 0);
  t.true(Math.abs(logFactorial(10) - Math.log(3628800)) < 1e-13);
  // scipy.special.gammaln(301)
  t.true(Math.abs(logFactorial(300) - 1414.9058499450678) < 1e-12);
});
