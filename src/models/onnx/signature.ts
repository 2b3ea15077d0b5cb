import { readFileSync } from 'node:fs';
import { NtcorrError } from '../../core/errors.js';
import { decodeModel } from '../../compute/onnx/proto.js';

/** Element types ntcorr feeds (the engine's typed arrays: bool is a Uint8Array of 0/1). */
export type OnnxElement = 'float32' | 'float64' | 'int32' | 'int64' | 'bool';

export interface TensorInfo {
  name: string;
  /** Element type, or undefined for types ntcorr cannot feed (float16, strings, ...); `typeName` says which. */
  type?: OnnxElement;
  typeName: string;
  /** Declared dims: a number for fixed sizes, a string for symbolic ones. */
  shape: (number | string)[];
}

export interface Signature { inputs: TensorInfo[]; outputs: TensorInfo[] }

const ELEM: Record<number, string> = { 1: 'float32', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64', 8: 'string', 9: 'bool', 10: 'float16', 11: 'float64', 12: 'uint32', 13: 'uint64', 16: 'bfloat16' };
const FED = new Set(['float32', 'float64', 'int32', 'int64', 'bool']);

interface ValueInfo { name: string; type?: { tensor_type?: { elem_type?: number; shape?: { dim?: { dim_value?: number; dim_param?: string }[] } } } }

function info(v: ValueInfo): TensorInfo {
  const t = v.type?.tensor_type;
  const typeName = t ? (ELEM[t.elem_type ?? 0] ?? `type ${t.elem_type}`) : 'non-tensor';
  return {
    name: v.name,
    type: FED.has(typeName) ? (typeName as OnnxElement) : undefined,
    typeName,
    shape: (t?.shape?.dim ?? []).map((d, k) => d.dim_value ?? d.dim_param ?? `d${k}`),
  };
}

/**
 * Reads a model file's graph inputs and outputs (names, element types, declared shapes) with the engine's
 * ONNX decoder; inputs that are initializers (old exporters list weights as inputs) are left out.
 */
export function readSignature(path: string): { bytes: Uint8Array; signature: Signature } {
  let bytes: Uint8Array;
  let graph: { input?: ValueInfo[]; output?: ValueInfo[]; initializer?: { name: string }[] };
  try {
    bytes = readFileSync(path);
    graph = (decodeModel(bytes).graph ?? {}) as typeof graph;
  } catch (e) {
    throw new NtcorrError(`ONNX model ${path} cannot be read (${(e as Error).message})`, { file: path });
  }
  const inits = new Set((graph.initializer ?? []).map((i) => i.name));
  return {
    bytes,
    signature: {
      inputs: (graph.input ?? []).filter((i) => !inits.has(i.name)).map(info),
      outputs: (graph.output ?? []).map(info),
    },
  };
}

export function describeInputs(s: Signature): string {
  return s.inputs.map((i) => `${i.name} [${i.shape.join(', ')}] ${i.typeName}`).join('; ');
}
