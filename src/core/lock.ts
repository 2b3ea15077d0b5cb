import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { realTarget, fitName, processAlive } from './atomic.js';
import { NtcorrError } from './errors.js';

/**
 * Advisory lock on a file ntcorr is about to replace (an `--in-place` input, or an `--out-dir` output):
 * the lock file `.<name>.ntcorr-lock` beside the real file (symlinks followed), created with O_EXCL and
 * holding {pid, host, token, time}. A lock whose process is gone on this host is stale and taken over, so
 * a `kill -9`ed run never blocks the next one; a lock of another host is only reported (its pid cannot be
 * checked from here). Written by hand rather than with proper-lockfile: that package decides staleness by
 * the lock's age, which needs a refresh timer and still cannot tell a killed run from a slow one at once.
 */
export interface FileLock {
  readonly path: string;
  release(): void;
}

interface LockInfo { pid: number; host: string; token: string; time: string }

export function lockPathFor(target: string): string {
  const real = realTarget(target);
  const name = basename(real);
  const full = `.${name}.ntcorr-lock`;
  return join(dirname(real), Buffer.byteLength(full) <= 255 ? full : fitName('.ntcorr-lock-', name, 0));
}

function readInfo(path: string): { raw: string; info?: LockInfo } | undefined {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch {
    return undefined; // released meanwhile
  }
  try {
    return { raw, info: JSON.parse(raw) as LockInfo };
  } catch {
    return { raw }; // being written (a few bytes, a moment) or damaged
  }
}

function tryCreate(path: string, info: LockInfo): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o644);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new NtcorrError(`${path}: cannot create the lock file (${(e as Error).message})`, { file: path });
  }
  try { writeSync(fd, JSON.stringify(info)); } finally { closeSync(fd); }
  return true;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Takes the lock on `target` or throws an NtcorrError naming the file and the holder. `waitSeconds` > 0:
 * wait up to that long for the holder to finish (polling), then fail the same way.
 */
export async function lockFile(target: string, opts: { waitSeconds?: number; what?: string; onWait?: (holder: string) => void } = {}): Promise<FileLock> {
  const path = lockPathFor(target);
  const me: LockInfo = { pid: process.pid, host: hostname(), token: randomBytes(8).toString('hex'), time: new Date().toISOString() };
  const deadline = Date.now() + Math.max(0, opts.waitSeconds ?? 0) * 1000;
  let damagedSince: number | undefined;
  for (;;) {
    if (tryCreate(path, me)) break;
    const held = readInfo(path);
    if (held === undefined) continue; // released between our attempt and the read: try again
    const h = held.info;
    if (h && h.host === me.host && !processAlive(h.pid)) {
      // Stale: the run that held it is gone. Remove it only if it is still that lock (another run may have
      // taken it over since we read it), then compete for it with O_EXCL like everyone else.
      if (readInfo(path)?.raw === held.raw) { try { unlinkSync(path); } catch { /* someone else did */ } }
      continue;
    }
    if (!h) {
      // Unparsable: a holder between create and write, or a damaged file. Give it a second, then report.
      damagedSince ??= Date.now();
      if (Date.now() - damagedSince < 1000) { await sleep(50); continue; }
    }
    const who = h ? `process ${h.pid} on ${h.host} since ${h.time}` : `an unreadable lock file`;
    if (Date.now() < deadline) {
      // said once, so a run that waits is visibly waiting (and on what), not hung
      if (opts.onWait) { opts.onWait(`${target}: waiting up to ${opts.waitSeconds} s for the lock held by ${who} (lock file ${path})`); opts.onWait = undefined; }
      await sleep(200);
      continue;
    }
    throw new NtcorrError(
      `${target}: locked by another ntcorr run (${who}; lock file ${path}). ` +
      `Wait for it${opts.waitSeconds ? ` (waited ${opts.waitSeconds} s)` : ' or pass --wait-lock SECONDS'}; remove the lock file only if that run is gone`,
      { file: target },
    );
  }
  let released = false;
  return {
    path,
    release() {
      if (released) return;
      released = true;
      // Remove only our own lock (a lock taken over after we were presumed dead is not ours).
      const now = readInfo(path);
      if (now?.info?.token === me.token) { try { unlinkSync(path); } catch { /* gone */ } }
    },
  };
}
