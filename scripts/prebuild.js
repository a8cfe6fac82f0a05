#!/usr/bin/env node
// `npm run prebuild` (and `prepack`): build the Node-API binaries shipped in prebuilds/ with
// prebuildify, one per platform this machine can build: linux-x64 with the host g++, linux-arm64
// with Debian's cross compiler (g++-aarch64-linux-gnu). Says what it built and what it skipped.
//
// Reproducible: each target builds in a fresh copy of the sources at a fixed path, stripped, with
// libstdc++ and libgcc linked in (NATIVENN_STATIC_RUNTIME=1, see binding.gyp), so the binary
// depends on glibc only. Beside each binary, build-info.json records the source hash
// (scripts/source-hash.js), the newest glibc symbol version it needs and its own sha256.
//
//   node scripts/prebuild.js [linux-x64] [linux-arm64]   (default: every target below)
//   --if-stale   keep a prebuilt binary whose source hash still matches instead of rebuilding it
// NATIVENN_PREBUILD_TARGETS=linux-x64,… sets the default list (test/install-tarball.test.ts packs
// with the host's target only).

const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { sourceHash } = require('./source-hash');

const root = path.join(__dirname, '..');
const FILE = 'nativenn.glibc.node'; // node-gyp-build's naming: package name, then the libc tag

// What each target needs: the compiler triplet prefix ('' = the host's own tools) and its ELF machine.
const TARGETS = {
  'linux-x64': { arch: 'x64', host: 'x64', cross: 'x86_64-linux-gnu-', elfMachine: 0x3e },
  'linux-arm64': { arch: 'arm64', host: 'arm64', cross: 'aarch64-linux-gnu-', elfMachine: 0xb7 },
};

const has = (cmd) => spawnSync(cmd, ['--version'], { stdio: 'ignore' }).status === 0;

/** The tool prefix to build `name` with on this machine, or the reason it cannot be built here. */
function toolchain(name) {
  const t = TARGETS[name];
  if (process.platform !== 'linux') return { skip: `this is ${process.platform}, not linux` };
  if (os.arch() === t.host && has('g++')) return { prefix: '' };
  if (has(`${t.cross}g++`)) return { prefix: t.cross };
  return { skip: `no ${t.cross}g++ here${t.arch === 'arm64' ? ' (apt-get install g++-aarch64-linux-gnu)' : ''}` };
}

/** The Node headers node-gyp compiles against, taken from this Node's install (no download). */
function nodeDir() {
  const prefix = path.resolve(process.execPath, '..', '..');
  return fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h')) ? prefix : undefined;
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stdout ?? ''}${r.stderr ?? ''}`);
  return r.stdout;
}

/** glibc symbol versions and shared libraries the binary needs, read with objdump. */
function dynamicNeeds(file, prefix) {
  const objdump = has(`${prefix}objdump`) ? `${prefix}objdump` : 'objdump';
  const versions = [...run(objdump, ['-T', file]).matchAll(/GLIBC_(\d+)\.(\d+)(?:\.(\d+))?/g)].map((m) => [
    +m[1],
    +m[2],
    +(m[3] ?? 0),
  ]);
  versions.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
  const newest = versions.at(-1);
  const needed = [...run(objdump, ['-p', file]).matchAll(/NEEDED\s+(\S+)/g)].map((m) => m[1]);
  return { glibc: newest ? newest.filter((v, i) => i < 2 || v).join('.') : 'none', needed };
}

async function build(name, prefix) {
  const t = TARGETS[name];
  const stage = path.join(os.tmpdir(), 'nativenn-prebuild', name);
  fs.rmSync(stage, { recursive: true, force: true });
  fs.mkdirSync(stage, { recursive: true });
  for (const f of ['package.json', 'binding.gyp', 'native'])
    fs.cpSync(path.join(root, f), path.join(stage, f), { recursive: true });
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(stage, 'node_modules'));

  const env = { NATIVENN_STATIC_RUNTIME: '1' };
  const dir = nodeDir();
  if (dir) env.npm_config_nodedir = dir;
  if (prefix) Object.assign(env, { CC: `${prefix}gcc`, CXX: `${prefix}g++`, LINK: `${prefix}g++`, AR: `${prefix}ar` });
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env); // prebuildify hands process.env to node-gyp
  try {
    await new Promise((resolve, reject) =>
      require('prebuildify')(
        {
          cwd: stage,
          arch: t.arch,
          platform: 'linux',
          napi: true,
          name: 'nativenn',
          tagLibc: true,
          libc: 'glibc',
          strip: true,
          stripBin: `${prefix}strip`,
          targets: [{ runtime: 'node', target: process.versions.node }],
          quiet: !process.env.NATIVENN_VERBOSE_BUILD,
        },
        (err) => (err ? reject(err) : resolve()),
      ),
    );
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }

  const built = path.join(stage, 'prebuilds', name, FILE);
  const bytes = fs.readFileSync(built);
  if (bytes.readUInt16LE(18) !== t.elfMachine) throw new Error(`${name}: the build is not an ELF for ${t.arch}`);
  const { glibc, needed } = dynamicNeeds(built, prefix);
  const extra = needed.filter((lib) => !/^(libc|libm|libpthread|libdl|ld-linux[\w-]*)\.so/.test(lib));
  if (extra.length) throw new Error(`${name}: the binary needs more than glibc: ${extra.join(', ')}`);

  const out = path.join(root, 'prebuilds', name);
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  fs.copyFileSync(built, path.join(out, FILE));
  const info = {
    target: name,
    file: FILE,
    sourceHash: sourceHash(root),
    sha256: crypto.createHash('sha256').update(bytes).digest('hex'),
    bytes: bytes.length,
    napiVersion: 8,
    glibc,
    needed,
    compiler: run(`${prefix}g++`, ['--version']).split('\n')[0],
    builtWithNode: process.version,
  };
  fs.writeFileSync(path.join(out, 'build-info.json'), `${JSON.stringify(info, null, 2)}\n`);
  fs.rmSync(stage, { recursive: true, force: true });
  return info;
}

function readInfo(name) {
  try {
    return JSON.parse(fs.readFileSync(path.join(root, 'prebuilds', name, 'build-info.json'), 'utf8'));
  } catch {
    return null;
  }
}

async function main() {
  const args = process.argv.slice(2);
  const ifStale = args.includes('--if-stale');
  const fromEnv = process.env.NATIVENN_PREBUILD_TARGETS?.split(',').filter(Boolean) ?? [];
  const names = args.filter((a) => !a.startsWith('--'));
  if (!names.length) names.push(...fromEnv);
  for (const n of names)
    if (!TARGETS[n]) throw new Error(`unknown target ${n}: expected one of ${Object.keys(TARGETS).join(', ')}`);
  const hash = sourceHash(root);
  for (const name of names.length ? names : Object.keys(TARGETS)) {
    const current = readInfo(name)?.sourceHash === hash;
    if (ifStale && current) {
      console.log(`prebuild ${name}: kept, built from the current sources`);
      continue;
    }
    const tools = toolchain(name);
    if (tools.skip) {
      if (!current) fs.rmSync(path.join(root, 'prebuilds', name), { recursive: true, force: true });
      console.log(
        `prebuild ${name}: skipped: ${tools.skip}${current ? ' (the existing binary is current: kept)' : ''}`,
      );
      continue;
    }
    const t0 = Date.now();
    const info = await build(name, tools.prefix);
    const secs = ((Date.now() - t0) / 1000).toFixed(0);
    console.log(`prebuild ${name}: built ${info.bytes} bytes in ${secs} s, needs glibc >= ${info.glibc}`);
  }
}

main().catch((err) => {
  console.error(`prebuild: ${err.message}`);
  process.exit(1);
});
