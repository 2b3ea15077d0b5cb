import { NtcorrError } from '../../core/errors.js';
import { OnnxGraph, type ModelOptions } from '../../compute/onnx/graph.js';
import type { BlockConfig, UnknownCategory } from './config.js';
import type { Layer } from './layers.js';
import { ARCH_FORMAT, networkLayers, normalizeArch, type JetArch } from './network.js';

/**
 * The Deep Sets network of a jet-regression bundle as an ONNX graph, for the engine (`--backend onnx`) and
 * `ntcorr export-onnx`. It walks the same per-layer description the tfjs network runs (layers.ts, via
 * network.ts networkLayers on the normalized arch) and emits each layer through LAYER_EMITTERS, keyed by
 * op, with the bundle's weight names; the Record type makes a new Layer op without an emitter a compile error.
 *
 * Inputs (all float32 unless said): `global` [jets, G] (when G > 0); `global_cat<j>` int64 [jets] per
 * global categorical feature; per constituent type T: `T_num` [jets, L, N] (padded; L may differ per call
 * and per type), `T_cat<j>` int64 [jets, L] (category indices, one per categorical feature), `T_mask`
 * [jets, L] (1 for real constituents, 0 for padding). A category index is its position in the transform's
 * list; an unknown value is the list's length (see embeddingTable). Output `pred` [jets, 1] = predicted
 * log(pt_gen / pt). The per-constituent layers are MatMuls over [jets, L, .] (ONNX Runtime runs them as
 * one GEMM over jets x constituents rows), padding is zeroed by the mask and a ReduceSum over L gives one
 * vector per jet.
 */
export type Weights = (name: string) => Float32Array;

type LayerEmitter = (g: OnnxGraph, w: Weights, l: Layer, h: string) => string;

/** One emitter per layer op (inference semantics of network.ts runLayers with training false). */
const LAYER_EMITTERS: Record<Layer['op'], LayerEmitter> = {
  dense(g, w, l, h) {
    const d = l as Extract<Layer, { op: 'dense' }>;
    const hint = d.w.replace(/\/w$/, '').replaceAll('/', '_');
    let y = g.matmul(h, g.initializer(`${hint}_w`, 'float32', [d.in, d.out], w(d.w)));
    if (d.b) y = g.add(y, g.initializer(`${hint}_b`, 'float32', [d.out], w(d.b)));
    return d.activation === 'relu' ? g.relu(y) : y;
  },
  // inference: (x - moving_mean) / sqrt(moving_variance + epsilon) + beta (Keras, scale=False); the
  // denominator is rounded as tfjs rounds it (float32 add, then float32 sqrt)
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
    return g.relu(g.add(emitLayers(g, w, r.main, h), emitLayers(g, w, r.bypass, h))); // empty bypass: h
  },
};

/** Emits a list of layers on value h; returns the output value (also used by tests on single blocks). */
export function emitLayers(g: OnnxGraph, w: Weights, layers: Layer[], h: string): string {
  for (const l of layers) h = LAYER_EMITTERS[l.op](g, w, l, h);
  return h;
}

/**
 * An embedding table as an initializer, for Gather. features.ts gives an unknown value the index = the
 * category list's length; per `unknown` policy, as network.ts's one-hot x table product treats it:
 * - 'row': the bundle's table already has that extra (trained) row;
 * - 'zero': the tfjs one-hot of an index past the table is all zero, so the lookup is a zero vector; ONNX
 *   Gather rejects out-of-range indices, hence an appended zero row;
 * - 'error': features.ts refuses unknown values before inference; the table is as trained, so a file fed
 *   to the exported graph with such an index fails in ONNX Runtime too.
 */
function embeddingTable(g: OnnxGraph, w: Weights, tensor: string, rows: number, width: number, unknown: UnknownCategory): string {
  const data = w(tensor);
  if (data.length !== rows * width) throw new NtcorrError(`jet network embedding ${tensor}: ${data.length} values, expected ${rows} x ${width}`);
  const hint = tensor.replaceAll('/', '_');
  if (unknown !== 'zero') return g.initializer(hint, 'float32', [rows, width], data);
  const t = new Float32Array((rows + 1) * width);
  t.set(data);
  return g.initializer(hint, 'float32', [rows + 1, width], t);
}

const ARCH_KEYS = ['format', 'global', 'globalCategories', 'globalEmbeddings', 'globalUnknown', 'types', 'head'];
const TYPE_KEYS = ['name', 'numerical', 'categories', 'embeddings', 'maxSize', 'block', 'unknown'];
const BLOCK_KEYS = ['type', 'num_units', 'batch_norm', 'dropout'];
const BLOCK_TYPES = ['mlp', 'resnet', 'resnet_per_unit'];
const UNKNOWN_POLICIES = ['zero', 'row', 'error'];

/**
 * What in a bundle's arch (as stored, before normalizeArch, which would drop unknown block keys and
 * overwrite `format`) the graph builder does not know: a newer arch format, block types, unknown-category
 * policies or settings it would otherwise ignore. Empty for every arch network.ts describes (all its layer
 * ops have emitters). The jet kind uses tfjs under --backend auto when it is not empty and names the
 * entries under --backend onnx, so a newer arch is never run on ONNX Runtime as a different network.
 */
export function unsupportedBlocks(arch: JetArch): string[] {
  const out = new Set<string>();
  const block = (where: string, b: BlockConfig) => {
    if (!BLOCK_TYPES.includes(b.type)) out.add(`${b.type} (${where})`);
    for (const k of Object.keys(b)) if (!BLOCK_KEYS.includes(k)) out.add(`${where}.${k}`);
  };
  for (const k of Object.keys(arch)) if (!ARCH_KEYS.includes(k)) out.add(`arch.${k}`);
  if ((arch.format ?? 0) > ARCH_FORMAT) out.add(`arch.format ${arch.format} (this version writes ${ARCH_FORMAT})`);
  if (arch.globalUnknown !== undefined && !UNKNOWN_POLICIES.includes(arch.globalUnknown)) out.add(`arch.globalUnknown ${arch.globalUnknown}`);
  for (const t of arch.types) {
    for (const k of Object.keys(t)) if (!TYPE_KEYS.includes(k)) out.add(`${t.name}.${k}`);
    if (t.unknown !== undefined && !UNKNOWN_POLICIES.includes(t.unknown)) out.add(`${t.name}.unknown ${t.unknown}`);
    block(t.name, t.block);
  }
  block('head', arch.head);
  return [...out];
}

/**
 * Builds the inference graph of a jet-regression network; `w(name)` returns a bundle tensor. `arch` may be
 * as stored or already normalized (normalizeArch is idempotent on format-2 archs).
 *
 * `packed` (the engine's own runs; export-onnx writes the padded interface above): constituents are not
 * padded but packed, per type T `T_num` [rows, N], `T_cat<j>` int64 [rows] and `T_seg` int64 [rows, 1] (the
 * row's jet in the batch), plus `n_jets` int64 [1]; the per-constituent layers run on real constituents
 * only and a ScatterND (reduction add) sums them per jet. Row-wise layers make this the padded network's
 * function exactly (padding only ever contributed masked zeros); only the summation order differs.
 */
export function jetOnnxGraph(stored: JetArch, w: Weights, opts: ModelOptions & { packed?: boolean } = {}): Uint8Array {
  const missing = unsupportedBlocks(stored);
  if (missing.length) throw new NtcorrError(`jet network: the ONNX graph builder does not know ${missing.join(', ')}`);
  const arch = normalizeArch(stored);
  const net = networkLayers(arch);
  const g = new OnnxGraph('ntcorr-jet-deepsets');
  // head input, in network.ts jetForward's order: global numerical, global embeddings, one vector per type
  const parts: string[] = [];
  if (arch.global) parts.push(g.input('global', 'float32', ['jets', arch.global]));
  (arch.globalCategories ?? []).forEach((v, j) => {
    const idx = g.input(`global_cat${j}`, 'int64', ['jets']);
    const table = embeddingTable(g, w, `global/emb${j}`, v, arch.globalEmbeddings![j], arch.globalUnknown ?? 'row');
    parts.push(g.op('Gather', [table, idx], { axis: 0 }));
  });
  const nJets = opts.packed ? g.input('n_jets', 'int64', [1]) : undefined;
  arch.types.forEach((t, k) => {
    // Padded: [jets, L, .]; packed: [rows, .].
    const dims = opts.packed ? [`rows_${t.name}`] : ['jets', `L_${t.name}`];
    const xs = [g.input(`${t.name}_num`, 'float32', [...dims, t.numerical])];
    t.categories.forEach((v, j) => {
      const idx = g.input(`${t.name}_cat${j}`, 'int64', dims);
      xs.push(g.op('Gather', [embeddingTable(g, w, `${t.name}/emb${j}`, v, t.embeddings[j], t.unknown ?? 'row'), idx], { axis: 0 }));
    });
    const h = emitLayers(g, w, net.types[k].layers, g.concat(xs, dims.length));
    if (nJets) {
      const seg = g.input(`${t.name}_seg`, 'int64', [dims[0], 1]);
      const zeros = g.op('ConstantOfShape', [g.concat([nJets, g.i64([net.types[k].out])], 0)], { value: { tensor: { dtype: 'float32', dims: [1], data: new Float32Array(1) } } });
      parts.push(g.op('ScatterND', [zeros, seg, h], { reduction: 'add' }));
    } else {
      const mask = g.op('Unsqueeze', [g.input(`${t.name}_mask`, 'float32', dims), g.i64([2])]);
      parts.push(g.op('ReduceSum', [g.mul(h, mask), g.i64([1])], { keepdims: 0 }));
    }
  });
  const h = emitLayers(g, w, net.head.layers, g.concat(parts, 1));
  g.op('Identity', [emitLayers(g, w, [{ op: 'dense', w: 'out/w', b: 'out/b', in: net.head.out, out: 1, activation: 'linear' }], h)], {}, 'pred');
  g.output('pred', 'float32', ['jets', 1]);
  return g.toBytes(opts);
}
