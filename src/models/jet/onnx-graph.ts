import { NtcorrError } from '../../core/errors.js';
import { OnnxGraph, type ModelOptions } from '../../compute/onnx/graph.js';
import type { BlockConfig } from './config.js';
import type { JetArch } from './network.js';

/**
 * The Deep Sets network of a jet-regression bundle as an ONNX graph, for the engine (`--backend onnx`) and
 * `ntcorr export-onnx`. It walks the bundle's layer description (arch: per-type blocks, head, output) and
 * emits each block through BLOCK_EMITTERS, keyed by block type, with the same weight names network.ts
 * creates: a new block type in network.ts needs its emitter here (until then the jet kind falls back to
 * tfjs under --backend auto and names the type under --backend onnx).
 *
 * Inputs (all float32 unless said): `global` [jets, G]; per constituent type T: `T_num` [jets, L, N]
 * (padded; L may differ per call and per type), `T_cat<j>` int64 [jets, L] (category indices, one per
 * categorical feature), `T_mask` [jets, L] (1 for real constituents, 0 for padding). Output `pred`
 * [jets, 1] = predicted log(pt_gen / pt). The per-constituent layers are MatMuls over [jets, L, .]
 * (ONNX Runtime runs them as one GEMM over jets x constituents rows), padding is zeroed by the mask and
 * a ReduceSum over L gives one vector per jet.
 */
export type Weights = (name: string) => Float32Array;

interface Emitted { h: string; dim: number }
type BlockEmitter = (g: OnnxGraph, w: Weights, prefix: string, h: string, dim: number, block: BlockConfig) => Emitted;

function dense(g: OnnxGraph, w: Weights, name: string, h: string, inN: number, outN: number): string {
  return g.dense(h, w(`${name}/w`), w(`${name}/b`), inN, outN, name.replaceAll('/', '_'));
}

const BLOCK_EMITTERS: Record<string, BlockEmitter> = {
  // dense + ReLU per entry of num_units (network.ts runBlock, mlp)
  mlp(g, w, prefix, h, dim, b) {
    b.num_units.forEach((u, i) => { h = g.relu(dense(g, w, `${prefix}/l${i}`, h, dim, u)); dim = u; });
    return { h, dim };
  },
  // per entry u: a projection when the width changes, then h = relu(h + W2 relu(W1 h + b1) + b2) (network.ts, resnet)
  resnet(g, w, prefix, h, dim, b) {
    b.num_units.forEach((u, i) => {
      if (dim !== u) { h = dense(g, w, `${prefix}/r${i}/proj`, h, dim, u); dim = u; }
      const a = g.relu(g.add(g.matmul(h, g.initializer(`${prefix}_r${i}_w1`, 'float32', [u, u], w(`${prefix}/r${i}/w1`))), g.initializer(`${prefix}_r${i}_b1`, 'float32', [u], w(`${prefix}/r${i}/b1`))));
      const c = g.add(g.matmul(a, g.initializer(`${prefix}_r${i}_w2`, 'float32', [u, u], w(`${prefix}/r${i}/w2`))), g.initializer(`${prefix}_r${i}_b2`, 'float32', [u], w(`${prefix}/r${i}/b2`)));
      h = g.relu(g.add(h, c));
    });
    return { h, dim };
  },
};

/** Block types the emitter knows (the jet kind checks a bundle against it before choosing the engine). */
export function unsupportedBlocks(arch: JetArch): string[] {
  const types = [...arch.types.map((t) => t.block.type), arch.head.type];
  return [...new Set(types.filter((t) => !(t in BLOCK_EMITTERS)))];
}

function emitBlock(g: OnnxGraph, w: Weights, prefix: string, h: string, dim: number, b: BlockConfig): Emitted {
  const e = BLOCK_EMITTERS[b.type];
  if (!e) throw new NtcorrError(`jet network block ${prefix} has type "${b.type}", which has no ONNX emitter yet (use --backend wasm)`);
  return e(g, w, prefix, h, dim, b);
}

/** Builds the inference graph of a jet-regression network; `w(name)` returns a bundle tensor. */
export function jetOnnxGraph(arch: JetArch, w: Weights, opts: ModelOptions = {}): Uint8Array {
  const g = new OnnxGraph('ntcorr-jet-deepsets');
  const parts: string[] = [];
  let headIn = arch.global;
  if (arch.global) parts.push(g.input('global', 'float32', ['jets', arch.global]));
  for (const t of arch.types) {
    const L = `L_${t.name}`;
    const xs = [g.input(`${t.name}_num`, 'float32', ['jets', L, t.numerical])];
    t.categories.forEach((v, j) => {
      const idx = g.input(`${t.name}_cat${j}`, 'int64', ['jets', L]);
      const table = g.initializer(`${t.name}_emb${j}`, 'float32', [v, t.embeddings[j]], w(`${t.name}/emb${j}`));
      xs.push(g.op('Gather', [table, idx], { axis: 0 }));
    });
    const x = g.concat(xs, 2);
    const dim = t.numerical + t.embeddings.reduce((a, b) => a + b, 0);
    const mask = g.op('Unsqueeze', [g.input(`${t.name}_mask`, 'float32', ['jets', L]), g.i64([2])]);
    const { h, dim: out } = emitBlock(g, w, t.name, x, dim, t.block);
    headIn += out;
    parts.push(g.op('ReduceSum', [g.mul(h, mask), g.i64([1])], { keepdims: 0 }));
  }
  const head = emitBlock(g, w, 'head', g.concat(parts, 1), headIn, arch.head);
  g.op('Identity', [dense(g, w, 'out', head.h, head.dim, 1)], {}, 'pred');
  g.output('pred', 'float32', ['jets', 1]);
  return g.toBytes(opts);
}
