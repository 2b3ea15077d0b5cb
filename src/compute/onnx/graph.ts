import { AttrType, DataType, type DType, encodeModel, type ModelObject } from './proto.js';

/**
 * A small typed builder for ONNX graphs: model code describes its inference graph once (inputs,
 * initializers, nodes, outputs) and gets ONNX bytes that the engine (src/compute/engine.ts) runs or
 * `export-onnx` writes. Values are referred to by name (string); every method that creates a value
 * returns its name. Dimensions are numbers or strings (symbolic, e.g. 'batch').
 */
export type Dim = number | string;

/** Typed data an initializer can hold. */
export type TensorData = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;

/**
 * Attribute values: an integer number is INT, number[] is INTS, a string is STRING; floats must be
 * wrapped ({ float: 0.5 }, { floats: [...] }) because JS cannot tell 1 from 1.0.
 */
export type AttrValue = number | number[] | string | { float: number } | { floats: number[] } | { tensor: TensorInit };

export interface TensorInit {
  dtype: DType;
  dims: number[];
  data: TensorData;
}

/** Opset written by default: ONNX 1.14+ / ONNX Runtime 1.15+ (ReduceSum/Split/Unsqueeze take axes as inputs). */
export const DEFAULT_OPSET = 18;
/** IR version 8 goes with opset 18 (ONNX 1.13+). */
const IR_VERSION = 8;

function bytesOf(d: TensorData): Uint8Array {
  // ONNX raw_data is little-endian; so are all platforms ntcorr runs on (x86-64, aarch64).
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength).slice();
}

function tensorObject(name: string, t: TensorInit): Record<string, unknown> {
  const count = t.dims.reduce((a, b) => a * b, 1);
  if (count !== t.data.length) throw new Error(`ONNX initializer ${name}: ${t.data.length} values for shape [${t.dims.join(', ')}]`);
  return { name, dims: t.dims, data_type: DataType[t.dtype], raw_data: bytesOf(t.data) };
}

function valueInfo(name: string, dtype: DType, dims?: Dim[]): Record<string, unknown> {
  const tensor: Record<string, unknown> = { elem_type: DataType[dtype] };
  if (dims) tensor.shape = { dim: dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) };
  return { name, type: { tensor_type: tensor } };
}

function attribute(name: string, v: AttrValue): Record<string, unknown> {
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new Error(`ONNX attribute ${name}: ${v} is not an integer (wrap floats as { float: v })`);
    return { name, type: AttrType.INT, i: v };
  }
  if (typeof v === 'string') return { name, type: AttrType.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: AttrType.INTS, ints: v };
  if ('float' in v) return { name, type: AttrType.FLOAT, f: v.float };
  if ('floats' in v) return { name, type: AttrType.FLOATS, floats: v.floats };
  return { name, type: AttrType.TENSOR, t: tensorObject('', v.tensor) };
}

export interface ModelOptions {
  opset?: number;
  producer?: string;
  producerVersion?: string;
  doc?: string;
  /** Written as ModelProto.metadata_props (key/value strings). */
  metadata?: Record<string, string>;
}

export class OnnxGraph {
  private readonly nodes: Record<string, unknown>[] = [];
  private readonly inits: Record<string, unknown>[] = [];
  private readonly inputs: Record<string, unknown>[] = [];
  private readonly outputs: Record<string, unknown>[] = [];
  private readonly names = new Set<string>();
  private readonly scalars = new Map<string, string>();
  private counter = 0;

  constructor(readonly name = 'ntcorr') {}

  /** A fresh value name starting with `hint`. */
  fresh(hint = 'v'): string {
    let n: string;
    do n = `${hint}_${this.counter++}`; while (this.names.has(n));
    this.names.add(n);
    return n;
  }

  private claim(name: string): string {
    if (this.names.has(name)) throw new Error(`ONNX graph ${this.name}: value ${name} defined twice`);
    this.names.add(name);
    return name;
  }

  /** A graph input (fed at run time). */
  input(name: string, dtype: DType, dims: Dim[]): string {
    this.inputs.push(valueInfo(this.claim(name), dtype, dims));
    return name;
  }

  /** Marks an existing value as a graph output (dims optional: ONNX Runtime infers them). */
  output(name: string, dtype: DType = 'float32', dims?: Dim[]): string {
    if (!this.names.has(name)) throw new Error(`ONNX graph ${this.name}: output ${name} is not a value of the graph`);
    this.outputs.push(valueInfo(name, dtype, dims));
    return name;
  }

  /** A named constant tensor (weights). `name` is made unique if taken. */
  initializer(name: string, dtype: DType, dims: number[], data: TensorData): string {
    const n = this.names.has(name) ? this.fresh(name) : this.claim(name);
    this.inits.push(tensorObject(n, { dtype, dims, data }));
    return n;
  }

  /** float32 constant; `dims` defaults to 1-D. */
  f32(data: ArrayLike<number>, dims?: number[], hint = 'c'): string {
    return this.initializer(hint, 'float32', dims ?? [data.length], Float32Array.from(data));
  }

  /** int64 constant (shapes, axes, indices); `dims` defaults to 1-D. Equal constants share one initializer. */
  i64(data: ArrayLike<number>, dims?: number[], hint = 'i'): string {
    const d = dims ?? [data.length];
    const key = `i64:${d.join('x')}:${Array.from(data).join(',')}`;
    let n = this.scalars.get(key);
    if (!n) {
      n = this.initializer(hint, 'int64', d, BigInt64Array.from(Array.from(data), (v) => BigInt(v)));
      this.scalars.set(key, n);
    }
    return n;
  }

  /** A scalar constant (float32 unless `dtype` says otherwise), shared between uses of the same value. */
  scalar(v: number, dtype: 'float32' | 'float64' | 'int64' = 'float32'): string {
    const key = `${dtype}:${Object.is(v, -0) ? '-0' : String(v)}`;
    let n = this.scalars.get(key);
    if (!n) {
      const data = dtype === 'float32' ? Float32Array.of(v) : dtype === 'float64' ? Float64Array.of(v) : BigInt64Array.of(BigInt(v));
      n = this.initializer('s', dtype, [], data);
      this.scalars.set(key, n);
    }
    return n;
  }

  /** A node with any number of outputs; returns their names (fresh unless given). '' skips an optional input. */
  node(op: string, inputs: string[], attrs: Record<string, AttrValue> = {}, opts: { outputs?: number | string[]; name?: string; domain?: string } = {}): string[] {
    for (const i of inputs) if (i !== '' && !this.names.has(i)) throw new Error(`ONNX graph ${this.name}: ${op} input ${i} is not defined`);
    const outs = Array.isArray(opts.outputs) ? opts.outputs.map((o) => this.claim(o)) : Array.from({ length: opts.outputs ?? 1 }, () => this.fresh(op.toLowerCase()));
    const node: Record<string, unknown> = {
      op_type: op,
      input: inputs,
      output: outs,
      name: opts.name ?? `${op}_${this.nodes.length}`,
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    };
    if (opts.domain) node.domain = opts.domain;
    this.nodes.push(node);
    return outs;
  }

  /** A single-output node; returns the output name. */
  op(op: string, inputs: string[], attrs: Record<string, AttrValue> = {}, output?: string): string {
    return this.node(op, inputs, attrs, output ? { outputs: [output] } : {})[0];
  }

  // Shorthands for the ops model code uses most.
  add(a: string, b: string): string { return this.op('Add', [a, b]); }
  sub(a: string, b: string): string { return this.op('Sub', [a, b]); }
  mul(a: string, b: string): string { return this.op('Mul', [a, b]); }
  div(a: string, b: string): string { return this.op('Div', [a, b]); }
  matmul(a: string, b: string): string { return this.op('MatMul', [a, b]); }
  relu(a: string): string { return this.op('Relu', [a]); }
  /** x @ W + b with W [in, out] float32 (row-major) and b [out]: one Gemm-free MatMul + Add (fused by ORT). */
  dense(x: string, weight: Float32Array, bias: Float32Array, inN: number, outN: number, hint = 'dense'): string {
    const w = this.initializer(`${hint}_w`, 'float32', [inN, outN], weight);
    const b = this.initializer(`${hint}_b`, 'float32', [outN], bias);
    return this.add(this.matmul(x, w), b);
  }
  /** Columns [start, end) of a 2-D value (Slice on axis 1). */
  cols(x: string, start: number, end: number): string {
    return this.op('Slice', [x, this.i64([start]), this.i64([end]), this.i64([1])]);
  }
  concat(xs: string[], axis: number): string {
    return xs.length === 1 ? xs[0] : this.op('Concat', xs, { axis });
  }
  reshape(x: string, shape: number[]): string {
    return this.op('Reshape', [x, this.i64(shape)]);
  }

  /** The ModelProto as a plain object (for tests and tools that want to look inside). */
  toModelObject(opts: ModelOptions = {}): ModelObject {
    if (this.outputs.length === 0) throw new Error(`ONNX graph ${this.name}: no outputs`);
    const model: ModelObject = {
      ir_version: IR_VERSION,
      opset_import: [{ domain: '', version: opts.opset ?? DEFAULT_OPSET }],
      producer_name: opts.producer ?? 'ntcorr',
      graph: { name: this.name, node: this.nodes, initializer: this.inits, input: this.inputs, output: this.outputs },
    };
    if (opts.producerVersion) model.producer_version = opts.producerVersion;
    if (opts.doc) model.doc_string = opts.doc;
    if (opts.metadata) model.metadata_props = Object.entries(opts.metadata).map(([key, value]) => ({ key, value }));
    return model;
  }

  /** Serialised ONNX model. */
  toBytes(opts: ModelOptions = {}): Uint8Array {
    return encodeModel(this.toModelObject(opts));
  }
}
