import type { DType } from '../core/columns.js';

/**
 * model.json: the one file every bundle has. Kind-specific settings live under `config`; binary weights
 * live in `weights.bin` described by `tensors` (see tensors.ts). Everything `apply` needs to reproduce a
 * correction (preprocessing constants included) is in the bundle, never in code defaults.
 */
export interface BundleManifest {
  format: 'ntcorr-bundle';
  formatVersion: 1;
  /** Human name, e.g. "zee-photon-flow-2022". */
  name: string;
  /** Correction kind: 'derived' | 'flow' | 'jet-regression' | 'xgboost' | ... */
  kind: string;
  /** Column names read from the input (after collection expansion), for `inspect` and early checks. */
  inputs: string[];
  /** Columns the bundle adds. */
  outputs: OutputSpec[];
  /** Kind-specific configuration (architecture, preprocessing, collections...). */
  config: Record<string, unknown>;
  /** Index of tensors in weights.bin, if the kind has weights. */
  tensors?: TensorSpec[];
  provenance: BundleProvenance;
}

export interface OutputSpec {
  name: string;
  /** float32 unless declared otherwise. */
  type?: DType;
  /** true for a per-element output of a jagged collection (e.g. per-jet pt_corr with several jets per event). */
  jagged?: boolean;
  description?: string;
}

export interface TensorSpec {
  name: string;
  shape: number[];
  dtype: 'float32' | 'float64' | 'int32' | 'uint8';
  /** Byte offset in weights.bin (aligned to 8). */
  offset: number;
}

export interface BundleProvenance {
  /** "ntcorr 0.1.0" */
  createdBy: string;
  /** ISO time. */
  created: string;
  /** How it was made: "train flow --config flow.yaml", "import-zuko state_dict.pth", "hand-written". */
  source: string;
  seed?: number;
  /** Anything else worth keeping: training data files and hashes, metrics, zuko version, ... */
  [key: string]: unknown;
}
