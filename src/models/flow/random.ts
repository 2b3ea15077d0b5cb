/**
 * Seeded, counter-based random numbers. A draw is a pure function of (seed, stream, index): identical
 * across reruns, chunk sizes and worker counts, which a stateful generator shared by chunks would not be.
 */

/** splitmix64 finaliser on a BigInt-free 2x32-bit state (fast enough for per-element use). */
function mix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
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
  let h = mix32((seed >>> 0) ^ 0x9e3779b9);
  h = mix32(h ^ stream);
  h = mix32(h ^ lo);
  h = mix32(h ^ hi ^ Math.imul(lane + 1, 0x27d4eb2d));
  const a = h >>> 5;
  const b = mix32(h ^ 0x165667b1) >>> 6;
  return (a * 67108864 + b) / 9007199254740992;
}

/** A sequential seeded generator (weight init, tests): mulberry32. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
