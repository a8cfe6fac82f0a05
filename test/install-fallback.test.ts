/** Without a working compiler `npm install` must still succeed, with one clear warning, and the
 *  library must then run on the js backend. scripts/install.js runs node-gyp from
 *  npm_config_node_gyp when npm sets it; pointing that at a script that fails stands in for a
 *  machine with no C++ toolchain (without touching build/). */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.join(__dirname, '..');

/** A copy of the package without prebuilt binaries (test/install-tarball.test.ts covers those), so
 *  scripts/install.js goes to the source build and never touches the worktree's build/. */
function packageCopy(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  for (const f of ['package.json', 'binding.gyp', 'native', 'scripts']) {
    fs.cpSync(path.join(root, f), path.join(dir, f), { recursive: true });
  }
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
  return dir;
}

describe('install without a compiler', () => {
  it('scripts/install.js exits 0 with exactly one warning when node-gyp fails', () => {
    const dir = packageCopy('nativenn-gyp-');
    const failingGyp = path.join(dir, 'node-gyp.js');
    fs.writeFileSync(failingGyp, "console.error('gyp ERR! stack Error: not found: make'); process.exit(1);\n");
    const r = spawnSync(process.execPath, [path.join(dir, 'scripts', 'install.js')], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, npm_config_node_gyp: failingGyp, NATIVENN_VERBOSE_BUILD: '' },
    });
    fs.rmSync(dir, { recursive: true, force: true });
    expect(r.status, r.stderr).toBe(0);
    const output = r.stdout + r.stderr;
    expect(output.match(/WARNING/g)?.length).toBe(1);
    expect(output).toMatch(/native addon did not build/);
    expect(output).toMatch(/pure-TypeScript backend/);
    expect(output).toMatch(/not found: make/); // the tail of the build log says why
  });

  it('a real node-gyp run with a broken compiler (CXX=false), in a copy of the package', () => {
    const dir = packageCopy('nativenn-nocxx-');
    const r = spawnSync(process.execPath, [path.join(dir, 'scripts', 'install.js')], {
      cwd: dir,
      encoding: 'utf8',
      env: {
        ...process.env,
        CXX: 'false',
        CC: 'false',
        NATIVENN_VERBOSE_BUILD: '',
        npm_config_node_gyp: path.join(root, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
      },
      timeout: 120_000,
    });
    const built = fs.existsSync(path.join(dir, 'build', 'Release', 'nativenn.node'));
    fs.rmSync(dir, { recursive: true, force: true });
    expect(r.status, r.stderr).toBe(0);
    expect(built).toBe(false);
    const output = r.stdout + r.stderr;
    expect(output.match(/WARNING/g)?.length).toBe(1);
    // With Node headers at hand (npm passes npm_config_nodedir, or node-gyp's cache), node-gyp
    // gets as far as the compiler, and the tail of its log printed above the warning says so.
    if (process.env.npm_config_nodedir) expect(output).toMatch(/`make` failed/);
  }, 120_000);

  it('a build that succeeds with megabytes of compiler output is a success', () => {
    // spawnSync kills a child whose piped output passes its maxBuffer (1 MiB by default): GCC 12's
    // false AVX-512 warnings (~4 MB) once turned a good build into "did not build from source".
    const dir = packageCopy('nativenn-gyp-');
    const loudGyp = path.join(dir, 'node-gyp.js');
    fs.writeFileSync(
      loudGyp,
      "const line = 'warning: ' + 'x'.repeat(990) + '\\n'; for (let i = 0; i < 4096; i++) { process.stderr.write(line); process.stdout.write(line); }\n",
    );
    const r = spawnSync(process.execPath, [path.join(dir, 'scripts', 'install.js')], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, npm_config_node_gyp: loudGyp, NATIVENN_VERBOSE_BUILD: '' },
      maxBuffer: 1 << 28,
    });
    fs.rmSync(dir, { recursive: true, force: true });
    expect(r.status).toBe(0);
    expect(r.stdout + r.stderr).not.toMatch(/WARNING/);
  });

  it('scripts/install.js prints no warning when node-gyp succeeds', () => {
    const dir = packageCopy('nativenn-gyp-');
    const okGyp = path.join(dir, 'node-gyp.js');
    fs.writeFileSync(okGyp, 'process.exit(0);\n');
    const r = spawnSync(process.execPath, [path.join(dir, 'scripts', 'install.js')], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, npm_config_node_gyp: okGyp },
    });
    fs.rmSync(dir, { recursive: true, force: true });
    expect(r.status).toBe(0);
    expect(r.stdout + r.stderr).not.toMatch(/WARNING/);
  });

  it('NATIVENN_BACKEND=js runs on the js backend and says why native is off', () => {
    const script = `
      require('tsx/cjs/api').register();
      const nn = require(${JSON.stringify(path.join(root, 'src', 'index.ts'))});
      const x = new Float32Array(2);
      nn.getBackend().fill(x, 3, 2);
      console.log(JSON.stringify({ name: nn.getBackend().name, native: nn.backends.native, x: Array.from(x),
        reason: nn.nativeLoadError() && nn.nativeLoadError().message }));`;
    const r = spawnSync(process.execPath, ['-e', script], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, NATIVENN_BACKEND: 'js' },
    });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ name: 'js', native: null, x: [3, 3] });
    expect(out.reason).toMatch(/NATIVENN_BACKEND=js/);
  });
});
