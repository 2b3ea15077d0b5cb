import fg from 'fast-glob';
import { realpathSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { NtcorrError } from '../core/errors.js';

/**
 * The one place where command-line file arguments become files (apply, inspect, train, closure, validate,
 * condor). The rule: an argument that names an existing path IS that file, whatever characters it holds
 * (`a[1].parquet` is never a pattern matching `a1.parquet`); only an argument that does not exist and
 * contains glob characters is a fast-glob pattern. Files are de-duplicated by real path (a file given twice,
 * or through a symlink, would race on its own output), in the order given; each pattern's matches sorted.
 */
export interface ExpandedFiles {
  /** Files in argument order (patterns' matches sorted), each once. Missing literal paths are kept: they fail alone. */
  files: string[];
  /** Patterns that matched nothing (the caller reports them; batch commands go on with the other files). */
  unmatched: string[];
}

function exists(p: string): boolean {
  try {
    statSync(p);
    return true;
  } catch (e) {
    // ENAMETOOLONG, EACCES...: not a readable path either; it fails alone with a clear message later.
    return false;
  }
}

/** Real path for de-duplication (the resolved path where the file does not exist). */
function identity(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return resolve(p);
  }
}

/**
 * Whether an argument is treated as a pattern: it does not exist and has glob syntax. A backslash alone is
 * not glob syntax here (fast-glob would take `w\x.parquet` as an escaped `wx.parquet`): a missing name with
 * a backslash and nothing else special is a missing file, reported as such.
 */
export function isPattern(arg: string): boolean {
  return !exists(arg) && fg.isDynamicPattern(arg.replaceAll('\\', ''));
}

export async function expandFiles(args: string[], opts: { absolute?: boolean } = {}): Promise<ExpandedFiles> {
  const seen = new Set<string>();
  const files: string[] = [];
  const unmatched: string[] = [];
  const add = (f: string) => {
    const id = identity(f);
    if (seen.has(id)) return;
    seen.add(id);
    files.push(opts.absolute ? resolve(f) : f);
  };
  for (const a of args) {
    if (a === '') throw new NtcorrError('an empty string is not a file name');
    if (isPattern(a)) {
      const hits = await fg(a, { onlyFiles: true, dot: false, unique: true });
      if (hits.length === 0) unmatched.push(a);
      for (const h of hits.sort()) add(h);
    } else {
      add(a);
    }
  }
  return { files, unmatched };
}

/** The message for patterns that matched nothing. */
export function unmatchedMessage(pattern: string, what?: string): string {
  return `${what ? `${what}: ` : ''}no file matches "${pattern}"`;
}

/**
 * For commands whose result depends on all inputs together (training, closure, validation, condor
 * submission): every pattern must match, and there must be at least one file; otherwise nothing runs.
 */
export async function expandAll(args: string[], what: string, opts: { absolute?: boolean } = {}): Promise<string[]> {
  const { files, unmatched } = await expandFiles(args, opts);
  if (unmatched.length) throw new NtcorrError(unmatched.map((u) => unmatchedMessage(u, what)).join('; '), { file: unmatched[0] });
  if (files.length === 0) throw new NtcorrError(`${what}: no input files`);
  return files;
}

/** Longest common folder of the files (absolute), the default `--base` of output paths and draw keys. */
export function commonFolder(files: string[]): string {
  if (files.length === 0) return resolve('.');
  let parts = dirname(resolve(files[0])).split(sep);
  for (const f of files.slice(1)) {
    const p = dirname(resolve(f)).split(sep);
    let k = 0;
    while (k < parts.length && k < p.length && parts[k] === p[k]) k++;
    parts = parts.slice(0, k);
  }
  return parts.join(sep) || sep;
}

/**
 * The path of `file` below `base` (forward slashes: it is also the key of counter-based random draws,
 * which must not depend on the platform). A single file's relative path is its basename.
 */
export function relativeTo(file: string, base: string): string {
  const rel = relative(resolve(base), resolve(file));
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
    throw new NtcorrError(`${file}: is not inside --base ${base}`, { file });
  }
  return rel.split(sep).join('/');
}

/** `<outDir>/<path of file below base>`. */
export function mirroredPath(file: string, base: string, outDir: string): string {
  return join(outDir, ...relativeTo(file, base).split('/'));
}

/**
 * Keys of counter-based random draws (flow preprocessing draws, the training split): each file's path
 * below `base` (default: the files' longest common folder). A lone file's key is its basename, so results
 * for one file never depend on where it lies.
 */
export function drawKeys(files: string[], base?: string): string[] {
  const b = base ?? commonFolder(files);
  return files.map((f) => {
    try {
      return relativeTo(f, b);
    } catch {
      return basename(f);
    }
  });
}
