/** Runs the first ```ts block of a README section under tsx, inside the package folder (so
 *  `import 'nativenn'` resolves to this package), from an empty working folder. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expect } from 'vitest';

const root = path.join(__dirname, '..', '..');

/** The sample's stdout; fails the test when it writes to stderr or exits non-zero. */
export function runReadmeSample(heading: string): string {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const start = readme.indexOf(`\n## ${heading}`);
  expect(start, `README section "${heading}"`).toBeGreaterThanOrEqual(0);
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  expect(code).toBeDefined();
  const file = path.join(root, 'test', `.readme-sample-${process.pid}-${heading.replace(/\W+/g, '-')}.ts`);
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
    return r.stdout;
  } finally {
    fs.rmSync(file, { force: true });
    fs.rmSync(cwd, { recursive: true, force: true });
  }
}
