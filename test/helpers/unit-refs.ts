import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './fixtures.js';

/** numpy/scipy/zlib values from scripts/ref/unit-refs.py (committed as test/data/unit-refs.json). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const REF: any = JSON.parse(readFileSync(join(ROOT, 'test/data/unit-refs.json'), 'utf8'));

/** |a - b| <= tol * max(1, |b|), elementwise. */
export function close(a: ArrayLike<number>, b: ArrayLike<number>, tol: number): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!(Math.abs(a[i] - b[i]) <= tol * Math.max(1, Math.abs(b[i])))) return false;
  return true;
}
