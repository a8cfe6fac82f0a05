/**
 * A character-level language model over an English word list (Debian: `apt-get install
 * wamerican`, /usr/share/dict/american-english): the lowercased text cut into 50,000 random
 * windows of 16 characters, each with the next character as target (90/10 split) → embedding 32 →
 * LSTM 128 (last step) → dense(vocabulary) softmax, Adam 1e-3, batch 64 — the recipe of
 * shared/bench/torch_lstm.py --task chars, PyTorch's defaults included: embedding N(0, 1), LSTM
 * weights uniform in ±1/√units and its bias the sum of two such draws (PyTorch's b_ih + b_hh, one
 * bias here), dense uniform in ±1/√fan-in, Adam's epsilon 1e-8. `keras: true` takes Keras's
 * defaults instead (initializers, epsilon 1e-7), whose ±0.05 embedding learns slower in 3 epochs.
 * Prints per-epoch loss and next-character accuracy, then generates new words by sampling with a
 * temperature.
 *
 *   npx tsx examples/char-lstm.ts [--text FILE] [--epochs 3] [--temperature 0.8] [--seed 0]
 */
import * as fs from 'node:fs';
import * as nn from '../src';
import { Random } from '../src/util/random';

export const WORD_LIST = '/usr/share/dict/american-english';

export interface CharLstmOptions {
  text?: string;
  epochs?: number;
  rows?: number;
  window?: number;
  units?: number;
  temperature?: number;
  words?: number;
  seed?: number;
  /** Keras's default initializers instead of PyTorch's. */
  keras?: boolean;
  log?: (line: string) => void;
}

export interface CharLstmResult {
  testAccuracy: number;
  /** Median seconds per training epoch. */
  epochSeconds: number;
  /** Median milliseconds of one single-sequence predict while sampling. */
  sampleMs: number;
  samples: string[];
  vocabulary: number;
}

/** The lowercased text's vocabulary and `rows` next-character windows drawn with `seed`
 *  (bench/char-lstm-seeds.ts gives their starts to the PyTorch reference). */
export function charWindows(text: string, window: number, rows: number, seed: number) {
  const vocab = nn.data.charVocab(text);
  return { vocab, ...nn.data.slidingWindows(vocab.encode(text), { window, count: rows, seed }) };
}

/** PyTorch's LSTM bias b_ih + b_hh as one bias: the sum of two draws uniform in ±k, a triangular
 *  distribution on ±2k (one uniform draw would have half its variance). */
class SumOfTwoUniforms extends nn.initializers.Initializer {
  readonly className = 'SumOfTwoUniforms';
  constructor(readonly limit: number) {
    super();
  }
  fill(out: Float32Array, _fanIn: number, _fanOut: number, rng: Random): void {
    for (let i = 0; i < out.length; i++)
      out[i] = rng.uniform(-this.limit, this.limit) + rng.uniform(-this.limit, this.limit);
  }
}

/** Samples an index from probabilities p (a row) sharpened by 1/temperature. */
export function sampleIndex(p: ArrayLike<number>, temperature: number, rng: Random): number {
  const w = Array.from(p, (v) => Math.exp(Math.log(Math.max(v, 1e-12)) / temperature));
  let u = rng.uniform(
    0,
    w.reduce((a, b) => a + b, 0),
  );
  for (let i = 0; i < w.length; i++) {
    u -= w[i];
    if (u <= 0) return i;
  }
  return w.length - 1;
}

/** The example's model, compiled: embedding 32 → LSTM `units` → dense softmax, Adam 1e-3, with
 *  PyTorch's initialization and epsilon, or Keras's defaults with `keras`. */
export function charModel(o: { vocabulary: number; window: number; units?: number; seed: number; keras?: boolean }) {
  const units = o.units ?? 128;
  const uniform = (fanIn: number) =>
    nn.initializers.randomUniform({ minval: -1 / Math.sqrt(fanIn), maxval: 1 / Math.sqrt(fanIn) });
  const torch = !o.keras;
  const model = nn.sequential({
    seed: o.seed,
    layers: [
      nn.layers.embedding({
        inputDim: o.vocabulary,
        outputDim: 32,
        inputShape: [o.window],
        ...(torch ? { embeddingsInitializer: nn.initializers.randomNormal({ stddev: 1 }) } : {}),
      }),
      nn.layers.lstm({
        units,
        ...(torch
          ? {
              kernelInitializer: uniform(units),
              recurrentInitializer: uniform(units),
              biasInitializer: new SumOfTwoUniforms(1 / Math.sqrt(units)),
              unitForgetBias: false,
            }
          : {}),
      }),
      nn.layers.dense({
        units: o.vocabulary,
        activation: 'softmax',
        ...(torch ? { kernelInitializer: uniform(units), biasInitializer: uniform(units) } : {}),
      }),
    ],
  });
  model.compile({
    optimizer: nn.optimizers.adam({ learningRate: 1e-3, epsilon: torch ? 1e-8 : 1e-7 }),
    loss: 'sparseCategoricalCrossentropy',
    metrics: ['accuracy'],
  });
  return model;
}

export async function run(options: CharLstmOptions = {}): Promise<CharLstmResult> {
  const log = options.log ?? console.log;
  const window = options.window ?? 16;
  const seed = options.seed ?? 0;
  const epochs = options.epochs ?? 3;
  const text = fs.readFileSync(options.text ?? WORD_LIST, 'utf8').toLowerCase();
  const { vocab, x, y } = charWindows(text, window, options.rows ?? 50_000, seed);
  const n = x.shape[0];
  const cut = Math.floor(0.9 * n);
  const rowsOf = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
  const [xTrain, xTest] = [nn.data.take(x, rowsOf(0, cut)), nn.data.take(x, rowsOf(cut, n))];
  const [yTrain, yTest] = [nn.data.take(y, rowsOf(0, cut)), nn.data.take(y, rowsOf(cut, n))];
  log(
    `${text.length.toLocaleString('en')} characters, vocabulary ${vocab.size}, ${cut} train / ${n - cut} test windows of ${window}`,
  );

  const model = charModel({ vocabulary: vocab.size, window, units: options.units, seed, keras: options.keras });
  const seconds: number[] = [];
  let started = 0;
  await model.fit(xTrain, yTrain, {
    epochs,
    batchSize: 64,
    validationData: [xTest, yTest],
    verbose: 0,
    seed,
    callbacks: [
      {
        onEpochBegin: () => {
          started = performance.now();
        },
        onEpochEnd: (epoch, logs) => {
          seconds.push((performance.now() - started) / 1000);
          const f = (v: number | undefined) => (v ?? Number.NaN).toFixed(4);
          log(
            `epoch ${epoch + 1}/${epochs}: train loss ${f(logs.loss)} accuracy ${f(logs.accuracy)}, test loss ${f(logs.val_loss)} accuracy ${f(logs.val_accuracy)}`,
          );
        },
      },
    ],
  });
  const testAccuracy = model.evaluate(xTest, yTest).accuracy;

  // Generation: start from a line break (a word starts after it), feed the last `window`
  // characters, sample the next one, until `words` words are complete.
  const temperature = options.temperature ?? 0.8;
  const rng = new Random(seed + 1);
  const newline = vocab.encode('\n')[0];
  const context: number[] = Array.from(vocab.encode(text.slice(0, window)));
  context[window - 1] = newline;
  const samples: string[] = [];
  const times: number[] = [];
  let word = '';
  for (let step = 0; samples.length < (options.words ?? 12) && step < 2000; step++) {
    const t = performance.now();
    const p = model.predict(nn.tensor2d(Float32Array.from(context.slice(-window)), [1, window])).data;
    times.push(performance.now() - t);
    const id = sampleIndex(p, temperature, rng);
    context.push(id);
    if (id === newline) {
      if (word.length > 0) samples.push(word);
      word = '';
    } else word += vocab.decode([id]);
  }
  times.sort((a, b) => a - b);
  const sampleMs = times[Math.floor(times.length / 2)];
  const sorted = [...seconds].sort((a, b) => a - b);
  const epochSeconds = sorted[Math.floor(sorted.length / 2)];
  log(
    `next-character test accuracy ${(testAccuracy * 100).toFixed(2)}%, ${(epochSeconds * 1000).toFixed(0)} ms per epoch`,
  );
  log(`sampled at temperature ${temperature} (${sampleMs.toFixed(2)} ms per character): ${samples.join(' ')}`);
  return { testAccuracy, epochSeconds, sampleMs, samples, vocabulary: vocab.size };
}

export function parseArgs(argv: string[]): CharLstmOptions {
  const o: CharLstmOptions = {};
  for (let i = 0; i < argv.length; i += 2) {
    const [k, v] = [argv[i], argv[i + 1]];
    if (v === undefined) throw new RangeError(`char-lstm: ${k} needs a value`);
    if (k === '--text') o.text = v;
    else if (k === '--epochs') o.epochs = Number(v);
    else if (k === '--temperature') o.temperature = Number(v);
    else if (k === '--seed') o.seed = Number(v);
    else if (k === '--rows') o.rows = Number(v);
    else if (k === '--keras') o.keras = v === 'true';
    else throw new RangeError(`char-lstm: unknown option ${k} (--text, --epochs, --temperature, --seed, --rows)`);
  }
  return o;
}

if (typeof require !== 'undefined' && require.main === module) {
  run(parseArgs(process.argv.slice(2))).catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
