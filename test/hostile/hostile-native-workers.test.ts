/** worker_threads terminated while their addon calls throw, again and again at random moments
 *  (test/hostile/hostile-native-child.js, in a child process): a throw into a stopping
 *  environment used to leave the addon as a C++ exception and abort the whole process. */
import { describe, expect, it } from 'vitest';
import { addon } from '../../src/backend/native/addon';
import { runScenario } from './hostile-native-run';

describe.skipIf(typeof addon?.createTape !== 'function')('terminating workers mid-call', () => {
  it('40 workers terminated while their calls throw "busy": the process lives on', async () => {
    const r = await runScenario('worker-terminated-mid-throw', '40');
    const { out } = r;
    expect(r.signal, out).toBeNull();
    expect(r.status, out).toBe(0);
  }, 300_000);
});
