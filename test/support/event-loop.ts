/**
 * Watches the event loop with a 1 ms interval while some async work runs, and judges whether it
 * stayed responsive. A blocked loop shows as one gap as long as the work itself; a responsive one
 * as gaps of about a millisecond. The bounds leave room for the OS descheduling the main thread
 * now and then on a loaded 2-core machine (seen: one 79 ms gap while other test files ran), which
 * a strict "every gap < 50 ms" turned into flaky failures, while still failing any fit that holds
 * the loop for a whole epoch or run.
 */
import { expect } from 'vitest';

export interface LoopWatch {
  /** Gaps between interval ticks, ms, from start() to stop(). */
  gaps: number[];
  /** How long the watched work ran, ms. */
  duration: number;
}

export function watchEventLoop(): { start(): void; stop(): LoopWatch } {
  const gaps: number[] = [];
  let last = 0;
  let begun = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    if (last > 0) gaps.push(now - last);
    last = now;
  }, 1);
  return {
    start() {
      gaps.length = 0;
      begun = last = performance.now();
    },
    stop() {
      const now = performance.now();
      gaps.push(now - last);
      clearInterval(timer);
      return { gaps, duration: now - begun };
    },
  };
}

const p99Of = (gaps: number[]) => {
  const sorted = [...gaps].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))];
};

/** The p99 and largest gap of the loop doing nothing for `ms`: the machine's own scheduling
 *  latency at the moment. */
export async function idleGaps(ms = 500): Promise<{ p99: number; max: number }> {
  const watch = watchEventLoop();
  watch.start();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const { gaps } = watch.stop();
  return { p99: p99Of(gaps), max: Math.max(...gaps) };
}

/** p99 gap under 20 ms and no gap over 150 ms — or, on a machine so loaded that the idle loop
 *  (measured right after, in the same process) shows worse, under twice its p99 and its largest
 *  gap — and the work long enough (≥ 300 ms) that a blocked loop could not pass. */
export async function expectResponsive({ gaps, duration }: LoopWatch): Promise<void> {
  expect(duration).toBeGreaterThanOrEqual(300);
  // Under `npm run test:sanitize` the gaps measure ASan's slowdown, not the code: the work still
  // runs (that is what the sanitizers check), the timing is not judged.
  if (process.env.NATIVENN_SANITIZE) return;
  const p99 = p99Of(gaps);
  const max = Math.max(...gaps);
  expect(gaps.length, 'interval ticks during the work').toBeGreaterThan(duration / 20);
  if (p99 < 20 && max < 150) return;
  const idle = await idleGaps();
  const seen = `p99 ${p99.toFixed(1)} ms, largest ${max.toFixed(1)} ms; idle: p99 ${idle.p99.toFixed(1)}, largest ${idle.max.toFixed(1)}`;
  expect(p99, seen).toBeLessThan(Math.max(20, 2 * idle.p99));
  expect(max, seen).toBeLessThan(Math.max(150, 2 * idle.max));
}
