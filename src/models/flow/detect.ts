import { NtcorrError } from '../../core/errors.js';
import { transformOrder, type FlowArch } from './arch.js';
import type { NamedTensor } from './zuko.js';

/** The NSF constructor arguments a zuko state dict determines (everything but slope and bound; FlowArch documents them). */
export type DetectedArch = Pick<FlowArch, 'features' | 'context' | 'bins' | 'transforms' | 'hidden' | 'passes'>;

/** Architecture flags a user may give; each must agree with the checkpoint. */
export type ArchFlags = Partial<DetectedArch>;

const T = (t: number) => `transform.transforms.${t}`;

/**
 * Reads features, context, bins, transforms, hidden sizes and passes off the tensors of a zuko NSF state
 * dict: `order` (length F; its values give the passes), `hyper.0.weight` (F + C inputs), hidden layer
 * widths, and the last layer (F * (3K - 1) outputs).
 */
export function detectArch(sd: Map<string, NamedTensor>, source: string): DetectedArch {
  const bad = (msg: string): never => {
    throw new NtcorrError(`${source}: ${msg}`, { file: source });
  };
  let transforms = 0;
  while (sd.has(`${T(transforms)}.hyper.0.weight`)) transforms++;
  if (transforms === 0) {
    const names = [...sd.keys()].slice(0, 4).join(', ');
    bad(`not a zuko NSF state dict: no tensor ${T(0)}.hyper.0.weight (found ${sd.size} tensors${names ? `: ${names}, ...` : ''})`);
  }
  const order0 = sd.get(`${T(0)}.order`);
  if (!order0) bad(`tensor ${T(0)}.order is missing (a zuko NSF state dict stores each transform's order)`);
  const F = order0!.shape[0];
  const layers: number[][] = [];
  for (let l = 0; sd.has(`${T(0)}.hyper.${2 * l}.weight`); l++) layers.push(sd.get(`${T(0)}.hyper.${2 * l}.weight`)!.shape);
  if (layers.length < 2) bad(`${T(0)} has ${layers.length} MADE layer(s); an NSF has at least one hidden layer`);
  const inputs = layers[0][1];
  const out = layers[layers.length - 1][0];
  const context = inputs - F;
  if (context < 0) bad(`${T(0)}.hyper.0.weight has ${inputs} inputs, fewer than the ${F} features of ${T(0)}.order`);
  if (out % F !== 0 || (out / F + 1) % 3 !== 0) bad(`${T(0)}.hyper.${2 * (layers.length - 1)}.weight has ${out} outputs: not features (${F}) x (3 bins - 1), so not a MonotonicRQS NSF`);
  const bins = (out / F + 1) / 3;
  const hidden = layers.slice(0, -1).map((s) => s[0]);
  const order = Array.from(order0!.data as ArrayLike<number | bigint>, Number);
  const groups = Math.max(...order) + 1;
  const passes = groups >= F ? undefined : groups;
  const arch: DetectedArch = { features: F, context, bins, transforms, hidden, ...(passes !== undefined ? { passes } : {}) };
  // zuko's MAF without randperm: ascending order for even transforms, descending for odd ones.
  for (let t = 0; t < transforms; t++) {
    const o = sd.get(`${T(t)}.order`);
    if (!o) bad(`tensor ${T(t)}.order is missing`);
    const got = Array.from(o!.data as ArrayLike<number | bigint>, Number);
    const want = Array.from(transformOrder({ ...arch, slope: 1e-3, bound: 5 }, t));
    if (got.length !== want.length || got.some((v, i) => v !== want[i])) bad(`${T(t)}.order is [${got}], expected [${want}]: only MAF's alternating orders are supported (randperm=True flows are not)`);
  }
  return arch;
}

/** Throws, naming the tensor that settles it, when a flag contradicts the checkpoint. */
export function checkArchFlags(found: DetectedArch, flags: ArchFlags, source: string, sd: Map<string, NamedTensor>): void {
  const last = found.hidden.length + 1;
  const shape = (name: string) => `[${sd.get(name)?.shape.join(', ')}]`;
  const w = (l: number) => `${T(0)}.hyper.${2 * l}.weight`;
  const fail = (flag: string, value: unknown, tensor: string, why: string): never => {
    throw new NtcorrError(`${source}: --${flag} ${value} contradicts the checkpoint: tensor ${tensor} ${why}`, { file: source });
  };
  if (flags.features !== undefined && flags.features !== found.features) fail('features', flags.features, `${T(0)}.order`, `has ${found.features} entries (features=${found.features})`);
  if (flags.context !== undefined && flags.context !== found.context) fail('context', flags.context, w(0), `has shape ${shape(w(0))}: ${found.features} features + ${found.context} context inputs`);
  if (flags.bins !== undefined && flags.bins !== found.bins) fail('bins', flags.bins, w(last - 1), `has shape ${shape(w(last - 1))}: ${found.features} features x ${3 * found.bins - 1} spline parameters (bins=${found.bins})`);
  if (flags.transforms !== undefined && flags.transforms !== found.transforms) {
    const t = Math.min(flags.transforms, found.transforms);
    fail('transforms', flags.transforms, `${T(t)}.hyper.0.weight`, flags.transforms > found.transforms ? `is missing (the checkpoint has ${found.transforms} transforms)` : `exists (the checkpoint has ${found.transforms} transforms)`);
  }
  if (flags.hidden !== undefined && (flags.hidden.length !== found.hidden.length || flags.hidden.some((h, i) => h !== found.hidden[i]))) {
    const l = flags.hidden.findIndex((h, i) => h !== found.hidden[i]);
    const at = l < 0 || l >= found.hidden.length ? found.hidden.length : l;
    fail('hidden', flags.hidden.join(','), w(at), `has shape ${shape(w(at))} (hidden=${found.hidden.join(',')})`);
  }
  if (flags.passes !== undefined) {
    const want = Array.from(transformOrder({ ...found, passes: flags.passes, slope: 1e-3, bound: 5 }, 0));
    const got = Array.from(sd.get(`${T(0)}.order`)!.data as ArrayLike<number | bigint>, Number);
    if (want.some((v, i) => v !== got[i])) fail('passes', flags.passes, `${T(0)}.order`, `is [${got}], expected [${want}] for passes=${flags.passes} (checkpoint: ${found.passes === undefined ? 'fully autoregressive' : `passes=${found.passes}`})`);
  }
}
