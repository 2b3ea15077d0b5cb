/**
 * Seeded random numbers for training: xoshiro128** (32-bit arithmetic only, so it is exact in JS) seeded
 * through splitmix32. The whole state is four uint32 words, saved in checkpoints so `--resume` continues
 * the same stream (same shuffles, same dropout) as an uninterrupted run.
 */
export class Rng {
  private s: Uint32Array;
  private spare: number | undefined;

  constructor(seed: number) {
    this.s = new Uint32Array(4);
    let x = (seed >>> 0) ^ Math.floor(seed / 4294967296);
    for (let i = 0; i < 4; i++) {
      // splitmix32: spreads a small integer seed over the full state (xoshiro must not start at all zeros)
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
    }
    if ((this.s[0] | this.s[1] | this.s[2] | this.s[3]) === 0) this.s[0] = 1;
  }

  /** Next uint32. */
  nextUint32(): number {
    const s = this.s;
    const r = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return r;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Standard normal (Marsaglia polar method; keeps the second value for the next call). */
  normal(): number {
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

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** In-place Fisher-Yates shuffle. */
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

  /** Serialisable state (for checkpoints). */
  getState(): { s: number[]; spare: number | null } {
    return { s: Array.from(this.s), spare: this.spare ?? null };
  }

  setState(state: { s: number[]; spare: number | null }): void {
    if (!Array.isArray(state.s) || state.s.length !== 4) throw new Error('RNG state must have 4 words');
    this.s = Uint32Array.from(state.s);
    this.spare = state.spare ?? undefined;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
