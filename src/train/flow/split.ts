import { basename } from 'node:path';
import type { Examples } from './load.js';
import { hashString, splitUniform } from '../../core/random.js';

/**
 * Train / validation / test split by a fixed seed. Each example's split is a hash of (seed, file name,
 * row, collection), not a position in a shuffled list: the split of an event does not change when files
 * are added, reordered or the selection changes, and any tool can tell which rows of a file were test
 * events (closure on the test split, `apply` comparisons) without storing index lists.
 */
export type SplitName = 'train' | 'val' | 'test';

export interface SplitIndices {
  train: Int32Array;
  val: Int32Array;
  test: Int32Array;
}

/**
 * Which split a given example is in. `file`: the file's draw key (its path below the sample's common
 * folder, `Examples.keys`); a path with folders is reduced to its basename, the key of a lone file.
 */
export function splitOf(seed: number, file: string, row: number, collection: number, fractions: { val: number; test: number }, key?: string): SplitName {
  const u = splitUniform(seed, hashString(key ?? basename(file)), row, collection);
  return u < fractions.test ? 'test' : u < fractions.test + fractions.val ? 'val' : 'train';
}

/** Splits examples into the three sets (indices into `e`, in input order). */
export function splitExamples(e: Examples, seed: number, fractions: { val: number; test: number }): SplitIndices {
  const fileHash = e.files.map((f, k) => hashString(e.keys?.[k] ?? basename(f)));
  const train: number[] = [];
  const val: number[] = [];
  const test: number[] = [];
  for (let i = 0; i < e.n; i++) {
    const u = splitUniform(seed, fileHash[e.file[i]], e.row[i], e.collection[i]);
    (u < fractions.test ? test : u < fractions.test + fractions.val ? val : train).push(i);
  }
  return { train: Int32Array.from(train), val: Int32Array.from(val), test: Int32Array.from(test) };
}
