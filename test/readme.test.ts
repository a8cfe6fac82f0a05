/**
 * The README's "Use it" samples run as written (issue 13 item 15): every ```ts / ```js block of
 * the section is written out unchanged inside the package folder (so `import 'nativenn'` and
 * `require('nativenn')` resolve to this package, as in a user's project) and run with `npx tsx` or
 * `node`, in a scratch working directory. The first two blocks are examples/readme.ts and
 * examples/readme.cjs verbatim, so the files and the README cannot drift apart.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.join(__dirname, '..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');

interface Sample {
  lang: 'ts' | 'js';
  code: string;
}

function useItSamples(): Sample[] {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## Use it');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end);
  return [...section.matchAll(/```(ts|js)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1] as 'ts' | 'js', code: m[2] }));
}

/** Runs one sample from a file beside the tests, with a scratch folder as the working directory. */
function run(sample: Sample, name: string): { stdout: string; stderr: string; status: number | null } {
  const file = path.join(root, 'test', `.readme-${name}-${process.pid}.${sample.lang === 'ts' ? 'ts' : 'cjs'}`);
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'nativenn-readme-'));
  fs.writeFileSync(file, sample.code);
  try {
    const [command, args] = sample.lang === 'ts' ? [tsx, [file]] : [process.execPath, [file]];
    const r = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 300_000 });
    return { stdout: r.stdout, stderr: r.stderr, status: r.status };
  } finally {
    fs.rmSync(file, { force: true });
    fs.rmSync(cwd, { recursive: true, force: true });
  }
}

describe('README "Use it"', () => {
  const samples = useItSamples();

  it('shows examples/readme.ts, examples/readme.cjs, the backends and the sequences samples', () => {
    expect(samples.map((s) => s.lang)).toEqual(['ts', 'js', 'ts', 'ts']);
    expect(samples[0].code).toBe(fs.readFileSync(path.join(root, 'examples', 'readme.ts'), 'utf8'));
    expect(samples[1].code).toBe(fs.readFileSync(path.join(root, 'examples', 'readme.cjs'), 'utf8'));
  });

  it('the TypeScript sample runs under tsx as is, and twice gives bit-identical output (the seeds)', () => {
    const first = run(samples[0], 'ts');
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    const accuracy = /reloaded accuracy ([\d.]+)/.exec(first.stdout);
    expect(accuracy, first.stdout.slice(-2000)).not.toBeNull();
    expect(Number(accuracy![1])).toBeGreaterThan(0.95);
    expect(first.stdout).toMatch(/\{ loss: [\d.]+, accuracy: [\d.]+, f1: [\d.]+ \}/);
    const second = run(samples[0], 'ts');
    expect(second.stdout).toBe(first.stdout);
  });

  it('the CommonJS sample runs under node as is', () => {
    const r = run(samples[1], 'cjs');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const accuracy = /accuracy: ([\d.]+)/.exec(r.stdout);
    expect(accuracy, r.stdout).not.toBeNull();
    expect(Number(accuracy![1])).toBeGreaterThan(0.9);
  });

  it('the backends sample runs as is', () => {
    const r = run(samples[2], 'backends');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^native\n/);
    expect(r.stdout).toContain('Float32Array(6) [ 2, 2, 2, 2, 2, 2 ]');
  });

  it('the sequences sample runs as is and predicts the next character', () => {
    const r = run(samples[3], 'sequences');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('"s"\n');
  });
});
