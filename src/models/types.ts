import type { Bundle } from '../bundle/bundle.js';
import type { Chunk, Column } from '../core/columns.js';
import type { OutputSpec } from '../bundle/manifest.js';

/** Options `apply` passes to every correction kind. */
export interface KindOptions {
  /** Inference engine: 'auto' (ONNX Runtime where it loads, else tfjs) | 'onnx' | tfjs 'tensorflow' | 'wasm' | 'cpu'. */
  backend?: string;
  /** ONNX Runtime execution provider: 'cpu' (default) | 'cuda[:N]' | 'tensorrt[:N]' | 'auto'. */
  device?: string;
  /** Base seed; kinds that draw random numbers derive per-file, per-chunk streams from it (seed, file, chunk start). */
  seed: number;
  /** Worker threads a kind may use for its own compute (flow inversion, ...). */
  threads?: number;
  /** Rows the correction does not write (outside the selection): see models/fill.ts. Default 'nan'. */
  fill?: 'nan' | 'keep';
}

/** Per-file information given to a corrector (names of available columns, for collection expansion). */
export interface FileContext {
  file: string;
  /** Key of the file's counter-based random draws: its path below the run's base folder (default: the basename). */
  key?: string;
  /** Every column name the file has (flat names; jagged columns included). */
  columns: string[];
  rows: number;
}

/** Counters a corrector reports for the end-of-run summary. */
export interface ChunkStats {
  /** Rows given non-finite inputs (NaN/inf) → outputs NaN or pass-through. */
  nonFinite: number;
  /** Rows outside the validity region declared in the bundle. */
  outOfRange: number;
}

/**
 * A loaded correction, bound to one file's schema. The pipeline reads `inputs` chunk by chunk and calls
 * `process`; the returned columns must each have exactly `chunk.rows` entries (row alignment is the
 * pipeline's invariant: apply never drops, adds or reorders rows).
 */
export interface Corrector {
  readonly inputs: string[];
  readonly outputs: OutputSpec[];
  /** `selected[i] = 0` means row i must not be corrected (filled per options.fill, models/fill.ts). */
  process(chunk: Chunk, selected: Uint8Array | undefined): Promise<{ columns: Map<string, Column>; stats: ChunkStats }>;
  close?(): Promise<void>;
}

/** A correction kind: turns a bundle into correctors for given files. */
export interface CorrectionKind {
  readonly kind: string;
  /** Loaded once per run (weights, backend); `bind` is called once per file with that file's columns. */
  load(bundle: Bundle, options: KindOptions): Promise<{ bind(file: FileContext): Corrector; close?(): Promise<void> }>;
}
