/**
 * The README's browser example, run as a person would: the digits model exported by nativenn (its
 * min-max scaler folded in), served over HTTP (127.0.0.1 only) and run in a real browser page by
 * onnxruntime-web's wasm build, predicts what nativenn predicts from raw pixels. Runs when a
 * Chromium is installed (Debian: apt-get install chromium); skipped otherwise.
 */
import { execFile } from 'node:child_process';
import { existsSync, promises as fsp } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as nn from '../../src';
import { expectClose } from './support';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) =>
  existsSync(p),
);
const ORT_DIST = path.join(__dirname, '../../node_modules/onnxruntime-web/dist');
const ORT_FILES = ['ort.wasm.min.js', 'ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm'];
const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.wasm': 'application/wasm',
};

function serve(root: string): Promise<http.Server> {
  const server = http.createServer(async (req, res) => {
    const name = path.basename(decodeURIComponent((req.url ?? '/').split('?')[0]));
    try {
      const body = await fsp.readFile(path.join(root, name));
      res.writeHead(200, { 'content-type': TYPES[path.extname(name)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe.skipIf(!CHROMIUM)('a browser page runs a model exported by nativenn', () => {
  it('onnxruntime-web in headless Chromium predicts what nativenn predicts', async () => {
    const { x, y, split } = nn.datasets.digits();
    const train = nn.data.take(x, split.train);
    const scaler = nn.data.minMaxScaler().fit(train);
    const model = nn.sequential({
      seed: 3,
      layers: [
        nn.layers.dense({ units: 32, activation: 'relu', inputShape: [64] }),
        nn.layers.dropout({ rate: 0.1 }),
        nn.layers.dense({ units: 10, activation: 'softmax' }),
      ],
    });
    model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    await model.fit(scaler.transform(train), nn.data.take(y, split.train), { epochs: 2, seed: 2, verbose: 0 });

    const root = await fsp.mkdtemp(path.join(os.tmpdir(), 'nativenn-onnx-browser-'));
    try {
      await nn.exportOnnx(model, path.join(root, 'digits.onnx'), { scaler });
      for (const f of ORT_FILES) await fsp.copyFile(path.join(ORT_DIST, f), path.join(root, f));
      const rows = nn.data.take(x, split.test.subarray(0, 5));
      await fsp.writeFile(
        path.join(root, 'index.html'),
        `<!doctype html><html><body><pre id="out">pending</pre>
<script src="/ort.wasm.min.js"></script>
<script>
  (async () => {
    ort.env.wasm.wasmPaths = '/';
    ort.env.wasm.numThreads = 1;
    const session = await ort.InferenceSession.create('/digits.onnx');
    const pixels = new ort.Tensor('float32', Float32Array.from(${JSON.stringify(Array.from(rows.data))}), [5, 64]);
    const { output } = await session.run({ input: pixels });
    document.getElementById('out').textContent = JSON.stringify(Array.from(output.data));
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
        expectClose(JSON.parse(text), model.predict(scaler.transform(rows)).data);
      } finally {
        server.close();
      }
    } finally {
      await fsp.rm(root, { recursive: true, force: true });
    }
  });
});
