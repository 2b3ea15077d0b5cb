import fg from 'fast-glob';
import { existsSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { NtcorrError } from '../core/errors.js';

/** Expands globs (fast-glob) and plain paths; a plain path that does not exist is kept so it fails alone. */
export async function expandInputs(patterns: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of patterns) {
    if (fg.isDynamicPattern(p)) {
      const hits = await fg(p, { onlyFiles: true, dot: false, unique: true });
      if (hits.length === 0) throw new NtcorrError(`no files match ${JSON.stringify(p)}`);
      out.push(...hits.sort());
    } else {
      out.push(p);
    }
  }
  // The same file twice would race on its own output.
  return [...new Map(out.map((f) => [resolve(f), f])).values()];
}

/** Where a file's output goes: `<outDir>/<basename>`, or the file itself with --in-place. */
export function outputPathFor(file: string, opts: { outDir?: string; inPlace?: boolean }): string {
  if (opts.inPlace) return file;
  if (!opts.outDir) throw new NtcorrError('give --out-dir DIR or --in-place');
  const out = join(opts.outDir, basename(file));
  if (resolve(out) === resolve(file)) throw new NtcorrError(`${file}: --out-dir would overwrite the input; use --in-place to replace files`, { file });
  return out;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes `.ntcorr-tmp-<name>-<pid>-*` files that killed runs left next to `target` (only those whose
 * process is gone, so a concurrent run on the same folder is never disturbed). Returns what was removed.
 */
export function cleanStaleTemps(target: string): string[] {
  const dir = dirname(target);
  if (!existsSync(dir)) return [];
  const prefix = `.ntcorr-tmp-${basename(target)}-`;
  const removed: string[] = [];
  for (const name of readdirSync(dir)) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(/^(\d+)-/.exec(name.slice(prefix.length))?.[1]);
    if (!Number.isFinite(pid) || (pid !== process.pid && alive(pid))) continue;
    if (pid === process.pid) continue;
    try {
      const p = join(dir, name);
      if (statSync(p).isFile()) { unlinkSync(p); removed.push(p); }
    } catch { /* already gone */ }
  }
  return removed;
}
