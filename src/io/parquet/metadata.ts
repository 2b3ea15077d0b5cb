import type { DuckDBConnection } from '@duckdb/node-api';
import type { DType } from '../../core/columns.js';
import { NtcorrError } from '../../core/errors.js';
import type { ColumnInfo, ProvenanceRecord } from '../table.js';
import { duckPath, fileError } from './duck.js';

/** Everything `open` and `inspect` need from a parquet footer, read through DuckDB's metadata functions. */
export interface ParquetMeta {
  /** Rows in the row groups (the footer's own num_rows may disagree: see footerRows). */
  rows: number;
  footerRows: number;
  rowGroups: number;
  createdBy: string | null;
  columns: ColumnInfo[];
  /** DuckDB's SQL type per top-level column (e.g. "FLOAT", "INTEGER[]"). */
  sqlTypes: Map<string, string>;
  /** Codecs used per top-level column (usually one). */
  compression: Map<string, string[]>;
  /** Key-value metadata (decoded as UTF-8). */
  kv: Map<string, string>;
  provenance: ProvenanceRecord[];
  fileBytes: number;
}

export const PROVENANCE_KEY = 'ntcorr.provenance';

const SQL_TO_DTYPE: Record<string, DType> = {
  FLOAT: 'float32', DOUBLE: 'float64', TINYINT: 'int8', SMALLINT: 'int16', INTEGER: 'int32', BIGINT: 'int64',
  UTINYINT: 'uint8', USMALLINT: 'uint16', UINTEGER: 'uint32', UBIGINT: 'uint64', BOOLEAN: 'bool',
};

/** ntcorr's element type for a DuckDB SQL type: numbers and one level of list of numbers. */
export function dtypeOfSql(sqlType: string): { dtype?: DType; jagged: boolean } {
  const m = /^(\w+)\[\]$/.exec(sqlType);
  if (m) return { dtype: SQL_TO_DTYPE[m[1]], jagged: true };
  return { dtype: SQL_TO_DTYPE[sqlType], jagged: sqlType.endsWith('[]') };
}

async function rows(con: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  return (await con.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
}

export function parseProvenance(file: string, raw: string | undefined): ProvenanceRecord[] {
  if (raw === undefined) return [];
  try {
    const v = JSON.parse(raw) as unknown;
    return Array.isArray(v) ? (v as ProvenanceRecord[]) : [v as ProvenanceRecord];
  } catch {
    throw new NtcorrError(`${file}: key-value metadata "${PROVENANCE_KEY}" is not valid JSON`, { file });
  }
}

export async function readParquetMeta(con: DuckDBConnection, file: string): Promise<ParquetMeta> {
  const f = duckPath(file);
  let fileMeta, chunkMeta, schema, described, kvRows;
  try {
    [fileMeta] = await rows(con, `SELECT num_rows, num_row_groups, created_by, file_size_bytes FROM parquet_file_metadata(${f})`);
    chunkMeta = await rows(con, `SELECT path_in_schema, compression, encodings, row_group_id, row_group_num_rows FROM parquet_metadata(${f})`);
    schema = await rows(con, `SELECT name, repetition_type, num_children, type, converted_type, logical_type FROM parquet_schema(${f})`);
    described = await rows(con, `DESCRIBE SELECT * FROM read_parquet(${f})`);
    kvRows = await rows(con, `SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata(${f})`);
  } catch (e) {
    throw fileError(file, e, 'reading the parquet footer');
  }
  // A column chunk must list the encodings it uses; writers that leave it empty (parquet-testing's
  // nation.dict-malformed.parquet) also get dictionary offsets wrong, and DuckDB would silently read it.
  for (const c of chunkMeta) {
    if (!c.encodings || String(c.encodings).trim() === '') {
      const col = String(c.path_in_schema).split(', ')[0];
      throw new NtcorrError(`${file}: malformed parquet file: column chunk "${col}" in row group ${c.row_group_id} lists no encodings (the footer is corrupt; rewrite the file with pyarrow or DuckDB)`, { file, column: col });
    }
  }

  // Top-level schema elements: walk the flattened tree (depth-first, num_children per group).
  // Iterative, with every num_children checked against the elements left: a corrupt footer cannot recurse
  // past the stack or index past the schema.
  const top: { name: string; repetition: string; detail: string }[] = [];
  const skip = (k: number): number => {
    let j = k;
    let pending = 1; // elements still to consume in this subtree
    while (pending > 0) {
      if (j >= schema.length) throw new NtcorrError(`${file}: malformed parquet schema: element ${k} (${String(schema[k]?.name)}) declares more children than the schema holds`, { file });
      const n = Number(schema[j].num_children ?? 0);
      if (!Number.isSafeInteger(n) || n < 0) throw new NtcorrError(`${file}: malformed parquet schema: element ${j} has num_children ${String(schema[j].num_children)}`, { file });
      pending += n - 1;
      j++;
    }
    return j;
  };
  let i = 1;
  while (i < schema.length) {
    const s = schema[i];
    const detail = [s.type, s.converted_type, s.logical_type].filter((x) => x !== null && x !== undefined).join(' ');
    top.push({ name: String(s.name), repetition: String(s.repetition_type ?? 'REQUIRED'), detail });
    i = skip(i);
  }
  const repetition = new Map(top.map((t) => [t.name, t]));

  const sqlTypes = new Map<string, string>();
  const columns: ColumnInfo[] = described.map((d) => {
    const name = String(d.column_name);
    const sqlType = String(d.column_type);
    sqlTypes.set(name, sqlType);
    const { dtype, jagged } = dtypeOfSql(sqlType);
    const rep = repetition.get(name);
    return {
      name,
      dtype,
      jagged,
      nullable: rep ? rep.repetition === 'OPTIONAL' : true,
      detail: `${sqlType}${rep && rep.detail && !sqlType.includes(rep.detail) ? ` (parquet ${rep.detail})` : ''}`,
    };
  });

  const compression = new Map<string, string[]>();
  for (const c of chunkMeta) {
    const col = String(c.path_in_schema).split(', ')[0];
    const list = compression.get(col) ?? [];
    if (!list.includes(String(c.compression))) list.push(String(c.compression));
    compression.set(col, list);
  }
  const kv = new Map<string, string>(kvRows.map((r) => [String(r.k), String(r.v)]));
  // The rows are what the row groups hold (what DuckDB and pyarrow read): some writers (parquet-rs 0.3,
  // parquet-testing's repeated_no_annotation.parquet) leave the footer's num_rows at 0.
  const groupRows = new Map<string, number>();
  for (const c of chunkMeta) groupRows.set(String(c.row_group_id), Number(c.row_group_num_rows));
  const footerRows = Number(fileMeta.num_rows);
  const rowsInGroups = [...groupRows.values()].reduce((a, b) => a + b, 0);
  return {
    rows: groupRows.size > 0 ? rowsInGroups : footerRows,
    footerRows,
    rowGroups: Number(fileMeta.num_row_groups),
    createdBy: fileMeta.created_by === null ? null : String(fileMeta.created_by),
    columns,
    sqlTypes,
    compression,
    kv,
    provenance: parseProvenance(file, kv.get(PROVENANCE_KEY)),
    fileBytes: Number(fileMeta.file_size_bytes),
  };
}
