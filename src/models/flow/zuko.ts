import { NtcorrError } from '../../core/errors.js';
import { type FlowArch, type FlowWeights, type MadeLayer, layerSizes, transformOrder } from './arch.js';
import { buildMasks } from './masks.js';

/** A named tensor as read from a checkpoint (torch state dict) or a raw dump. */
export interface NamedTensor {
  shape: number[];
  data: Float32Array | Float64Array | BigInt64Array | Uint8Array | Int32Array;
}

/**
 * Maps a zuko NSF state dict (`transform.transforms.{t}.hyper.{2l}.{weight,bias,mask}`,
 * `transform.transforms.{t}.order`) onto FlowWeights, checking every shape against `arch`. The masks are
 * rebuilt from the architecture and, when the checkpoint has them, must agree exactly: a mismatch means
 * the flags given (features/context/bins/hidden/passes) are not the ones the flow was built with.
 */
export function weightsFromZuko(sd: Map<string, NamedTensor>, arch: FlowArch, source: string): FlowWeights {
  const sizes = layerSizes(arch);
  const transforms: FlowWeights['transforms'] = [];
  const want = (name: string, shape: number[]): NamedTensor => {
    const t = sd.get(name);
    if (!t) throw new NtcorrError(`${source}: tensor ${name} is missing (expected a zuko NSF state dict with ${arch.transforms} transforms and ${arch.hidden.length} hidden layers)`, { file: source });
    if (t.shape.length !== shape.length || t.shape.some((s, i) => s !== shape[i])) {
      throw new NtcorrError(`${source}: tensor ${name} has shape [${t.shape}], expected [${shape}] for features=${arch.features} context=${arch.context} bins=${arch.bins} hidden=${arch.hidden.join(',')}`, { file: source });
    }
    return t;
  };
  for (let t = 0; t < arch.transforms; t++) {
    const prefix = `transform.transforms.${t}`;
    const masks = buildMasks(arch, t);
    const order = transformOrder(arch, t);
    const ord = sd.get(`${prefix}.order`);
    if (ord) {
      const got = Array.from(ord.data as ArrayLike<number | bigint>, Number);
      if (got.some((v, i) => v !== order[i])) throw new NtcorrError(`${source}: ${prefix}.order is [${got}], expected [${Array.from(order)}] (check --passes)`, { file: source });
    }
    const layers: MadeLayer[] = [];
    for (let l = 0; l + 1 < sizes.length; l++) {
      const name = `${prefix}.hyper.${2 * l}`;
      const [inN, outN] = [sizes[l], sizes[l + 1]];
      const weight = Float32Array.from(want(`${name}.weight`, [outN, inN]).data as ArrayLike<number>);
      const bias = Float32Array.from(want(`${name}.bias`, [outN]).data as ArrayLike<number>);
      const m = sd.get(`${name}.mask`);
      if (m) {
        const md = want(`${name}.mask`, [outN, inN]).data as ArrayLike<number>;
        for (let k = 0; k < masks[l].length; k++) {
          if ((md[k] ? 1 : 0) !== masks[l][k]) throw new NtcorrError(`${source}: ${name}.mask differs from the MADE mask zuko builds for these settings at entry ${k} (check --features/--context/--bins/--hidden/--passes)`, { file: source });
        }
      }
      layers.push({ out: outN, in: inN, weight, bias, mask: masks[l] });
    }
    transforms.push({ order, layers });
  }
  return { arch, transforms };
}
