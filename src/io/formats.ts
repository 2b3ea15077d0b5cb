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

/** Opens any supported ntuple file. */
export async function openTable(path: string, opts?: { tree?: string }): Promise<TableSource> {
  return (await formatFor(path)).open(path, opts);
}
