// The fingerprint of what a native build is made from: every file under native/, binding.gyp and
// the node-addon-api version, hashed in a fixed order. scripts/prebuild.js stores it beside each
// prebuilt binary (build-info.json); scripts/install.js uses a prebuilt binary only when it
// matches, and test/build/prebuilds.test.ts checks the shipped ones.

const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

function filesUnder(root, dir) {
  return fs
    .readdirSync(path.join(root, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)).split(path.sep).join('/'));
}

function sourceHash(root = path.join(__dirname, '..')) {
  const hash = crypto.createHash('sha256');
  const files = [...filesUnder(root, 'native'), 'binding.gyp'].sort();
  for (const f of files)
    hash
      .update(`${f}\0`)
      .update(fs.readFileSync(path.join(root, f)))
      .update('\0');
  const addonApi = require(require.resolve('node-addon-api/package.json', { paths: [root] })).version;
  hash.update(`node-addon-api@${addonApi}`);
  return hash.digest('hex');
}

module.exports = { sourceHash };
if (require.main === module) console.log(sourceHash());
