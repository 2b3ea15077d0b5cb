import { extname } from 'node:path';
import { NtcorrError } from '../core/errors.js';
import type { TableFormat, TableSource } from './table.js';

/** Formats by file extension; loaded lazily (ROOT support pulls in jsroot). */
const FORMATS: Record<string, () => Promise<{ format: TableFormat }>> = {
  '.parquet': () => import('./parquet/format.js'),
  '.root': () => import('./root/format.js'),
};

export function formatNameOf(path: string): string {
  const ext = extname(path).toLowerCase();
  return ext === '.pq' ? '.parquet' : ext;
}

export async function formatFor(path: string): Promise<TableFormat> {
  const load = FORMATS[formatNameOf(path)];
  if (!load) throw new NtcorrError(`${path}: unsupported file type "${extname(path)}" (expected .parquet or .root)`, { file: path });
  return (await load()).format;
}

/** Filesystem limits most systems share (bytes): a file name, a whole path. */
const NAME_MAX = 255;
const PATH_MAX = 4096;

/** A clear error for a path the filesystem cannot even look up (names too long), else undefined. */
export function pathProblem(path: string): string | undefined {
  const long = path.split("/").find((part) => Buffer.byteLength(part) > NAME_MAX);
  if (long !== undefined) return `a name in the path is ${Buffer.byteLength(long)} bytes long; the filesystem allows at most ${NAME_MAX} ("${long.slice(0, 40)}...")`;
  if (Buffer.byteLength(path) > PATH_MAX) return `the path is ${Buffer.byteLength(path)} bytes long; the filesystem allows at most ${PATH_MAX}`;
  return undefined;
}

/** Opens any supported ntuple file. */
export async function openTable(path: string, opts?: { tree?: string }): Promise<TableSource> {
  const problem = pathProblem(path);
  if (problem) throw new NtcorrError(`${path.length > 300 ? `${path.slice(0, 120)}...${path.slice(-60)}` : path}: ${problem}`, { file: path });
  return (await formatFor(path)).open(path, opts);
}
