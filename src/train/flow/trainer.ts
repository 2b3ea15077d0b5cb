import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createProgress } from '../../cli/progress.js';
import { initBackend } from '../../compute/backend.js';
import { errorMessage, NtcorrError } from '../../core/errors.js';
import type { FlowArch } from '../../models/flow/arch.js';
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

  const arch: FlowArch = {
    features: cfg.variables.length,
    context: cfg.conditions.length + 1,
    bins: cfg.model.bins,
    transforms: cfg.model.transforms,
    hidden: cfg.model.hidden,
    passes: cfg.model.passes,
    slope: cfg.model.slope,
    bound: 5,
  };
  const flow = trainingFlow(arch, seed);
  let parallel: DataParallel | undefined;
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
    const params = new Params();
    flow.layers.forEach((ls, t) => ls.forEach((L, l) => {
      params.adopt(`t${t}.l${l}.w`, L.w);
      params.adopt(`t${t}.l${l}.b`, L.b);
    }));
    const optimizer = new Adam(params, { lr: cfg.training.learning_rate, weightDecay: cfg.training.weight_decay, decoupled: true });
    const scheduler = new ReduceLROnPlateau({ factor: cfg.training.lr_factor, patience: cfg.training.lr_patience, minLr: cfg.training.min_lr });
    const earlyStopping = new EarlyStopping<Map<string, { shape: number[]; data: Float32Array }>>({ patience: cfg.training.patience });
    const rng = Xoshiro128ss.fromSeed(seed ^ 0x7a11);
    const state = { params, optimizer, rng, scheduler, earlyStopping };

    const hash = configHash(cfg, seed, threads);
    let startEpoch = 0;
    let history: EpochRecord[] = [];
    if (opts.resume) {
      const info = loadCheckpoint(ckpt, state);
      if (info.extra.configHash !== hash) {
        throw new NtcorrError(`${cfg.name}: --resume: checkpoint ${ckpt} was made with a different configuration, seed or thread count (hash ${String(info.extra.configHash)}, now ${hash}); train afresh without --resume`, { file: ckpt });
      }
      startEpoch = info.epoch;
      history = info.history as EpochRecord[];
      log(`resuming after epoch ${startEpoch} (best epoch so far ${earlyStopping.bestEpoch}, lr ${optimizer.lr})`);
      if (info.extra.finished) {
        log('the checkpoint says training had finished; writing the bundle from its best weights');
        if (earlyStopping.bestWeights) params.restore(earlyStopping.bestWeights);
      }
    }
    mkdirSync(join(cfg.output, 'checkpoint'), { recursive: true });

    const progress = createProgress({ quiet: opts.quiet });
    parallel = await DataParallel.start(flow, threads, backend);
    const dp = parallel;
    const evalBatch = Math.max(cfg.training.batch_size, 8192);
    const maxEpochs = opts.stopAfter ? Math.min(cfg.training.epochs, startEpoch + opts.stopAfter) : cfg.training.epochs;
    let finished = false;
    let result = { history, stoppedEarly: false, bestEpoch: earlyStopping.bestEpoch };
    const alreadyDone = startEpoch >= cfg.training.epochs || (history.length > 0 && earlyStopping.wait >= earlyStopping.patience);
    if (!alreadyDone) {
      try {
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
          log,
          onEpochEnd: async (record, hist) => {
            const done = record.epoch >= cfg.training.epochs || earlyStopping.wait >= earlyStopping.patience;
            await saveCheckpoint(ckpt, state, { epoch: record.epoch, history: hist, extra: { configHash: hash, finished: done } });
          },
        });
      } finally {
        progress.stop();
        await parallel.close();
        parallel = undefined;
      }
    }
    const epochs = result.history.length ? result.history[result.history.length - 1].epoch : 0;
    finished = alreadyDone || epochs >= cfg.training.epochs || result.stoppedEarly;
    if (!finished) {
      log(`stopped after epoch ${epochs} as asked (--stop-after); continue with --resume`);
      disposeFlow();
      return { ok: true, bundle: cfg.output, epochs, bestEpoch: earlyStopping.bestEpoch, stoppedEarly: false, paused: true, history: result.history };
    }
    if (alreadyDone && earlyStopping.bestWeights) params.restore(earlyStopping.bestWeights);
    const best = result.history.find((h) => h.epoch === earlyStopping.bestEpoch);
    log(`best epoch ${earlyStopping.bestEpoch} (validation NLL ${best ? best.val_loss.toPrecision(5) : '?'})${result.stoppedEarly ? ', stopped early' : ''}`);

    const meanRate = result.history.length ? result.history.reduce((s, h) => s + h.events_per_s, 0) / result.history.length : 0;
    await writeTrainedBundle(cfg.output, {
      cfg,
      seed,
      flow,
      preprocessing: prep.preprocessing,
      collections: prep.collections,
      history: result.history,
      bestEpoch: earlyStopping.bestEpoch,
      command: opts.command,
      backend,
      summary: { ...prep.summary, threads, events_per_s: Math.round(meanRate), train_examples: prep.train.n, val_examples: prep.val.n },
    });
    try {
      await lossCurve(join(cfg.output, 'loss'), result.history, earlyStopping.bestEpoch, cfg.name);
    } catch (e) {
      log(`warning: loss curve not written (${errorMessage(e)})`);
    }
    disposeFlow();
    log(`bundle written to ${cfg.output}`);

    let closure: ClosureReport | undefined;
    if (opts.closure) {
      closure = await closureOnTestSplit(cfg, prep, { backend: opts.backend, threads, log });
    }
    return { ok: true, bundle: cfg.output, epochs, bestEpoch: earlyStopping.bestEpoch, stoppedEarly: result.stoppedEarly, paused: false, history: result.history, closure };
  } finally {
    await parallel?.close();
    disposeFlow();
  }
}
