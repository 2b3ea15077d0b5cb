import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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

/**
 * A hand-written `derived` bundle in dir/name computing `columns` (name -> expression); outputs default to
 * one float64 output per column. Returns the bundle folder.
 */
export function derivedBundle(
  dir: string, name: string, columns: Record<string, string>,
  outputs: { name: string; type?: string }[] = Object.keys(columns).map((n) => ({ name: n, type: 'float64' })),
  extraConfig: Record<string, unknown> = {},
): string {
  const d = join(dir, name);
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, 'model.json'), JSON.stringify({
    format: 'ntcorr-bundle', formatVersion: 1, name, kind: 'derived', inputs: [], outputs,
    config: { columns, ...extraConfig }, provenance: { createdBy: 'test', created: '2026-12-03T00:00:00Z', source: 'hand-written' },
  }));
  return d;
}
