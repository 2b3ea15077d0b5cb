import { readFileSync } from 'node:fs';
import { NtcorrError } from '../../core/errors.js';
import { PickleDict, unpickle, type PickleValue } from './pickle.js';
import { zipEntries, zipRead } from './zip.js';

/**
 * Reads a `torch.save` checkpoint (zip format, PyTorch >= 1.6) natively: `<archive>/data.pkl` holds the
 * pickled object, tensors refer to storages `<archive>/data/<key>` by persistent id. Returns every tensor
 * reachable from the top-level dict (state dicts; `{"state_dict": ...}`-style wrappers are descended)
 * as a contiguous C-order typed array with its shape.
 */
export interface TorchTensor {
  shape: number[];
  dtype: 'float32' | 'float64' | 'int64' | 'int32' | 'bool' | 'uint8';
  data: Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array;
}

const STORAGES: Record<string, { dtype: TorchTensor['dtype']; size: number }> = {
  FloatStorage: { dtype: 'float32', size: 4 },
  DoubleStorage: { dtype: 'float64', size: 8 },
  LongStorage: { dtype: 'int64', size: 8 },
  IntStorage: { dtype: 'int32', size: 4 },
  BoolStorage: { dtype: 'bool', size: 1 },
  ByteStorage: { dtype: 'uint8', size: 1 },
};

interface Storage { dtype: TorchTensor['dtype']; bytes: Buffer }

function typed(dtype: TorchTensor['dtype'], bytes: Buffer, count: number, offset: number): TorchTensor['data'] {
  const size = { float32: 4, float64: 8, int64: 8, int32: 4, bool: 1, uint8: 1 }[dtype];
  const copy = new Uint8Array(count * size);
  copy.set(bytes.subarray(offset * size, (offset + count) * size));
  switch (dtype) {
    case 'float32': return new Float32Array(copy.buffer);
    case 'float64': return new Float64Array(copy.buffer);
    case 'int64': return new BigInt64Array(copy.buffer);
    case 'int32': return new Int32Array(copy.buffer);
    default: return copy;
  }
}

const isIndexList = (v: unknown): v is number[] => Array.isArray(v) && v.every((d) => Number.isSafeInteger(d) && d >= 0);

/**
 * torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...): strided view -> contiguous copy.
 * Shape, stride and offset come from the pickle: they are checked against the storage before anything
 * is allocated, so a corrupt checkpoint cannot ask for more memory than its own bytes.
 */
function rebuildTensor(storage: Storage, offset: unknown, shape: unknown, stride: unknown): TorchTensor {
  if (!storage || !(storage.bytes instanceof Uint8Array)) throw new Error('tensor without a storage');
  if (!Number.isSafeInteger(offset) || (offset as number) < 0) throw new Error(`tensor storage offset ${JSON.stringify(offset)} is not a non-negative integer`);
  if (!isIndexList(shape) || !isIndexList(stride) || stride.length !== shape.length) throw new Error(`tensor shape ${JSON.stringify(shape)} / stride ${JSON.stringify(stride)} are not matching lists of non-negative integers`);
  const elem = { float32: 4, float64: 8, int64: 8, int32: 4, bool: 1, uint8: 1 }[storage.dtype];
  if (storage.bytes.length % elem !== 0) throw new Error(`storage of ${storage.bytes.length} bytes is not a whole number of ${storage.dtype} elements`);
  const numel = storage.bytes.length / elem;
  const n = shape.reduce((a, b) => a * b, 1);
  if (n > 0) {
    const last = (offset as number) + shape.reduce((a, d, i) => a + (d - 1) * stride[i], 0);
    if (last >= numel) throw new Error(`tensor of shape [${shape.join(', ')}] (offset ${offset}, stride [${stride.join(', ')}]) reaches element ${last} of a storage with ${numel}`);
  }
  return rebuildChecked(storage, offset as number, shape, stride, n);
}

function rebuildChecked(storage: Storage, offset: number, shape: number[], stride: number[], n: number): TorchTensor {
  const contiguous = shape.every((_, i) => shape[i] === 1 || stride[i] === shape.slice(i + 1).reduce((a, b) => a * b, 1));
  if (contiguous) return { shape, dtype: storage.dtype, data: typed(storage.dtype, storage.bytes, n, offset) };
  const full = typed(storage.dtype, storage.bytes, storage.bytes.length / ({ float32: 4, float64: 8, int64: 8, int32: 4, bool: 1, uint8: 1 }[storage.dtype]), 0);
  const C = full.constructor as new (n: number) => TorchTensor['data'];
  const out = new C(n);
  const idx = new Array<number>(shape.length).fill(0);
  for (let k = 0; k < n; k++) {
    let src = offset;
    for (let d = 0; d < shape.length; d++) src += idx[d] * stride[d];
    (out as unknown as unknown[])[k] = (full as unknown as unknown[])[src];
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
  return { shape, dtype: storage.dtype, data: out };
}

class WholeModel extends Error {}

function isTensor(v: PickleValue): v is TorchTensor {
  return !!v && typeof v === 'object' && 'shape' in v && 'data' in v && 'dtype' in v;
}

/** Reads every tensor of a checkpoint, keyed by its (dotted) state-dict name. */
export function readTorchCheckpoint(path: string): Map<string, TorchTensor> {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new NtcorrError(`${path}: cannot read checkpoint (${(e as Error).message})`, { file: path });
  }
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) throw new NtcorrError(`${path}: file is gzip-compressed; gunzip it first (torch.load reads the uncompressed .pth)`, { file: path });
  if (buf.length >= 2 && buf[0] === 0x80) throw new NtcorrError(`${path}: legacy (pre-1.6, non-zip) torch checkpoint; re-save it with a recent PyTorch (torch.save(torch.load(p), p))`, { file: path });
  try {
    const entries = zipEntries(buf);
    const pkl = entries.find((e) => e.name.endsWith('/data.pkl') || e.name === 'data.pkl');
    if (!pkl) throw new Error('no data.pkl in the archive (not a torch.save checkpoint)');
    const root = pkl.name.slice(0, pkl.name.length - 'data.pkl'.length);
    const byName = new Map(entries.map((e) => [e.name, e]));
    const storages = new Map<string, Storage>();
    const obj = unpickle(zipRead(buf, pkl), {
      persistentLoad(pid) {
        if (!Array.isArray(pid)) throw new Error('persistent id is not a tuple');
        const [kind, type, key] = pid as [string, { name?: string } | string, string];
        if (kind !== 'storage') throw new Error(`unsupported persistent id ${String(kind)}`);
        const typeName = typeof type === 'string' ? type : (type as { name?: string }).name ?? '';
        const info = STORAGES[typeName];
        if (!info) throw new Error(`unsupported storage type ${typeName}`);
        let s = storages.get(key);
        if (!s) {
          const e = byName.get(`${root}data/${key}`);
          if (!e) throw new Error(`storage ${key} missing from the archive`);
          s = { dtype: info.dtype, bytes: zipRead(buf, e) };
          storages.set(key, s);
        }
        return s;
      },
      find(module, name) {
        if (module === 'collections' && name === 'OrderedDict') return () => new PickleDict();
        if (module === 'torch._utils' && name === '_rebuild_tensor_v2') return (storage, offset, size, stride) => rebuildTensor(storage as Storage, offset, size, stride);
        if (module === 'torch._utils' && name === '_rebuild_parameter') return (t) => t;
        if (module === 'torch' && name in STORAGES) return () => ({ name });
        // A pickled nn.Module (torch.save(model)) names its classes; say so instead of "unsupported global".
        if (/^(zuko|torch\.nn|torch\.optim|__main__)(\.|$)/.test(module)) throw new WholeModel(`${module}.${name}`);
        return undefined;
      },
    });
    if (obj instanceof Map) {
      const keys = [...obj.keys()].map(String);
      if (keys.some((k) => /optim/i.test(k))) {
        const model = keys.find((k) => /model|state_dict|flow/i.test(k) && !/optim/i.test(k));
        throw new NtcorrError(`${path}: this is a training checkpoint (keys ${keys.join(', ')}), not a model state dict; save the model's weights alone, e.g. torch.save(ckpt[${JSON.stringify(model ?? 'model_state_dict')}], 'best_model_.pth') or torch.save(flow.state_dict(), 'best_model_.pth')`, { file: path });
      }
    }
    const out = new Map<string, TorchTensor>();
    const walk = (v: PickleValue, prefix: string) => {
      if (isTensor(v)) out.set(prefix, v);
      else if (v instanceof Map) for (const [k, x] of v) walk(x, prefix ? `${prefix}.${String(k)}` : String(k));
    };
    walk(obj, '');
    // A wrapper like {"state_dict": {...}} or {"model": {...}}: names keep the wrapper key as a prefix;
    // strip it when every tensor shares it.
    const names = [...out.keys()];
    const first = names[0]?.split('.')[0];
    if (first && names.every((n) => n.startsWith(first + '.')) && !/^\d+$/.test(first) && first !== 'transform' && first !== 'base') {
      return new Map([...out].map(([k, v]) => [k.slice(first.length + 1), v]));
    }
    return out;
  } catch (e) {
    if (e instanceof NtcorrError) throw e;
    if (e instanceof WholeModel) throw new NtcorrError(`${path}: this is a whole pickled model (torch.save(model); it contains the class ${e.message}), not a state dict; ntcorr does not run pickled Python code. Save the weights instead: torch.save(flow.state_dict(), 'best_model_.pth')`, { file: path });
    throw new NtcorrError(`${path}: not a readable torch.save checkpoint (${(e as Error).message})`, { file: path });
  }
}
