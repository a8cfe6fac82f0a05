/** Runs test/hostile/hostile-native-child.js with a scenario, asynchronously: a spawnSync would
 *  block the vitest worker for the whole run (tens of seconds under ASan), long enough for its RPC
 *  with the main vitest process to time out. */
import { spawn } from 'node:child_process';
import * as path from 'node:path';

const child = path.join(__dirname, 'hostile-native-child.js');

export function runScenario(
  ...args: string[]
): Promise<{ signal: NodeJS.Signals | null; status: number | null; stdout: string; out: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [child, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => {
      stdout += d;
    });
    p.stderr.on('data', (d) => {
      stderr += d;
    });
    p.on('error', reject);
    p.on('close', (status, signal) => resolve({ signal, status, stdout, out: `${stdout}${stderr}` }));
  });
}
