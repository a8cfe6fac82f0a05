/**
 * A conditional GAN on the 8×8 digits: two networks trained against each other. The generator
 * turns noise and a digit label into an image; the discriminator tells real images from generated
 * ones, given the label. Keras's recipe: the discriminator is compiled while trainable, then frozen
 * (`trainable = false`) inside the combined model noise → generator → discriminator, which trains
 * the generator only; the three models share the layers (and one weight arena).
 *
 * It writes a 10×10 grid of generated digits (one row per class) as a PNG, and scores 1,000
 * generated samples with a classifier trained separately on the real digits (the article's Keras
 * recipe, examples/keras-digits.ts): how many it labels as the digit they were conditioned on.
 *
 *   npx tsx examples/digits-gan.ts [--seed 0] [--epochs 500] [--out digits-gan.png] [--threads 2]
 */
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import * as nn from '../src';
import { run as trainClassifier } from './keras-digits';

const NOISE = 16;
const CLASSES = 10;
const PIXELS = 64;

export interface GanOptions {
  seed?: number;
  epochs?: number;
  batchSize?: number;
  /** Where to write the PNG grid (none when omitted). */
  out?: string;
  log?: (line: string) => void;
}

export interface GanResult {
  /** Share of the 1,000 samples the classifier labels as their class, overall and per class. */
  score: number;
  perClass: number[];
  classifierAccuracy: number;
  /** GAN training time (the classifier's not included). */
  seconds: number;
}

/** A seeded stream of uniform and normal numbers (mulberry32 + Box–Muller). */
function random(seed: number) {
  let s = seed >>> 0;
  const uniform = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  return { uniform, normal };
}

function oneHot(labels: ArrayLike<number>): nn.Tensor {
  const out = new Float32Array(labels.length * CLASSES);
  for (let i = 0; i < labels.length; i++) out[i * CLASSES + labels[i]] = 1;
  return nn.tensor2d(out, [labels.length, CLASSES]);
}

/** The generator, discriminator and combined models (Keras's GAN pattern). */
export function buildGan(seed: number) {
  const adam = () => nn.optimizers.adam({ learningRate: 0.0002, beta1: 0.5 });
  const noise = nn.input({ shape: [NOISE], name: 'noise' });
  const label = nn.input({ shape: [CLASSES], name: 'label' });
  let g = nn.layers.concatenate().apply([noise, label]);
  g = nn.layers.dense({ units: 128 }).apply(g);
  g = nn.layers.leakyRelu({ alpha: 0.2 }).apply(g);
  g = nn.layers.dense({ units: 128 }).apply(g);
  g = nn.layers.leakyRelu({ alpha: 0.2 }).apply(g);
  const image = nn.layers.dense({ units: PIXELS, activation: 'tanh' }).apply(g);
  const generator = nn.model({ inputs: [noise, label], outputs: image, name: 'generator', seed });

  const seen = nn.input({ shape: [PIXELS], name: 'image' });
  const claimed = nn.input({ shape: [CLASSES], name: 'claimed_label' });
  let d = nn.layers.concatenate().apply([seen, claimed]);
  d = nn.layers.dense({ units: 128 }).apply(d);
  d = nn.layers.leakyRelu({ alpha: 0.2 }).apply(d);
  d = nn.layers.dropout({ rate: 0.3 }).apply(d);
  d = nn.layers.dense({ units: 64 }).apply(d);
  d = nn.layers.leakyRelu({ alpha: 0.2 }).apply(d);
  const real = nn.layers.dense({ units: 1, activation: 'sigmoid' }).apply(d);
  const discriminator = nn.model({ inputs: [seen, claimed], outputs: real, name: 'discriminator', seed: seed + 1 });
  discriminator.compile({ optimizer: adam(), loss: 'binaryCrossentropy' });

  // Frozen from here on in the models compiled next: the combined model trains the generator only.
  discriminator.trainable = false;
  const z = nn.input({ shape: [NOISE] });
  const c = nn.input({ shape: [CLASSES] });
  const judged = discriminator.apply([generator.apply([z, c]) as nn.SymbolicTensor, c]);
  const combined = nn.model({ inputs: [z, c], outputs: judged, name: 'combined', seed: seed + 2 });
  combined.compile({ optimizer: adam(), loss: 'binaryCrossentropy' });
  return { generator, discriminator, combined };
}

export async function run(options: GanOptions = {}): Promise<GanResult> {
  const seed = options.seed ?? 0;
  const epochs = options.epochs ?? 500;
  const batch = options.batchSize ?? 64;
  const log = options.log ?? console.log;
  const rng = random(seed + 1000);
  const noise = (n: number) => nn.tensor2d(Float32Array.from({ length: n * NOISE }, rng.normal), [n, NOISE]);
  const labels = (n: number) => Int32Array.from({ length: n }, () => Math.floor(rng.uniform() * CLASSES));

  const { x, y } = nn.datasets.digits();
  const rows = y.length;
  const images = x.data.map((v) => v / 8 - 1); // [0, 16] → [−1, 1], the generator's tanh range
  const { generator, discriminator, combined } = buildGan(seed);

  const started = performance.now();
  const real = new Float32Array(batch).fill(0.9); // one-sided label smoothing
  const fake = new Float32Array(batch);
  const ones = new Float32Array(batch).fill(1);
  for (let epoch = 0; epoch < epochs; epoch++) {
    const order = Int32Array.from({ length: rows }, (_, i) => i);
    for (let i = rows - 1; i > 0; i--) {
      const j = Math.floor(rng.uniform() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    let dLoss = 0;
    let gLoss = 0;
    let steps = 0;
    for (let start = 0; start + batch <= rows; start += batch) {
      const idx = order.subarray(start, start + batch);
      const batchImages = new Float32Array(batch * PIXELS);
      idx.forEach((r, k) => {
        batchImages.set(images.subarray(r * PIXELS, (r + 1) * PIXELS), k * PIXELS);
      });
      const batchLabels = oneHot(Array.from(idx, (r) => y[r]));
      const wanted = oneHot(labels(batch));
      const generated = generator.predict([noise(batch), wanted] as unknown as nn.Tensor);
      dLoss += (await discriminator.trainOnBatch(
        [nn.tensor2d(batchImages, [batch, PIXELS]), batchLabels] as unknown as nn.Tensor,
        nn.tensor2d(real, [batch, 1]),
      )) as number;
      dLoss += (await discriminator.trainOnBatch(
        [generated, wanted] as unknown as nn.Tensor,
        nn.tensor2d(fake, [batch, 1]),
      )) as number;
      gLoss += (await combined.trainOnBatch(
        [noise(batch), oneHot(labels(batch))] as unknown as nn.Tensor,
        nn.tensor2d(ones, [batch, 1]),
      )) as number;
      steps++;
    }
    if ((epoch + 1) % 50 === 0 || epoch === 0)
      log(
        `epoch ${epoch + 1}/${epochs}: discriminator loss ${(dLoss / (2 * steps)).toFixed(4)}, generator loss ${(gLoss / steps).toFixed(4)}`,
      );
  }
  const seconds = (performance.now() - started) / 1000;

  // 100 samples of every class, judged by a classifier of the real digits.
  const per = 100;
  const asked = Int32Array.from({ length: CLASSES * per }, (_, i) => Math.floor(i / per));
  const samples = generator.predict([noise(asked.length), oneHot(asked)] as unknown as nn.Tensor);
  const classifier = await trainClassifier({ verbose: 0 }); // the same judge for every seed
  const scaler = nn.data.minMaxScaler().fit(x);
  const raw = nn.tensor2d(
    samples.data.map((v) => (v + 1) * 8),
    samples.shape as [number, number],
  );
  const probs = classifier.model.predict(scaler.transform(raw));
  const hits = new Array<number>(CLASSES).fill(0);
  for (let i = 0; i < asked.length; i++) {
    const row = probs.data.subarray(i * CLASSES, (i + 1) * CLASSES);
    if (row.indexOf(Math.max(...row)) === asked[i]) hits[asked[i]]++;
  }
  const perClass = hits.map((h) => h / per);
  const score = hits.reduce((a, b) => a + b, 0) / asked.length;
  log(
    `${epochs} epochs in ${seconds.toFixed(2)} s; the classifier (test accuracy ${(classifier.testAccuracy * 100).toFixed(1)}%) labels ${(score * 100).toFixed(1)}% of 1,000 generated digits as asked; per class ${perClass.map((p) => `${(p * 100).toFixed(0)}%`).join(' ')}`,
  );
  if (options.out) {
    writeFileSync(options.out, digitGrid(samples.data, per));
    log(`wrote ${options.out}`);
  }
  return { score, perClass, classifierAccuracy: classifier.testAccuracy, seconds };
}

/** A PNG of the first 10 samples of every class, one row per class, each pixel 4×4, on white. */
export function digitGrid(samples: Float32Array, perClass: number): Buffer {
  const scale = 4;
  const cell = 8 * scale + 4;
  const size = CLASSES * cell + 4;
  const gray = Buffer.alloc(size * (size + 1), 255); // each row starts with filter byte 0
  for (let r = 0; r < size; r++) gray[r * (size + 1)] = 0;
  for (let digit = 0; digit < CLASSES; digit++)
    for (let k = 0; k < 10; k++) {
      const s = samples.subarray((digit * perClass + k) * PIXELS, (digit * perClass + k + 1) * PIXELS);
      for (let p = 0; p < PIXELS; p++) {
        const ink = Math.round(255 * (1 - (Math.max(-1, Math.min(1, s[p])) + 1) / 2)); // dark digits
        const top = 4 + digit * cell + Math.floor(p / 8) * scale;
        const left = 4 + k * cell + (p % 8) * scale;
        for (let dy = 0; dy < scale; dy++)
          for (let dx = 0; dx < scale; dx++) gray[(top + dy) * (size + 1) + 1 + left + dx] = ink;
      }
    }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 0, 0, 0, 0], 8); // 8-bit grayscale, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(gray)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const CRC_TABLE = Int32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});

function chunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  let crc = -1;
  for (const b of body) crc = CRC_TABLE[(crc ^ b) & 0xff] ^ (crc >>> 8);
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE((crc ^ -1) >>> 0, 8 + data.length);
  return out;
}

function parseArgs(argv: string[]): GanOptions {
  const o: GanOptions = { out: 'digits-gan.png' };
  for (let i = 0; i < argv.length; i += 2) {
    const [k, v] = [argv[i], argv[i + 1]];
    if (v === undefined) throw new RangeError(`digits-gan: ${k} needs a value`);
    if (k === '--seed') o.seed = Number(v);
    else if (k === '--epochs') o.epochs = Number(v);
    else if (k === '--out') o.out = v;
    else if (k === '--threads') nn.setNumThreads(Number(v));
    else throw new RangeError(`digits-gan: unknown option ${k} (--seed, --epochs, --out, --threads)`);
  }
  return o;
}

if (typeof require !== 'undefined' && require.main === module) {
  run(parseArgs(process.argv.slice(2))).catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
