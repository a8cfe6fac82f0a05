/** nn.callbacks: the built-in callbacks (Keras semantics and defaults). */

import { describe } from '../backend/check';
import type { CallbackModel } from '../model/interfaces';
import { checkOptions, numberIn, str } from '../model/options';
import type { Tensor } from '../tensor';
import { type Callback, type Logs, monitorMode } from './callback';

export type { Callback, Logs } from './callback';
export type { ModelCheckpointArgs } from './model-checkpoint';
export { ModelCheckpoint, modelCheckpoint } from './model-checkpoint';

const warned = new Set<string>();
function warnMissing(fn: string, monitor: string, logs: Logs): void {
  const key = `${fn}:${monitor}`;
  if (warned.has(key)) return;
  warned.add(key);
  console.warn(
    `${fn}: monitor "${monitor}" is not in the epoch logs (${Object.keys(logs).join(', ')}); it does nothing`,
  );
}

function requireModel(fn: string, model: CallbackModel | null): CallbackModel {
  if (!model) throw new Error(`${fn}: used outside fit (no model set)`);
  return model;
}

/** Stops training when `monitor` has not improved by minDelta for `patience` epochs. */
export class EarlyStopping implements Callback {
  readonly monitor: string;
  readonly minDelta: number;
  readonly patience: number;
  readonly mode: 'min' | 'max';
  readonly baseline: number | null;
  readonly restoreBestWeights: boolean;
  /** The epoch fit stopped at (0 when it ran to the end), and the best epoch seen. */
  stoppedEpoch = 0;
  bestEpoch = 0;
  best = Infinity;
  private wait = 0;
  private bestWeights: Tensor[] | null = null;
  private model: CallbackModel | null = null;

  constructor(args?: {
    monitor?: string;
    minDelta?: number;
    patience?: number;
    mode?: 'auto' | 'min' | 'max';
    baseline?: number;
    restoreBestWeights?: boolean;
  }) {
    const fn = 'earlyStopping';
    const o = checkOptions(fn, args, [
      'monitor',
      'minDelta',
      'patience',
      'mode',
      'baseline',
      'restoreBestWeights',
      'verbose',
    ]);
    this.monitor = o.monitor === undefined ? 'val_loss' : str(fn, 'monitor', o.monitor);
    this.minDelta = o.minDelta === undefined ? 0 : Math.abs(numberIn(fn, 'minDelta', o.minDelta, -Infinity));
    this.patience = o.patience === undefined ? 0 : numberIn(fn, 'patience', o.patience, 0);
    if (!Number.isInteger(this.patience))
      throw new RangeError(`${fn}: patience must be an integer ≥ 0, got ${this.patience}`);
    this.mode = monitorMode(fn, o.mode, this.monitor);
    this.baseline =
      o.baseline === undefined || o.baseline === null ? null : numberIn(fn, 'baseline', o.baseline, -Infinity);
    if (o.restoreBestWeights !== undefined && typeof o.restoreBestWeights !== 'boolean') {
      throw new TypeError(`${fn}: restoreBestWeights must be a boolean, got ${describe(o.restoreBestWeights)}`);
    }
    this.restoreBestWeights = o.restoreBestWeights === true;
  }

  setModel(model: CallbackModel): void {
    this.model = model;
  }

  private improves(value: number, reference: number): boolean {
    return this.mode === 'min' ? value + this.minDelta < reference : value - this.minDelta > reference;
  }

  onTrainBegin(): void {
    this.wait = 0;
    this.stoppedEpoch = 0;
    this.bestEpoch = 0;
    this.best = this.mode === 'min' ? Infinity : -Infinity;
    this.bestWeights = null;
  }

  onEpochEnd(epoch: number, logs: Logs): void {
    const model = requireModel('earlyStopping', this.model);
    const current = logs[this.monitor];
    if (current === undefined) {
      warnMissing('earlyStopping', this.monitor, logs);
      return;
    }
    if (this.restoreBestWeights && this.bestWeights === null) this.bestWeights = model.getWeights();
    this.wait += 1;
    if (this.improves(current, this.best)) {
      this.best = current;
      this.bestEpoch = epoch;
      if (this.restoreBestWeights) this.bestWeights = model.getWeights();
      if (this.baseline === null || this.improves(current, this.baseline)) {
        this.wait = 0;
        return;
      }
    }
    if (this.wait >= this.patience && epoch > 0) {
      this.stoppedEpoch = epoch;
      model.stopTraining = true;
      if (this.restoreBestWeights && this.bestWeights) model.setWeights(this.bestWeights);
    }
  }
}

/** Sets the learning rate at the start of each epoch: lr = schedule(epoch, currentLr). */
export class LearningRateScheduler implements Callback {
  private model: CallbackModel | null = null;
  constructor(readonly schedule: (epoch: number, lr: number) => number) {
    if (typeof schedule !== 'function')
      throw new TypeError(
        `learningRateScheduler: schedule must be a function (epoch, lr) => lr, got ${describe(schedule)}`,
      );
  }
  setModel(model: CallbackModel): void {
    this.model = model;
  }
  onEpochBegin(epoch: number): void {
    const optimizer = requireModel('learningRateScheduler', this.model).optimizer;
    if (!optimizer) return;
    const lr = this.schedule(epoch, optimizer.learningRate);
    if (typeof lr !== 'number' || !Number.isFinite(lr) || lr < 0) {
      throw new RangeError(
        `learningRateScheduler: the schedule returned ${describe(lr)} for epoch ${epoch}; it must return a finite number ≥ 0`,
      );
    }
    optimizer.learningRate = lr;
  }
}

/** Multiplies the learning rate by `factor` when `monitor` stops improving for `patience` epochs. */
export class ReduceLROnPlateau implements Callback {
  readonly monitor: string;
  readonly factor: number;
  readonly patience: number;
  readonly mode: 'min' | 'max';
  readonly minDelta: number;
  readonly cooldown: number;
  readonly minLr: number;
  private best = Infinity;
  private wait = 0;
  private cooldownCounter = 0;
  private model: CallbackModel | null = null;

  constructor(args?: {
    monitor?: string;
    factor?: number;
    patience?: number;
    mode?: 'auto' | 'min' | 'max';
    minDelta?: number;
    cooldown?: number;
    minLr?: number;
  }) {
    const fn = 'reduceLROnPlateau';
    const o = checkOptions(fn, args, [
      'monitor',
      'factor',
      'patience',
      'mode',
      'minDelta',
      'cooldown',
      'minLr',
      'verbose',
    ]);
    this.monitor = o.monitor === undefined ? 'val_loss' : str(fn, 'monitor', o.monitor);
    this.factor = o.factor === undefined ? 0.1 : numberIn(fn, 'factor', o.factor, 0, 1, true);
    this.patience = o.patience === undefined ? 10 : numberIn(fn, 'patience', o.patience, 0);
    this.mode = monitorMode(fn, o.mode, this.monitor);
    this.minDelta = o.minDelta === undefined ? 1e-4 : numberIn(fn, 'minDelta', o.minDelta, 0);
    this.cooldown = o.cooldown === undefined ? 0 : numberIn(fn, 'cooldown', o.cooldown, 0);
    this.minLr = o.minLr === undefined ? 0 : numberIn(fn, 'minLr', o.minLr, 0);
  }
  setModel(model: CallbackModel): void {
    this.model = model;
  }
  onTrainBegin(): void {
    this.best = this.mode === 'min' ? Infinity : -Infinity;
    this.wait = 0;
    this.cooldownCounter = 0;
  }
  onEpochEnd(_epoch: number, logs: Logs): void {
    const optimizer = requireModel('reduceLROnPlateau', this.model).optimizer;
    const current = logs[this.monitor];
    if (current === undefined) {
      warnMissing('reduceLROnPlateau', this.monitor, logs);
      return;
    }
    if (!optimizer) return;
    if (this.cooldownCounter > 0) {
      this.cooldownCounter -= 1;
      this.wait = 0;
    }
    const improved = this.mode === 'min' ? current < this.best - this.minDelta : current > this.best + this.minDelta;
    if (improved) {
      this.best = current;
      this.wait = 0;
    } else if (this.cooldownCounter <= 0) {
      this.wait += 1;
      if (this.wait >= this.patience) {
        const old = optimizer.learningRate;
        if (old > this.minLr) {
          optimizer.learningRate = Math.max(old * this.factor, this.minLr);
          this.cooldownCounter = this.cooldown;
          this.wait = 0;
        }
      }
    }
  }
}

/** Stops training after an epoch whose loss is NaN or infinite. */
export class TerminateOnNaN implements Callback {
  private model: CallbackModel | null = null;
  /** The epoch stopped at, or null. */
  stoppedEpoch: number | null = null;
  setModel(model: CallbackModel): void {
    this.model = model;
  }
  onEpochEnd(epoch: number, logs: Logs): void {
    if (!Number.isFinite(logs.loss)) {
      this.stoppedEpoch = epoch;
      requireModel('terminateOnNaN', this.model).stopTraining = true;
    }
  }
}

export const earlyStopping = (args?: ConstructorParameters<typeof EarlyStopping>[0]) => new EarlyStopping(args);
export const learningRateScheduler = (schedule: (epoch: number, lr: number) => number) =>
  new LearningRateScheduler(schedule);
export const reduceLROnPlateau = (args?: ConstructorParameters<typeof ReduceLROnPlateau>[0]) =>
  new ReduceLROnPlateau(args);
export const terminateOnNaN = () => new TerminateOnNaN();
