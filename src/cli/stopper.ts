/**
 * When `nativenn train` stops: early stopping on a monitored loss (keeping the best weights), a
 * user's Ctrl-C (stop after the running epoch, keep the best weights so far), or a loss that is
 * no longer finite (training diverged: stop at once).
 */
import type * as nn from '../index';

export class Stopper implements nn.callbacks.Callback {
  /** Set by the SIGINT handler; checked after each epoch (and batch, when batches are hooked). */
  interrupted = false;
  /** The epoch whose loss was not finite, or −1. */
  divergedAt = -1;
  bestEpoch = -1;
  stoppedEarly = false;
  private best = Number.POSITIVE_INFINITY;
  private bestWeights: nn.Tensor[] | null = null;
  private model: nn.Sequential | null = null;

  /** patience null: run every epoch, still keep the best weights for an interruption. */
  constructor(
    readonly monitor: string,
    readonly patience: number | null,
  ) {}

  setModel(model: nn.Sequential): void {
    this.model = model;
  }

  onEpochEnd(epoch: number, logs: nn.callbacks.Logs): void {
    const model = this.model!;
    const value = logs[this.monitor];
    if (!Number.isFinite(logs.loss) || (value !== undefined && !Number.isFinite(value))) {
      this.divergedAt = epoch;
      model.stopTraining = true;
      return;
    }
    if (value !== undefined && value < this.best) {
      this.best = value;
      this.bestEpoch = epoch;
      this.bestWeights = model.getWeights();
    } else if (this.patience !== null && epoch - this.bestEpoch >= this.patience) {
      this.stoppedEarly = true;
      model.stopTraining = true;
    }
    if (this.interrupted) model.stopTraining = true;
  }

  /** Puts the best weights back when training did not end on them. */
  restoreBest(): boolean {
    if (!this.bestWeights || !this.model) return false;
    this.model.setWeights(this.bestWeights);
    return true;
  }
}
