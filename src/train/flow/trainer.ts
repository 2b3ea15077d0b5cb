import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createProgress } from '../../core/progress.js';
import { initBackend } from '../../compute/backend.js';
import { errorMessage, NtcorrError } from '../../core/errors.js';
import type { FlowArch } from '../../models/flow/arch.js';
import type { TfFlow } from '../../models/flow/tf-flow.js';
import { Adam, EarlyStopping, loadCheckpoint, Params, ReduceLROnPlateau, saveCheckpoint, trainLoop, type EpochRecord } from '../../nn/index.js';
import { Xoshiro128ss } from '../../core/random.js';
import type { FlowTrainConfig } from './config.js';
import { epochBatches, evaluateNll, type Batch } from './dataset.js';
import { prepareTraining } from './prepare.js';
import { writeTrainedBundle } from './bundle-out.js';
import { DataParallel } from './data-parallel.js';
import { trainingFlow } from './shard-loss.js';
import { lossCurve } from './loss-plot.js';
import { closureOnTestSplit, type ClosureReport } from './closure-run.js';

export interface TrainFlowOptions {
  resume: boolean;
  /** Overrides training.seed. */
  seed?: number;
  /** Overrides training.threads (cores for data-parallel training). */
  threads?: number;
  backend: string;
  quiet: boolean;
  /** Stop after this many epochs in this run (checkpoint kept, resume later). */
  stopAfter?: number;
  closure: boolean;
  command: string;
  log: (line: string) => void;
}

export interface TrainFlowResult {
  ok: boolean;
  bundle: string;
  /** Epochs completed so far (all runs). */
  epochs: number;
  bestEpoch: number;
  stoppedEarly: boolean;
  /** true when --stop-after ended this run before training finished (no bundle written). */
  paused: boolean;
  history: EpochRecord[];
  closure?: ClosureReport;
}

/**
 * Hash of everything that must not change between a run and its --resume. The thread count is part of it:
 * it decides how batches are cut into shards, so the float sums (and the weights) depend on it.
 */
function configHash(cfg: FlowTrainConfig, seed: number, threads: number): string {
  const { name: _n, file: _f, closure: _c, output: _o, ...rest } = cfg;
  return createHash('sha256').update(JSON.stringify({ ...rest, training: { ...rest.training, threads }, seed })).digest('hex').slice(0, 16);
}

export const CHECKPOINT_FILE = 'checkpoint/state.ckpt';

/** Trains one configuration end to end: data, fit, bundle, loss curve, closure. */
export async function trainFlow(cfg: FlowTrainConfig, opts: TrainFlowOptions): Promise<TrainFlowResult> {
  const log = opts.log;
  const seed = opts.seed ?? cfg.training.seed;
  const threads = opts.threads ?? cfg.training.threads;
  const ckpt = join(cfg.output, CHECKPOINT_FILE);
  // Fail before the (long) data preparation when there is nothing to resume.
  if (opts.resume && !existsSync(ckpt)) throw new NtcorrError(`${cfg.name}: --resume: no checkpoint at ${ckpt} (nothing to resume; run without --resume)`, { file: ckpt });
  const backend = await initBackend(opts.backend);
  log(`backend ${backend}, ${threads} thread(s), seed ${seed}, output ${cfg.output}`);
  const t0 = performance.now();
  const prep = await prepareTraining(cfg, seed, log);
  log(`training set ${prep.train.n} examples, validation ${prep.val.n} (${((performance.now() - t0) / 1000).toFixed(1)} s to read and prepare)`);

  const flow = trainingFlow(flowArch(cfg), seed);
  // tfjs variable names are global: the training model must be disposed on every path (also on errors),
  // before closure loads the bundle and before the next configuration builds its own.
  let disposed = false;
  const disposeFlow = () => {
    if (!disposed) {
      disposed = true;
      flow.dispose();
    }
  };
  try {
    const state = trainingState(flow, cfg, seed);
    const hash = configHash(cfg, seed, threads);
    const resumed = opts.resume ? resumeFrom(cfg, ckpt, state, hash, log) : { startEpoch: 0, history: [] };
    mkdirSync(join(cfg.output, 'checkpoint'), { recursive: true });
    const run = await runEpochs(cfg, opts, { flow, state, prep, threads, backend, ckpt, hash, ...resumed });
    const { result, alreadyDone } = run;
    const { params, earlyStopping } = state;
    const epochs = result.history.length ? result.history[result.history.length - 1].epoch : 0;
    const finished = alreadyDone || epochs >= cfg.training.epochs || result.stoppedEarly;
    if (!finished) {
      log(`stopped after epoch ${epochs} as asked (--stop-after); continue with --resume`);
      disposeFlow();
      return { ok: true, bundle: cfg.output, epochs, bestEpoch: earlyStopping.bestEpoch, stoppedEarly: false, paused: true, history: result.history };
    }
    if (alreadyDone && earlyStopping.bestWeights) params.restore(earlyStopping.bestWeights);
    const best = result.history.find((h) => h.epoch === earlyStopping.bestEpoch);
    log(`best epoch ${earlyStopping.bestEpoch} (validation NLL ${best ? best.val_loss.toPrecision(5) : '?'})${result.stoppedEarly ? ', stopped early' : ''}`);
    await writeOutputs(cfg, opts, { flow, prep, seed, threads, backend, history: result.history, bestEpoch: earlyStopping.bestEpoch });
    disposeFlow();
    log(`bundle written to ${cfg.output}`);

    let closure: ClosureReport | undefined;
    if (opts.closure) {
      closure = await closureOnTestSplit(cfg, prep, { backend: opts.backend, threads, log });
    }
    return { ok: true, bundle: cfg.output, epochs, bestEpoch: earlyStopping.bestEpoch, stoppedEarly: result.stoppedEarly, paused: false, history: result.history, closure };
  } finally {
    disposeFlow();
  }
}

function flowArch(cfg: FlowTrainConfig): FlowArch {
  return {
    features: cfg.variables.length,
    context: cfg.conditions.length + 1,
    bins: cfg.model.bins,
    transforms: cfg.model.transforms,
    hidden: cfg.model.hidden,
    passes: cfg.model.passes,
    slope: cfg.model.slope,
    bound: 5,
  };
}

type BestWeights = Map<string, { shape: number[]; data: Float32Array }>;

/** Everything a checkpoint holds besides the epoch and history. */
interface TrainingState {
  params: Params;
  optimizer: Adam;
  rng: Xoshiro128ss;
  scheduler: ReduceLROnPlateau;
  earlyStopping: EarlyStopping<BestWeights>;
}

function trainingState(flow: TfFlow, cfg: FlowTrainConfig, seed: number): TrainingState {
  const params = new Params();
  flow.layers.forEach((ls, t) => ls.forEach((L, l) => {
    params.adopt(`t${t}.l${l}.w`, L.w);
    params.adopt(`t${t}.l${l}.b`, L.b);
  }));
  const optimizer = new Adam(params, { lr: cfg.training.learning_rate, weightDecay: cfg.training.weight_decay, decoupled: true });
  const scheduler = new ReduceLROnPlateau({ factor: cfg.training.lr_factor, patience: cfg.training.lr_patience, minLr: cfg.training.min_lr });
  const earlyStopping = new EarlyStopping<BestWeights>({ patience: cfg.training.patience });
  const rng = Xoshiro128ss.fromSeed(seed ^ 0x7a11);
  return { params, optimizer, rng, scheduler, earlyStopping };
}

/** Loads the checkpoint into `state`; refuses one made with another configuration. */
function resumeFrom(cfg: FlowTrainConfig, ckpt: string, state: TrainingState, hash: string, log: (line: string) => void): { startEpoch: number; history: EpochRecord[] } {
  const { params, optimizer, earlyStopping } = state;
  const info = loadCheckpoint(ckpt, state);
  if (info.extra.configHash !== hash) {
    throw new NtcorrError(`${cfg.name}: --resume: checkpoint ${ckpt} was made with a different configuration, seed or thread count (hash ${String(info.extra.configHash)}, now ${hash}); train afresh without --resume`, { file: ckpt });
  }
  const startEpoch = info.epoch;
  log(`resuming after epoch ${startEpoch} (best epoch so far ${earlyStopping.bestEpoch}, lr ${optimizer.lr})`);
  if (info.extra.finished) {
    log('the checkpoint says training had finished; writing the bundle from its best weights');
    if (earlyStopping.bestWeights) params.restore(earlyStopping.bestWeights);
  }
  return { startEpoch, history: info.history as EpochRecord[] };
}

interface EpochsInput {
  flow: TfFlow;
  state: TrainingState;
  prep: Awaited<ReturnType<typeof prepareTraining>>;
  threads: number;
  backend: string;
  ckpt: string;
  hash: string;
  startEpoch: number;
  history: EpochRecord[];
}

/** The epochs of this run (data-parallel over `threads`), a checkpoint after each. */
async function runEpochs(cfg: FlowTrainConfig, opts: TrainFlowOptions, r: EpochsInput): Promise<{ result: { history: EpochRecord[]; stoppedEarly: boolean; bestEpoch: number }; alreadyDone: boolean }> {
  const { state, prep, ckpt, hash, startEpoch, history } = r;
  const { params, optimizer, rng, scheduler, earlyStopping } = state;
  const progress = createProgress({ quiet: opts.quiet });
  const dp = await DataParallel.start(r.flow, r.threads, r.backend);
  const evalBatch = Math.max(cfg.training.batch_size, 8192);
  const maxEpochs = opts.stopAfter ? Math.min(cfg.training.epochs, startEpoch + opts.stopAfter) : cfg.training.epochs;
  let result = { history, stoppedEarly: false, bestEpoch: earlyStopping.bestEpoch };
  const alreadyDone = startEpoch >= cfg.training.epochs || (history.length > 0 && earlyStopping.wait >= earlyStopping.patience);
  try {
    if (!alreadyDone) {
      result = await trainLoop<Batch>({
        params,
        optimizer,
        maxEpochs,
        startEpoch,
        history,
        batches: () => epochBatches(prep.train, cfg.training.batch_size, rng),
        epochEvents: prep.train.n,
        step: (b) => dp.step(b, params, optimizer, cfg.training.grad_clip > 0 ? cfg.training.grad_clip : undefined),
        validate: () => evaluateNll(prep.val, evalBatch, dp.logProb),
        scheduler,
        earlyStopping,
        progress,
        label: cfg.name,
        log: opts.log,
        onEpochEnd: async (record, hist) => {
          const done = record.epoch >= cfg.training.epochs || earlyStopping.wait >= earlyStopping.patience;
          await saveCheckpoint(ckpt, state, { epoch: record.epoch, history: hist, extra: { configHash: hash, finished: done } });
        },
      });
    }
  } finally {
    progress.stop();
    await dp.close();
  }
  return { result, alreadyDone };
}

/** The bundle and the loss curve (a failed plot is a warning, not an error). */
async function writeOutputs(cfg: FlowTrainConfig, opts: TrainFlowOptions, r: { flow: TfFlow; prep: Awaited<ReturnType<typeof prepareTraining>>; seed: number; threads: number; backend: string; history: EpochRecord[]; bestEpoch: number }): Promise<void> {
  const { prep, history } = r;
  const meanRate = history.length ? history.reduce((s, h) => s + h.events_per_s, 0) / history.length : 0;
  await writeTrainedBundle(cfg.output, {
    cfg,
    seed: r.seed,
    flow: r.flow,
    preprocessing: prep.preprocessing,
    collections: prep.collections,
    history,
    bestEpoch: r.bestEpoch,
    command: opts.command,
    backend: r.backend,
    summary: { ...prep.summary, threads: r.threads, events_per_s: Math.round(meanRate), train_examples: prep.train.n, val_examples: prep.val.n },
  });
  try {
    await lossCurve(join(cfg.output, 'loss'), history, r.bestEpoch, cfg.name);
  } catch (e) {
    opts.log(`warning: loss curve not written (${errorMessage(e)})`);
  }
}
