/**
 * nn.callbacks.modelCheckpoint: saves the model during fit (Keras ModelCheckpoint), in the
 * TensorFlow.js Layers format, atomically, by default with the optimizer state so that
 * `nn.loadModel(dir)` + `fit(..., { initialEpoch, seed })` resumes exactly where it stopped.
 *
 * `dir` may contain `{epoch}` (1-based, as Keras formats it), e.g. 'ckpt/epoch-{epoch}', to keep
 * one folder per epoch; without it the same folder is replaced each time.
 */
import { describe } from '../backend/check';
import { checkSaveTarget } from '../io/paths';
import { NonFiniteWeightsError } from '../io/save';
import { bool, checkOptions, str } from '../model/options';
import type { Sequential } from '../model/sequential';
import { type Callback, type Logs, monitorMode } from './callback';

export interface ModelCheckpointArgs {
  /** Folder to save into; `{epoch}` is replaced by the 1-based epoch number. */
  dir: string;
  /** Log value that decides "best" (default 'val_loss'). */
  monitor?: string;
  /** Save only when `monitor` improved (default false: save after every epoch). */
  saveBestOnly?: boolean;
  /** 'min', 'max' or 'auto' (accuracy-like keys go up, the rest down; default 'auto'). */
  mode?: 'auto' | 'min' | 'max';
  /** Store the optimizer state too (default true: a checkpoint is for resuming). */
  includeOptimizer?: boolean;
  /** Print a line for every save (default false). */
  verbose?: boolean;
}

export class ModelCheckpoint implements Callback {
  readonly dir: string;
  readonly monitor: string;
  readonly saveBestOnly: boolean;
  readonly mode: 'min' | 'max';
  readonly includeOptimizer: boolean;
  readonly verbose: boolean;
  /** Best monitored value so far, and the epoch (0-based) and folder of the last save. */
  best: number;
  lastSavedEpoch: number | null = null;
  lastSavedDir: string | null = null;
  /** Epochs (0-based) not saved because the weights were NaN/Infinity (a diverged fit): the
   *  previous checkpoint is kept as it was. */
  readonly refusedNonFinite: number[] = [];
  private model: Sequential | null = null;
  private warned = false;
  private warnedNonFinite = false;

  constructor(args: ModelCheckpointArgs) {
    const fn = 'modelCheckpoint';
    if (args === undefined) throw new TypeError(`${fn}: options are required ({ dir })`);
    const o = checkOptions(fn, args, ['dir', 'monitor', 'saveBestOnly', 'mode', 'includeOptimizer', 'verbose']);
    if (o.dir === undefined) throw new TypeError(`${fn}: dir is required (the folder to save into)`);
    this.dir = str(fn, 'dir', o.dir);
    checkSaveTarget(`${fn}: dir`, this.dirFor(0)); // a bad target fails now, not after an epoch of training
    this.monitor = o.monitor === undefined ? 'val_loss' : str(fn, 'monitor', o.monitor);
    this.saveBestOnly = o.saveBestOnly === undefined ? false : bool(fn, 'saveBestOnly', o.saveBestOnly);
    this.mode = monitorMode(fn, o.mode, this.monitor);
    this.includeOptimizer = o.includeOptimizer === undefined ? true : bool(fn, 'includeOptimizer', o.includeOptimizer);
    this.verbose = o.verbose === undefined ? false : bool(fn, 'verbose', o.verbose);
    this.best = this.mode === 'min' ? Infinity : -Infinity;
  }

  /** One warning per fit-long run of diverged epochs (later ones would repeat it). */
  private warnOnce(message: string): void {
    if (this.warnedNonFinite) return;
    this.warnedNonFinite = true;
    console.warn(`${message} (the training diverged: NaN/Infinity; the last saved model is kept)`);
  }

  setModel(model: Sequential): void {
    this.model = model;
  }

  /** The folder for a 0-based epoch. */
  dirFor(epoch: number): string {
    return this.dir.replace(/\{epoch\}/g, String(epoch + 1));
  }

  async onEpochEnd(epoch: number, logs: Logs): Promise<void> {
    const model = this.model;
    if (!model) throw new Error('modelCheckpoint: used outside fit (no model set)');
    if (this.saveBestOnly) {
      const value = logs[this.monitor];
      if (typeof value === 'number' && !Number.isFinite(value)) {
        // A diverged epoch is never an improvement; the best checkpoint so far stays.
        this.warnOnce(`modelCheckpoint: ${this.monitor} is ${value} at epoch ${epoch + 1}; not saved`);
        return;
      }
      if (typeof value !== 'number') {
        if (!this.warned) {
          this.warned = true;
          console.warn(
            `modelCheckpoint: monitor "${this.monitor}" is not in the epoch logs (${Object.keys(logs).join(', ')}); nothing is saved`,
          );
        }
        return;
      }
      const improved = this.mode === 'min' ? value < this.best : value > this.best;
      if (!improved) return;
      this.best = value;
    }
    const dir = this.dirFor(epoch);
    try {
      await model.save(dir, { includeOptimizer: this.includeOptimizer && model.compileConfig !== null });
    } catch (e) {
      if (!(e instanceof NonFiniteWeightsError)) throw e;
      this.refusedNonFinite.push(epoch);
      this.warnOnce(`modelCheckpoint: epoch ${epoch + 1} not saved: ${e.message}`);
      return;
    }
    this.lastSavedEpoch = epoch;
    this.lastSavedDir = dir;
    if (this.verbose) {
      const why = this.saveBestOnly ? ` (${this.monitor} ${logs[this.monitor].toFixed(4)})` : '';
      console.log(`Epoch ${epoch + 1}: saved the model to ${dir}${why}`);
    }
  }
}

/** nn.callbacks.modelCheckpoint({ dir, monitor, saveBestOnly, mode, includeOptimizer }) */
export function modelCheckpoint(args: ModelCheckpointArgs): ModelCheckpoint {
  if (args === null || typeof args !== 'object')
    throw new TypeError(`modelCheckpoint: options must be an object, got ${describe(args)}`);
  return new ModelCheckpoint(args);
}
