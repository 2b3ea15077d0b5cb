import { int64Of, Session, type Feed } from '../../compute/engine.js';
import type { JetBlock } from './features.js';
import { normalizeArch, type JetArch } from './network.js';
import { jetOnnxGraph, type Weights } from './onnx-graph.js';
import { jetsBySize, padJets } from './padding.js';

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

  /** Feeds for the jets `idx` of a block (padded as padJets pads; category indices as int64). */
  feeds(block: JetBlock, idx: ArrayLike<number>, fixedPadding = false): Record<string, Feed> {
    const p = padJets(block, this.arch, idx, fixedPadding);
    const n = p.n;
    const feeds: Record<string, Feed> = {};
    if (this.arch.global) feeds.global = { data: p.global, dims: [n, this.arch.global] };
    p.globalCats.forEach((c, j) => { feeds[`global_cat${j}`] = { data: int64Of(c), dims: [n] }; });
    this.arch.types.forEach((t, k) => {
      const { L, num, mask, cats } = p.types[k];
      feeds[`${t.name}_num`] = { data: num, dims: [n, L, t.numerical] };
      feeds[`${t.name}_mask`] = { data: mask, dims: [n, L] };
      cats.forEach((c, j) => { feeds[`${t.name}_cat${j}`] = { data: int64Of(c), dims: [n, L] }; });
    });
    return feeds;
  }

  /** Predictions of log(pt_gen / pt) for every jet of a block. */
  async predict(block: JetBlock, batchSize = 2048, fixedPadding = false): Promise<Float32Array> {
    const out = new Float32Array(block.n);
    const order = jetsBySize(block);
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
