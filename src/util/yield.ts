/** Lets timers and I/O run before the next chunk of work (long loops call it between chunks). */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
