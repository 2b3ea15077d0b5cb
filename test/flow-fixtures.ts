import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixture } from './helpers/fixtures.js';
import { readNpy } from '../src/io/torch/npy.js';
import type { FlowArch } from '../src/models/flow/arch.js';
import type { NamedTensor } from '../src/models/flow/zuko.js';

/**
 * The zuko fixtures read from their independent raw dump (layout.json + params.f32.bin + masks.bits.bin),
 * not from the .pth, so the torch reader is tested against something it did not produce.
 */
export type FixtureName = 'nsf_a' | 'nsf_c';

interface LayoutEntry { name: string; shape: number[]; dtype: string; offset_elems?: number; offset_bytes?: number; numel?: number; value?: number[] }

export function fixtureArch(name: FixtureName): FlowArch {
  const layout = JSON.parse(readFileSync(fixture('zuko', name, 'layout.json'), 'utf8'));
  const k = layout.kwargs;
  return { features: k.features, context: k.context, bins: k.bins, transforms: k.transforms, hidden: k.hidden_features, passes: k.passes, slope: layout.defaults_used.slope, bound: layout.defaults_used.bound };
}

export function fixtureTensors(name: FixtureName): Map<string, NamedTensor> {
  const dir = fixture('zuko', name);
  const layout = JSON.parse(readFileSync(join(dir, 'layout.json'), 'utf8')) as { tensors: LayoutEntry[] };
  const params = readFileSync(join(dir, 'params.f32.bin'));
  const bits = readFileSync(join(dir, 'masks.bits.bin'));
  const out = new Map<string, NamedTensor>();
  for (const e of layout.tensors) {
    const n = e.shape.reduce((a, b) => a * b, 1);
    if (e.dtype === 'float32') {
      const a = new Float32Array(n);
      for (let i = 0; i < n; i++) a[i] = params.readFloatLE((e.offset_elems! + i) * 4);
      out.set(e.name, { shape: e.shape, data: a });
    } else if (e.dtype === 'bool') {
      const a = new Uint8Array(n);
      for (let i = 0; i < n; i++) a[i] = (bits[e.offset_bytes! + (i >> 3)] >> (i & 7)) & 1;
      out.set(e.name, { shape: e.shape, data: a });
    } else {
      out.set(e.name, { shape: e.shape, data: BigInt64Array.from(e.value!.map(BigInt)) });
    }
  }
  return out;
}

export function io(name: FixtureName, array: string): { shape: number[]; data: Float64Array } {
  const a = readNpy(fixture('zuko', name, 'io', `${array}.npy`));
  return { shape: a.shape, data: a.data instanceof Float64Array ? a.data : Float64Array.from(a.data as Float32Array) };
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>, n = Math.min(a.length, b.length)): number {
  if (a.length < n || b.length < n) throw new Error(`length mismatch ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < n; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}
