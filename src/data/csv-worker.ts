/**
 * The worker side of csvDataset's parsing (see csv-encode.ts): reads and encodes the chunks of one
 * epoch and posts them, transferred, at most AHEAD chunks before the main thread asks for more.
 * A problem with the file is posted as an error (name, message, line, column, code).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type EncodeJob, encodedChunks } from './csv-encode';

/** Chunks parsed ahead of the consumer: enough to keep it busy, few enough to bound memory. */
const AHEAD = 4;

async function run(port: NonNullable<typeof parentPort>): Promise<void> {
  let credit = AHEAD;
  let wake: (() => void) | null = null;
  port.on('message', () => {
    credit++;
    wake?.();
  });
  const bytes = { read: 0 };
  try {
    for await (const chunk of encodedChunks(workerData as EncodeJob, bytes)) {
      while (credit === 0) await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
      credit--;
      port.postMessage({ chunk, read: bytes.read }, [chunk.x.buffer as ArrayBuffer, chunk.y.buffer as ArrayBuffer]);
    }
    port.postMessage({ done: true, read: bytes.read });
  } catch (e) {
    const err = e as Error & { line?: number; column?: string; code?: string };
    port.postMessage({
      error: { name: err.name, message: err.message, line: err.line, column: err.column, code: err.code },
    });
  }
  port.close();
}

if (parentPort) void run(parentPort);
