/** What trainLoop and checkpoints need from a learning-rate-on-plateau rule: its step and its saved state. */
export abstract class PlateauScheduler {
  best = Infinity;
  numBad = 0;
  cooldownLeft = 0;

  /** Feeds one epoch's loss; returns the learning rate to use from now on. */
  abstract step(metric: number, lr: number): number;

  getState(): { best: number | null; numBad: number; cooldownLeft: number } {
    return { best: Number.isFinite(this.best) ? this.best : null, numBad: this.numBad, cooldownLeft: this.cooldownLeft };
  }

  setState(s: { best: number | null; numBad: number; cooldownLeft: number }): void {
    this.best = s.best ?? Infinity;
    this.numBad = s.numBad;
    this.cooldownLeft = s.cooldownLeft;
  }
}

/**
 * ReduceLROnPlateau with torch's defaults and semantics (mode 'min', relative threshold): after more than
 * `patience` epochs without an improvement of the monitored loss by a factor (1 - threshold), the learning
 * rate is multiplied by `factor` (not below minLr), then `cooldown` epochs pass before counting again.
 */
export class ReduceLROnPlateau extends PlateauScheduler {
  readonly factor: number;
  readonly patience: number;
  readonly threshold: number;
  readonly cooldown: number;
  readonly minLr: number;

  constructor(opts: { factor?: number; patience?: number; threshold?: number; cooldown?: number; minLr?: number } = {}) {
    super();
    this.factor = opts.factor ?? 0.1;
    this.patience = opts.patience ?? 10;
    this.threshold = opts.threshold ?? 1e-4;
    this.cooldown = opts.cooldown ?? 0;
    this.minLr = opts.minLr ?? 0;
    if (!(this.factor < 1 && this.factor > 0)) throw new Error(`reduce-on-plateau factor must be in (0, 1), got ${this.factor}`);
  }

  /** Feeds one epoch's loss; returns the learning rate to use from now on. */
  step(metric: number, lr: number): number {
    if (metric < this.best * (1 - this.threshold)) {
      this.best = metric;
      this.numBad = 0;
    } else {
      this.numBad += 1;
    }
    if (this.cooldownLeft > 0) {
      this.cooldownLeft -= 1;
      this.numBad = 0;
    }
    if (this.numBad > this.patience) {
      const next = Math.max(lr * this.factor, this.minLr);
      this.cooldownLeft = this.cooldown;
      this.numBad = 0;
      if (lr - next > 1e-8) return next;
    }
    return lr;
  }
}


/**
 * Keras' ReduceLROnPlateau (ml-jec's callback): an epoch improves when metric < best - minDelta (absolute);
 * otherwise, outside cooldown, `wait` grows and at wait >= patience the rate becomes max(lr * factor, minLr)
 * (only while lr > minLr), then `cooldown` epochs pass with wait held at 0.
 */
export class KerasReduceLROnPlateau extends PlateauScheduler {
  constructor(readonly opts: { factor: number; patience: number; minDelta: number; minLr?: number; cooldown?: number }) {
    super();
    if (!(opts.factor < 1 && opts.factor > 0)) throw new Error(`reduce-on-plateau factor must be in (0, 1), got ${opts.factor}`);
  }

  step(metric: number, lr: number): number {
    const minLr = this.opts.minLr ?? 0;
    if (this.cooldownLeft > 0) { this.cooldownLeft -= 1; this.numBad = 0; }
    if (metric < this.best - this.opts.minDelta) {
      this.best = metric;
      this.numBad = 0;
    } else if (this.cooldownLeft === 0) {
      this.numBad += 1;
      if (this.numBad >= this.opts.patience && lr > Math.fround(minLr)) {
        this.cooldownLeft = this.opts.cooldown ?? 0;
        this.numBad = 0;
        return Math.max(lr * this.opts.factor, minLr);
      }
    }
    return lr;
  }
}

/**
 * Stops training after `patience` epochs without the validation loss improving by more than minDelta,
 * and keeps a copy of the best weights so the saved model is the best one, not the last one.
 */
export class EarlyStopping<W = unknown> {
  readonly patience: number;
  readonly minDelta: number;
  best = Infinity;
  bestEpoch = -1;
  wait = 0;
  bestWeights: W | undefined;

  constructor(opts: { patience?: number; minDelta?: number } = {}) {
    this.patience = opts.patience ?? 10;
    this.minDelta = opts.minDelta ?? 0;
  }

  /** Feeds one epoch; `snapshot` is called only when this epoch is the new best. Returns true to stop. */
  update(epoch: number, metric: number, snapshot: () => W): boolean {
    if (metric < this.best - this.minDelta) {
      this.best = metric;
      this.bestEpoch = epoch;
      this.wait = 0;
      this.bestWeights = snapshot();
      return false;
    }
    this.wait += 1;
    return this.wait >= this.patience;
  }

  getState(): { best: number | null; bestEpoch: number; wait: number } {
    return { best: Number.isFinite(this.best) ? this.best : null, bestEpoch: this.bestEpoch, wait: this.wait };
  }

  setState(s: { best: number | null; bestEpoch: number; wait: number }, bestWeights: W | undefined): void {
    this.best = s.best ?? Infinity;
    this.bestEpoch = s.bestEpoch;
    this.wait = s.wait;
    this.bestWeights = bestWeights;
  }
}

/**
 * ml-jec's piecewise-linear learning rate: given zero-based epochs e_0 < e_1 < ... and rates r_i, epoch e
 * gets the linear interpolation between the two points around it (Keras LearningRateScheduler, set at
 * the start of each epoch).
 */
export function piecewiseLinear(epochs: number[], rates: number[]): (epoch0: number) => number {
  return (e) => {
    let i = 0;
    while (i < epochs.length - 2 && e > epochs[i + 1]) i++;
    const frac = (e - epochs[i]) / (epochs[i + 1] - epochs[i]);
    return (rates[i + 1] - rates[i]) * frac + rates[i];
  };
}
