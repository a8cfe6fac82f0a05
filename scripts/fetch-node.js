// A Node binary of another version or CPU, from npm's node-<platform>-<arch> packages (`npm pack`,
// then untar), cached in ~/.cache/nativenn/node/. Used by scripts/test-node-versions.js and
// scripts/test-arm64.js; not a dependency (those packages install a `node` bin that would shadow
// the project's own Node in npm scripts, and would add ~50 MB to every `npm ci`).

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const cache = path.join(os.homedir(), '.cache', 'nativenn', 'node');

/** The path of bin/node for `node-<target>@<major>` (e.g. 'linux-x64', 22), fetching it once. */
function nodeBinary(target, major) {
  const dir = path.join(cache, `${target}-${major}`);
  const bin = path.join(dir, 'package', 'bin', 'node');
  if (fs.existsSync(bin)) return bin;
  fs.mkdirSync(dir, { recursive: true });
  const spec = `node-${target}@${major}`;
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const pack = spawnSync(npm, ['pack', spec, '--silent', '--pack-destination', dir], { encoding: 'utf8' });
  if (pack.status !== 0) throw new Error(`npm pack ${spec} failed: ${pack.stderr}`);
  const tgz = path.join(dir, pack.stdout.trim().split('\n').at(-1));
  const tar = spawnSync('tar', ['xzf', tgz, '-C', dir], { encoding: 'utf8' });
  if (tar.status !== 0) throw new Error(`tar xzf ${tgz} failed: ${tar.stderr}`);
  fs.rmSync(tgz);
  return bin;
}

module.exports = { nodeBinary };
