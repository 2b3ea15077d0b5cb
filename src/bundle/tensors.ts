import type { TensorSpec } from './manifest.js';

export type TensorData = Float32Array | Float64Array | Int32Array | Uint8Array;

const CTOR = { float32: Float32Array, float64: Float64Array, int32: Int32Array, uint8: Uint8Array } as const;

function dtypeOf(a: TensorData): TensorSpec['dtype'] {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Int32Array) return 'int32';
  return 'uint8';
}

/** Packs named tensors into one little-endian buffer (8-byte aligned) and its index. */
export function packTensors(tensors: { name: string; shape: number[]; data: TensorData }[]): { buffer: Buffer; specs: TensorSpec[] } {
  const specs: TensorSpec[] = [];
  let offset = 0;
  for (const t of tensors) {
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (size !== t.data.length) throw new Error(`tensor ${t.name}: shape [${t.shape}] has ${size} elements, data has ${t.data.length}`);
    specs.push({ name: t.name, shape: t.shape, dtype: dtypeOf(t.data), offset });
    offset += Math.ceil(t.data.byteLength / 8) * 8;
  }
  const buffer = Buffer.alloc(offset);
  tensors.forEach((t, i) => {
    Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).copy(buffer, specs[i].offset);
  });
  return { buffer, specs };
}

/** Unpacks tensors from weights.bin; the arrays copy out of `buffer` so they are aligned. */
export function unpackTensors(buffer: Uint8Array, specs: TensorSpec[]): Map<string, { shape: number[]; data: TensorData }> {
  const out = new Map<string, { shape: number[]; data: TensorData }>();
  for (const s of specs) {
    const C = CTOR[s.dtype];
    const n = s.shape.reduce((a, b) => a * b, 1);
    const bytes = n * C.BYTES_PER_ELEMENT;
    if (s.offset + bytes > buffer.byteLength) throw new Error(`weights.bin too short for tensor ${s.name} (needs ${s.offset + bytes} bytes, has ${buffer.byteLength})`);
    const copy = new Uint8Array(bytes);
    copy.set(buffer.subarray(s.offset, s.offset + bytes));
    out.set(s.name, { shape: s.shape, data: new C(copy.buffer) });
  }
  return out;
}
