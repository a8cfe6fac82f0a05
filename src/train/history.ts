/** History: what fit returns (Keras / TensorFlow.js shape). history.loss[i] is the train loss of
 *  epoch[i]; val_* are the validation ("test") values; batchHistory holds per-batch values when
 *  fit was asked for them (batchLoss: true). */
export interface HistoryParams {
  epochs: number;
  /** null for fitDataset (the dataset's batches say their sizes). */
  batchSize: number | null;
  /** Training rows and batches per epoch; null when a dataset does not say beforehand. */
  samples: number | null;
  validationSamples: number | null;
  steps: number | null;
  seed: number;
  metrics: string[];
}

export class History {
  readonly epoch: number[] = [];
  readonly history: Record<string, number[]> = {};
  /** Per-batch training values in order (loss and each metric), when requested. */
  readonly batchHistory: Record<string, number[]> = {};
  /** Epochs (as in `epoch`) whose loss or val_loss was NaN or ±Infinity: the training diverged
   *  there, and the weights are most likely no longer finite (model.save then refuses them). */
  readonly nonFinite: number[] = [];

  constructor(readonly params: HistoryParams) {}

  record(epoch: number, logs: Record<string, number>): void {
    this.epoch.push(epoch);
    const loss = logs.loss;
    const valLoss = logs.val_loss;
    if ((loss !== undefined && !Number.isFinite(loss)) || (valLoss !== undefined && !Number.isFinite(valLoss))) {
      this.nonFinite.push(epoch);
    }
    for (const [key, value] of Object.entries(logs)) {
      if (!this.history[key]) this.history[key] = [];
      this.history[key].push(value);
    }
  }

  recordBatch(logs: Record<string, number>): void {
    for (const [key, value] of Object.entries(logs)) {
      if (!this.batchHistory[key]) this.batchHistory[key] = [];
      this.batchHistory[key].push(value);
    }
  }
}
