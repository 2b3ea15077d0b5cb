import * as tf from '@tensorflow/tfjs-core';
import './gradients.js';
import type { Progress } from '../core/progress.js';
import { clipByGlobalNorm, type Optimizer } from './optim.js';
import type { Params } from './params.js';
import type { EarlyStopping, PlateauScheduler } from './schedule.js';

/** One optimisation step: loss, gradients of every parameter, optional clipping, update. Returns the loss. */
export function trainStep(params: Params, optimizer: Optimizer, loss: () => tf.Scalar, clipNorm?: number): number {
  const names = params.names();
  const vars = params.variables();
  const { value, grads } = tf.variableGrads(loss, vars);
  const byName = new Map<string, tf.Tensor>();
  vars.forEach((v, i) => { const g = grads[v.name]; if (g) byName.set(names[i], g); });
  applyGradients(optimizer, byName, clipNorm);
  const out = value.dataSync()[0];
  value.dispose();
  return out;
}

/** Clips (optionally) and applies gradients by parameter name; disposes the gradient tensors. */
export function applyGradients(optimizer: Optimizer, grads: Map<string, tf.Tensor>, clipNorm?: number): void {
  let byName = grads;
  let norm: tf.Scalar | undefined;
  if (clipNorm && clipNorm > 0) {
    const clipped = clipByGlobalNorm(byName, clipNorm);
    for (const g of byName.values()) g.dispose();
    byName = clipped.grads;
    norm = clipped.norm;
  }
  optimizer.step(byName);
  norm?.dispose();
  for (const g of byName.values()) g.dispose();
}

export interface EpochRecord {
  [key: string]: number;
  epoch: number;
  train_loss: number;
  val_loss: number;
  lr: number;
  events_per_s: number;
}

export interface TrainLoopOptions<B extends { size: number }> {
  params: Params;
  optimizer: Optimizer;
  /** Epoch numbers are 1-based; training runs epochs startEpoch+1 .. maxEpochs. */
  maxEpochs: number;
  startEpoch?: number;
  history?: EpochRecord[];
  /** Batches of one epoch (shuffled by the caller with its seeded RNG). */
  batches: (epoch: number) => Iterable<B>;
  /** Training events per epoch (progress bar total). */
  epochEvents: number;
  /** Scalar loss of one batch (mean over its events), built from the params' variables. */
  loss?: (batch: B) => tf.Scalar;
  /** Or the whole optimisation step of one batch (e.g. data-parallel over workers), returning its loss. */
  step?: (batch: B) => number | Promise<number>;
  clipNorm?: number;
  /** Validation loss (no gradients); defaults to the training loss when absent. */
  validate?: () => number | Promise<number>;
  scheduler?: PlateauScheduler;
  /** Learning rate for an epoch (1-based), set before it starts (piecewise-linear schedules). */
  lrAt?: (epoch: number) => number;
  earlyStopping?: EarlyStopping<Map<string, { shape: number[]; data: Float32Array }>>;
  progress?: Progress;
  label?: string;
  /** After each epoch (checkpointing); awaited before the next epoch starts. */
  onEpochEnd?: (record: EpochRecord, history: EpochRecord[]) => Promise<void> | void;
  log?: (line: string) => void;
}

/**
 * Drives epochs: batches -> trainStep, a progress bar with running loss and events/s, validation,
 * reduce-on-plateau, early stopping (best weights restored at the end), a callback for checkpoints.
 */
export async function trainLoop<B extends { size: number }>(o: TrainLoopOptions<B>): Promise<{ history: EpochRecord[]; stoppedEarly: boolean; bestEpoch: number }> {
  const history = o.history ? o.history.slice() : [];
  let stoppedEarly = false;
  for (let epoch = (o.startEpoch ?? 0) + 1; epoch <= o.maxEpochs; epoch++) {
    if (o.lrAt) o.optimizer.lr = o.lrAt(epoch);
    const bar = o.progress?.bar(`${o.label ?? 'train'} epoch ${epoch}/${o.maxEpochs}`, o.epochEvents, 'events');
    const t0 = performance.now();
    let sum = 0;
    let count = 0;
    for (const batch of o.batches(epoch)) {
      const l = o.step ? await o.step(batch) : trainStep(o.params, o.optimizer, () => o.loss!(batch), o.clipNorm);
      sum += l * batch.size;
      count += batch.size;
      bar?.increment(batch.size, { info: `loss ${(sum / Math.max(count, 1)).toPrecision(4)}` });
    }
    const seconds = (performance.now() - t0) / 1000;
    bar?.stop();
    const trainLoss = sum / Math.max(count, 1);
    const valLoss = o.validate ? await o.validate() : trainLoss;
    const record: EpochRecord = { epoch, train_loss: trainLoss, val_loss: valLoss, lr: o.optimizer.lr, events_per_s: count / Math.max(seconds, 1e-9) };
    history.push(record);
    o.log?.(`epoch ${epoch}: train loss ${trainLoss.toPrecision(5)}, val loss ${valLoss.toPrecision(5)}, lr ${o.optimizer.lr.toPrecision(3)}, ${Math.round(record.events_per_s)} events/s`);
    if (o.scheduler) o.optimizer.lr = o.scheduler.step(valLoss, o.optimizer.lr);
    const stop = o.earlyStopping ? o.earlyStopping.update(epoch, valLoss, () => o.params.snapshot()) : false;
    await o.onEpochEnd?.(record, history);
    if (stop) {
      stoppedEarly = true;
      o.log?.(`early stopping after epoch ${epoch} (best epoch ${o.earlyStopping!.bestEpoch})`);
      break;
    }
  }
  const best = o.earlyStopping?.bestWeights;
  if (best) o.params.restore(best);
  return { history, stoppedEarly, bestEpoch: o.earlyStopping?.bestEpoch ?? history.length };
}
