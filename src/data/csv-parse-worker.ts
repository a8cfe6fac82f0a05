/**
 * The main-thread side of csvDataset's parsing workers (csv-worker.ts): gives an epoch's job to a
 * worker, yields the encoded chunks it posts in file order and asks for more as they are
 * consumed. A worker whose epoch ran to its end (or ended on a problem with the file) waits,
 * unreferenced (it does not keep the process alive), for the next epoch; one left mid-epoch (the
 * consumer stopped early) is ended. csvDataset starts one while its first pass runs
 * (prewarmWorker), so that no epoch waits for a thread to start. A problem with the file comes
 * back as the CsvError it was.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { CsvError } from './csv';
import type { EncodedChunk, EncodeJob } from './csv-encode';

/** The compiled worker script; absent when running from the TypeScript sources (tests): then
 *  csvDataset parses on the main thread. */
const SCRIPT = path.join(__dirname, 'csv-worker.js');

export const workerAvailable = (): boolean => existsSync(SCRIPT);

/** Workers waiting for an epoch (at most MAX_IDLE are kept). */
const idle: Worker[] = [];
const MAX_IDLE = 2;

function spawn(): Worker {
  const worker = new Worker(SCRIPT);
  const gone = () => {
    const i = idle.indexOf(worker);
    if (i >= 0) idle.splice(i, 1);
  };
  worker.on('exit', gone);
  worker.on('error', gone);
  return worker;
}

function release(worker: Worker): void {
  if (idle.length >= MAX_IDLE) {
    void worker.terminate();
    return;
  }
  worker.unref();
  idle.push(worker);
}

/** Starts a worker for the next epoch, if none is waiting. */
export function prewarmWorker(): void {
  if (idle.length === 0 && workerAvailable()) release(spawn());
}

/** Tests: how many workers wait for an epoch. */
export const idleWorkers = (): number => idle.length;

type Message =
  | { chunk: EncodedChunk; read: number }
  | { done: true; read: number }
  | { error: { name: string; message: string; line?: number; column?: string; code?: string } };

export async function* workerChunks(job: EncodeJob, bytes: { read: number }): AsyncGenerator<EncodedChunk> {
  const worker = idle.pop() ?? spawn();
  worker.ref(); // an epoch keeps the process alive
  const queue: (Message | Error)[] = [];
  let wake: (() => void) | null = null;
  const push = (m: Message | Error) => {
    queue.push(m);
    wake?.();
  };
  const onExit = (code: number) => push(new Error(`csvDataset: the parsing worker exited (code ${code})`));
  worker.on('message', push);
  worker.on('error', push);
  worker.on('exit', onExit);
  let reusable = false;
  try {
    worker.postMessage({ job });
    for (;;) {
      while (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
      const m = queue.shift()!;
      if (m instanceof Error) throw m;
      if ('error' in m) {
        reusable = true; // the worker reported the problem and waits for its next job
        const e = m.error;
        if (e.name === 'CsvError') throw new CsvError(e.message, e.line, e.column, e.code);
        const Type = e.name === 'RangeError' ? RangeError : e.name === 'TypeError' ? TypeError : Error;
        throw new Type(e.message);
      }
      bytes.read = m.read;
      if ('done' in m) {
        reusable = true;
        return;
      }
      worker.postMessage(1); // room for one more chunk ahead
      yield m.chunk;
    }
  } finally {
    worker.off('message', push);
    worker.off('error', push);
    worker.off('exit', onExit);
    if (reusable) release(worker);
    else await worker.terminate();
  }
}
