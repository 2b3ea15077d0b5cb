/**
 * Everything `ntcorr apply` needs; the CLI fills it from flags. Format-specific flags (ROOT `--tree`,
 * friend output...) are fields here too, passed to `openTable` / `createWriter`; add new ones at the end.
 */
export interface ApplyOptions {
  /** Globs or paths (fast-glob). */
  inputs: string[];
  /** Model bundle folder. */
  model: string;
  /** Write `<outDir>/<path below base>`; exclusive with inPlace. */
  outDir?: string;
  /** Replace each input (temp file + fsync + verify + rename). */
  inPlace?: boolean;
  chunkRows: number;
  jobs: number;
  /** Selection expression (src/expr); rows not selected get `fill`. */
  where?: string;
  /** Rows outside --where: NaN ('nan') or the file's existing value of the output column ('keep'). */
  fill: 'nan' | 'keep';
  /** Re-apply even if the file already has this model's columns. */
  force: boolean;
  /** Skip files that already have this model's columns (resubmitted batches). */
  skipDone: boolean;
  quiet: boolean;
  seed: number;
  backend: string;
  /** ONNX Runtime execution provider for neural-network kinds (cpu, cuda[:N], tensorrt[:N], auto). */
  device?: string;
  /** Compute threads for neural-network kinds (flow and jet worker threads, models/threads.ts); undefined: NTCORR_THREADS, else every core. */
  threads?: number;
  /** Codec of the written file (parquet: zstd default). */
  compression?: string;
  /** The command line, recorded in provenance. */
  command: string;
  /** ROOT: tree name (default: the only / first TTree). */
  tree?: string;
  /** 'full' (default): every original column + new ones; 'friend': only new ones (ROOT friend trees). */
  mode?: 'full' | 'friend';
  /** ROOT full copies: write only the readable branches when the input cannot be carried over whole. */
  dropUnreadable?: boolean;
  /** Outputs mirror the inputs' paths below this folder (default: the inputs' longest common folder); also the root of draw keys. */
  base?: string;
  /** Wait up to this many seconds for another run's lock on a file (default 0: fail at once). */
  waitLock?: number;
  /** Print one line per finished file (batch logs); default: when quiet or not a TTY. */
  log?: (line: string) => void;
}

export type FileStatus = 'done' | 'skipped' | 'failed';

export interface FileResult {
  file: string;
  output?: string;
  status: FileStatus;
  /** Why skipped / failed. */
  reason?: string;
  rows: number;
  selected: number;
  /** Rows with NaN/inf inputs (reported by the corrector). */
  nonFiniteInputs: number;
  /** NaN/inf values among the written outputs (selected rows only). */
  nonFiniteOutputs: number;
  outOfRange: number;
  seconds: number;
}

export interface ApplySummary {
  files: FileResult[];
  done: number;
  skipped: number;
  failed: number;
  rows: number;
  seconds: number;
}
