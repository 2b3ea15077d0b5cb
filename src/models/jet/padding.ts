import type { JetArch } from './network.js';
import type { JetBlock } from './features.js';

/** One constituent type of a padded batch: L slots per jet, `mask` 1 for real constituents. */
export interface PaddedType {
  L: number;
  /** [n * L * numerical] */
  num: Float32Array;
  /** [n * L] */
  mask: Float32Array;
  /** One [n * L] index array per categorical feature. */
  cats: Int32Array[];
}

/** Host arrays of a padded batch, shared by the tfjs network and the ONNX Runtime runner. */
export interface PaddedBatch {
  n: number;
  /** [n * global] */
  global: Float32Array;
  /** One [n] index array per global categorical feature. */
  globalCats: Int32Array[];
  types: PaddedType[];
}

/** The jet-level inputs of the jets `idx` of a block (padded and packed batches alike). */
function jetGlobals(block: JetBlock, arch: JetArch, idx: ArrayLike<number>): { global: Float32Array; globalCats: Int32Array[] } {
  const n = idx.length;
  const G = arch.global;
  const global = new Float32Array(n * G);
  for (let r = 0; r < n; r++) global.set(block.global.subarray(idx[r] * G, idx[r] * G + G), r * G);
  const CG = (arch.globalCategories ?? []).length;
  const globalCats = Array.from({ length: CG }, (_, j) => Int32Array.from({ length: n }, (_, r) => block.globalCat[idx[r] * CG + j]));
  return { global, globalCats };
}

/**
 * Pads the jets `idx` of a block, per type to the longest jet of the batch (at least 1 slot), or to the
 * type's maxSize with `fixedPadding` (as ml-jec did before it went ragged in August 2020: only for benchmarks).
 */
export function padJets(block: JetBlock, arch: JetArch, idx: ArrayLike<number>, fixedPadding = false): PaddedBatch {
  const n = idx.length;
  const { global, globalCats } = jetGlobals(block, arch, idx);
  const types = arch.types.map((t, k): PaddedType => {
    const tb = block.types[k];
    let L = fixedPadding && t.maxSize ? t.maxSize : 1;
    for (let r = 0; r < n; r++) L = Math.max(L, tb.offsets[idx[r] + 1] - tb.offsets[idx[r]]);
    const N = t.numerical, C = t.categories.length;
    const num = new Float32Array(n * L * N);
    const mask = new Float32Array(n * L);
    const cats = t.categories.map(() => new Int32Array(n * L));
    for (let r = 0; r < n; r++) {
      const s = tb.offsets[idx[r]], e = tb.offsets[idx[r] + 1];
      num.set(tb.num.subarray(s * N, e * N), r * L * N);
      for (let q = 0; q < e - s; q++) {
        mask[r * L + q] = 1;
        for (let j = 0; j < C; j++) cats[j][r * L + q] = tb.cat[(s + q) * C + j];
      }
    }
    return { L, num, mask, cats };
  });
  return { n, global, globalCats, types };
}

/**
 * Jets in order of constituent count (ties by index), so each inference batch pads to a length close to
 * its jets' own (padding to the longest jet of a random batch multiplies the work several times).
 */
export function jetsBySize(block: JetBlock): Int32Array {
  const key = new Float64Array(block.n);
  for (const tb of block.types) for (let i = 0; i < block.n; i++) key[i] += tb.offsets[i + 1] - tb.offsets[i];
  return Int32Array.from({ length: block.n }, (_, i) => i).sort((a, b) => key[a] - key[b] || a - b);
}

/** One constituent type of a packed batch: the real constituents of the batch's jets, in jet order. */
export interface PackedType {
  rows: number;
  /** [rows * numerical] */
  num: Float32Array;
  /** One [rows] index array per categorical feature. */
  cats: Int32Array[];
  /** [rows]: the row's jet, 0..n-1 in the batch. */
  seg: Int32Array;
}

/** Host arrays of a packed batch (no padding; see onnx-graph.ts `packed`). */
export interface PackedBatch {
  n: number;
  global: Float32Array;
  globalCats: Int32Array[];
  types: PackedType[];
}

/** Packs the jets `idx` of a block: their constituents back to back per type, each with its jet's position. */
export function packJets(block: JetBlock, arch: JetArch, idx: ArrayLike<number>): PackedBatch {
  const n = idx.length;
  const { global, globalCats } = jetGlobals(block, arch, idx);
  const types = arch.types.map((t, k): PackedType => {
    const tb = block.types[k];
    let rows = 0;
    for (let r = 0; r < n; r++) rows += tb.offsets[idx[r] + 1] - tb.offsets[idx[r]];
    const N = t.numerical, C = t.categories.length;
    const num = new Float32Array(rows * N);
    const cats = t.categories.map(() => new Int32Array(rows));
    const seg = new Int32Array(rows);
    let o = 0;
    for (let r = 0; r < n; r++) {
      const s = tb.offsets[idx[r]], e = tb.offsets[idx[r] + 1];
      num.set(tb.num.subarray(s * N, e * N), o * N);
      for (let q = s; q < e; q++, o++) {
        seg[o] = r;
        for (let j = 0; j < C; j++) cats[j][o] = tb.cat[q * C + j];
      }
    }
    return { rows, num, cats, seg };
  });
  return { n, global, globalCats, types };
}
