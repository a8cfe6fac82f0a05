/** The second build path: `cmake-js compile` (npm run build:cmake) from CMakeLists.txt, offline —
 *  cmake-js 8 takes the Node-API headers from the node-api-headers package because package.json
 *  declares "binary": {"napi_versions": [...]}. A clean build into build-cmake/ (slow, about a
 *  minute with every kernel), then the .node it made is loaded in a child and runs kernels. */
import { execFile, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.join(__dirname, '..', '..');
const out = path.join(root, 'build-cmake');
const cmakeJs = path.join(root, 'node_modules', 'cmake-js', 'bin', 'cmake-js');
const hasCmake = spawnSync('cmake', ['--version']).status === 0;

describe.skipIf(!hasCmake)('cmake-js build', () => {
  it('builds the addon offline from native/sources.json and the result runs kernels', async () => {
    fs.rmSync(out, { recursive: true, force: true });
    // A fresh HOME: no cached Node headers (~/.cmake-js) to fall back on; no-network.cjs makes
    // any download attempt throw.
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'nativenn-cmake-home-'));
    // Asynchronously: a minute-long synchronous spawn starves vitest's worker messages.
    const build = await new Promise<{ status: number; stdout: string; stderr: string }>((resolve) =>
      execFile(
        process.execPath,
        [
          '--require',
          path.join(__dirname, 'no-network.cjs'),
          cmakeJs,
          'compile',
          '--out',
          out,
          '--CDCMAKE_EXPORT_COMPILE_COMMANDS=ON',
        ],
        { cwd: root, env: { ...process.env, HOME: home }, timeout: 600_000, maxBuffer: 64 * 1024 * 1024 },
        (err, stdout, stderr) => resolve({ status: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
      ),
    );
    fs.rmSync(home, { recursive: true, force: true });
    const log = build.stdout + build.stderr;
    expect(build.status, log).toBe(0);
    expect(log).toMatch(/CMAKE_JS_INC=[^\n]*node-api-headers/);
    expect(log).not.toMatch(/no-network/);

    // It compiled exactly the files of native/sources.json.
    const sources = JSON.parse(fs.readFileSync(path.join(root, 'native', 'sources.json'), 'utf8'));
    const orEmpty = (l: string[]) => (l.length ? l : ['native/kernels/empty.cc']);
    const commands = JSON.parse(fs.readFileSync(path.join(out, 'compile_commands.json'), 'utf8')) as {
      file: string;
      command: string;
    }[];
    const rel = (f: string) => path.relative(root, f).split(path.sep).join('/');
    const compiled = commands.map((c) => rel(c.file)).sort();
    expect(compiled).toEqual([...sources.portable, ...orEmpty(sources.avx2), ...orEmpty(sources.avx512)].sort());
    // The avx512 list, and only it, gets -mavx512f.
    for (const c of commands.filter((x) => rel(x.file) !== 'native/kernels/empty.cc')) {
      expect(c.command.includes('-mavx512f'), rel(c.file)).toBe(sources.avx512.includes(rel(c.file)));
    }

    const addonPath = path.join(out, 'Release', 'nativenn.node');
    const script = `
      const a = require(${JSON.stringify(addonPath)});
      const x = new Float32Array(5);
      a.fill(x, 2.5, 5);
      a.sgdUpdate(x, new Float32Array([1, 1, 1, 1, 1]), 5, 0.5);
      let error = '';
      try { a.fill(x, 1, 6); } catch (e) { error = e.constructor.name; }
      console.log(JSON.stringify({ x: Array.from(x), error }));`;
    const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ x: [2, 2, 2, 2, 2], error: 'RangeError' });
  }, 600_000);
});
