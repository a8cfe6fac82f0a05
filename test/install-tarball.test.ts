/** The install a user gets: `npm pack` (its prepack builds the prebuilt binary for this machine),
 *  then `npm install <tarball>` into a fresh project, offline (dependencies from npm's cache),
 *  with a PATH that holds only `node` and `sh`: no compiler, make or python. The prebuilt binary must be
 *  the native backend there; `npm rebuild --build-from-source` must skip it (and, with no
 *  compiler, fall back to js with one warning); a plain `npm rebuild` must take it again.
 *  Packs a copy of the package so the worktree's build/ and prebuilds/ stay as they are.
 *  Linux x64/arm64 only (the prebuilt targets); slow: about a minute for the build. */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.join(__dirname, '..');
const target = `${process.platform}-${process.arch}`;
const supported = ['linux-x64', 'linux-arm64'].includes(target);
const npmCli =
  process.env.npm_execpath && /npm-cli\.js$/.test(process.env.npm_execpath)
    ? process.env.npm_execpath
    : path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js');

let work = '';
let tarball = '';
let consumer = '';
let bin = '';

/** The environment of a machine with Node and nothing else: no npm_* settings of the npm that runs
 *  this test, no CC/CXX, and a PATH with only `node` and `sh`. */
function bareEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(npm_|NPM_|CC$|CXX$|NATIVENN_|PREBUILDS_ONLY|NODE_OPTIONS|VITEST|INIT_CWD)/.test(k)) env[k] = v;
  }
  env.PATH = bin;
  return env;
}

/** Runs npm without blocking this worker (vitest's own messages must get through meanwhile). */
function npm(args: string[], cwd: string, env: NodeJS.ProcessEnv = bareEnv()) {
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [npmCli, ...args], { cwd, env, timeout: 600_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

function nativenn(cwd: string) {
  const script = `const nn = require('nativenn');
    const pkg = require('node:path').dirname(require.resolve('nativenn/package.json'));
    const { addonPath } = require(pkg + '/dist/backend/native/addon.js');
    console.log(JSON.stringify({ name: nn.getBackend().name, error: nn.nativeLoadError()?.message ?? null,
      from: addonPath() && require('node:path').relative(process.cwd(), addonPath()) }));`;
  const r = spawnSync(process.execPath, ['-e', script], { cwd, env: bareEnv(), encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { name: string; error: string | null; from: string | null };
}

describe.skipIf(!supported)('npm pack, then install the tarball on a machine without a compiler', () => {
  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'nativenn-pack-'));
    bin = path.join(work, 'bin');
    fs.mkdirSync(bin);
    fs.symlinkSync(process.execPath, path.join(bin, 'node'));
    fs.symlinkSync('/bin/sh', path.join(bin, 'sh')); // npm runs install scripts with sh

    // A copy of what `npm pack` needs; a current prebuilt binary is reused (prepack keeps it).
    const pkg = path.join(work, 'pkg');
    const parts = [
      'package.json',
      'README.md',
      'binding.gyp',
      'CMakeLists.txt',
      'tsconfig.json',
      'tsconfig.build.json',
    ];
    for (const f of [...parts, 'src', 'native', 'scripts', 'data', 'prebuilds']) {
      if (fs.existsSync(path.join(root, f))) fs.cpSync(path.join(root, f), path.join(pkg, f), { recursive: true });
    }
    fs.symlinkSync(path.join(root, 'node_modules'), path.join(pkg, 'node_modules'));
    const env = {
      ...process.env,
      NATIVENN_PREBUILD_TARGETS: target,
      PATH: `${path.dirname(process.execPath)}:${process.env.PATH}`,
    };
    const pack = await npm(['pack', '--json', '--pack-destination', work], pkg, env);
    expect(pack.status, pack.stderr).toBe(0);
    expect(pack.stdout + pack.stderr).toMatch(new RegExp(`prebuild ${target}: (built|kept)`));
    const [info] = JSON.parse(pack.stdout.slice(pack.stdout.search(/^\[/m))) as {
      filename: string;
      size: number;
      files: { path: string }[];
    }[];
    tarball = path.join(work, info.filename);
    const files = info.files.map((f) => f.path);
    expect(files).toContain(`prebuilds/${target}/nativenn.glibc.node`);
    expect(files).toContain(`prebuilds/${target}/build-info.json`);
    expect(files).toContain('dist/index.js');
    expect(files.filter((f) => f.startsWith('build/'))).toEqual([]);
    expect(info.size).toBeLessThan(5 * 1024 * 1024); // a sane download: ~1 MB per prebuilt target
    console.log(`packed ${info.filename}: ${info.size} bytes, ${files.length} files`);

    consumer = path.join(work, 'consumer');
    fs.mkdirSync(consumer);
    fs.writeFileSync(path.join(consumer, 'package.json'), '{ "name": "consumer", "private": true }\n');
  }, 600_000);

  afterAll(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('the stripped PATH has no compiler, make or python', () => {
    for (const tool of ['g++', 'c++', 'gcc', 'cc', 'clang++', 'make', 'python3', 'python']) {
      expect(spawnSync(tool, ['--version'], { env: bareEnv() }).error, tool).toBeDefined();
    }
  });

  it('npm install <tarball> gives the native backend from the prebuilt binary', async () => {
    const r = await npm(
      ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund', '--foreground-scripts'],
      consumer,
    );
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toMatch(`nativenn: using the prebuilt binary prebuilds/${target}/nativenn.glibc.node`);
    expect(r.stdout + r.stderr).not.toMatch(/WARNING/);
    const installed = path.join(consumer, 'node_modules', 'nativenn');
    expect(fs.existsSync(path.join(installed, 'build'))).toBe(false); // nothing was compiled
    expect(nativenn(consumer)).toEqual({
      name: 'native',
      error: null,
      from: path.join('node_modules', 'nativenn', 'prebuilds', target, 'nativenn.glibc.node'),
    });
  }, 600_000);

  it('npm rebuild --build-from-source skips the prebuilt binary: with no compiler, one warning, and the prebuilt one loads', async () => {
    const r = await npm(['rebuild', 'nativenn', '--build-from-source', '--offline', '--foreground-scripts'], consumer);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const out = r.stdout + r.stderr;
    expect(out).not.toMatch(/using the prebuilt binary/);
    expect(out.match(/WARNING/g)?.length).toBe(1);
    expect(out).toMatch(/did not build from source/);
    expect(out).toMatch(`will load its prebuilt binary prebuilds/${target}/nativenn.glibc.node instead`);
    const state = nativenn(consumer);
    expect(state.name).toBe('native'); // the prebuilt binary is still there, and loads
    expect(state.from).toMatch(/prebuilds/);
  }, 600_000);

  it('a plain npm rebuild takes the prebuilt binary again', async () => {
    const r = await npm(['rebuild', 'nativenn', '--offline', '--foreground-scripts'], consumer);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toMatch('nativenn: using the prebuilt binary');
    expect(nativenn(consumer).name).toBe('native');
  }, 600_000);

  it('a prebuilt binary built from other sources is refused at install and at load: js, one warning, the reason', async () => {
    const info = path.join(consumer, 'node_modules', 'nativenn', 'prebuilds', target, 'build-info.json');
    const json = JSON.parse(fs.readFileSync(info, 'utf8'));
    fs.writeFileSync(info, JSON.stringify({ ...json, sourceHash: '0'.repeat(64) }));
    const r = await npm(['rebuild', 'nativenn', '--offline', '--foreground-scripts'], consumer);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const out = r.stdout + r.stderr;
    expect(out).toMatch(/no usable prebuilt binary \(.*built from other sources/);
    expect(out.match(/WARNING/g)?.length).toBe(1);
    expect(out).toMatch(/pure-TypeScript backend/);
    const state = nativenn(consumer);
    expect(state.name).toBe('js');
    expect(state.error).toMatch(/nativenn\.glibc\.node: it was built from other sources than native\//);
  }, 600_000);
});
