import { existsSync, mkdirSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { cleanStaleTempsIn, tempPrefixFor } from '../core/atomic.js';
import { NtcorrError } from '../core/errors.js';
import { commonFolder, drawKeys, expandFiles, mirroredPath, type ExpandedFiles } from '../io/files.js';

/** apply's inputs: src/io/files.ts's rule (existing path = that file; patterns matching nothing reported). */
export async function expandInputs(patterns: string[]): Promise<ExpandedFiles> {
  return expandFiles(patterns);
}

/** Where outputs and draw keys are relative to: `--base`, else the longest common folder of the inputs. */
export function baseFor(files: string[], base?: string): string {
  if (base === undefined) return commonFolder(files);
  if (base === '') throw new NtcorrError('--base: give a folder (an empty string is not one)');
  if (existsSync(base) && !statSync(base).isDirectory()) throw new NtcorrError(`--base ${base}: is a file, expected a folder`, { file: base });
  return resolve(base);
}

/**
 * Where a file's output goes: `<outDir>/<path of the file below base>` (so `<dataset>/<variation>/<file>`
 * layouts are kept), or the file itself with --in-place.
 */
export function outputPathFor(file: string, opts: { outDir?: string; inPlace?: boolean; base?: string }): string {
  if (opts.inPlace) return file;
  if (!opts.outDir) throw new NtcorrError('give --out-dir DIR or --in-place');
  const out = mirroredPath(file, opts.base ?? dirname(resolve(file)), opts.outDir);
  if (resolve(out) === resolve(file)) throw new NtcorrError(`${file}: --out-dir would overwrite the input; use --in-place to replace files`, { file });
  return out;
}

/**
 * Checks the plan before anything runs: every output is distinct, and no output is one of the inputs
 * (two inputs to one output, or a later input overwritten by an earlier one's output).
 */
export function checkOutputPlan(files: string[], outputs: string[]): void {
  const inputs = new Map(files.map((f) => [resolve(f), f]));
  const seen = new Map<string, string>();
  files.forEach((f, i) => {
    const o = resolve(outputs[i]);
    const other = seen.get(o);
    if (other !== undefined) throw new NtcorrError(`${f} and ${other} would both be written to ${outputs[i]}; give --base so their relative paths differ, or correct them separately`, { file: f });
    seen.set(o, f);
    const victim = inputs.get(o);
    if (victim !== undefined && victim !== f) throw new NtcorrError(`${f}: its output ${outputs[i]} is another input of this run (${victim}); choose another --out-dir`, { file: f });
  });
}

/** The key of a file's counter-based random draws: its path below base (a single file: its basename). */
export function drawKey(file: string, base: string): string {
  return drawKeys([file], base)[0];
}

/**
 * Removes `.ntcorr-tmp-<name>-<pid>-*` files that killed runs left next to `target` (only those whose
 * process is gone, so a concurrent run on the same folder is never disturbed). Returns what was removed.
 */
export function cleanStaleTemps(target: string): string[] {
  const full = tempPrefixFor(target);
  return cleanStaleTempsIn(dirname(full), basename(full));
}

/** mkdir -p with errors a user can act on (a file where a folder should be, a name too long, no permission). */
export function ensureFolder(dir: string, what: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTDIR') {
      let p = resolve(dir);
      // name the part of the path that is a file
      while (p !== dirname(p) && !(existsSync(p) && !statSync(p).isDirectory())) p = dirname(p);
      throw new NtcorrError(`${what} ${dir}: ${p} is a file, expected a folder`, { file: dir });
    }
    if (code === 'ENAMETOOLONG') throw new NtcorrError(`${what} ${dir}: a name in the path is too long for the filesystem`, { file: dir });
    throw new NtcorrError(`${what} ${dir}: cannot create the folder (${(e as Error).message})`, { file: dir });
  }
}
