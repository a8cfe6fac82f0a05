/**
 * The README's "Use it" example runs as written (through the package's own name, as a user's
 * ES module would import it), so the README cannot drift from the API.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.join(__dirname, '..');

function readmeExample(): string {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Use it'));
  const match = /```ts\n([\s\S]*?)```/.exec(section);
  if (!match) throw new Error('README: no ```ts block under "## Use it"');
  return match[1];
}

describe('README', () => {
  it('"Use it" example trains, evaluates, saves and loads the digits model', () => {
    const modelDir = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'nativenn-readme-'));
    const code = readmeExample()
      .replace("await model.save('digits-model')", `await model.save(${JSON.stringify(path.join(modelDir, 'm'))})`)
      .replace("nn.loadModel('digits-model')", `nn.loadModel(${JSON.stringify(path.join(modelDir, 'm'))})`);
    const checks = `
if (again.evaluate(xTest, yTest).accuracy !== model.evaluate(xTest, yTest).accuracy) throw new Error('reload changed the model');
if (probabilities.shape.join() !== '360,10') throw new Error('predict shape ' + probabilities.shape);
console.log('README-OK', model.evaluate(xTest, yTest).accuracy);
`;
    // A module inside the package folder resolves 'nativenn' to this package (self-reference).
    const file = path.join(root, 'test', `.readme-example-${process.pid}.mjs`);
    fs.writeFileSync(file, code + checks);
    try {
      const run = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 300_000 });
      expect(run.stderr).toBe('');
      const line = run.stdout.split('\n').find((l) => l.startsWith('README-OK'));
      expect(line, run.stdout.slice(-2000)).toBeDefined();
      expect(Number(line!.split(' ')[1])).toBeGreaterThan(0.95);
    } finally {
      fs.rmSync(file, { force: true });
      fs.rmSync(modelDir, { recursive: true, force: true });
    }
  });
});
