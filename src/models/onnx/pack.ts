import { isJagged, type Column, type JaggedColumn } from '../../core/columns.js';
import { NtcorrError } from '../../core/errors.js';
import type { InputSpec, JaggedInput } from './config.js';
import type { Feed } from '../../compute/engine.js';
import type { OnnxElement, TensorInfo } from './signature.js';

/** Builds the model's input tensors for a batch of rows; `bad[r]` is set for rows with a non-finite input. */
export interface FeedBuilder {
  /** Columns it reads (file or pre columns). */
  readonly columns: string[];
  /** Model inputs it fills. */
  readonly fills: string[];
  /** Those whose first dimension is the batch of rows (flat and padded inputs, masks). */
  readonly batched: string[];
  /** Called once per chunk before `build` (adds computed columns to env). */
  prepare?(env: Map<string, Column>, rows: number, file: string): void;
  /**
   * Feeds for the rows `idx` of `env`; the batch is padded to `batch` rows (>= idx.length) with empty rows
   * for models with a fixed batch dimension.
   */
  build(env: Map<string, Column>, idx: ArrayLike<number>, batch: number, bad: Uint8Array, file: string): Record<string, Feed>;
}

/** A typed array of the element type, filled from float64 values (integers truncate; NaN -> 0 for integer types). */
export function typed(type: OnnxElement, v: Float64Array): Feed['data'] {
  switch (type) {
    case 'float32': return Float32Array.from(v);
    case 'float64': return v;
    case 'int32': return Int32Array.from(v, (x) => (Number.isFinite(x) ? Math.trunc(x) : 0));
    case 'int64': return BigInt64Array.from(v, (x) => BigInt(Number.isFinite(x) ? Math.trunc(x) : 0));
    case 'bool': return Uint8Array.from(v, (x) => (x !== 0 && x === x ? 1 : 0));
  }
}

/**
 * Fits our dims to the model's declared rank by adding or removing size-1 dims after the first (a single
 * column fed to a [batch] input, a mask fed to [batch, L, 1]), and checks fixed sizes.
 */
export function fitDims(dims: number[], info: TensorInfo, what: string): number[] {
  let d = dims;
  const rank = info.shape.length;
  if (rank && d.length !== rank) {
    const core = [d[0], ...d.slice(1).filter((x) => x !== 1)];
    if (core.length <= rank && info.shape.slice(core.length).every((x) => x === 1 || typeof x !== 'number')) d = [...core, ...Array(rank - core.length).fill(1)];
    if (d.length !== rank) throw new NtcorrError(`ONNX input ${info.name} has shape [${info.shape.join(', ')}], but ${what} gives [${dims.join(', ')}]`);
  }
  info.shape.forEach((x, k) => {
    if (typeof x === 'number' && x > 0 && x !== d[k]) throw new NtcorrError(`ONNX input ${info.name} has shape [${info.shape.join(', ')}] (dim ${k} = ${x}), but ${what} gives [${d.join(', ')}]`);
  });
  return d;
}

function need(env: Map<string, Column>, name: string, file: string, input: string, jagged: boolean): Column {
  const c = env.get(name);
  if (!c) throw new NtcorrError(`${file}: column ${name} not found (input ${input} of the ONNX model)`, { file, column: name });
  if (isJagged(c) !== jagged) throw new NtcorrError(jagged ? `${file}: column ${name} has one value per row; input ${input} takes list columns (x[n] or list<...>)` : `${file}: column ${name} is a list column; input ${input} takes one value per row (use jagged: for lists)`, { file, column: name });
  return c;
}

/** Row order of the kept elements of row i: sorted by a key column (stable; NaN last) and truncated. */
function elementOrder(n: number, key: JaggedColumn | undefined, i: number, descending: boolean, max: number): number[] {
  const order = Array.from({ length: n }, (_, q) => q);
  if (key) {
    const v = key.values as ArrayLike<number>;
    const k = (q: number) => { const x = Number(v[key.offsets[i] + q]); return x === x ? (descending ? -x : x) : Infinity; };
    order.sort((a, b) => k(a) - k(b) || a - b);
  }
  return order.length > max ? order.slice(0, max) : order;
}

export function specBuilder(specs: InputSpec[], infos: Map<string, TensorInfo>): FeedBuilder {
  const columns = new Set<string>();
  const fills: string[] = [];
  const batched: string[] = [];
  for (const s of specs) {
    s.columns.forEach((c) => columns.add(c));
    fills.push(s.name);
    if (s.kind === 'flat' || s.layout === 'padded') batched.push(s.name, ...(s.kind === 'jagged' && s.mask ? [s.mask] : []));
    if (s.kind === 'jagged') {
      if (s.sort) columns.add(s.sort.by);
      if (s.mask) fills.push(s.mask);
      if (s.row_splits) fills.push(s.row_splits);
    }
  }
  const typeOf = (name: string, dflt?: OnnxElement): OnnxElement => {
    const t = dflt ?? infos.get(name)?.type;
    if (!t) throw new NtcorrError(`ONNX input ${name} has element type ${infos.get(name)?.typeName}, which ntcorr cannot feed (supported: float32, float64, int32, int64, bool)`);
    return t;
  };
  return {
    columns: [...columns],
    fills,
    batched,
    build(env, idx, batch, bad, file) {
      const feeds: Record<string, Feed> = {};
      const n = idx.length;
      for (const s of specs) {
        const info = infos.get(s.name)!;
        if (s.kind === 'flat') {
          const cols = s.columns.map((c) => need(env, c, file, s.name, false) as ArrayLike<number | bigint>);
          const F = cols.length;
          const v = new Float64Array(batch * F);
          for (let r = 0; r < n; r++) {
            const i = idx[r];
            for (let f = 0; f < F; f++) {
              const x = Number(cols[f][i]);
              if (!Number.isFinite(x)) bad[i] = 1;
              v[r * F + f] = x;
            }
          }
          const type = typeOf(s.name, s.dtype);
          feeds[s.name] = { data: typed(type, v), dims: fitDims([batch, ...(s.shape ?? [F])], info, `columns [${s.columns.join(', ')}]`) };
          continue;
        }
        packJagged(s, env, idx, batch, bad, file, info, infos, typeOf, feeds);
      }
      return feeds;
    },
  };
}

function packJagged(s: JaggedInput, env: Map<string, Column>, idx: ArrayLike<number>, batch: number, bad: Uint8Array, file: string, info: TensorInfo, infos: Map<string, TensorInfo>, typeOf: (n: string, d?: OnnxElement) => OnnxElement, feeds: Record<string, Feed>): void {
  const cols = s.columns.map((c) => need(env, c, file, s.name, true) as JaggedColumn);
  const key = s.sort ? need(env, s.sort.by, file, s.name, true) as JaggedColumn : undefined;
  const F = cols.length;
  const n = idx.length;
  const ref = cols[0];
  const orders: number[][] = [];
  let longest = 0;
  for (let r = 0; r < n; r++) {
    const i = idx[r];
    const len = ref.offsets[i + 1] - ref.offsets[i];
    for (const c of [...cols.slice(1), ...(key ? [key] : [])]) {
      if (c.offsets[i + 1] - c.offsets[i] !== len) {
        const name = c === key ? s.sort!.by : s.columns[cols.indexOf(c)];
        throw new NtcorrError(`${file}: list columns ${s.columns[0]} and ${name} have different lengths in row ${i} (${len} and ${c.offsets[i + 1] - c.offsets[i]}); input ${s.name} needs one value of each per element`, { file, column: name });
      }
    }
    const o = elementOrder(len, key, i, s.sort?.descending ?? true, s.max_length ?? Infinity);
    orders.push(o);
    if (o.length > longest) longest = o.length;
  }
  const type = typeOf(s.name, s.dtype);
  if (s.layout === 'ragged') {
    const splits = new Float64Array(batch + 1);
    for (let r = 0; r < n; r++) splits[r + 1] = splits[r] + orders[r].length;
    for (let r = n; r < batch; r++) splits[r + 1] = splits[n];
    const T = splits[n];
    const v = new Float64Array(T * F);
    for (let r = 0; r < n; r++) {
      const i = idx[r];
      orders[r].forEach((q, e) => {
        for (let f = 0; f < F; f++) {
          const x = Number(cols[f].values[cols[f].offsets[i] + q]);
          if (!Number.isFinite(x)) bad[i] = 1;
          v[(splits[r] + e) * F + f] = x;
        }
      });
    }
    feeds[s.name] = { data: typed(type, v), dims: fitDims([T, F], info, `list columns [${s.columns.join(', ')}] (ragged)`) };
    const rsInfo = infos.get(s.row_splits!)!;
    const rsType = typeOf(s.row_splits!);
    feeds[s.row_splits!] = { data: typed(rsType, splits), dims: fitDims([batch + 1], rsInfo, 'row splits') };
    return;
  }
  const L = s.pad_to === 'longest' ? Math.max(1, longest) : s.max_length!;
  const v = new Float64Array(batch * L * F).fill(s.pad);
  const m = new Float64Array(batch * L);
  for (let r = 0; r < n; r++) {
    const i = idx[r];
    orders[r].forEach((q, e) => {
      m[r * L + e] = 1;
      for (let f = 0; f < F; f++) {
        const x = Number(cols[f].values[cols[f].offsets[i] + q]);
        if (!Number.isFinite(x)) bad[i] = 1;
        v[(r * L + e) * F + f] = x;
      }
    });
  }
  feeds[s.name] = { data: typed(type, v), dims: fitDims([batch, L, F], info, `list columns [${s.columns.join(', ')}] padded to ${L}`) };
  if (s.mask) {
    const mt = typeOf(s.mask);
    feeds[s.mask] = { data: typed(mt, m), dims: fitDims([batch, L], infos.get(s.mask)!, `the mask of ${s.name}`) };
  }
}
