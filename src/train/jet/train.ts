import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { loadBundle, writeBundle } from '../../bundle/bundle.js';
import { initBackend } from '../../compute/backend.js';
import { NtcorrError } from '../../core/errors.js';
import { TOOL } from '../../core/version.js';
import type { Progress } from '../../core/progress.js';
import { Adam, RAdam, SGD, type Optimizer } from '../../nn/optim.js';
import type { Params } from '../../nn/params.js';
import { Xoshiro128ss } from '../../core/random.js';
import { EarlyStopping, KerasReduceLROnPlateau, ReduceLROnPlateau, piecewiseLinear } from '../../nn/schedule.js';
import { isCheckpointFile, loadCheckpoint, readCheckpointParams, saveCheckpoint } from '../../nn/checkpoint.js';
import { trainLoop, trainStep, type EpochRecord } from '../../nn/loop.js';
import { readNtcorrBundleManifest, type JetConfig, type UnknownCategory } from '../../models/jet/config.js';
import { datasetFiles, loadJets, splitFiles } from './dataset.js';
import type { JetBlock } from '../../models/jet/features.js';
import { ARCH_FORMAT, applyBatchNormUpdates, countJetParams, createJetParams, jetForward, jetLoss, makeBatch, predictBlock, type ForwardContext, type JetArch, type JetBatch } from '../../models/jet/network.js';
import { readTransform, type Transform } from '../../models/jet/transform.js';
import { responseSummary, type ResponseSummary } from '../../models/jet/metrics.js';

export function archFor(cfg: JetConfig, tr: Transform): JetArch {
  const rows = (c: string, unknown: UnknownCategory) => {
    if (!tr.categorical[c]) throw new NtcorrError(`${cfg.data.transform}: no category list for ${c} (run ntcorr build-transform with this config)`, { file: cfg.data.transform, column: c });
    return tr.categorical[c].length + (unknown === 'row' ? 1 : 0); // 'row': one extra "unknown" row
  };
  const gc = cfg.global.categorical;
  return {
    format: ARCH_FORMAT,
    global: cfg.global.numerical.length,
    ...(gc.length ? { globalCategories: gc.map((c) => rows(c, cfg.global.unknown)), globalEmbeddings: gc.map((c) => cfg.global.embeddings[c]), globalUnknown: cfg.global.unknown } : {}),
    types: cfg.types.map((t) => ({
      name: t.name,
      numerical: t.features.numerical.length,
      categories: t.features.categorical.map((c) => rows(c, t.unknown)),
      embeddings: t.features.categorical.map((c) => t.embeddings[c]),
      maxSize: t.features.max_size ?? null,
      block: t.block,
      unknown: t.unknown,
    })),
    head: cfg.head,
  };
}

/** The optimizer the config asks for (ml-jec's optimizer.algorithm; ntcorr's weight_decay is decoupled for all). */
export function makeOptimizer(cfg: JetConfig, params: Params): Optimizer {
  const { learning_rate: lr, weight_decay: weightDecay } = cfg.train;
  switch (cfg.optimizer.algorithm) {
    case 'sgd': return new SGD(params, { lr, momentum: cfg.optimizer.momentum, nesterov: cfg.optimizer.nesterov, weightDecay });
    case 'radam': return new RAdam(params, { lr, weightDecay });
    default: return new Adam(params, { lr, weightDecay, decoupled: true });
  }
}

/**
 * Initial weights from model.load_weights or `model: <bundle>`: an ntcorr jet bundle (folder or model.json)
 * or an ntcorr checkpoint (state.bin). Every parameter must be there with its shape (errors name it).
 */
export function loadInitialWeights(cfg: JetConfig, params: Params): void {
  const { path, key } = cfg.init!;
  const where = `${cfg.file}: ${key}`;
  if (!existsSync(path) && !existsSync(`${path}.index`)) throw new NtcorrError(`${where}: ${path} does not exist`, { file: path });
  let weights: Map<string, { shape: number[]; data: ArrayLike<number> }>;
  if (existsSync(path) && statSync(path).isFile() && isCheckpointFile(path)) weights = readCheckpointParams(path);
  else {
    const { dir } = readNtcorrBundleManifest(cfg.file, key, path);
    weights = loadBundle(dir).tensors() as Map<string, { shape: number[]; data: ArrayLike<number> }>;
  }
  try {
    params.restore(weights);
  } catch (e) {
    throw new NtcorrError(`${where}: the weights in ${path} do not fit this config's network (${(e as Error).message})`, { file: path });
  }
  const extra = [...weights.keys()].filter((n) => !params.names().includes(n));
  if (extra.length) throw new NtcorrError(`${where}: ${path} has weights this network does not have (${extra.slice(0, 5).join(', ')}${extra.length > 5 ? ', ...' : ''}): a different architecture`, { file: path });
}

export interface TrainJetResult {
  bundle: string;
  history: EpochRecord[];
  test?: ResponseSummary;
  val?: ResponseSummary;
}

/**
 * `ntcorr train jet`: loads the split files into memory, trains with the configured optimizer (Adam by
 * default) + reduce-on-plateau or a piecewise-linear schedule + early
 * stopping (best weights kept), checkpoints every epoch into <output>/checkpoint/ for --resume, and writes
 * a jet-regression bundle with the transform, architecture and response metrics.
 */
export async function trainJet(cfg: JetConfig, opts: { resume?: boolean; seed?: number; backend?: string; progress?: Progress; log?: (s: string) => void }): Promise<TrainJetResult> {
  const log = opts.log ?? (() => {});
  const backend = await initBackend(opts.backend ?? 'auto');
  const seed = opts.seed ?? cfg.train.seed;
  const tr = readTransform(cfg.data.transform);
  const { split, train, val } = await loadSplits(cfg, tr);
  log(`backend ${backend}; ${train.n} training jets from ${split.train.length} files, ${val?.n ?? 0} validation jets`);

  const arch = archFor(cfg, tr);
  const rng = Xoshiro128ss.fromSeed(seed);
  const params = createJetParams(arch, rng);
  if (cfg.init) {
    loadInitialWeights(cfg, params);
    log(`initial weights from ${cfg.init.path} (${cfg.init.key})`);
  }
  for (const n of cfg.notes) log(`note: ${n}`);
  log(`network: ${countJetParams(arch).toLocaleString('en-US')} parameters (Keras count: weights, biases, embeddings, batch-norm statistics)`);
  const optimizer = makeOptimizer(cfg, params);
  const { scheduler, lrAt, earlyStopping } = schedules(cfg);
  const state = { params, optimizer, rng, scheduler, earlyStopping };
  const ckptDir = join(cfg.output, 'checkpoint');
  const ckpt = join(ckptDir, 'state.bin');
  const configHash = createHash('sha256').update(readFileSync(cfg.file)).digest('hex');
  let startEpoch = 0;
  let history: EpochRecord[] = [];
  if (opts.resume) {
    const info = loadCheckpoint(ckpt, state);
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
  // training-mode forward: dropout draws from the run's RNG (saved in checkpoints), batch norm collects statistics
  const ctx: ForwardContext = { training: true, rng, bnUpdates: [] };
  // ml-jec without max_epochs: at most 10 passes over the training set
  const maxEpochs = cfg.train.max_epochs > 0 ? cfg.train.max_epochs : Math.ceil((10 * train.n) / (stepsPerEpoch * bs));
  if (!(cfg.train.max_epochs > 0)) log(`train.max_epochs not set: ${maxEpochs} epochs (10 passes over the ${train.n} training jets, as ml-jec)`);
  const evalLoss = (block: JetBlock) => {
    const pred = predictBlock(params, arch, block);
    return tf.tidy(() => jetLoss(tf.tensor2d(pred, [block.n, 1]), tf.tensor2d(block.target!, [block.n, 1]), cfg.loss).dataSync()[0]);
  };
  const result = await trainLoop<JetBatch>({
    params, optimizer, maxEpochs, startEpoch, history,
    batches: epochBatches(cfg, train, arch, rng, bs, stepsPerEpoch), epochEvents: cfg.train.steps_per_epoch > 0 ? stepsPerEpoch * bs : train.n,
    step: (b) => {
      const l = trainStep(params, optimizer, () => jetLoss(jetForward(params, arch, b, ctx), b.target!, cfg.loss), cfg.train.clip_norm);
      applyBatchNormUpdates(params, ctx);
      return l;
    },
    validate: val ? () => evalLoss(val) : undefined,
    scheduler, lrAt, earlyStopping, progress: opts.progress, label: 'train jet', log,
    onEpochEnd: (rec, hist) => saveCheckpoint(ckpt, state, { epoch: rec.epoch, history: hist, extra: { configHash, seed } }),
  });

  const test = split.test.length ? await loadJets(split.test, cfg, tr, true) : undefined;
  const summarize = (b: JetBlock | undefined) => (b ? responseSummary(b, predictBlock(params, arch, b)) : undefined);
  const testSummary = summarize(test);
  const valSummary = summarize(val);
  await writeJetBundle(cfg, { params, arch, tr, seed, configHash, backend, split, history: result.history, bestEpoch: result.bestEpoch, metrics: { test: testSummary ?? null, validation: valSummary ?? null } });
  params.dispose();
  optimizer.dispose();
  return { bundle: cfg.output, history: result.history, test: testSummary, val: valSummary };
}

type Split = ReturnType<typeof splitFiles>;

/** The data.split files; training and validation jets in memory (test jets are read after training). */
async function loadSplits(cfg: JetConfig, tr: Transform): Promise<{ split: Split; train: JetBlock; val?: JetBlock }> {
  const files = datasetFiles(cfg.data.location);
  const split = splitFiles(files, cfg.data.split, cfg.file);
  if (!split.train.length) throw new NtcorrError(`${cfg.file}: data.split leaves no training files`, { file: cfg.file });
  const train = await loadJets(split.train, cfg, tr, true);
  const val = split.val.length ? await loadJets(split.val, cfg, tr, true) : undefined;
  return { split, train, val };
}

/** Learning-rate schedule and early stopping as the config asks. */
function schedules(cfg: JetConfig): { scheduler?: ReduceLROnPlateau | KerasReduceLROnPlateau; lrAt?: (epoch: number) => number; earlyStopping: EarlyStopping<Map<string, { shape: number[]; data: Float32Array }>> } {
  const rop = cfg.train.reduce_lr_on_plateau;
  // keras (default): ml-jec's callback (absolute min_delta, reduce at `patience` bad epochs); torch: PyTorch's
  const scheduler = !rop ? undefined : rop.semantics === 'torch'
    ? new ReduceLROnPlateau({ factor: rop.factor, patience: rop.patience, threshold: rop.min_delta, minLr: rop.min_lr })
    : new KerasReduceLROnPlateau({ factor: rop.factor, patience: rop.patience, minDelta: rop.min_delta, minLr: rop.min_lr });
  const pls = cfg.train.piecewise_linear_schedule;
  const lrAt = pls ? ((sched) => (epoch: number) => sched(epoch - 1))(piecewiseLinear(pls.epochs, pls.learning_rate)) : undefined;
  // without early_stopping every epoch runs, and the best validation epoch's weights are still the ones kept
  // (ml-jec's ModelCheckpoint(save_best_only=True))
  const es = cfg.train.early_stopping;
  const earlyStopping = new EarlyStopping<Map<string, { shape: number[]; data: Float32Array }>>(es ? { patience: es.patience, minDelta: es.min_delta } : { patience: Infinity, minDelta: 0 });
  return { scheduler, lrAt, earlyStopping };
}

/**
 * The batches of one epoch: stepsPerEpoch batches from a freshly shuffled stream of the training jets
 * (ml-jec's steps_per_epoch); all shuffling state is the RNG's, which the checkpoint saves, so --resume is
 * exact. Length bucketing: within windows of 32 batches of the shuffled order, jets are sorted by
 * constituent count before cutting batches, and the window's batches are then visited in random order.
 * Each batch pads to its longest jet, so similar lengths mean far less padding; batches stay random samples.
 */
function epochBatches(cfg: JetConfig, train: JetBlock, arch: JetArch, rng: Xoshiro128ss, bs: number, stepsPerEpoch: number): () => Generator<JetBatch> {
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
  return function* batches(): Generator<JetBatch> {
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
  };
}

interface JetBundleContent {
  params: Params;
  arch: JetArch;
  tr: Transform;
  seed: number;
  configHash: string;
  backend: string;
  split: Split;
  history: EpochRecord[];
  bestEpoch: number;
  metrics: { test: ResponseSummary | null; validation: ResponseSummary | null };
}

/** The jet-regression bundle: weights, transform, architecture, provenance with the response metrics. */
async function writeJetBundle(cfg: JetConfig, b: JetBundleContent): Promise<void> {
  const { arch, split } = b;
  const tensors = [...b.params.snapshot()].map(([name, v]) => ({ name, shape: v.shape, data: v.data }));
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
      transform: b.tr,
      features: { global: cfg.global.numerical, globalCategorical: cfg.global.categorical, types: cfg.types.map((t) => ({ name: t.name, ...t.features })) },
      jet: cfg.jet,
      tree: cfg.data.tree,
      loss: cfg.loss,
      apply: cfg.apply,
    },
    provenance: {
      createdBy: TOOL,
      created: new Date().toISOString(),
      source: `train jet --config ${cfg.file}`,
      seed: b.seed,
      configHash: b.configHash,
      backend: b.backend,
      trainFiles: split.train, valFiles: split.val, testFiles: split.test,
      parameters: countJetParams(arch),
      optimizer: cfg.optimizer.algorithm,
      ...(cfg.init ? { initialWeights: cfg.init.path } : {}),
      epochs: b.history.length,
      bestEpoch: b.bestEpoch,
      history: b.history,
      metrics: b.metrics,
    },
  }, tensors);
}

function jetInputColumnsForBundle(cfg: JetConfig): string[] {
  const s = new Set<string>([cfg.jet.pt, ...cfg.global.numerical, ...cfg.global.categorical]);
  for (const t of cfg.types) for (const c of [...t.features.numerical_branches, ...t.features.categorical]) s.add(c);
  return [...s];
}
