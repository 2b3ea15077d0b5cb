import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { writeBundle } from '../../bundle/bundle.js';
import { initBackend } from '../../compute/backend.js';
import { NtcorrError } from '../../core/errors.js';
import { TOOL } from '../../core/version.js';
import type { Progress } from '../../cli/progress.js';
import { Adam } from '../../nn/optim.js';
import { Rng } from '../../nn/rng.js';
import { EarlyStopping, ReduceLROnPlateau } from '../../nn/schedule.js';
import { loadCheckpoint, saveCheckpoint } from '../../nn/checkpoint.js';
import { trainLoop, type EpochRecord } from '../../nn/loop.js';
import type { JetConfig } from './config.js';
import { datasetFiles, loadJets, splitFiles } from './dataset.js';
import type { JetBlock } from './features.js';
import { createJetParams, jetForward, jetLoss, makeBatch, predictBlock, type JetArch, type JetBatch } from './network.js';
import { readTransform, type Transform } from './transform.js';
import { responseSummary, type ResponseSummary } from './metrics.js';

export function archFor(cfg: JetConfig, tr: Transform): JetArch {
  return {
    global: cfg.global.numerical.length,
    types: cfg.types.map((t) => ({
      name: t.name,
      numerical: t.features.numerical.length,
      categories: t.features.categorical.map((c) => tr.categorical[c].length + 1), // + "unknown"
      embeddings: t.features.categorical.map((c) => t.embeddings[c]),
      maxSize: t.features.max_size,
      block: t.block,
    })),
    head: cfg.head,
  };
}

export interface TrainJetResult {
  bundle: string;
  history: EpochRecord[];
  test?: ResponseSummary;
  val?: ResponseSummary;
}

/**
 * `ntcorr train jet`: loads the split files into memory, trains with Adam + reduce-on-plateau + early
 * stopping (best weights kept), checkpoints every epoch into <output>/checkpoint/ for --resume, and writes
 * a jet-regression bundle with the transform, architecture and response metrics.
 */
export async function trainJet(cfg: JetConfig, opts: { resume?: boolean; seed?: number; backend?: string; progress?: Progress; log?: (s: string) => void }): Promise<TrainJetResult> {
  const log = opts.log ?? (() => {});
  const backend = await initBackend(opts.backend ?? 'auto');
  const seed = opts.seed ?? cfg.train.seed;
  const tr = readTransform(cfg.data.transform);
  const files = datasetFiles(cfg.data.location);
  const split = splitFiles(files, cfg.data.split, cfg.file);
  if (!split.train.length) throw new NtcorrError(`${cfg.file}: data.split leaves no training files`, { file: cfg.file });
  const train = await loadJets(split.train, cfg, tr, true);
  const val = split.val.length ? await loadJets(split.val, cfg, tr, true) : undefined;
  log(`backend ${backend}; ${train.n} training jets from ${split.train.length} files, ${val?.n ?? 0} validation jets`);

  const arch = archFor(cfg, tr);
  const rng = new Rng(seed);
  const params = createJetParams(arch, rng);
  const optimizer = new Adam(params, { lr: cfg.train.learning_rate, weightDecay: cfg.train.weight_decay, decoupled: true });
  const rop = cfg.train.reduce_lr_on_plateau;
  const scheduler = new ReduceLROnPlateau({ factor: rop.factor, patience: rop.patience, threshold: rop.min_delta, minLr: 0 });
  const earlyStopping = new EarlyStopping<Map<string, { shape: number[]; data: Float32Array }>>({ patience: cfg.train.early_stopping.patience, minDelta: cfg.train.early_stopping.min_delta });
  const ckptDir = join(cfg.output, 'checkpoint');
  const ckpt = join(ckptDir, 'state.bin');
  const configHash = createHash('sha256').update(readFileSync(cfg.file)).digest('hex');
  let startEpoch = 0;
  let history: EpochRecord[] = [];
  if (opts.resume) {
    const info = loadCheckpoint(ckpt, { params, optimizer, rng, scheduler, earlyStopping });
    if (info.extra.configHash !== configHash) log(`warning: ${cfg.file} changed since the checkpoint was written`);
    startEpoch = info.epoch;
    history = info.history as EpochRecord[];
    log(`resuming after epoch ${startEpoch}`);
  } else if (existsSync(ckpt)) {
    log(`note: overwriting the checkpoint in ${ckptDir} (use --resume to continue it)`);
  }
  mkdirSync(ckptDir, { recursive: true });

  const bs = Math.max(1, Math.floor(cfg.data.batch_size));
  const stepsPerEpoch = cfg.train.steps_per_epoch > 0 ? cfg.train.steps_per_epoch : Math.ceil(train.n / bs);
  // An epoch is stepsPerEpoch batches from a freshly shuffled stream of the training jets (ml-jec's
  // steps_per_epoch); all shuffling state is the RNG's, which the checkpoint saves, so --resume is exact.
  // Length bucketing: within windows of 32 batches of the shuffled order, jets are sorted by constituent
  // count before cutting batches, and the window's batches are then visited in random order. Each batch
  // pads to its longest jet, so similar lengths mean far less padding; batches stay random samples.
  const size = new Float64Array(train.n);
  for (const tb of train.types) for (let i = 0; i < train.n; i++) size[i] += tb.offsets[i + 1] - tb.offsets[i];
  const bucketed = (): Int32Array => {
    const perm = rng.permutation(train.n);
    if (!cfg.data.bucket) return perm;
    const win = 32 * bs;
    for (let w = 0; w < train.n; w += win) {
      const part = perm.subarray(w, Math.min(w + win, train.n));
      part.sort((a, b) => size[a] - size[b] || a - b);
      const nb = Math.floor(part.length / bs); // full batches are shuffled; a short remainder stays last
      const order = rng.permutation(nb);
      const copy = part.slice();
      let o = 0;
      for (const k of order) { const piece = copy.subarray(k * bs, Math.min((k + 1) * bs, copy.length)); part.set(piece, o); o += piece.length; }
    }
    return perm;
  };
  function* batches(): Generator<JetBatch> {
    let perm = bucketed();
    let pos = 0;
    for (let s = 0; s < stepsPerEpoch; s++) {
      if (pos >= train.n) { perm = bucketed(); pos = 0; }
      // batch boundaries follow the bucketing windows (a window's last batch may be short)
      const winEnd = cfg.data.bucket ? Math.min(train.n, (Math.floor(pos / (32 * bs)) + 1) * 32 * bs) : train.n;
      const idx = perm.subarray(pos, Math.min(pos + bs, winEnd));
      pos += idx.length;
      const b = makeBatch(train, arch, idx, true);
      try { yield b; } finally { b.dispose(); }
    }
  }
  const evalLoss = (block: JetBlock) => {
    const pred = predictBlock(params, arch, block);
    return tf.tidy(() => jetLoss(tf.tensor2d(pred, [block.n, 1]), tf.tensor2d(block.target!, [block.n, 1]), cfg.loss).dataSync()[0]);
  };
  const result = await trainLoop<JetBatch>({
    params, optimizer, maxEpochs: cfg.train.max_epochs, startEpoch, history,
    batches, epochEvents: cfg.train.steps_per_epoch > 0 ? stepsPerEpoch * bs : train.n,
    loss: (b) => jetLoss(jetForward(params, arch, b), b.target!, cfg.loss),
    clipNorm: cfg.train.clip_norm,
    validate: val ? () => evalLoss(val) : undefined,
    scheduler, earlyStopping, progress: opts.progress, label: 'train jet', log,
    onEpochEnd: (rec, hist) => saveCheckpoint(ckpt, { params, optimizer, rng, scheduler, earlyStopping }, { epoch: rec.epoch, history: hist, extra: { configHash, seed } }),
  });

  const test = split.test.length ? await loadJets(split.test, cfg, tr, true) : undefined;
  const summarize = (b: JetBlock | undefined) => (b ? responseSummary(b, predictBlock(params, arch, b)) : undefined);
  const testSummary = summarize(test);
  const valSummary = summarize(val);
  const tensors = [...params.snapshot()].map(([name, v]) => ({ name, shape: v.shape, data: v.data }));
  await writeBundle(cfg.output, {
    name: cfg.output.split('/').pop() ?? 'jet',
    kind: 'jet-regression',
    inputs: jetInputColumnsForBundle(cfg),
    // Every column apply writes is declared (the pipeline refuses undeclared ones), the raw prediction too.
    outputs: [
      { name: cfg.apply.output ?? `${cfg.apply.collection?.prefix ?? ''}pt_corr`, type: 'float32', jagged: !!cfg.apply.collection, description: 'pt * exp(prediction)' },
      ...(cfg.apply.raw_output ? [{ name: cfg.apply.raw_output, type: 'float32' as const, jagged: !!cfg.apply.collection, description: 'DNN prediction of log(pt_gen/pt)' }] : []),
    ],
    config: {
      arch,
      transform: tr,
      features: { global: cfg.global.numerical, types: cfg.types.map((t) => ({ name: t.name, ...t.features })) },
      jet: cfg.jet,
      tree: cfg.data.tree,
      loss: cfg.loss,
      apply: cfg.apply,
    },
    provenance: {
      createdBy: TOOL,
      created: new Date().toISOString(),
      source: `train jet --config ${cfg.file}`,
      seed,
      configHash,
      backend,
      trainFiles: split.train, valFiles: split.val, testFiles: split.test,
      epochs: result.history.length,
      bestEpoch: result.bestEpoch,
      history: result.history,
      metrics: { test: testSummary ?? null, validation: valSummary ?? null },
    },
  }, tensors);
  params.dispose();
  optimizer.dispose();
  return { bundle: cfg.output, history: result.history, test: testSummary, val: valSummary };
}

function jetInputColumnsForBundle(cfg: JetConfig): string[] {
  const s = new Set<string>([cfg.jet.pt, ...cfg.global.numerical]);
  for (const t of cfg.types) for (const c of [...t.features.numerical_branches, ...t.features.categorical]) s.add(c);
  return [...s];
}
