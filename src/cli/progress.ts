/**
 * Training progress as an nn.callbacks callback: a live cli-progress bar on a terminal (epoch,
 * batch, ETA, running loss and metrics, the last validation values), or one plain line per epoch
 * when stdout is a pipe or a CI log. Only the terminal form hooks batches, because batch hooks
 * make fit run batch by batch instead of whole epochs per native call.
 */
import { Presets, SingleBar } from 'cli-progress';
import type * as nn from '../index';

export interface ProgressOptions {
  epochs: number;
  /** loss and the compiled metric keys (accuracy, mae, …). */
  keys: string[];
  validation: boolean;
  stream: NodeJS.WriteStream;
  /** Streamed training (fitDataset on a csvDataset): rows per epoch, the reader's progress. */
  reading?: { rows: number; read: nn.data.ReadProgress; batchSize: number };
}

const SHORT: Record<string, string> = { accuracy: 'acc', val_accuracy: 'val_acc' };
const fixed = (v: number | undefined) => (v === undefined ? '  -   ' : Number.isFinite(v) ? v.toFixed(4) : String(v));

/** The line written per epoch without a terminal, e.g. `epoch 3/100 - 12 ms - loss 0.4211 - accuracy 0.8903 - …`. */
export function epochLine(
  epoch: number,
  epochs: number,
  ms: number,
  logs: Record<string, number>,
  keys: string[],
  validation: boolean,
): string {
  const all = validation ? [...keys, ...keys.map((k) => `val_${k}`)] : keys;
  const width = String(epochs).length;
  return [
    `epoch ${String(epoch + 1).padStart(width)}/${epochs}`,
    `${ms} ms`,
    ...all.map((k) => `${k} ${fixed(logs[k])}`),
  ].join(' - ');
}

/** Lines without a terminal: every epoch up to 100 epochs; beyond, the first 10, every 10th and the last. */
class LineProgress implements nn.callbacks.Callback {
  private started = 0;
  private last: string | null = null;
  constructor(private readonly o: ProgressOptions) {}
  onEpochBegin(): void {
    this.started = Date.now();
  }
  onEpochEnd(epoch: number, logs: nn.callbacks.Logs): void {
    const ms = Date.now() - this.started;
    const rate = this.o.reading ? ` - ${rowsPerSecond(this.o.reading.rows, ms)} rows/s` : '';
    const line = `${epochLine(epoch, this.o.epochs, ms, logs, this.o.keys, this.o.validation)}${rate}\n`;
    if (this.o.epochs <= 100 || epoch < 10 || (epoch + 1) % 10 === 0) {
      this.o.stream.write(line);
      this.last = null;
    } else this.last = line;
  }
  onTrainEnd(): void {
    if (this.last) this.o.stream.write(this.last);
  }
}

class BarProgress implements nn.callbacks.Callback {
  private readonly bar: SingleBar;
  private steps = 1;
  private epoch = 0;
  private sums: number[] = [];
  private seen = 0;
  private last: Record<string, string> = {};

  constructor(private readonly o: ProgressOptions) {
    const shown = o.validation ? [...o.keys, ...o.keys.map((k) => `val_${k}`)] : o.keys;
    const values = shown.map((k) => `${SHORT[k] ?? k} {${k}}`).join(' ');
    this.bar = new SingleBar(
      {
        format: `epoch {epoch}/{epochs} {bar} batch {batch}/{steps} | ETA {eta_formatted} | ${values}`,
        barsize: 20,
        stream: o.stream,
        hideCursor: true,
        etaBuffer: 50,
        fps: 10,
      },
      Presets.shades_classic,
    );
    for (const k of shown) this.last[k] = fixed(undefined);
  }

  setParams(params: { steps: number | null }): void {
    this.steps = params.steps ?? 1;
  }

  onTrainBegin(): void {
    this.bar.start(this.o.epochs * this.steps, 0, {
      epoch: 1,
      epochs: this.o.epochs,
      batch: 0,
      steps: this.steps,
      ...this.last,
    });
  }

  onEpochBegin(epoch: number): void {
    this.epoch = epoch;
    this.sums = this.o.keys.map(() => 0);
    this.seen = 0;
  }

  onBatchEnd(batch: number, logs: nn.callbacks.Logs): void {
    const size = logs.size ?? 1;
    this.o.keys.forEach((k, i) => {
      this.sums[i] += (logs[k] ?? 0) * size;
    });
    this.seen += size;
    this.o.keys.forEach((k, i) => {
      this.last[k] = fixed(this.sums[i] / this.seen);
    });
    this.bar.update(this.epoch * this.steps + batch + 1, { epoch: this.epoch + 1, batch: batch + 1, ...this.last });
  }

  onEpochEnd(epoch: number, logs: nn.callbacks.Logs): void {
    for (const k of Object.keys(this.last)) if (logs[k] !== undefined) this.last[k] = fixed(logs[k]);
    this.bar.update((epoch + 1) * this.steps, { epoch: epoch + 1, batch: this.steps, ...this.last });
  }

  onTrainEnd(): void {
    this.bar.stop();
  }
}

const rowsPerSecond = (rows: number, ms: number) => Math.round((rows * 1000) / Math.max(1, ms)).toLocaleString('en-US');

/**
 * The bar for streamed training: no batch hooks (they would make fitDataset train batch by batch);
 * a timer reads how far the reader is in the file (the bar, and its ETA) and how many updates the
 * optimizer made (rows/s).
 */
class StreamBarProgress implements nn.callbacks.Callback {
  private readonly bar: SingleBar;
  private readonly reading: NonNullable<ProgressOptions['reading']>;
  private model: nn.Sequential | null = null;
  private timer: NodeJS.Timeout | null = null;
  private epoch = 0;
  private started = 0;
  private steps0 = 0;
  private last: Record<string, string> = {};

  constructor(private readonly o: ProgressOptions) {
    this.reading = o.reading!;
    const shown = o.validation ? [...o.keys, ...o.keys.map((k) => `val_${k}`)] : o.keys;
    const values = shown.map((k) => `${SHORT[k] ?? k} {${k}}`).join(' ');
    this.bar = new SingleBar(
      {
        format: `epoch {epoch}/{epochs} {bar} {percentage}% | {rate} rows/s | ETA {eta_formatted} | ${values}`,
        barsize: 20,
        stream: o.stream,
        hideCursor: true,
        etaBuffer: 20,
        fps: 5,
      },
      Presets.shades_classic,
    );
    for (const k of shown) this.last[k] = fixed(undefined);
  }

  setModel(model: nn.Sequential): void {
    this.model = model;
  }

  onTrainBegin(): void {
    this.bar.start(this.o.epochs * 1000, 0, { epoch: 1, epochs: this.o.epochs, rate: '-', ...this.last });
    this.timer = setInterval(() => this.tick(), 200);
    this.timer.unref();
  }

  onEpochBegin(epoch: number): void {
    this.epoch = epoch;
    this.started = Date.now();
    this.steps0 = this.model?.optimizer?.iterations ?? 0;
  }

  private tick(): void {
    const { read, size } = this.reading.read;
    const done = size > 0 ? Math.min(999, Math.floor((1000 * read) / size)) : 0;
    const rows = ((this.model?.optimizer?.iterations ?? 0) - this.steps0) * this.reading.batchSize;
    const rate = rowsPerSecond(Math.min(rows, this.reading.rows), Date.now() - this.started);
    this.bar.update(this.epoch * 1000 + done, { epoch: this.epoch + 1, rate, ...this.last });
  }

  onEpochEnd(epoch: number, logs: nn.callbacks.Logs): void {
    for (const k of Object.keys(this.last)) if (logs[k] !== undefined) this.last[k] = fixed(logs[k]);
    const rate = rowsPerSecond(this.reading.rows, Date.now() - this.started);
    this.bar.update((epoch + 1) * 1000, { epoch: epoch + 1, rate, ...this.last });
  }

  onTrainEnd(): void {
    if (this.timer) clearInterval(this.timer);
    this.bar.stop();
  }
}

/** The progress callback for this stream: a bar on a terminal, lines otherwise. */
export function progress(o: ProgressOptions): nn.callbacks.Callback {
  if (!o.stream.isTTY) return new LineProgress(o);
  return o.reading ? new StreamBarProgress(o) : new BarProgress(o);
}
