import type { BlockConfig } from './config.js';

/**
 * Per-layer description of one dense block of the jet network (a per-constituent block or the head). The
 * trainer, the inference pass and exporters (ONNX) all read this list, so the graph is defined once.
 * Parameter names are the bundle's tensor names.
 */
export type Layer =
  /** y = x @ w (+ b), then ReLU when activation is 'relu'. w is [in, out]. */
  | { op: 'dense'; w: string; b?: string; in: number; out: number; activation: 'relu' | 'linear' }
  /**
   * Keras BatchNormalization(scale=False): y = (x - mean) / sqrt(var + epsilon) + beta, with the batch's
   * statistics in training (padded constituents excluded) and the moving ones at inference;
   * moving = moving * momentum + batch * (1 - momentum). mean/variance are non-trainable state.
   */
  | { op: 'batch_norm'; beta: string; mean: string; variance: string; units: number; epsilon: number; momentum: number }
  | { op: 'relu' }
  /** Keras Dropout (inverted: kept units are scaled by 1 / (1 - rate)); training only. */
  | { op: 'dropout'; rate: number }
  /** y = relu(main(x) + bypass(x)); an empty bypass is the identity. */
  | { op: 'residual'; main: Layer[]; bypass: Layer[] };

/** Keras BatchNormalization defaults (ml-jec keeps them). */
export const BN_EPSILON = 1e-3;
export const BN_MOMENTUM = 0.99;

/**
 * The layers of a block from its config, and its output width.
 * - mlp: per entry u, dense(u) [bias-free + batch_norm when batch_norm] + ReLU [+ dropout] (ml-jec _apply_mlp).
 * - resnet: ml-jec's _apply_resnet. num_units is read in pairs (n1, n2): relu(dense(n2)(relu(dense(n1)(x))) + p(x))
 *   where p is the identity if x already has n2 units, else a bias-free dense projection to n2; an odd last
 *   entry adds one plain dense + ReLU.
 * - resnet_per_unit: ntcorr's former "resnet": per entry u, a (biased) projection when the width changes, then
 *   relu(h + W2 relu(W1 h + b1) + b2). Kept so bundles trained with it still load (their model.json says
 *   "resnet" without arch.format; see archFromBundle).
 */
export function blockLayers(prefix: string, inDim: number, b: BlockConfig): { layers: Layer[]; out: number } {
  const layers: Layer[] = [];
  let d = inDim;
  const dense = (w: string, bias: string | undefined, inD: number, out: number, activation: 'relu' | 'linear'): Layer =>
    ({ op: 'dense', w, ...(bias ? { b: bias } : {}), in: inD, out, activation });
  if (b.type === 'mlp') {
    b.num_units.forEach((u, i) => {
      const p = `${prefix}/l${i}`;
      if (b.batch_norm) {
        layers.push(dense(`${p}/w`, undefined, d, u, 'linear'));
        layers.push({ op: 'batch_norm', beta: `${p}/bn/beta`, mean: `${p}/bn/moving_mean`, variance: `${p}/bn/moving_variance`, units: u, epsilon: BN_EPSILON, momentum: BN_MOMENTUM });
        layers.push({ op: 'relu' });
      } else {
        layers.push(dense(`${p}/w`, `${p}/b`, d, u, 'relu'));
      }
      if ((b.dropout ?? 0) > 0) layers.push({ op: 'dropout', rate: b.dropout! });
      d = u;
    });
  } else if (b.type === 'resnet') {
    const n = b.num_units;
    for (let i = 0; i + 1 < n.length; i += 2) {
      const p = `${prefix}/res${i / 2 + 1}`;
      const main = [dense(`${p}/dense1/w`, `${p}/dense1/b`, d, n[i], 'relu'), dense(`${p}/dense2/w`, `${p}/dense2/b`, n[i], n[i + 1], 'linear')];
      const bypass = d === n[i + 1] ? [] : [dense(`${p}/projection/w`, undefined, d, n[i + 1], 'linear')];
      layers.push({ op: 'residual', main, bypass });
      d = n[i + 1];
    }
    if (n.length % 2 === 1) {
      layers.push(dense(`${prefix}/last/w`, `${prefix}/last/b`, d, n[n.length - 1], 'relu'));
      d = n[n.length - 1];
    }
  } else {
    b.num_units.forEach((u, i) => {
      const p = `${prefix}/r${i}`;
      if (d !== u) { layers.push(dense(`${p}/proj/w`, `${p}/proj/b`, d, u, 'linear')); d = u; }
      layers.push({ op: 'residual', main: [dense(`${p}/w1`, `${p}/b1`, u, u, 'relu'), dense(`${p}/w2`, `${p}/b2`, u, u, 'linear')], bypass: [] });
    });
  }
  return { layers, out: d };
}

/** Number of scalars a block holds (trainable and batch-norm state), as Keras' count_params counts them. */
export function countLayerParams(layers: Layer[]): number {
  let n = 0;
  for (const l of layers) {
    if (l.op === 'dense') n += l.in * l.out + (l.b ? l.out : 0);
    else if (l.op === 'batch_norm') n += 3 * l.units;
    else if (l.op === 'residual') n += countLayerParams(l.main) + countLayerParams(l.bypass);
  }
  return n;
}
