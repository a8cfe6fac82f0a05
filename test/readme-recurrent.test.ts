/** The README's "Recurrent networks" sample runs as written (inside the package folder, so
 *  `import 'nativenn'` resolves to this package) and learns the digits read row by row. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expect, it } from 'vitest';

const root = path.join(__dirname, '..');

it('the recurrent sample runs under tsx and reaches > 0.9 test accuracy', () => {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## Recurrent networks');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  expect(code).toBeDefined();
  const file = path.join(root, 'test', `.readme-recurrent-${process.pid}.ts`);
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
    const accuracy = /test accuracy ([\d.]+)/.exec(r.stdout);
    expect(accuracy, r.stdout).not.toBeNull();
    expect(Number(accuracy?.[1])).toBeGreaterThan(0.9);
  } finally {
    fs.rmSync(file, { force: true });
    fs.rmSync(cwd, { recursive: true, force: true });
  }
}, 300_000);
