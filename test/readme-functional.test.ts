/** The README's "Functional models" sample runs as written (inside the package folder, so
 *  `import 'nativenn'` resolves to this package) and learns both heads. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expect, it } from 'vitest';

const root = path.join(__dirname, '..');

it('the functional sample runs under tsx and learns both outputs', () => {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## Functional models');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  expect(code).toBeDefined();
  const file = path.join(root, 'test', `.readme-functional-${process.pid}.ts`);
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'nativenn-readme-'));
  fs.writeFileSync(file, code as string);
  try {
    const r = spawnSync(path.join(root, 'node_modules', '.bin', 'tsx'), [file], {
      cwd,
      encoding: 'utf8',
      timeout: 300_000,
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const m = /test accuracy ([\d.]+) \(digit\), ([\d.]+)/.exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    expect(Number(m?.[1])).toBeGreaterThan(0.93);
    expect(Number(m?.[2])).toBeGreaterThan(0.93);
  } finally {
    fs.rmSync(file, { force: true });
    fs.rmSync(cwd, { recursive: true, force: true });
  }
}, 300_000);
