import { lstatSync, mkdirSync, readdirSync, realpathSync, statSync, unlinkSync } from 'node:fs';
import { chmod, chown, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { NtcorrError } from './errors.js';

/**
 * The file a write to `target` really replaces: a symlink is followed to its target (an in-place rewrite
 * replaces the file the link points to and leaves the link itself alone); otherwise `target` itself.
 */
export function realTarget(target: string): string {
  try {
    if (lstatSync(target).isSymbolicLink()) return realpathSync(target);
  } catch { /* does not exist (yet), or a dangling link: write where asked */ }
  return target;
}

/** Longest file name most filesystems take (bytes). */
const NAME_MAX = 255;

/**
 * `<prefix><name>` shortened to fit NAME_MAX: a long name is cut and tagged with a hash of the whole
 * name, so temp and lock files exist for every input whose own name fits.
 */
export function fitName(prefix: string, name: string, suffixRoom: number): string {
  const full = `${prefix}${name}`;
  if (Buffer.byteLength(full) + suffixRoom <= NAME_MAX) return full;
  const tag = createHash('sha256').update(name).digest('hex').slice(0, 12);
  let cut = name;
  while (Buffer.byteLength(`${prefix}${cut}~${tag}`) + suffixRoom > NAME_MAX) cut = cut.slice(0, -1);
  return `${prefix}${cut}~${tag}`;
}

/** `.ntcorr-tmp-<name>-` beside the real target: the temp files of one target (for clean-up of killed runs). */
export function tempPrefixFor(target: string): string {
  const real = realTarget(target);
  // room for `<pid>-<8 hex>` and writers' own suffixes (`.side`)
  return join(dirname(real), `${fitName('.ntcorr-tmp-', basename(real), 40)}-`);
}

/** Temp path in the same folder as the real target (so rename is atomic), recognisable for clean-up. */
export function tempPathFor(target: string): string {
  return `${tempPrefixFor(target)}${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** fsync a file, then its folder, so a rename that follows survives a power cut. */
export async function fsyncPath(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try { await fh.sync(); } finally { await fh.close(); }
}

export async function fsyncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    try { await fh.sync(); } finally { await fh.close(); }
  } catch { /* some filesystems refuse fsync on folders; the rename is still atomic */ }
}

/**
 * Puts a finished temp file (from tempPathFor(target)) in place of `target`: when `target` exists, the
 * temp file first gets its permission bits and, where this process may set them (root; or a group the user
 * belongs to), its owner and group; then fsync, rename over the real file (a symlink is followed, the link
 * kept), fsync of the folder. Shared by the parquet and ROOT writers.
 */
export async function commitFile(tmp: string, target: string): Promise<void> {
  const real = realTarget(target);
  if (dirname(real) !== dirname(tmp)) throw new Error(`internal: temp file ${tmp} is not beside ${real}`);
  let st;
  try { st = statSync(real); } catch { st = undefined; }
  if (st) {
    await chmod(tmp, st.mode & 0o7777);
    const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
    try {
      if (isRoot) await chown(tmp, st.uid, st.gid);
      else if (typeof process.getgid === 'function' && st.gid !== process.getgid()) await chown(tmp, -1 as never, st.gid);
    } catch (e) {
      if (isRoot) throw new NtcorrError(`${target}: cannot give the rewritten file the original owner ${st.uid}:${st.gid} (${(e as Error).message}); the original is untouched`, { file: target });
      // Not root and not in the file's group: the new file keeps our group (as any editor would).
    }
    // chmod after chown: chown may clear set-uid/set-gid bits.
    if (isRoot) await chmod(tmp, st.mode & 0o7777);
  }
  await fsyncPath(tmp);
  await rename(tmp, real);
  await fsyncDir(dirname(real));
}

/** Writes small files (bundles, reports) atomically: temp file, fsync, rename. */
export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  mkdirSync(dirname(target), { recursive: true });
  const tmp = tempPathFor(target);
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } catch (e) {
    await fh.close();
    await unlink(tmp).catch(() => {});
    throw e;
  }
  await fh.close();
  await commitFile(tmp, target);
}

/** Whether process `pid` exists on this host (EPERM: it exists but belongs to another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes temp files (`.ntcorr-tmp-<name>-<pid>-*`) that killed runs left in `dir`, only those whose process
 * is gone (a concurrent run's temp files are never touched); `prefix` narrows it to one target's temps.
 * Returns what was removed.
 */
export function cleanStaleTempsIn(dir: string, prefix = '.ntcorr-tmp-'): string[] {
  let names: string[];
  try { names = readdirSync(dir); } catch { return []; }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    // the pid is the last-but-one dash-separated field: `<name>-<pid>-<hex>[.side]`
    const m = /-(\d+)-[0-9a-f]{8}(\.side)?$/.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || processAlive(pid)) continue;
    const p = join(dir, name);
    try {
      if (statSync(p).isFile()) { unlinkSync(p); removed.push(p); }
    } catch { /* already gone */ }
  }
  return removed;
}
