/**
 * The main-thread side of csvDataset's parsing worker (csv-worker.ts): starts it for one epoch,
 * yields the encoded chunks it posts in file order, asks for more as they are consumed, and ends
 * it when the epoch ends or stops early. A problem with the file comes back as the CsvError it was.
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

type Message =
  | { chunk: EncodedChunk; read: number }
  | { done: true; read: number }
  | { error: { name: string; message: string; line?: number; column?: string; code?: string } };

export async function* workerChunks(job: EncodeJob, bytes: { read: number }): AsyncGenerator<EncodedChunk> {
  const worker = new Worker(SCRIPT, { workerData: job });
  const queue: (Message | Error)[] = [];
  let wake: (() => void) | null = null;
  const push = (m: Message | Error) => {
    queue.push(m);
    wake?.();
  };
  worker.on('message', push);
  worker.on('error', push);
  worker.on('exit', (code) => push(new Error(`csvDataset: the parsing worker exited (code ${code})`)));
  try {
    for (;;) {
      while (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
      const m = queue.shift()!;
      if (m instanceof Error) throw m;
      if ('error' in m) {
        const e = m.error;
        if (e.name === 'CsvError') throw new CsvError(e.message, e.line, e.column, e.code);
        const Type = e.name === 'RangeError' ? RangeError : e.name === 'TypeError' ? TypeError : Error;
        throw new Type(e.message);
      }
      bytes.read = m.read;
      if ('done' in m) return;
      worker.postMessage(1); // room for one more chunk ahead
      yield m.chunk;
    }
  } finally {
    worker.removeAllListeners();
    await worker.terminate();
  }
}
