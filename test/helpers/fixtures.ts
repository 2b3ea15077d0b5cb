import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (test/helpers/../..). */
export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** Path into ../shared/fixtures (read-only: tests never write there). */
export function fixture(...parts: string[]): string {
  const p = join(ROOT, '..', 'shared', 'fixtures', ...parts);
  if (!existsSync(p)) throw new Error(`fixture not found: ${p}`);
  return p;
}

/** A fresh temp folder, removed when the test process exits. */
export function tempDir(prefix = 'ntcorr-test-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  process.on('exit', () => rmSync(d, { recursive: true, force: true }));
  return d;
}
