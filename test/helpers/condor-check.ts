import { DuckDBInstance } from '@duckdb/node-api';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openTable } from '../../src/io/formats.js';
import { ROOT } from './fixtures.js';

/** An output column and DuckDB's own computation of it on the input (SQL over the input's columns, alias i). */
export interface Check { column: string; sql: string; relTol: number }

/**
 * A stand-in for an installed ntcorr, shipped with --tarball: an npm-pack layout (package/bin/ntcorr.js)
 * whose launcher runs this checkout through tsx instead of dist/. Written under `dir`; returns the .tgz.
 */
export function ntcorrTarball(dir: string): string {
  const bin = join(dir, 'pkg', 'package', 'bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'ntcorr.js'), [
    `import { register } from ${JSON.stringify(import.meta.resolve('tsx/esm/api'))};`,
    'register();',
    `const { main } = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'src/cli/main.ts')).href)});`,
    'main(process.argv.slice(2)).then((code) => { process.exitCode = code; });',
    '',
  ].join('\n'));
  writeFileSync(join(dir, 'pkg', 'package', 'package.json'), '{"type":"module"}\n');
  const tgz = join(dir, 'ntcorr.tgz');
  const tar = spawnSync('tar', ['-czf', tgz, '-C', join(dir, 'pkg'), 'package']);
  if (tar.status !== 0) throw new Error(`tar failed (status ${tar.status}): ${String(tar.stderr)}`);
  return tgz;
}

/** A truncated copy: a file a job must fail on. */
export function truncated(src: string, dst: string): void {
  const b = readFileSync(src);
  writeFileSync(dst, b.subarray(0, Math.floor(b.length / 2)));
}

const duck = DuckDBInstance.create(':memory:').then((d) => d.connect());

/** Rows of `out`, and how many differ from the expression DuckDB computes on `input` (row by row). */
export async function compare(input: string, out: string, check: Check): Promise<{ rows: number; inputRows: number; bad: number }> {
  const con = await duck;
  const q = `SELECT (SELECT count(*) FROM read_parquet('${out}')) AS n, (SELECT count(*) FROM read_parquet('${input}')) AS m,
    (SELECT count(*) FROM (SELECT o.${check.column}::DOUBLE AS v, ${check.sql} AS ref
       FROM read_parquet('${out}') o POSITIONAL JOIN read_parquet('${input}') i)
     WHERE ${check.relTol ? `NOT (abs(v - ref) <= ${check.relTol} * abs(ref))` : 'v IS DISTINCT FROM ref'}) AS bad`;
  const [n, m, bad] = (await con.runAndReadAll(q)).getRows()[0];
  return { rows: Number(n), inputRows: Number(m), bad: Number(bad) };
}

/** The model hash of the last ntcorr provenance record in a file. */
export async function lastProvenanceHash(file: string): Promise<string | undefined> {
  const t = await openTable(file);
  try { return t.provenance.at(-1)?.modelHash; } finally { await t.close(); }
}
