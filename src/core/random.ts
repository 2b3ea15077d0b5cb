/**
 * All seeded random numbers of ntcorr, in 32-bit integer arithmetic only (exact and identical on every
 * platform). Two kinds:
 *  - sequential generators with serialisable state: `Xoshiro128ss` (training, toys, samples) and
 *    `Mulberry32` (statistics, weight init, tests). Each seeding that committed samples, bundles and
 *    fixtures depend on is a named constructor, so those streams never change.
 *  - counter-based draws, a pure function of (seed, stream, index): `uniformAt`, `splitUniform`. They are
 *    identical across reruns, chunk sizes and worker counts, which a generator shared by chunks would not be.
 */

/** A seeded stream of draws (what PDFs' samplers, weight init and statistics need). */
export interface Rng {
  /** Uniform in [0, 1). */
  uniform(): number;
  /** Standard normal. */
  normal(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
}

/** Serialisable state of a sequential generator: its words and the kept second normal of a pair. */
export interface RngState {
  s: number[];
  spare: number | null;
}

/** The murmur3 32-bit finaliser: a bijection that avalanches all bits (seeding and hashing). */
export function fmix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** What every sequential generator shares: integers, shuffles and the two normal samplers over `uniform()`. */
export abstract class RandomStream implements Rng {
  /** Second value of the last normal pair, returned by the next `normal()` (part of the state). */
  protected spare: number | undefined;

  abstract uniform(): number;
  abstract normal(): number;

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Uniform in (0, 1): safe for log(). */
  uniformOpen(): number {
    let u = this.uniform();
    while (u === 0) u = this.uniform();
    return u;
  }

  /** In-place Fisher-Yates shuffle (from the end). */
  shuffle<T extends { length: number; [i: number]: unknown }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }

  /** A random permutation of 0..n-1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffle(p);
  }

  /** Standard normal by Marsaglia's polar method (two uniforms per try; keeps the second value). */
  protected polar(): number {
    if (this.spare !== undefined) {
      const v = this.spare;
      this.spare = undefined;
      return v;
    }
    let u: number, v: number, q: number;
    do {
      u = 2 * this.uniform() - 1;
      v = 2 * this.uniform() - 1;
      q = u * u + v * v;
    } while (q >= 1 || q === 0);
    const f = Math.sqrt((-2 * Math.log(q)) / q);
    this.spare = v * f;
    return u * f;
  }

  /** Standard normal by Box-Muller (cos of the pair returned, sin kept). */
  protected boxMuller(): number {
    if (this.spare !== undefined) {
      const v = this.spare;
      this.spare = undefined;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    const phi = 2 * Math.PI * this.uniform();
    this.spare = r * Math.sin(phi);
    return r * Math.cos(phi);
  }

  protected spareState(): number | null {
    return this.spare ?? null;
  }
}

/**
 * xoshiro128** (Blackman & Vigna): four uint32 words, period 2^128 - 1. `uniform()` has 53 random bits,
 * `normal()` is the polar method. Seed it through a named constructor: each reproduces one stream that
 * committed outputs depend on.
 */
export class Xoshiro128ss extends RandomStream {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** From the four state words (not all zero). */
  constructor(words: ArrayLike<number>) {
    super();
    if (words.length !== 4) throw new Error('RNG state must have 4 words');
    this.a = words[0] >>> 0;
    this.b = words[1] >>> 0;
    this.c = words[2] >>> 0;
    this.d = words[3] >>> 0;
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** The four words filled by splitmix32 (murmur3-finalised Weyl sequence) from `x`. */
  static fromSplitmix32(x: number): Xoshiro128ss {
    const w = new Array<number>(4);
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      w[i] = fmix32(x);
    }
    return new Xoshiro128ss(w);
  }

  /**
   * The training stream (weight init, shuffles, dropout, jet samples; checkpoints save it): splitmix32
   * of the seed's low word xor its high word.
   */
  static fromSeed(seed: number): Xoshiro128ss {
    return Xoshiro128ss.fromSplitmix32((seed >>> 0) ^ Math.floor(seed / 4294967296));
  }

  /**
   * The toy stream: one independent stream per (seed, toy index), so toy results do not depend on how
   * toys are split over workers. Seeded by Wellons' lowbias32 Weyl sequence over (seed, stream).
   */
  static fromSeedAndStream(seed: number, stream = 0): Xoshiro128ss {
    let s = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul((stream >>> 0) + 0x632be5ab, 0x85ebca6b) ^ Math.floor(seed / 4294967296)) >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
      z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
      return (z ^ (z >>> 15)) >>> 0;
    };
    const a = next(), b = next(), c = next(), d = next() | 1;
    return new Xoshiro128ss([a, b, c, d]);
  }

  /** A generator continuing from a saved `getState()`. */
  static fromState(state: RngState): Xoshiro128ss {
    const g = new Xoshiro128ss([1, 0, 0, 0]);
    g.setState(state);
    return g;
  }

  /** Next uint32. */
  nextUint32(): number {
    const b = this.b;
    const r = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    this.c ^= this.a;
    this.d ^= b;
    this.b = b ^ this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return r;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform in [0, 1) with 32 random bits, one word per draw (the committed samples use it). */
  uniform32(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Standard normal (polar method). */
  normal(): number {
    return this.polar();
  }

  /** Poisson(mean): multiplication method below 10, Hörmann's PTRS transformed rejection above (exact). */
  poisson(mean: number): number {
    if (!(mean > 0)) return 0;
    if (mean < 10) {
      const L = Math.exp(-mean);
      let k = 0;
      let p = this.uniform();
      while (p > L) {
        k++;
        p *= this.uniform();
      }
      return k;
    }
    const slam = Math.sqrt(mean);
    const loglam = Math.log(mean);
    const b = 0.931 + 2.53 * slam;
    const a = -0.059 + 0.02483 * b;
    const invalpha = 1.1239 + 1.1328 / (b - 3.4);
    const vr = 0.9277 - 3.6224 / (b - 2);
    for (;;) {
      const U = this.uniform() - 0.5;
      const V = this.uniformOpen();
      const us = 0.5 - Math.abs(U);
      const k = Math.floor(((2 * a) / us + b) * U + mean + 0.43);
      if (us >= 0.07 && V <= vr) return k;
      if (k < 0 || (us < 0.013 && V > us)) continue;
      if (Math.log(V) + Math.log(invalpha) - Math.log(a / (us * us) + b) <= -mean + k * loglam - logFactorial(k)) return k;
    }
  }

  /** Serialisable state (checkpoints): the four words and the kept normal. */
  getState(): RngState {
    return { s: [this.a >>> 0, this.b >>> 0, this.c >>> 0, this.d >>> 0], spare: this.spareState() };
  }

  setState(state: RngState): void {
    if (!Array.isArray(state.s) || state.s.length !== 4) throw new Error('RNG state must have 4 words');
    [this.a, this.b, this.c, this.d] = state.s.map((w) => w >>> 0);
    this.spare = state.spare ?? undefined;
  }
}

/**
 * mulberry32 (Tommy Ettinger): one uint32 word, 32-bit uniforms, Box-Muller normals. Small and fast;
 * `new Mulberry32(seed)` starts from the raw seed, `Mulberry32.fromSeed` spreads small seeds first.
 */
export class Mulberry32 extends RandomStream {
  private a: number;

  constructor(state: number) {
    super();
    this.a = state >>> 0;
  }

  /** The statistics stream (classifier tests, bootstrap): the seed spread by the murmur3 finaliser. */
  static fromSeed(seed: number): Mulberry32 {
    return new Mulberry32(fmix32((Math.trunc(seed) ^ 0x9e3779b9) >>> 0));
  }

  static fromState(state: RngState): Mulberry32 {
    const g = new Mulberry32(0);
    g.setState(state);
    return g;
  }

  /** Uniform in [0, 1) with 32 random bits. */
  uniform(): number {
    this.a = (this.a + 0x6d2b79f5) >>> 0;
    let t = this.a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Standard normal (Box-Muller). */
  normal(): number {
    return this.boxMuller();
  }

  getState(): RngState {
    return { s: [this.a], spare: this.spareState() };
  }

  setState(state: RngState): void {
    if (!Array.isArray(state.s) || state.s.length !== 1) throw new Error('mulberry32 state must have 1 word');
    this.a = state.s[0] >>> 0;
    this.spare = state.spare ?? undefined;
  }
}

/** A uniform [0, 1) function from the raw seed (weight init, test data): `new Mulberry32(seed)`. */
export function mulberry32(seed: number): () => number {
  const g = new Mulberry32(seed);
  return () => g.uniform();
}

const LOG_FACT: Float64Array = (() => {
  const t = new Float64Array(256);
  for (let k = 2; k < 256; k++) t[k] = t[k - 1] + Math.log(k);
  return t;
})();
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** log(k!) for integer k >= 0: a table below 256, Stirling's series above (error < 1e-15 there). */
export function logFactorial(k: number): number {
  if (k < 256) return LOG_FACT[k];
  const x = k + 1;
  const ix2 = 1 / (x * x);
  return (x - 0.5) * Math.log(x) - x + LOG_SQRT_2PI + (1 / x) * (1 / 12 - ix2 * (1 / 360 - ix2 * (1 / 1260 - ix2 / 1680)));
}

/** 32-bit FNV-1a hash of a string (file names as stream ids). */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Uniform in [0, 1) from (seed, stream, index, lane): 53 random bits from two mixed 32-bit words. */
export function uniformAt(seed: number, stream: number, index: number, lane = 0): number {
  const lo = index >>> 0;
  const hi = Math.floor(index / 4294967296) >>> 0;
  let h = fmix32((seed >>> 0) ^ 0x9e3779b9);
  h = fmix32(h ^ stream);
  h = fmix32(h ^ lo);
  h = fmix32(h ^ hi ^ Math.imul(lane + 1, 0x27d4eb2d));
  const a = h >>> 5;
  const b = fmix32(h ^ 0x165667b1) >>> 6;
  return (a * 67108864 + b) / 9007199254740992;
}

/** Uniform in [0, 1) with 32 bits from (seed, file hash, row, collection): the train/val/test split draw. */
export function splitUniform(seed: number, fileHash: number, row: number, collection: number): number {
  let h = fmix32((seed >>> 0) ^ 0x9e3779b9);
  h = fmix32(h ^ fileHash);
  h = fmix32(h ^ (row >>> 0));
  h = fmix32(h ^ Math.floor(row / 4294967296));
  h = fmix32(h ^ collection);
  return h / 4294967296;
}
