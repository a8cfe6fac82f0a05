/** The prebuilt binaries (prebuilds/<platform>-<arch>/, made by `npm run prebuilds` and at
 *  prepack): each was built from the current sources, is the binary its build-info.json
 *  describes, is an ELF for its CPU, and needs nothing but glibc ≤ the README's minimum. And
 *  binding.gyp gives arm64 the portable kernel list only. Checks the binaries present (none in a
 *  fresh clone: test/install-tarball.test.ts builds one in its own copy). */
import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.join(__dirname, '..', '..');
const { sourceHash } = require(path.join(root, 'scripts', 'source-hash.js'));
const ELF_MACHINE: Record<string, number> = { 'linux-x64': 0x3e, 'linux-arm64': 0xb7 };
const MIN_GLIBC = '2.36'; // the README's "Install" section states this minimum
const prebuilt = fs.existsSync(path.join(root, 'prebuilds')) ? fs.readdirSync(path.join(root, 'prebuilds')) : [];

const versionKey = (v: string) => v.split('.').map(Number);
const atMost = (a: string, b: string) => {
  const [x, y] = [versionKey(a), versionKey(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++)
    if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) < (y[i] ?? 0);
  return true;
};

describe('prebuilt binaries', () => {
  it.each(prebuilt)('%s was built from the current sources and is what build-info.json says', (target) => {
    const dir = path.join(root, 'prebuilds', target);
    const info = JSON.parse(fs.readFileSync(path.join(dir, 'build-info.json'), 'utf8'));
    expect(info.sourceHash, 'stale: run `npm run prebuilds`').toBe(sourceHash(root));
    const bytes = fs.readFileSync(path.join(dir, info.file));
    expect(info.file).toBe('nativenn.glibc.node');
    expect(crypto.createHash('sha256').update(bytes).digest('hex')).toBe(info.sha256);
    expect(bytes.readUInt16LE(18)).toBe(ELF_MACHINE[target]);
    expect(atMost(info.glibc, MIN_GLIBC), `needs glibc ${info.glibc}`).toBe(true);
    // libstdc++ and libgcc are linked in: only glibc's own libraries are needed.
    for (const lib of info.needed) expect(lib).toMatch(/^(libc|libm|libpthread|libdl|ld-linux[\w-]*)\.so/);
    // The x86 kernel table names its AVX kernels; the arm64 build has no such code at all.
    expect(bytes.includes('avx512')).toBe(target.endsWith('x64'));
  });

  it('the source hash changes with any file under native/', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nativenn-hash-'));
    for (const f of ['binding.gyp', 'native']) fs.cpSync(path.join(root, f), path.join(dir, f), { recursive: true });
    fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
    const before = sourceHash(dir);
    expect(before).toBe(sourceHash(root));
    fs.appendFileSync(path.join(dir, 'native', 'kernels', 'vmath.h'), '\n');
    const after = sourceHash(dir);
    fs.rmSync(dir, { recursive: true, force: true });
    expect(after).not.toBe(before);
  });

  it('binding.gyp compiles only the portable list for arm64: the avx2 and avx512 targets get the placeholder', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nativenn-gyp-arm64-'));
    for (const f of ['package.json', 'binding.gyp', 'native']) {
      fs.cpSync(path.join(root, f), path.join(dir, f), { recursive: true });
    }
    fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
    const gyp = path.join(root, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
    const headers = path.resolve(process.execPath, '..', '..');
    const nodedir = fs.existsSync(path.join(headers, 'include', 'node', 'common.gypi')) ? [`--nodedir=${headers}`] : [];
    const makefiles: Record<string, string> = {};
    for (const arch of ['arm64', 'x64']) {
      fs.rmSync(path.join(dir, 'build'), { recursive: true, force: true });
      const r = spawnSync(process.execPath, [gyp, 'configure', `--arch=${arch}`, ...nodedir], {
        cwd: dir,
        encoding: 'utf8',
        timeout: 120_000,
      });
      expect(r.status, r.stderr).toBe(0);
      for (const isa of ['avx2', 'avx512']) {
        makefiles[`${arch}-${isa}`] = fs.readFileSync(path.join(dir, 'build', `nativenn_${isa}.target.mk`), 'utf8');
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
    const objects = (mk: string) => [...mk.matchAll(/\/native\/([\w/]+)\.o\b/g)].map((m) => m[1]).sort();
    for (const isa of ['avx2', 'avx512']) {
      expect(objects(makefiles[`arm64-${isa}`])).toEqual(['kernels/empty']);
      expect(makefiles[`arm64-${isa}`]).not.toMatch(/-mavx/);
      expect(objects(makefiles[`x64-${isa}`]).length).toBeGreaterThan(0);
      expect(objects(makefiles[`x64-${isa}`])).not.toContain('kernels/empty');
      expect(makefiles[`x64-${isa}`]).toMatch(isa === 'avx2' ? /-mavx2/ : /-mavx512f/);
    }
  }, 240_000);
});
