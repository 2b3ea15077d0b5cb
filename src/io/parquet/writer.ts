import { unlink } from 'node:fs/promises';
import { ParquetWriter, fileWriter } from 'hyparquet-writer';
import type { Column, DType } from '../../core/columns.js';
import { commitFile, tempPathFor } from '../../core/atomic.js';
import { NtcorrError } from '../../core/errors.js';
import { TOOL } from '../../core/version.js';
import type { OutputSpec } from '../../bundle/manifest.js';
import type { OutputWriter, TableSource, WriteOptions } from '../table.js';
import { duckConnection, duckPath, fileError, sqlIdent, sqlString } from './duck.js';
import { SQL_TYPE, columnDataFor, schemaFor } from './hyparquet-schema.js';
import { PROVENANCE_KEY, readParquetMeta } from './metadata.js';

/**
 * Writes the corrected file in two steps:
 * 1. the new columns go, chunk by chunk, into a side parquet file (hyparquet-writer, one row group per
 *    chunk, snappy) next to the target: memory stays at one chunk;
 * 2. DuckDB rewrites `original POSITIONAL JOIN side` into a temp file with zstd. DuckDB copies every
 *    original column (lists, strings, timestamps included) with its own reader/writer, so values and types
 *    survive without passing through JS; that is also the fastest way measured (measurements.md).
 * Then: verify the temp file (row count + schema, read back by DuckDB), fsync, rename over the target.
 * A kill at any point leaves only `.ntcorr-tmp-*` files, which later runs remove.
 *
 * `opts.provenance` is read at finish() so the caller can fill in the counts of the run.
 */
export async function createParquetWriter(source: TableSource & { kv?: Map<string, string>; sqlTypes?: Map<string, string>; readPath?: string; hold?(): () => void }, outPath: string, outputs: OutputSpec[], opts: WriteOptions): Promise<OutputWriter> {
  const tmpPath = tempPathFor(outPath);
  const sidePath = opts.mode === 'friend' ? tmpPath : `${tmpPath}.side`;
  const specs = outputs.map((o) => ({ name: o.name, type: (o.type ?? 'float32') as DType, jagged: o.jagged === true }));
  const kvFor = (): { key: string; value: string }[] => {
    const kv = new Map<string, string>(source.kv ?? []);
    // pyarrow's ARROW:schema describes the old column set; readers fall back to the parquet schema.
    kv.delete('ARROW:schema');
    kv.set(PROVENANCE_KEY, JSON.stringify([...source.provenance, opts.provenance]));
    return [...kv].map(([key, value]) => ({ key, value }));
  };
  const pw = new ParquetWriter({
    writer: fileWriter(sidePath),
    schema: schemaFor(specs) as never,
    // The side file lives for seconds and DuckDB re-encodes it: no compression beats fast compression.
    codec: opts.mode === 'friend' ? 'SNAPPY' : 'UNCOMPRESSED',
    statistics: opts.mode === 'friend',
    createdBy: TOOL,
    kvMetadata: [],
  });
  let rowsWritten = 0;
  let done = false;
  // The pipeline closes the source before finish(); a decompressed legacy-LZ4 copy must outlive it.
  const release = source.hold?.() ?? (() => {});

  const cleanup = async () => {
    release();
    await unlink(sidePath).catch(() => {});
    await unlink(tmpPath).catch(() => {});
  };

  return {
    async append(columns: Map<string, Column>, rows: number) {
      const columnData = specs.map((s) => {
        const c = columns.get(s.name);
        if (!c) throw new Error(`writer ${outPath}: chunk lacks output column ${s.name}`);
        return { name: s.name, data: columnDataFor(c, s.type, rows) as never, statistics: false, offsetIndex: false };
      });
      await pw.write({ columnData, rowGroupSize: rows });
      rowsWritten += rows;
    },
    async finish() {
      if (rowsWritten !== source.rows) throw new NtcorrError(`${source.path}: wrote ${rowsWritten} rows of new columns, the file has ${source.rows}`, { file: source.path });
      if (opts.mode === 'friend') pw.kvMetadata = kvFor();
      await pw.finish();
      if (opts.mode === 'full') {
        const con = await duckConnection();
        try {
          const existing = new Set(source.columns.map((c) => c.name));
          const replaced = specs.filter((s) => existing.has(s.name)).map((s) => sqlIdent(s.name));
          const kv = kvFor().map(({ key, value }) => `${sqlString(key)}: ${sqlString(value)}`).join(', ');
          const codec = (opts.compression ?? 'zstd').toUpperCase();
          const sql = `COPY (SELECT o.*${replaced.length ? ` EXCLUDE (${replaced.join(', ')})` : ''}, s.* ` +
            `FROM read_parquet(${duckPath(source.readPath ?? source.path)}) AS o POSITIONAL JOIN read_parquet(${duckPath(sidePath)}) AS s) ` +
            `TO ${sqlString(tmpPath)} (FORMAT parquet, COMPRESSION ${codec}, USE_TMP_FILE false, KV_METADATA {${kv}})`;
          try {
            await con.run(sql);
          } catch (e) {
            throw fileError(source.path, e, 'rewriting the file with the new columns');
          }
          await unlink(sidePath).catch(() => {});
          // Verify what is about to replace the original: same rows, original columns with their types, new ones.
          const meta = await readParquetMeta(con, tmpPath);
          const expected = new Map<string, string>();
          for (const c of source.columns) if (!specs.some((s) => s.name === c.name)) expected.set(c.name, source.sqlTypes?.get(c.name) ?? '');
          for (const s of specs) expected.set(s.name, SQL_TYPE[s.type] + (s.jagged ? '[]' : ''));
          const problems: string[] = [];
          if (meta.rows !== source.rows) problems.push(`${meta.rows} rows instead of ${source.rows}`);
          for (const [name, type] of expected) {
            const got = meta.sqlTypes.get(name);
            if (got === undefined) problems.push(`column ${name} missing`);
            else if (type && got !== type) problems.push(`column ${name} is ${got}, expected ${type}`);
          }
          if (meta.sqlTypes.size !== expected.size) problems.push(`${meta.sqlTypes.size} columns instead of ${expected.size}`);
          if (problems.length) throw new NtcorrError(`${source.path}: verification of the rewritten file failed (${problems.join('; ')}); the original is untouched`, { file: source.path });
        } finally {
          con.closeSync();
        }
      }
      // Permission bits / owner of a replaced file are kept; a symlink's target is rewritten (core/atomic.ts).
      await commitFile(tmpPath, outPath);
      done = true;
      release();
    },
    async abort() {
      if (!done) await cleanup();
    },
  };
}
