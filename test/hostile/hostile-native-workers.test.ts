/** worker_threads terminated while their addon calls throw, again and again at random moments
 *  (test/hostile/hostile-native-child.js, in a child process): a throw into a stopping
 *  environment used to leave the addon as a C++ exception and abort the whole process. */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { addon } from '../../src/backend/native/addon';

const child = path.join(__dirname, 'hostile-native-child.js');

describe.skipIf(typeof addon?.createNetwork !== 'function')('terminating workers mid-call', () => {
  it('40 workers terminated while their calls throw "busy": the process lives on', () => {
    const r = spawnSync(process.execPath, [child, 'worker-terminated-mid-throw', '40'], {
      encoding: 'utf8',
      timeout: 300_000,
    });
    const out = `${r.stdout}${r.stderr}`;
    expect(r.signal, out).toBeNull();
    expect(r.status, out).toBe(0);
  }, 300_000);
});
