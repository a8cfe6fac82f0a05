/** Every test file: one macrotask turn before each test. Most tests are synchronous kernel calls,
 *  and a file of them never lets the worker's event loop run, so vitest's own RPC (task updates
 *  to the main process, timing out after 60 s) could not be answered during a long file such as
 *  the GEMM cases; CI then failed with "Timeout calling onTaskUpdate" although every test passed. */
import { beforeEach } from 'vitest';

beforeEach(() => new Promise<void>((resolve) => setImmediate(resolve)));
