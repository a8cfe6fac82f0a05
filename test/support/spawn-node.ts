/** Runs a node child process asynchronously: a spawnSync would block the vitest worker for the
 *  whole run (tens of seconds under ASan), long enough for its RPC with the main vitest process to
 *  time out ("Timeout calling onTaskUpdate"). */
import { spawn } from 'node:child_process';

export interface NodeRun {
  signal: NodeJS.Signals | null;
  status: number | null;
  stdout: string;
  /** stdout then stderr, for failure messages. */
  out: string;
}

export function spawnNode(args: string[], options: { timeout?: number } = {}): Promise<NodeRun> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: options.timeout });
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
