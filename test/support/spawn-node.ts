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

/** env: variables added to (or, when undefined, removed from) this process's environment. */
export function spawnNode(
  args: string[],
  options: { timeout?: number; env?: Record<string, string | undefined> } = {},
): Promise<NodeRun> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, ...options.env };
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
    const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: options.timeout, env });
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
