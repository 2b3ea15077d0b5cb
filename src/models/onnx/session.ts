import * as ort from 'onnxruntime-node';
import { NtcorrError } from '../../core/errors.js';

/**
 * Placeholder over onnxruntime-node until the engine layer (src/compute/, branch i15-engine) lands; the
 * onnx kind only uses this interface, so switching to the engine's session is a change of this file alone.
 */
export type OnnxElement = 'float32' | 'float64' | 'int32' | 'int64' | 'bool' | 'int8' | 'uint8';

export interface TensorInfo {
  name: string;
  /** Element type, or undefined for types ntcorr cannot feed (float16, strings). */
  type?: OnnxElement;
  /** Declared dims: a number for fixed sizes, a string or -1 for symbolic ones. */
  shape: (number | string)[];
}

export interface Feed {
  type: OnnxElement;
  data: Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | Int8Array;
  dims: number[];
}

export interface Fetched { data: ArrayLike<number | bigint>; dims: readonly number[] }

export interface OnnxModel {
  readonly inputs: TensorInfo[];
  readonly outputs: TensorInfo[];
  run(feeds: Record<string, Feed>, fetch: string[]): Promise<Record<string, Fetched>>;
  close(): Promise<void>;
}

const KNOWN = new Set<string>(['float32', 'float64', 'int32', 'int64', 'bool', 'int8', 'uint8']);

function info(m: ort.InferenceSession.ValueMetadata): TensorInfo {
  const t = m as { name: string; isTensor: boolean; type?: string; shape?: (number | string)[] };
  return { name: t.name, type: t.isTensor && t.type && KNOWN.has(t.type) ? (t.type as OnnxElement) : undefined, shape: t.shape ?? [] };
}

export async function openOnnxModel(path: string, threads = 1): Promise<OnnxModel> {
  let s: ort.InferenceSession;
  try {
    s = await ort.InferenceSession.create(path, { intraOpNumThreads: threads, interOpNumThreads: 1, executionProviders: ['cpu'] });
  } catch (e) {
    throw new NtcorrError(`ONNX model ${path} cannot be loaded (${(e as Error).message})`, { file: path });
  }
  return {
    inputs: s.inputMetadata.map(info),
    outputs: s.outputMetadata.map(info),
    async run(feeds, fetch) {
      const t: Record<string, ort.Tensor> = {};
      for (const [k, f] of Object.entries(feeds)) t[k] = new ort.Tensor(f.type, f.data, f.dims);
      const r = await s.run(t, fetch);
      const out: Record<string, Fetched> = {};
      for (const k of fetch) out[k] = { data: r[k].data as ArrayLike<number>, dims: r[k].dims };
      return out;
    },
    close: () => s.release(),
  };
}
