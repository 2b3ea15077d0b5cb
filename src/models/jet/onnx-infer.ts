import { int64Of, Session, type Feed } from '../../compute/engine.js';
import type { JetBlock } from './features.js';
import { normalizeArch, type JetArch } from './network.js';
import { jetOnnxGraph, type Weights } from './onnx-graph.js';
import { jetsBySize, packJets, padJets } from './padding.js';

/**
 * Jet-regression inference on ONNX Runtime: the network's graph (onnx-graph.ts) in one engine session.
 * By default the packed graph: each batch's constituents back to back, the per-constituent layers on real
 * constituents only (bench/jet.ts, 2 threads: x1.7 over padding per batch, x5 over ml-jec's fixed 64/64/8).
 * `padding: true` runs the padded graph (what export-onnx writes) fed like network.ts predictBlock feeds
 * tfjs: each batch padded per type to its longest jet, or to maxSize with `fixedPadding` (benchmarks).
 * Either way jets go in order of constituent count and predictions come back in the input order.
 */
export class JetOnnxRunner {
  private constructor(private readonly session: Session, private readonly arch: JetArch, readonly padded: boolean) {}

  /** `arch` as stored in the bundle or normalized (normalizeArch). */
  static async create(arch: JetArch, w: Weights, opts: { device?: string; threads?: number; label?: string; padding?: boolean } = {}): Promise<JetOnnxRunner> {
    const padded = opts.padding ?? false;
    return JetOnnxRunner.fromGraph(jetOnnxGraph(arch, w, { packed: !padded }), arch, padded, opts);
  }

  /** A runner on graph bytes built by jetOnnxGraph (`padded`: without the packed option); workers get them from the main thread. */
  static async fromGraph(bytes: Uint8Array, arch: JetArch, padded: boolean, opts: { device?: string; threads?: number; label?: string } = {}): Promise<JetOnnxRunner> {
    const session = await Session.create(bytes, { device: opts.device ?? 'cpu', threads: opts.threads ?? 1, label: opts.label ?? 'jet network' });
    return new JetOnnxRunner(session, normalizeArch(arch), padded);
  }

  /** The jet-level feeds of a batch (both graphs). */
  private globalFeeds(p: { n: number; global: Float32Array; globalCats: Int32Array[] }): Record<string, Feed> {
    const feeds: Record<string, Feed> = {};
    if (this.arch.global) feeds.global = { data: p.global, dims: [p.n, this.arch.global] };
    p.globalCats.forEach((c, j) => { feeds[`global_cat${j}`] = { data: int64Of(c), dims: [p.n] }; });
    return feeds;
  }

  /** Feeds of the packed graph for the jets `idx` of a block. */
  packedFeeds(block: JetBlock, idx: ArrayLike<number>): Record<string, Feed> {
    const p = packJets(block, this.arch, idx);
    const feeds = this.globalFeeds(p);
    feeds.n_jets = { data: BigInt64Array.of(BigInt(p.n)), dims: [1] };
    this.arch.types.forEach((t, k) => {
      const { rows, num, cats, seg } = p.types[k];
      feeds[`${t.name}_num`] = { data: num, dims: [rows, t.numerical] };
      feeds[`${t.name}_seg`] = { data: int64Of(seg), dims: [rows, 1] };
      cats.forEach((c, j) => { feeds[`${t.name}_cat${j}`] = { data: int64Of(c), dims: [rows] }; });
    });
    return feeds;
  }

  /** Feeds of the padded graph for the jets `idx` of a block (padded as padJets pads; category indices as int64). */
  feeds(block: JetBlock, idx: ArrayLike<number>, fixedPadding = false): Record<string, Feed> {
    const p = padJets(block, this.arch, idx, fixedPadding);
    const n = p.n;
    const feeds = this.globalFeeds(p);
    this.arch.types.forEach((t, k) => {
      const { L, num, mask, cats } = p.types[k];
      feeds[`${t.name}_num`] = { data: num, dims: [n, L, t.numerical] };
      feeds[`${t.name}_mask`] = { data: mask, dims: [n, L] };
      cats.forEach((c, j) => { feeds[`${t.name}_cat${j}`] = { data: int64Of(c), dims: [n, L] }; });
    });
    return feeds;
  }

  /** Predictions of log(pt_gen / pt) for every jet of a block (`fixedPadding`: padded runner only). */
  async predict(block: JetBlock, batchSize = 2048, fixedPadding = false): Promise<Float32Array> {
    const out = new Float32Array(block.n);
    const order = jetsBySize(block);
    for (let s = 0; s < block.n; s += batchSize) {
      const idx = order.subarray(s, Math.min(s + batchSize, block.n));
      const r = await this.session.run(this.padded ? this.feeds(block, idx, fixedPadding) : this.packedFeeds(block, idx), ['pred']);
      const v = r.pred.data;
      for (let i = 0; i < idx.length; i++) out[idx[i]] = v[i];
    }
    return out;
  }

  close(): Promise<void> {
    return this.session.dispose();
  }
}
