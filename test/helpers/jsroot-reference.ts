/**
 * Independent reference reader for ROOT tests: jsroot's own per-entry TTree reader (treeProcess), which
 * shares no code with src/io/root's basket decoding. Returns every entry of every branch as plain values.
 */
import { openFile } from 'jsroot';
import { TSelector, treeProcess } from 'jsroot/tree';

export type RefValue = number | bigint | boolean | ArrayLike<number | bigint | boolean>;

/** Reads `branches` of `treeName` in `path` with jsroot; result[branch][entry]. */
export async function jsrootRead(path: string, treeName: string, branches: string[], range?: { first: number; count: number }): Promise<Map<string, RefValue[]>> {
  const file = await openFile(path);
  const tree = await file.readObject(treeName);
  const out = new Map<string, RefValue[]>(branches.map((b) => [b, []]));
  const sel = new TSelector();
  branches.forEach((b, i) => sel.addBranch(b, `b${i}`));
  sel.Process = function (this: { tgtobj: Record<string, unknown> }) {
    branches.forEach((b, i) => {
      const v = this.tgtobj[`b${i}`];
      // jsroot reuses arrays between entries: copy.
      out.get(b)!.push(Array.isArray(v) || ArrayBuffer.isView(v) ? Array.from(v as ArrayLike<number>) : (v as RefValue));
    });
  };
  await treeProcess(tree, sel, range ? { firstentry: range.first, numentries: range.count } : undefined);
  return out;
}

/** The entries of a jsroot-read branch as one flat list and per-entry lengths. */
export function flattenRef(values: RefValue[]): { flat: Array<number | bigint | boolean>; lengths: number[] } {
  const flat: Array<number | bigint | boolean> = [];
  const lengths: number[] = [];
  for (const v of values) {
    if (typeof v === 'object' && v !== null && 'length' in v) {
      lengths.push(v.length);
      for (let i = 0; i < v.length; i++) flat.push(v[i]!);
    } else {
      lengths.push(1);
      flat.push(v as number);
    }
  }
  return { flat, lengths };
}
