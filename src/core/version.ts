import { readFileSync } from 'node:fs';

/** ntcorr's version, read once from package.json (works from src/ under tsx and from dist/). */
export const VERSION: string = (() => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
})();

/** "ntcorr 0.1.0": the tool string recorded in provenance. */
export const TOOL = `ntcorr ${VERSION}`;
