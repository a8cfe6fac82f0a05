/**
 * The worker side of csvDataset's parsing (see csv-encode.ts). A worker runs the epochs it is
 * given one after another (a { job } message starts one; it stays for the next, so an epoch does
 * not pay for starting a thread): it reads and encodes the job's chunks and posts them,
 * transferred, at most AHEAD chunks before the main thread asks for more (a number message gives
 * that many more). A problem with the file is posted as an error (name, message, line, column,
 * code), and the worker waits for its next job.
 */
import { parentPort } from 'node:worker_threads';
import { type EncodeJob, encodedChunks } from './csv-encode';

/** Chunks parsed ahead of the consumer: enough to keep it busy, few enough to bound memory. */
const AHEAD = 4;

async function run(port: NonNullable<typeof parentPort>): Promise<void> {
  let credit = 0;
  const jobs: EncodeJob[] = [];
  let wake: (() => void) | null = null;
  port.on('message', (m: number | { job: EncodeJob }) => {
    if (typeof m === 'number') credit += m;
    else jobs.push(m.job);
    wake?.();
  });
  const idle = () => new Promise<void>((resolve) => (wake = resolve));
  for (;;) {
    while (jobs.length === 0) await idle();
    const job = jobs.shift()!;
    credit = AHEAD; // a credit left over from the last epoch adds at most AHEAD more
    const bytes = { read: 0 };
    try {
      for await (const chunk of encodedChunks(job, bytes)) {
        while (credit <= 0) await idle();
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
  }
}

if (parentPort) void run(parentPort);
