import { mkdirSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** Temp path in the same folder as `target` (so rename is atomic), recognisable for clean-up. */
export function tempPathFor(target: string): string {
  return join(dirname(target), `.ntcorr-tmp-${basename(target)}-${process.pid}-${randomBytes(4).toString('hex')}`);
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
  await rename(tmp, target);
  await fsyncDir(dirname(target));
}
