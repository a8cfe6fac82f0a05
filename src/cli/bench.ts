/** `nativenn bench`: what the native backend buys on this machine, measured side by side with the
 *  js backend in one run: gemm n=256 (GFLOP/s), training epochs of the digits network and of a
 *  CNN on the digits as 8×8 images (samples/s). Each figure is the median of repeated runs within --seconds. */
import * as nn from '../index';
import { formatHelp, parseArgs } from './args';
import { BENCH_OPTIONS, BENCH_USAGE } from './options';
import { useBackend } from './setup';

const GEMM_N = 256;

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Runs `work` (after one warm-up) until `seconds` have passed; the median seconds per run. */
async function timeRuns(seconds: number, work: () => void | Promise<void>): Promise<{ median: number; runs: number }> {
  await work();
  const times: number[] = [];
  const end = performance.now() + seconds * 1000;
  do {
    const t0 = performance.now();
    await work();
    times.push((performance.now() - t0) / 1000);
  } while (performance.now() < end || times.length < 3);
  return { median: median(times), runs: times.length };
}

async function gemmGflops(backend: nn.Backend, seconds: number): Promise<number> {
  const n = GEMM_N;
  const random = (len: number) => Float32Array.from({ length: len }, (_, i) => Math.sin(i * 12.9898) % 1);
  const a = random(n * n);
  const b = random(n * n);
  const c = new Float32Array(n * n);
  const { median: t } = await timeRuns(seconds, () => backend.gemm(false, false, n, n, n, 1, a, n, b, n, 0, c, n));
  return (2 * n ** 3) / t / 1e9;
}

async function trainingSamplesPerSecond(seconds: number): Promise<number> {
  const { x, y, split } = nn.datasets.digits();
  const xTrain = nn.data.minMaxScaler().fitTransform(nn.data.take(x, split.train));
  const yTrain = nn.data.oneHot(nn.data.take(y, split.train), 10);
  const model = nn.sequential({
    seed: 1,
    layers: [
      nn.layers.dense({ units: 64, activation: 'relu', inputShape: [64] }),
      nn.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const { median: t } = await timeRuns(seconds, async () => {
    await model.fit(xTrain, yTrain, { epochs: 1, batchSize: 32, verbose: 0, seed: 1 });
  });
  return xTrain.shape[0] / t;
}

/** Epochs of conv 16 3×3 same relu → maxPool 2 → flatten → dense 64 relu → dense 10 on the digits
 *  train split as [rows, 8, 8, 1] images (pixels / 16), Adam, batch 32. */
async function cnnSamplesPerSecond(seconds: number): Promise<number> {
  const { x, y, split } = nn.datasets.digits({ images: true });
  const xTrain = nn.data.take(
    new nn.Tensor(
      x.data.map((v) => v / 16),
      x.shape,
    ),
    split.train,
  );
  const yTrain = nn.data.oneHot(nn.data.take(y, split.train), 10);
  const model = nn.sequential({
    seed: 1,
    layers: [
      nn.layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [8, 8, 1] }),
      nn.layers.maxPooling2d({ poolSize: 2 }),
      nn.layers.flatten(),
      nn.layers.dense({ units: 64, activation: 'relu' }),
      nn.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const { median: t } = await timeRuns(seconds, async () => {
    await model.fit(xTrain, yTrain, { epochs: 1, batchSize: 32, verbose: 0, seed: 1 });
  });
  return xTrain.shape[0] / t;
}

const cell = (v: number | null, width: number) =>
  (v === null ? 'n/a' : v >= 100 ? v.toFixed(0) : v.toPrecision(3)).padStart(width);

export async function bench(argv: readonly string[]): Promise<void> {
  const o = parseArgs(argv, BENCH_OPTIONS);
  if (o.help) {
    process.stdout.write(formatHelp(BENCH_USAGE, BENCH_OPTIONS));
    return;
  }
  const seconds = o.seconds as number;
  const names: ('native' | 'js')[] = nn.backends.native ? ['native', 'js'] : ['js'];
  if (!nn.backends.native)
    process.stdout.write(
      `the native addon is not available (${nn.nativeLoadError()?.message.split('\n')[0]}); measuring js only\n`,
    );
  const results: Record<string, { gemm: number; train: number; cnn: number }> = {};
  for (const name of names) {
    useBackend(name, name === 'native' ? (o.threads as number | undefined) : undefined);
    const threads = name === 'native' ? ` (${nn.getNumThreads()} threads)` : '';
    process.stdout.write(`measuring ${name}${threads}: gemm n=${GEMM_N} …`);
    const gemm = await gemmGflops(nn.getBackend(), seconds);
    process.stdout.write(' digits training …');
    const train = await trainingSamplesPerSecond(seconds);
    process.stdout.write(' digits CNN training …');
    const cnn = await cnnSamplesPerSecond(seconds);
    process.stdout.write(' done\n');
    results[name] = { gemm, train, cnn };
  }
  const n = results.native ?? null;
  const j = results.js;
  const rows: [string, number | null, number][] = [
    [`gemm n=${GEMM_N} (GFLOP/s)`, n?.gemm ?? null, j.gemm],
    ['digits training (samples/s)', n?.train ?? null, j.train],
    ['digits CNN training (samples/s)', n?.cnn ?? null, j.cnn],
  ];
  const lines = [`\n${''.padEnd(30)}${'native'.padStart(10)}${'js'.padStart(10)}${'native/js'.padStart(12)}`];
  for (const [label, nv, jv] of rows) {
    const ratio = nv === null ? 'n/a' : `${(nv / jv).toFixed(1)}×`;
    lines.push(`${label.padEnd(30)}${cell(nv, 10)}${cell(jv, 10)}${ratio.padStart(12)}`);
  }
  lines.push(
    `\nmedians of repeated runs, ${seconds} s each; digits training = epochs of the 64→64→10 network, batch 32, adam;\ndigits CNN = epochs of conv 16 3×3 → maxPool 2 → dense 64 → 10 on the 8×8 images, batch 32, adam`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}
