/**
 * The README's promise, checked as a person would: a model saved by nativenn in Node, served over
 * HTTP (127.0.0.1 only) and loaded in a real browser page with tf.loadLayersModel('…/model.json'),
 * predicts what nativenn predicts. Runs when a Chromium is installed (Debian: apt-get install
 * chromium); skipped otherwise.
 */
import { execFile } from 'node:child_process';
import { existsSync, promises as fsp } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as nn from '../../src';
import { maxAbsDiff, seededValues, tempDir } from './tfjs-files';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) =>
  existsSync(p),
);
const TFJS_BUNDLE = path.join(__dirname, '../../node_modules/@tensorflow/tfjs/dist/tf.min.js');

function serve(root: string): Promise<http.Server> {
  const server = http.createServer(async (req, res) => {
    const file = path.join(
      root,
      path.normalize(decodeURIComponent((req.url ?? '/').split('?')[0])).replace(/^(\.\.[/\\])+/, ''),
    );
    try {
      const body = await fsp.readFile(file);
      const type = file.endsWith('.html')
        ? 'text/html'
        : file.endsWith('.js')
          ? 'text/javascript'
          : file.endsWith('.json')
            ? 'application/json'
            : 'application/octet-stream';
      res.writeHead(200, { 'content-type': type }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe.skipIf(!CHROMIUM)('a browser page loads a model saved by nativenn', () => {
  it('tf.loadLayersModel in headless Chromium predicts what nativenn predicts', async () => {
    const model = nn.sequential({
      seed: 3,
      layers: [
        nn.layers.dense({ units: 16, activation: 'relu', inputShape: [8] }),
        nn.layers.dropout({ rate: 0.1 }),
        nn.layers.dense({ units: 8, activation: 'leakyRelu' }),
        nn.layers.dense({ units: 4, activation: 'softmax' }),
      ],
    });
    model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    const y = new Float32Array(64 * 4).map((_, i) => (i % 4 === Math.floor(i / 4) % 4 ? 1 : 0));
    await model.fit(nn.tensor2d(seededValues(64 * 8, 1), [64, 8]), nn.tensor2d(y, [64, 4]), {
      epochs: 3,
      seed: 2,
      verbose: 0,
    });

    const root = await tempDir();
    await model.save(path.join(root, 'digits-model'));
    await fsp.copyFile(TFJS_BUNDLE, path.join(root, 'tf.min.js'));
    const x = Array.from(seededValues(5 * 8, 9));
    await fsp.writeFile(
      path.join(root, 'index.html'),
      `<!doctype html><html><body><pre id="out">pending</pre>
<script src="/tf.min.js"></script>
<script>
  (async () => {
    const model = await tf.loadLayersModel('/digits-model/model.json');
    const p = model.predict(tf.tensor2d(${JSON.stringify(x)}, [5, 8]));
    // dataSync: headless Chromium's dump does not wait for an async WebGL read-back
    document.getElementById('out').textContent = JSON.stringify(Array.from(p.dataSync()));
  })().catch((e) => { document.getElementById('out').textContent = 'error: ' + e.message; });
</script></body></html>`,
    );

    const server = await serve(root);
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/index.html`;
      const dom = await new Promise<string>((resolve, reject) => {
        execFile(
          CHROMIUM as string,
          ['--headless', '--no-sandbox', '--disable-gpu', '--virtual-time-budget=20000', '--dump-dom', url],
          { timeout: 60_000, maxBuffer: 1 << 24 },
          (err, stdout) => (err ? reject(err) : resolve(stdout)),
        );
      });
      const text = /<pre id="out">([^<]*)<\/pre>/.exec(dom)?.[1] ?? dom.slice(0, 300);
      expect(text.slice(0, 200)).toMatch(/^\[/);
      const browser: number[] = JSON.parse(text);
      const ours = model.predict(nn.tensor2d(Float32Array.from(x), [5, 8])).data;
      // the bound; the page's tfjs runs its default backend (WebGL, software) in float32
      expect(maxAbsDiff(ours, browser)).toBeLessThanOrEqual(1e-5);
    } finally {
      server.close();
    }
  });
});
