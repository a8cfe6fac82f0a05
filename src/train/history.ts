/** History: what fit returns (Keras / TensorFlow.js shape). history.loss[i] is the train loss of
 *  epoch[i]; val_* are the validation ("test") values; batchHistory holds per-batch values when
 *  fit was asked for them (batchLoss: true). */
export interface HistoryParams {
  epochs: number;
  batchSize: number;
  samples: number;
  validationSamples: number;
  steps: number;
  seed: number;
  metrics: string[];
}

export class History {
  readonly epoch: number[] = [];
  readonly history: Record<string, number[]> = {};
  /** Per-batch training values in order (loss and each metric), when requested. */
  readonly batchHistory: Record<string, number[]> = {};

  constructor(readonly params: HistoryParams) {}

  record(epoch: number, logs: Record<string, number>): void {
    this.epoch.push(epoch);
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
