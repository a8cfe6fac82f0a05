/**
 * Is nativenn's training step PyTorch's? examples/char-lstm.ts's model trained from PyTorch's
 * initial weights, on PyTorch's row order, batch by batch:
 *   npx tsx bench/char-lstm-same-start.ts [--seed 0] [--epochs 3] [--two-biases]
 * PyTorch (bench/reference/torch_lstm_chars.py --dump, on the windows the example draws for the
 * seed) trains first and writes its initial weights in the Keras layout, every epoch's row order
 * and every batch's loss; nativenn then loads those weights and trains on the rows in that order
 * (one fit per epoch, no shuffle, Adam's state carried over). By default PyTorch keeps its LSTM
 * bias as one weight (--one-bias), as nativenn does, so the two runs should agree to float
 * rounding; --two-biases keeps PyTorch's b_ih + b_hh, whose sum Adam steps twice as far.
 * Prints both sides' epochs and the largest per-batch loss difference in each epoch.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { charModel, charWindows, WORD_LIST } from '../examples/char-lstm';
import * as nn from '../src';
import { findPython } from './lib/python';
import { ROWS, torchChars, WINDOW, writeStarts } from './lib/torch-chars';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
const seed = Number(option('--seed', '0'));
const epochs = Number(option('--epochs', '3'));
const twoBiases = args.includes('--two-biases');

function readArray<T>(file: string, make: (b: ArrayBuffer) => T): T {
  const b = fs.readFileSync(file);
  return make(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
}

async function main() {
  const python = findPython(['torch', 'numpy']);
  if (!python) throw new Error('no python3 with torch and numpy (apt-get install python3-torch)');
  const text = fs.readFileSync(WORD_LIST, 'utf8').toLowerCase();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nativenn-char-same-'));
  try {
    const startsFile = writeStarts(text, seed, dir);
    const extra = ['--dump', dir, ...(twoBiases ? [] : ['--one-bias'])];
    torchChars(python, { seed, epochs, startsFile, extra, name: twoBiases ? 'torch' : 'torch one bias' });

    const { vocab, x, y } = charWindows(text, WINDOW, ROWS, seed);
    const cut = Math.floor(0.9 * ROWS);
    const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
    const [xTrain, yTrain] = [nn.data.take(x, range(0, cut)), nn.data.take(y, range(0, cut))];
    const [xTest, yTest] = [nn.data.take(x, range(cut, ROWS)), nn.data.take(y, range(cut, ROWS))];
    const model = charModel({ vocabulary: vocab.size, window: WINDOW, seed });
    const shapes = model.getWeights().map((w) => w.shape);
    model.setWeights(
      shapes.map(
        (shape, i) =>
          new nn.Tensor(
            readArray(path.join(dir, `w${i}.f32`), (b) => new Float32Array(b)),
            shape,
          ),
      ),
    );
    const perms = readArray(path.join(dir, 'perms.i32'), (b) => new Int32Array(b));
    const torchLosses: number[] = JSON.parse(fs.readFileSync(path.join(dir, 'batch_losses.json'), 'utf8'));
    const batches = Math.ceil(cut / 64);
    for (let e = 0; e < epochs; e++) {
      const order = Array.from(perms.subarray(e * cut, (e + 1) * cut));
      const h = await model.fit(nn.data.take(xTrain, order), nn.data.take(yTrain, order), {
        epochs: 1,
        batchSize: 64,
        shuffle: false,
        verbose: 0,
        batchLoss: true,
      });
      const losses = h.batchHistory.loss;
      let worst = 0;
      for (let b = 0; b < batches; b++) worst = Math.max(worst, Math.abs(losses[b] - torchLosses[e * batches + b]));
      const { loss, accuracy } = model.evaluate(xTest, yTest);
      console.log(
        `nativenn seed ${seed}: epoch ${e + 1}/${epochs}: train loss ${h.history.loss[0].toFixed(4)}, test loss ${loss.toFixed(4)} accuracy ${accuracy.toFixed(4)}; largest batch-loss difference from PyTorch ${worst.toExponential(2)}`,
      );
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
