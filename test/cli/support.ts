/** Helpers of the CLI tests: run the built `nativenn` in a child process, check SVG well-formedness. */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { expect } from 'vitest';

export const ROOT = path.join(__dirname, '..', '..');
export const MAIN = path.join(ROOT, 'dist', 'cli', 'main.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

function isFresh(): boolean {
  try {
    return statSync(MAIN).mtimeMs > newestMtime(path.join(ROOT, 'src'));
  } catch {
    return false;
  }
}

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** Builds dist/ (npm run build:ts) unless it is newer than every file in src/. Test files run in
 *  parallel processes: a lock folder lets one build while the others wait. */
export function ensureBuilt(): void {
  const lock = path.join(tmpdir(), `nativenn-build-lock-${createHash('sha1').update(ROOT).digest('hex').slice(0, 12)}`);
  for (let waited = 0; !isFresh(); waited += 200) {
    try {
      mkdirSync(lock);
    } catch {
      if (waited > 180_000) throw new Error(`ensureBuilt: ${lock} is held for 3 minutes; remove it if no build runs`);
      sleep(200);
      continue;
    }
    try {
      if (!isFresh()) execFileSync('npm', ['run', 'build:ts'], { cwd: ROOT, stdio: 'pipe' });
    } finally {
      rmdirSync(lock);
    }
  }
}

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): CliResult {
  const r = spawnSync(process.execPath, [MAIN, ...args], {
    cwd: options.cwd ?? ROOT,
    encoding: 'utf8',
    env: { ...process.env, NATIVENN_DEBUG: '', ...options.env },
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A strict-enough well-formedness check: every tag closes in order, attributes are quoted. */
export function assertWellFormed(xml: string): void {
  const stack: string[] = [];
  const tag = /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g;
  const body = xml.replace(/^<\?xml[^>]*\?>\s*/, '');
  let last = 0;
  for (let m = tag.exec(body); m; m = tag.exec(body)) {
    expect(body.slice(last, m.index)).not.toMatch(/[<>]/);
    last = tag.lastIndex;
    if (m[1]) expect(stack.pop()).toBe(m[2]);
    else if (!m[4]) stack.push(m[2]);
  }
  expect(body.slice(last).trim()).toBe('');
  expect(stack).toEqual([]);
}
