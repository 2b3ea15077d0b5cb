/**
 * Everything in a ROOT file as jsroot (an independent reader) sees it: every key of every directory with
 * its class and cycle, every object's content, and every entry of every branch of every tree.
 */
import { openFile } from 'jsroot';
import { TSelector, treeProcess } from 'jsroot/tree';

export interface Dump {
  /** "dir/name;cycle" -> class. */
  keys: Map<string, string>;
  /** "dir/name;cycle" -> the object (trees: branch -> values per entry). */
  objects: Map<string, unknown>;
}

/** Top-level branch names of a jsroot TTree. */
function branchNames(tree: any): string[] {
  return (tree.fBranches?.arr ?? []).map((b: any) => String(b.fName));
}

function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return `${v}n`;
  if (Array.isArray(v) || ArrayBuffer.isView(v)) return Array.from(v as ArrayLike<unknown>, plain);
  if (v && typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (!k.startsWith('$') && typeof x !== 'function') o[k] = plain(x);
    return o;
  }
  return v;
}

async function treeValues(tree: any, names: string[]): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = Object.fromEntries(names.map((n) => [n, []]));
  if (!names.length || Number(tree.fEntries) === 0) return out;
  const sel = new TSelector();
  names.forEach((b, i) => sel.addBranch(b, `b${i}`));
  sel.Process = function (this: { tgtobj: Record<string, unknown> }) {
    names.forEach((b, i) => out[b]!.push(plain(this.tgtobj[`b${i}`])));
  };
  // jsroot reports a byte-count quirk of TVector2/3 on every entry (same on input and output): kept quiet.
  const log = console.log;
  const err = console.error;
  console.log = console.error = (...a: unknown[]) => { if (!String(a[0]).startsWith('Missmatch in TObject')) err(...a); };
  try {
    await treeProcess(tree, sel);
  } finally {
    console.log = log;
    console.error = err;
  }
  return out;
}

/** Reads the whole file; `skip`: key names not compared (e.g. StreamerInfo, ntcorr_provenance). */
export async function jsrootDump(path: string, skip: Set<string> = new Set(['StreamerInfo', 'ntcorr_provenance'])): Promise<Dump> {
  const file = await openFile(path);
  const keys = new Map<string, string>();
  const objects = new Map<string, unknown>();
  const walk = async (list: any[], prefix: string): Promise<void> => {
    for (const k of list) {
      const id = `${prefix}${k.fName};${k.fCycle}`;
      keys.set(id, k.fClassName);
      if (skip.has(k.fName)) continue;
      if (String(k.fClassName).startsWith('TDirectory')) {
        const d = await file.readDirectory(prefix + k.fName, k.fCycle);
        await walk(d.fKeys, `${prefix}${k.fName}/`);
        continue;
      }
      const obj = await file.readObject(`${prefix}${k.fName};${k.fCycle}`);
      if (k.fClassName === 'TTree') objects.set(id, await treeValues(obj, branchNames(obj)));
      else objects.set(id, plain(obj));
    }
  };
  await walk(file.fKeys, '');
  return { keys, objects };
}
