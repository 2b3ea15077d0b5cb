/** Parquet I/O: reading through DuckDB, rewriting with new columns, and writing new flat tables. */
export { format, openParquet, ParquetSource } from './format.js';
export { writeParquetTable, type TableColumn } from './write-table.js';
export { PROVENANCE_KEY } from './metadata.js';
