// Preloaded (node --require) into the cmake-js build by test/build/cmake.test.ts: any attempt to
// reach the network (fetch, http, https, net) throws, so a build that passes is an offline build.
'use strict';
const fail = (what) => () => {
  throw new Error(`no-network: ${what} was called during an offline build`);
};
globalThis.fetch = fail('fetch');
for (const mod of ['http', 'https']) {
  const m = require(mod);
  m.request = fail(`${mod}.request`);
  m.get = fail(`${mod}.get`);
}
const net = require('node:net');
net.connect = fail('net.connect');
net.createConnection = fail('net.createConnection');
