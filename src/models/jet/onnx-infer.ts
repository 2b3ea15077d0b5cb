import { Session, type Feed } from '../../compute/engine.js';
import type { JetBlock } from './features.js';
import { normalizeArch, type JetArch } from './network.js';
import { jetOnnxGraph, type Weights } from './onnx-graph.js';

/**
 * Jet-regression inference on ONNX Runtime: the network's graph (onnx-graph.ts) in one engine session,
 * fed like network.ts predictBlock feeds tfjs: jets in order of constituent count, each batch padded per
 * type to its longest jet (so padding costs little), predictions scattered back to the input order.
 */
export class JetOnnxRunner {
  private constructor(private readonly session: Session, private readonly arch: JetArch) {}

  /** `arch` as stored in the bundle or normalized (normalizeArch). */
  static async create(arch: JetArch, w: Weights, opts: { device?: string; threads?: number; label?: string } = {}): Promise<JetOnnxRunner> {
    const session = await Session.create(jetOnnxGraph(arch, w), { device: opts.device ?? 'cpu', threads: opts.threads ?? 1, label: opts.label ?? 'jet network' });
    return new JetOnnxRunner(session, normalizeArch(arch));
  }

  /** Feeds for the jets `idx` of a block (padded to the batch's longest jet per type, at least 1). */
  feeds(block: JetBlock, idx: ArrayLike<number>, fixedPadding = false): Record<string, Feed> {
    const n = idx.length;
    const G = this.arch.global;
    const feeds: Record<string, Feed> = {};
    if (G) {
      const g = new Float32Array(n * G);
      for (let r = 0; r < n; r++) g.set(block.global.subarray(idx[r] * G, idx[r] * G + G), r * G);
      feeds.global = { data: g, dims: [n, G] };
    }
    const CG = (this.arch.globalCategories ?? []).length;
    for (let j = 0; j < CG; j++) {
      const c = new BigInt64Array(n);
      for (let r = 0; r < n; r++) c[r] = BigInt(block.globalCat[idx[r] * CG + j]);
      feeds[`global_cat${j}`] = { data: c, dims: [n] };
    }
    this.arch.types.forEach((t, k) => {
      const tb = block.types[k];
      let L = fixedPadding ? (t.maxSize ?? 1) : 1;
      for (let r = 0; r < n; r++) L = Math.max(L, tb.offsets[idx[r] + 1] - tb.offsets[idx[r]]);
      const N = t.numerical, C = t.categories.length;
      const num = new Float32Array(n * L * N);
      const mask = new Float32Array(n * L);
      const cats = t.categories.map(() => new BigInt64Array(n * L));
      for (let r = 0; r < n; r++) {
        const s = tb.offsets[idx[r]], e = tb.offsets[idx[r] + 1];
        num.set(tb.num.subarray(s * N, e * N), r * L * N);
        for (let q = 0; q < e - s; q++) {
          mask[r * L + q] = 1;
          for (let j = 0; j < C; j++) cats[j][r * L + q] = BigInt(tb.cat[(s + q) * C + j]);
        }
      }
      feeds[`${t.name}_num`] = { data: num, dims: [n, L, N] };
      feeds[`${t.name}_mask`] = { data: mask, dims: [n, L] };
      cats.forEach((c, j) => { feeds[`${t.name}_cat${j}`] = { data: c, dims: [n, L] }; });
    });
    return feeds;
  }

  /** Predictions of log(pt_gen / pt) for every jet of a block. */
  async predict(block: JetBlock, batchSize = 2048, fixedPadding = false): Promise<Float32Array> {
    const out = new Float32Array(block.n);
    const key = new Float64Array(block.n);
    for (const tb of block.types) for (let i = 0; i < block.n; i++) key[i] += tb.offsets[i + 1] - tb.offsets[i];
    const order = Int32Array.from({ length: block.n }, (_, i) => i).sort((a, b) => key[a] - key[b] || a - b);
    for (let s = 0; s < block.n; s += batchSize) {
      const idx = order.subarray(s, Math.min(s + batchSize, block.n));
      const r = await this.session.run(this.feeds(block, idx, fixedPadding), ['pred']);
      const v = r.pred.data;
      for (let i = 0; i < idx.length; i++) out[idx[i]] = v[i];
    }
    return out;
  }

  close(): Promise<void> {
    return this.session.dispose();
  }
}
