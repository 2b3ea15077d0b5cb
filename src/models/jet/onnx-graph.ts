import { NtcorrError } from '../../core/errors.js';
import { OnnxGraph, type ModelOptions } from '../../compute/onnx/graph.js';
import type { BlockConfig } from './config.js';
import type { JetArch } from './network.js';

/**
 * The Deep Sets network of a jet-regression bundle as an ONNX graph, for the engine (`--backend onnx`) and
 * `ntcorr export-onnx`. It walks the network's layer description (per type and head: a list of layers,
 * see Layer) and emits each layer through LAYER_EMITTERS, keyed by op, with the bundle's weight names: a
 * new layer op needs its emitter here (until then the jet kind falls back to tfjs under --backend auto
 * and names what is missing under --backend onnx; see unsupportedBlocks).
 *
 * Inputs (all float32 unless said): `global` [jets, G]; per constituent type T: `T_num` [jets, L, N]
 * (padded; L may differ per call and per type), `T_cat<j>` int64 [jets, L] (category indices, one per
 * categorical feature), `T_mask` [jets, L] (1 for real constituents, 0 for padding). Output `pred`
 * [jets, 1] = predicted log(pt_gen / pt). The per-constituent layers are MatMuls over [jets, L, .]
 * (ONNX Runtime runs them as one GEMM over jets x constituents rows), padding is zeroed by the mask and
 * a ReduceSum over L gives one vector per jet.
 */
export type Weights = (name: string) => Float32Array;

/**
 * One layer of a block, in the vocabulary of the per-layer network description (dense, batch_norm, relu,
 * dropout, residual); tensor names are the bundle's. `blockLayers` below describes today's block types;
 * when network.ts describes its blocks as such a list itself, the emitter walks that list instead.
 */
export type Layer =
  | { op: 'dense'; w: string; b?: string; in: number; out: number; activation: 'relu' | 'linear' }
  | { op: 'batch_norm'; beta: string; mean: string; variance: string; units: number; epsilon: number }
  | { op: 'relu' }
  | { op: 'dropout'; rate: number }
  | { op: 'residual'; main: Layer[]; bypass: Layer[] };

/**
 * Today's blocks (network.ts runBlock) as layers: mlp = dense + ReLU per entry of num_units; resnet = per
 * entry u, a projection when the width changes, then relu(h + W2 relu(W1 h + b1) + b2).
 */
export function blockLayers(prefix: string, inDim: number, b: BlockConfig): { layers: Layer[]; out: number } {
  const layers: Layer[] = [];
  let d = inDim;
  if (b.type === 'mlp') {
    b.num_units.forEach((u, i) => { layers.push({ op: 'dense', w: `${prefix}/l${i}/w`, b: `${prefix}/l${i}/b`, in: d, out: u, activation: 'relu' }); d = u; });
  } else if (b.type === 'resnet') {
    b.num_units.forEach((u, i) => {
      const p = `${prefix}/r${i}`;
      if (d !== u) { layers.push({ op: 'dense', w: `${p}/proj/w`, b: `${p}/proj/b`, in: d, out: u, activation: 'linear' }); d = u; }
      layers.push({ op: 'residual', main: [{ op: 'dense', w: `${p}/w1`, b: `${p}/b1`, in: u, out: u, activation: 'relu' }, { op: 'dense', w: `${p}/w2`, b: `${p}/b2`, in: u, out: u, activation: 'linear' }], bypass: [] });
    });
  } else {
    throw new NtcorrError(`jet network block ${prefix} has type "${b.type}", which has no ONNX emitter yet (use --backend wasm)`);
  }
  return { layers, out: d };
}

type LayerEmitter = (g: OnnxGraph, w: Weights, l: Layer, h: string) => string;

/** One emitter per layer op: a new op gets its line here. */
const LAYER_EMITTERS: Record<Layer['op'], LayerEmitter> = {
  dense(g, w, l, h) {
    const d = l as Extract<Layer, { op: 'dense' }>;
    const hint = d.w.replace(/\/w$/, '').replaceAll('/', '_');
    let y = g.matmul(h, g.initializer(`${hint}_w`, 'float32', [d.in, d.out], w(d.w)));
    if (d.b) y = g.add(y, g.initializer(`${hint}_b`, 'float32', [d.out], w(d.b)));
    return d.activation === 'relu' ? g.relu(y) : y;
  },
  // inference: (x - moving_mean) / sqrt(moving_variance + epsilon) + beta (Keras, scale=False)
  batch_norm(g, w, l, h) {
    const b = l as Extract<Layer, { op: 'batch_norm' }>;
    const v = w(b.variance);
    const sd = Float32Array.from(v, (x) => Math.sqrt(Math.fround(x + b.epsilon)));
    return g.add(g.div(g.sub(h, g.f32(w(b.mean), [b.units], 'bn_mean')), g.f32(sd, [b.units], 'bn_sd')), g.f32(w(b.beta), [b.units], 'bn_beta'));
  },
  relu: (g, _w, _l, h) => g.relu(h),
  dropout: (_g, _w, _l, h) => h, // inference: identity
  residual(g, w, l, h) {
    const r = l as Extract<Layer, { op: 'residual' }>;
    return g.relu(g.add(emitLayers(g, w, r.main, h), emitLayers(g, w, r.bypass, h)));
  },
};

/** Emits a list of layers on value h; returns the output value (also used by tests on single blocks). */
export function emitLayers(g: OnnxGraph, w: Weights, layers: Layer[], h: string): string {
  for (const l of layers) {
    const e = LAYER_EMITTERS[l.op];
    if (!e) throw new NtcorrError(`jet network layer op "${(l as { op: string }).op}" has no ONNX emitter yet (use --backend wasm)`);
    h = e(g, w, l, h);
  }
  return h;
}

const ARCH_KEYS = ['global', 'types', 'head'];
const TYPE_KEYS = ['name', 'numerical', 'categories', 'embeddings', 'maxSize', 'block'];
const BLOCK_KEYS = ['type', 'num_units'];

/**
 * What in a bundle's arch the emitter does not know (block types, or settings it would otherwise ignore);
 * empty when the graph is complete. The jet kind then uses tfjs under --backend auto and names them under
 * --backend onnx, so a newer arch is never run as a different network.
 */
export function unsupportedBlocks(arch: JetArch): string[] {
  const out = new Set<string>();
  const block = (where: string, b: BlockConfig) => {
    if (b.type !== 'mlp' && b.type !== 'resnet') out.add(`${b.type} (${where})`);
    for (const k of Object.keys(b)) if (!BLOCK_KEYS.includes(k)) out.add(`${where}.${k}`);
  };
  for (const k of Object.keys(arch)) if (!ARCH_KEYS.includes(k)) out.add(`arch.${k}`);
  for (const t of arch.types) {
    for (const k of Object.keys(t)) if (!TYPE_KEYS.includes(k)) out.add(`${t.name}.${k}`);
    block(t.name, t.block);
  }
  block('head', arch.head);
  return [...out];
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
    const blk = blockLayers(t.name, dim, t.block);
    const h = emitLayers(g, w, blk.layers, x);
    headIn += blk.out;
    parts.push(g.op('ReduceSum', [g.mul(h, mask), g.i64([1])], { keepdims: 0 }));
  }
  const head = blockLayers('head', headIn, arch.head);
  const h = emitLayers(g, w, head.layers, g.concat(parts, 1));
  g.op('Identity', [emitLayers(g, w, [{ op: 'dense', w: 'out/w', b: 'out/b', in: head.out, out: 1, activation: 'linear' }], h)], {}, 'pred');
  g.output('pred', 'float32', ['jets', 1]);
  return g.toBytes(opts);
}
