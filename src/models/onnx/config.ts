import { NtcorrError } from '../../core/errors.js';
import type { OnnxElement } from './signature.js';

/**
 * model.json `config` of kind `onnx` (README "ONNX models"):
 *   model:      file of the network inside the bundle folder (default model.onnx)
 *   batch_size: rows per inference call (default 4096; a model with a fixed batch dimension uses that)
 *   pre:        { column: expression } evaluated in order before the network; an expression over list
 *               columns gives a list column (one value per element; per-row columns are broadcast)
 *   inputs:     { onnx input name: flat or jagged input spec }
 *   outputs:    { column: { tensor: onnx output name, index: position in the per-row values } }
 *   post:       { column: expression } over outputs, pre columns and file columns, evaluated in order
 *   mljec:      instead of `inputs`: ml-jec's feature pipeline feeds the inputs (mljec.ts)
 * The columns written are the manifest's `outputs`; each must be an output or a post column.
 */
export interface FlatInput {
  kind: 'flat';
  name: string;
  /** One value per row each; the tensor is [batch, columns.length] (or `shape` per row). */
  columns: string[];
  shape?: number[];
  dtype?: OnnxElement;
}

export interface JaggedInput {
  kind: 'jagged';
  name: string;
  /** List columns with the same number of elements per row; the tensor is [batch, L, columns.length]. */
  columns: string[];
  /** padded: [batch, L, F] with `pad` after the last element; ragged: values [elements, F] plus row splits. */
  layout: 'padded' | 'ragged';
  /** Elements kept per row (after sorting); required for padded. */
  max_length?: number;
  /** padded: L = max_length (default), or the longest row of each batch (models with a symbolic length). */
  pad_to: 'max_length' | 'longest';
  pad: number;
  /** Order of the elements before truncation: by a list column, descending by default; else as stored. */
  sort?: { by: string; descending: boolean };
  /** Name of the model's mask input ([batch, L], 1 for real elements), when it has one. */
  mask?: string;
  /** ragged: name of the model's row-splits input ([batch + 1] offsets). */
  row_splits?: string;
  dtype?: OnnxElement;
}

export type InputSpec = FlatInput | JaggedInput;

export interface OutputBinding { column: string; tensor: string; index?: number }

export interface OnnxConfig {
  model: string;
  batchSize: number;
  pre: [string, string][];
  inputs: InputSpec[];
  outputs: OutputBinding[];
  post: [string, string][];
  /** Raw ml-jec section (parsed by mljec.ts). */
  mljec?: Record<string, unknown>;
}

const DTYPES = ['float32', 'float64', 'int32', 'int64', 'bool'];

function fail(dir: string, key: string, msg: string): never {
  throw new NtcorrError(`model bundle ${dir}: config.${key}: ${msg}`, { file: dir });
}

function obj(dir: string, key: string, v: unknown): Record<string, unknown> {
  if (!v || typeof v !== 'object' || Array.isArray(v)) fail(dir, key, `expected a mapping, got ${JSON.stringify(v)}`);
  return v as Record<string, unknown>;
}

export function noUnknown(dir: string, key: string, o: Record<string, unknown>, known: string[]): void {
  for (const k of Object.keys(o)) if (!known.includes(k)) fail(dir, key ? `${key}.${k}` : k, `unknown key (known: ${known.join(', ')})`);
}

function names(dir: string, key: string, v: unknown): string[] {
  if (!Array.isArray(v) || v.length === 0 || v.some((s) => typeof s !== 'string')) fail(dir, key, `expected a non-empty list of column names, got ${JSON.stringify(v)}`);
  return v as string[];
}

function exprs(dir: string, key: string, v: unknown): [string, string][] {
  if (v === undefined) return [];
  return Object.entries(obj(dir, key, v)).map(([k, e]) => {
    if (typeof e !== 'string') fail(dir, `${key}.${k}`, 'expected an expression string');
    return [k, e];
  });
}

function dtype(dir: string, key: string, v: unknown): OnnxElement | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !DTYPES.includes(v)) fail(dir, key, `expected one of ${DTYPES.join(', ')}`);
  return v as OnnxElement;
}

function posInt(dir: string, key: string, v: unknown): number {
  if (!Number.isInteger(v) || (v as number) < 1) fail(dir, key, `expected a positive integer, got ${JSON.stringify(v)}`);
  return v as number;
}

function parseInput(dir: string, name: string, v: unknown): InputSpec {
  const key = `inputs.${name}`;
  const o = obj(dir, key, v);
  if (o.columns !== undefined && o.jagged !== undefined) fail(dir, key, 'give either columns (one value per row) or jagged (list columns), not both');
  if (o.columns !== undefined) {
    noUnknown(dir, key, o, ['columns', 'shape', 'dtype']);
    const columns = names(dir, `${key}.columns`, o.columns);
    let shape: number[] | undefined;
    if (o.shape !== undefined) {
      if (!Array.isArray(o.shape) || o.shape.some((d) => !Number.isInteger(d) || d < 1)) fail(dir, `${key}.shape`, 'expected the per-row dims, e.g. [3, 1]');
      shape = o.shape as number[];
      if (shape.reduce((a, b) => a * b, 1) !== columns.length) fail(dir, `${key}.shape`, `${JSON.stringify(shape)} holds ${shape.reduce((a, b) => a * b, 1)} values per row, but ${columns.length} columns are listed`);
    }
    return { kind: 'flat', name, columns, shape, dtype: dtype(dir, `${key}.dtype`, o.dtype) };
  }
  if (o.jagged === undefined) fail(dir, key, 'expected columns: [...] (one value per row) or jagged: [...] (list columns)');
  noUnknown(dir, key, o, ['jagged', 'layout', 'max_length', 'pad_to', 'pad', 'sort', 'mask', 'row_splits', 'dtype']);
  const layout = (o.layout ?? 'padded') as string;
  if (layout !== 'padded' && layout !== 'ragged') fail(dir, `${key}.layout`, 'expected padded or ragged');
  const padTo = (o.pad_to ?? 'max_length') as string;
  if (padTo !== 'max_length' && padTo !== 'longest') fail(dir, `${key}.pad_to`, 'expected max_length or longest');
  const maxLength = o.max_length === undefined ? undefined : posInt(dir, `${key}.max_length`, o.max_length);
  if (layout === 'padded' && padTo === 'max_length' && maxLength === undefined) fail(dir, `${key}.max_length`, 'a padded input needs max_length (or pad_to: longest)');
  if (o.pad !== undefined && typeof o.pad !== 'number') fail(dir, `${key}.pad`, 'expected a number');
  let sort: JaggedInput['sort'];
  if (o.sort !== undefined) {
    const s = typeof o.sort === 'string' ? { by: o.sort } : obj(dir, `${key}.sort`, o.sort);
    noUnknown(dir, `${key}.sort`, s, ['by', 'descending']);
    if (typeof s.by !== 'string') fail(dir, `${key}.sort.by`, 'expected a list column name');
    if (s.descending !== undefined && typeof s.descending !== 'boolean') fail(dir, `${key}.sort.descending`, 'expected true or false');
    sort = { by: s.by, descending: s.descending !== false };
  }
  if (o.mask !== undefined && typeof o.mask !== 'string') fail(dir, `${key}.mask`, 'expected the name of the model\'s mask input');
  if (layout === 'ragged' && o.mask !== undefined) fail(dir, `${key}.mask`, 'a ragged input has no padding to mask (use row_splits)');
  if (layout === 'ragged' && typeof o.row_splits !== 'string') fail(dir, `${key}.row_splits`, 'a ragged input needs the name of the model\'s row-splits input');
  if (layout === 'padded' && o.row_splits !== undefined) fail(dir, `${key}.row_splits`, 'only for layout: ragged');
  return {
    kind: 'jagged', name, columns: names(dir, `${key}.jagged`, o.jagged), layout, max_length: maxLength, pad_to: padTo,
    pad: (o.pad as number | undefined) ?? 0, sort, mask: o.mask as string | undefined, row_splits: o.row_splits as string | undefined,
    dtype: dtype(dir, `${key}.dtype`, o.dtype),
  };
}

export function parseOnnxConfig(dir: string, config: Record<string, unknown>): OnnxConfig {
  const c = obj(dir, '(config)', config);
  noUnknown(dir, '', c, ['model', 'batch_size', 'pre', 'inputs', 'outputs', 'post', 'mljec']);
  if (c.model !== undefined && (typeof c.model !== 'string' || c.model.includes('/') || c.model.includes('\\'))) fail(dir, 'model', 'expected the file name of the .onnx file inside the bundle folder');
  if ((c.inputs === undefined) === (c.mljec === undefined)) fail(dir, 'inputs', 'give inputs (columns for each ONNX input) or mljec (ml-jec feature pipeline), exactly one');
  const inputs = c.inputs === undefined ? [] : Object.entries(obj(dir, 'inputs', c.inputs)).map(([n, v]) => parseInput(dir, n, v));
  const outputs = Object.entries(obj(dir, 'outputs', c.outputs)).map(([column, v]) => {
    const o = typeof v === 'string' ? { tensor: v } : obj(dir, `outputs.${column}`, v);
    noUnknown(dir, `outputs.${column}`, o, ['tensor', 'index']);
    if (typeof o.tensor !== 'string') fail(dir, `outputs.${column}.tensor`, 'expected the name of an output of the ONNX model');
    if (o.index !== undefined && (!Number.isInteger(o.index) || (o.index as number) < 0)) fail(dir, `outputs.${column}.index`, 'expected an index >= 0 into the per-row values');
    return { column, tensor: o.tensor, index: o.index as number | undefined };
  });
  if (outputs.length === 0) fail(dir, 'outputs', 'at least one output column is needed');
  return {
    model: (c.model as string | undefined) ?? 'model.onnx',
    batchSize: c.batch_size === undefined ? 4096 : posInt(dir, 'batch_size', c.batch_size),
    pre: exprs(dir, 'pre', c.pre),
    inputs,
    outputs,
    post: exprs(dir, 'post', c.post),
    mljec: c.mljec === undefined ? undefined : obj(dir, 'mljec', c.mljec),
  };
}
