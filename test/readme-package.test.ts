/**
 * The published package holds what the README points to (issue 13 item 16): every file the
 * README links to, the LICENSE, the data's attribution, and a repository field. Checked on the
 * file list `npm pack --dry-run` reports, so a `files` entry missed in package.json fails here.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.join(__dirname, '..');

function packedFiles(): string[] {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  // --ignore-scripts: the list does not depend on the build, and prepare would rebuild dist/.
  const run = spawnSync(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (run.status !== 0) throw new Error(`npm pack --dry-run failed: ${run.stderr}`);
  const [report] = JSON.parse(run.stdout) as { files: { path: string }[] }[];
  return report.files.map((f) => f.path);
}

/** Relative link targets in the README's markdown links ([text](target)), without #anchors. */
function readmeLinks(): string[] {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const targets = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1].split('#')[0]);
  return [...new Set(targets.filter((t) => t !== '' && !/^[a-z][a-z0-9+.-]*:/i.test(t)))];
}

describe('the npm package', () => {
  const files = packedFiles();

  it('contains every file the README links to', () => {
    const links = readmeLinks();
    expect(links.length).toBeGreaterThan(0);
    for (const link of links) {
      expect(fs.existsSync(path.join(root, link)), `README links to ${link}, which does not exist`).toBe(true);
      expect(files, `README links to ${link}, which is not in the package`).toContain(path.posix.normalize(link));
    }
  });

  it('contains the MIT LICENSE, the README and the digits data with its attribution', () => {
    for (const f of ['LICENSE', 'README.md', 'package.json', 'data/digits.csv.gz', 'data/README.md']) {
      expect(files).toContain(f);
    }
    const license = fs.readFileSync(path.join(root, 'LICENSE'), 'utf8');
    expect(license).toMatch(/^MIT License/);
    expect(license).toContain('Copyright (c) 2026 the nativenn developers');
    const attribution = fs.readFileSync(path.join(root, 'data/README.md'), 'utf8');
    expect(attribution).toContain('CC BY 4.0');
  });

  it('names its license and repository in package.json', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
    expect(pkg.license).toBe('MIT');
    expect(pkg.repository).toMatchObject({ type: 'git', url: expect.stringMatching(/^git\+https:\/\/.+\.git$/) });
  });
});
