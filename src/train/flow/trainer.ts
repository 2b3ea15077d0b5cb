import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { createProgress } from '../../cli/progress.js';
import { initBackend } from '../../compute/backend.js';
import { errorMessage, NtcorrError } from '../../core/errors.js';
import type { FlowArch } from '../../models/flow/arch.js';
import { TfFlow } from '../../models/flow/tf-flow.js';
import { Adam, dense, EarlyStopping, loadCheckpoint, Params, ReduceLROnPlateau, Rng, saveCheckpoint, trainLoop, type EpochRecord } from '../../nn/index.js';
import type { FlowTrainConfig } from './config.js';
import { epochBatches, evaluateNll, type Batch } from './dataset.js';
import { prepareTraining } from './prepare.js';
import { writeTrainedBundle } from './bundle-out.js';
import { useFastSplineForTraining } from './fast-spline.js';
import { lossCurve } from './loss-plot.js';
import { closureOnTestSplit, type ClosureReport } from './closure-run.js';

export interface TrainFlowOptions {
  resume: boolean;
  /** Overrides training.seed. */
  seed?: number;
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

/** Hash of everything that must not change between a run and its --resume. */
function configHash(cfg: FlowTrainConfig, seed: number): string {
  const { name: _n, file: _f, closure: _c, output: _o, ...rest } = cfg;
  return createHash('sha256').update(JSON.stringify({ ...rest, seed })).digest('hex').slice(0, 16);
}

export const CHECKPOINT_FILE = 'checkpoint/state.ckpt';

/** Trains one configuration end to end: data, fit, bundle, loss curve, closure. */
export async function trainFlow(cfg: FlowTrainConfig, opts: TrainFlowOptions): Promise<TrainFlowResult> {
  const log = opts.log;
  const seed = opts.seed ?? cfg.training.seed;
  const ckpt = join(cfg.output, CHECKPOINT_FILE);
  // Fail before the (long) data preparation when there is nothing to resume.
  if (opts.resume && !existsSync(ckpt)) throw new NtcorrError(`${cfg.name}: --resume: no checkpoint at ${ckpt} (nothing to resume; run without --resume)`, { file: ckpt });
  const backend = await initBackend(opts.backend);
  log(`backend ${backend}, seed ${seed}, output ${cfg.output}`);
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
  const flow = TfFlow.init(arch, seed);
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
    // Training uses the dense layer with a hand-written gradient (src/nn), ~7x faster than tfjs' own.
    flow.dense = (x, w, b, mask) => dense(x, w, b, { mask });
    // ... and the spline with its hand-written gradient on the host (fast-spline.ts: 2.4x faster steps
    // for a 13-feature 2x64 flow; for 3x256 MADEs the matmuls dominate either way).
    useFastSplineForTraining(flow);
    const params = new Params();
    flow.layers.forEach((ls, t) => ls.forEach((L, l) => {
      params.adopt(`t${t}.l${l}.w`, L.w);
      params.adopt(`t${t}.l${l}.b`, L.b);
    }));
    const optimizer = new Adam(params, { lr: cfg.training.learning_rate, weightDecay: cfg.training.weight_decay, decoupled: true });
    const scheduler = new ReduceLROnPlateau({ factor: cfg.training.lr_factor, patience: cfg.training.lr_patience, minLr: cfg.training.min_lr });
    const earlyStopping = new EarlyStopping<Map<string, { shape: number[]; data: Float32Array }>>({ patience: cfg.training.patience });
    const rng = new Rng(seed ^ 0x7a11);
    const state = { params, optimizer, rng, scheduler, earlyStopping };

    const hash = configHash(cfg, seed);
    let startEpoch = 0;
    let history: EpochRecord[] = [];
    if (opts.resume) {
      const info = loadCheckpoint(ckpt, state);
      if (info.extra.configHash !== hash) {
        throw new NtcorrError(`${cfg.name}: --resume: checkpoint ${ckpt} was made with a different configuration or seed (hash ${String(info.extra.configHash)}, now ${hash}); train afresh without --resume`, { file: ckpt });
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
    const logProb = (x: tf.Tensor2D, c: tf.Tensor2D) => flow.logProb(x, c);
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
          loss: (b) => tf.tidy(() => tf.neg(tf.mean(tf.mul(b.w, logProb(b.x, b.c)))) as tf.Scalar),
          clipNorm: cfg.training.grad_clip > 0 ? cfg.training.grad_clip : undefined,
          validate: () => evaluateNll(prep.val, evalBatch, logProb),
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
      summary: { ...prep.summary, events_per_s: Math.round(meanRate), train_examples: prep.train.n, val_examples: prep.val.n },
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
      closure = await closureOnTestSplit(cfg, prep, { backend: opts.backend, log });
    }
    return { ok: true, bundle: cfg.output, epochs, bestEpoch: earlyStopping.bestEpoch, stoppedEarly: result.stoppedEarly, paused: false, history: result.history, closure };
  } finally {
    disposeFlow();
  }
}
