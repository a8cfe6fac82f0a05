/**
 * The recurrent layers in model files, proved against @tensorflow/tfjs 4.22 (issue 11 item 5):
 * SimpleRNN / LSTM / GRU (last step and sequences, both directions), Embedding, Bidirectional
 * (every merge mode), TimeDistributed, RepeatVector and stacked LSTMs built and trained in tfjs
 * load in nativenn with their optimizer state, predict the same (≤ 1e-4) and train on like tfjs;
 * the same models trained in nativenn load in tfjs (whose own save then writes the same weight
 * names and shapes), predict the same and train on. Every backend loads and predicts.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../../src';
import { ACTIVATIONS } from '../../src/backend/check';
import { allBackends } from '../support/backends';
import { maxAbsDiff, seededValues, tempDir, tfjsLoadFromDir, tfjsSaveToDir, tfReady } from './tfjs-files';

type TF = Awaited<ReturnType<typeof tfReady>>;
type TfModel = ReturnType<TF['sequential']>;
type TfTensor = ReturnType<TF['tensor']>;
let tf: TF;
const initial = nn.getBackend().name;
beforeAll(async () => {
  tf = await tfReady();
});
afterAll(() => nn.setBackend(initial));

/** Issue 11's bound: same float32 weights, different summation orders. */
const PREDICT_TOLERANCE = 1e-4;
/** The recurrent kernels run tfjs's default gate activation only once 'hardSigmoid' is one of
 *  nativenn's activations (the kernels' branch adds it); until then those cases check the files. */
const HAS_HARD_SIGMOID = (ACTIVATIONS as readonly string[]).includes('hardSigmoid');

const T = 4;
const F = 3;
const VOCAB = 7;

interface Case {
  name: string;
  /** the sample shape */
  inputShape: number[];
  /** inputs are token ids below this (an Embedding first) */
  vocab?: number;
  /** the model runs tfjs's default hard sigmoid gates */
  hardSigmoid?: boolean;
}

/** `rows` samples: values in [-1, 1), or integer ids below c.vocab. */
function inputs(c: Case, rows: number, seed: number): Float32Array {
  const raw = seededValues(rows * c.inputShape.reduce((a, b) => a * b, 1), seed);
  return c.vocab
    ? raw.map((v) => Math.min((c.vocab as number) - 1, Math.floor(((v + 1) / 2) * (c.vocab as number))))
    : raw;
}

const rnnArgs = (returnSequences: boolean, goBackwards: boolean) => ({ units: 3, returnSequences, goBackwards });

// ------------------------------------------------------------------ TensorFlow.js → nativenn

interface TfCase extends Case {
  build: (t: TF) => TfModel;
}

function tfjsCases(): TfCase[] {
  const cases: TfCase[] = [];
  for (const kind of ['simpleRNN', 'lstm', 'gru'] as const)
    for (const returnSequences of [false, true])
      for (const goBackwards of [false, true])
        cases.push({
          name: `${kind}${returnSequences ? ' sequences → flatten' : ''}${goBackwards ? ' goBackwards' : ''} → dense, adam`,
          inputShape: [T, F],
          build: (t) => {
            const gates = kind === 'simpleRNN' ? {} : { recurrentActivation: 'sigmoid' };
            const args = { ...rnnArgs(returnSequences, goBackwards), ...gates, inputShape: [T, F] };
            const m = t.sequential();
            m.add(t.layers[kind](args as never));
            if (returnSequences) m.add(t.layers.flatten());
            m.add(t.layers.dense({ units: 2 }));
            m.compile({ optimizer: t.train.adam(0.01), loss: 'meanSquaredError' });
            return m;
          },
        });
  cases.push(
    {
      name: 'embedding → lstm → dense softmax, rmsprop',
      inputShape: [T],
      vocab: VOCAB,
      build: (t) => {
        const m = t.sequential();
        m.add(t.layers.embedding({ inputDim: VOCAB, outputDim: 4, inputLength: T }));
        m.add(t.layers.lstm({ units: 5, recurrentActivation: 'sigmoid' }));
        m.add(t.layers.dense({ units: 3, activation: 'softmax' }));
        m.compile({ optimizer: t.train.rmsprop(0.01), loss: 'categoricalCrossentropy' });
        return m;
      },
    },
    ...(['concat', 'sum', 'mul', 'ave'] as const).map(
      (mergeMode, i): TfCase => ({
        name: `bidirectional(lstm${i % 2 ? ' sequences' : ''}) ${mergeMode}${i % 2 ? ' → timeDistributed(dense)' : ''} → flatten → dense, adam`,
        inputShape: [T, F],
        build: (t) => {
          const m = t.sequential();
          const layer = t.layers.lstm({ units: 3, returnSequences: i % 2 === 1, recurrentActivation: 'sigmoid' });
          m.add(t.layers.bidirectional({ layer: layer as never, mergeMode, inputShape: [T, F] }));
          if (i % 2) m.add(t.layers.timeDistributed({ layer: t.layers.dense({ units: 2, activation: 'tanh' }) }));
          if (i % 2) m.add(t.layers.flatten());
          m.add(t.layers.dense({ units: 2 }));
          m.compile({ optimizer: t.train.adam(0.01), loss: 'meanSquaredError' });
          return m;
        },
      }),
    ),
    {
      name: 'bidirectional(gru goBackwards) → repeatVector → stacked lstm sequences → lstm → dense, momentum',
      inputShape: [T, F],
      build: (t) => {
        const m = t.sequential();
        const layer = t.layers.gru({ units: 2, goBackwards: true, recurrentActivation: 'sigmoid' });
        m.add(t.layers.bidirectional({ layer: layer as never, inputShape: [T, F] }));
        m.add(t.layers.repeatVector({ n: 3 }));
        m.add(t.layers.lstm({ units: 4, returnSequences: true, recurrentActivation: 'sigmoid' }));
        m.add(t.layers.lstm({ units: 3, recurrentActivation: 'sigmoid', unitForgetBias: true }));
        m.add(t.layers.dense({ units: 2 }));
        m.compile({ optimizer: t.train.momentum(0.05, 0.9), loss: 'meanSquaredError' });
        return m;
      },
    },
    {
      name: 'dense → repeatVector → simpleRNN relu sequences → timeDistributed(dense) → flatten, sgd',
      inputShape: [F],
      build: (t) => {
        const m = t.sequential();
        m.add(t.layers.dense({ units: 3, inputShape: [F] }));
        m.add(t.layers.repeatVector({ n: T }));
        m.add(t.layers.simpleRNN({ units: 2, activation: 'relu', returnSequences: true }));
        m.add(t.layers.timeDistributed({ layer: t.layers.dense({ units: 1 }) }));
        m.add(t.layers.flatten());
        m.compile({ optimizer: t.train.sgd(0.1), loss: 'meanSquaredError' });
        return m;
      },
    },
    {
      name: "lstm and gru with tfjs's default gates (hard sigmoid) → dense, adam",
      inputShape: [T, F],
      hardSigmoid: true,
      build: (t) => {
        const m = t.sequential();
        m.add(t.layers.lstm({ units: 3, returnSequences: true, inputShape: [T, F] }));
        m.add(t.layers.gru({ units: 3 }));
        m.add(t.layers.dense({ units: 2 }));
        m.compile({ optimizer: t.train.adam(0.01), loss: 'meanSquaredError' });
        return m;
      },
    },
  );
  return cases;
}

/** Targets shaped like the model's output: one-hot for a softmax, else values in [-1, 1). */
function targetsFor(outputShape: number[], rows: number, seed: number, softmax: boolean): Float32Array {
  const per = outputShape.reduce((a, b) => a * b, 1);
  const raw = seededValues(rows * per, seed);
  if (!softmax) return raw;
  const y = new Float32Array(rows * per);
  for (let r = 0; r < rows; r++) y[r * per + Math.min(per - 1, Math.floor(((raw[r] + 1) / 2) * per))] = 1;
  return y;
}

interface TfTrained {
  dir: string;
  classes: string[];
  probe: Float32Array;
  predicted: Float32Array;
  outputShape: number[];
  x: Float32Array;
  y: Float32Array;
  /** tfjs's weights after one more full-batch step from the saved state */
  after: Float32Array[];
}
const ROWS = 12;
const PROBE_ROWS = 5;
const trained = new Map<string, Promise<TfTrained>>();

/** The case trained in tfjs and saved with its optimizer (once for all backends). */
function tfjsTrained(c: TfCase): Promise<TfTrained> {
  let p = trained.get(c.name);
  if (!p) {
    p = (async () => {
      const m = c.build(tf);
      const outputShape = (m.outputShape as number[]).slice(1);
      const x = inputs(c, ROWS, 5);
      const y = targetsFor(outputShape, ROWS, 6, c.name.includes('softmax'));
      const xs = () => tf.tensor(x, [ROWS, ...c.inputShape]);
      const ys = () => tf.tensor(y, [ROWS, ...outputShape]);
      await m.fit(xs(), ys(), { epochs: 2, batchSize: 6, verbose: 0 });
      const dir = path.join(await tempDir(), 'tfjs-rnn');
      await tfjsSaveToDir(m, dir, { includeOptimizer: true });
      const probe = inputs(c, PROBE_ROWS, 91);
      const predicted = (m.predict(tf.tensor(probe, [PROBE_ROWS, ...c.inputShape])) as TfTensor).dataSync();
      await m.fit(xs(), ys(), { epochs: 1, batchSize: ROWS, shuffle: false, verbose: 0 });
      const after = m.getWeights().map((w) => w.dataSync() as Float32Array);
      const classes = m.layers.map((l) => l.getClassName());
      return { dir, classes, probe, predicted: predicted as Float32Array, outputShape, x, y, after };
    })();
    trained.set(c.name, p);
  }
  return p;
}

describe('TensorFlow.js → nativenn (recurrent models): files', () => {
  for (const c of tfjsCases()) {
    it(`reads the layers, weights and optimizer state of ${c.name}`, async () => {
      const t = await tfjsTrained(c);
      const model = await nn.loadModel(t.dir);
      expect(model.inputShape).toEqual(c.inputShape);
      expect(model.layers.map((l) => l.className)).toEqual(t.classes);
      expect(model.optimizer?.iterations).toBe(4);
      if (c.hardSigmoid) {
        const gates = model.layers.map((l) => (l as nn.layers.Recurrent).recurrentActivation);
        expect(gates.slice(0, 2)).toEqual(['hardSigmoid', 'hardSigmoid']);
      }
    });
  }
});

describe.each(allBackends.map((b) => [b.name] as const))(
  'TensorFlow.js → nativenn (recurrent models, %s)',
  (backend) => {
    for (const c of tfjsCases()) {
      // Enable once the kernels know 'hardSigmoid' (the kernels' branch): nothing else is missing.
      it.skipIf(c.hardSigmoid && !HAS_HARD_SIGMOID)(
        `a tfjs-trained model predicts the same and trains on like tfjs: ${c.name}`,
        async () => {
          nn.setBackend(backend);
          const t = await tfjsTrained(c);
          const model = await nn.loadModel(t.dir);
          const ours = model.predict(new nn.Tensor(t.probe, [PROBE_ROWS, ...c.inputShape]));
          expect(ours.shape).toEqual([PROBE_ROWS, ...t.outputShape]);
          expect(maxAbsDiff(ours.data, t.predicted)).toBeLessThanOrEqual(PREDICT_TOLERANCE);
          // The restored optimizer state carries on like tfjs's: one more full-batch step.
          await model.fit(new nn.Tensor(t.x, [ROWS, ...c.inputShape]), new nn.Tensor(t.y, [ROWS, ...t.outputShape]), {
            epochs: 1,
            batchSize: ROWS,
            shuffle: false,
            verbose: 0,
          });
          const ws = model.getWeights();
          expect(ws.length).toBe(t.after.length);
          ws.forEach((w, i) => {
            expect(maxAbsDiff(w.data, t.after[i]), `weight ${i}`).toBeLessThan(1e-4);
          });
        },
      );
    }
  },
);

// ------------------------------------------------------------------ nativenn → TensorFlow.js

interface NnCase extends Case {
  build: () => nn.Sequential;
}

const L = nn.layers;
function nativennCases(): NnCase[] {
  const cases: NnCase[] = [];
  let seed = 30;
  const compiled = (layers: nn.layers.Layer[], optimizer: nn.optimizers.Optimizer, loss = 'meanSquaredError') => {
    const m = nn.sequential({ seed: seed++, layers });
    m.compile({ optimizer, loss: loss as 'meanSquaredError' });
    return m;
  };
  for (const kind of ['simpleRNN', 'lstm', 'gru'] as const)
    for (const returnSequences of [false, true])
      for (const goBackwards of [false, true])
        cases.push({
          name: `${kind}${returnSequences ? ' sequences → flatten' : ''}${goBackwards ? ' goBackwards' : ''} → dense, adam`,
          inputShape: [T, F],
          build: () =>
            compiled(
              [
                L[kind]({ ...rnnArgs(returnSequences, goBackwards), inputShape: [T, F] }),
                ...(returnSequences ? [L.flatten()] : []),
                L.dense({ units: 2 }),
              ],
              nn.optimizers.adam({ learningRate: 0.01 }),
            ),
        });
  cases.push(
    {
      name: 'embedding → lstm (L2 kernel, no unit forget bias) → dense softmax, rmsprop',
      inputShape: [T],
      vocab: VOCAB,
      build: () =>
        compiled(
          [
            L.embedding({ inputDim: VOCAB, outputDim: 4, inputLength: T }),
            L.lstm({ units: 5, unitForgetBias: false, kernelRegularizer: nn.regularizers.l2({ l2: 0.001 }) }),
            L.dense({ units: 3, activation: 'softmax' }),
          ],
          nn.optimizers.rmsprop({ learningRate: 0.01 }),
          'categoricalCrossentropy',
        ),
    },
    ...(['concat', 'sum', 'mul', 'ave'] as const).map(
      (mergeMode, i): NnCase => ({
        name: `bidirectional(${i % 2 ? 'gru' : 'lstm'}${i % 2 ? ' sequences' : ''}) ${mergeMode}${i % 2 ? ' → timeDistributed(dense) → flatten' : ''} → dense, adam`,
        inputShape: [T, F],
        build: () =>
          compiled(
            [
              L.bidirectional({
                layer: i % 2 ? L.gru({ units: 3, returnSequences: true }) : L.lstm({ units: 3 }),
                mergeMode,
                inputShape: [T, F],
              }),
              ...(i % 2 ? [L.timeDistributed({ layer: L.dense({ units: 2, activation: 'tanh' }) }), L.flatten()] : []),
              L.dense({ units: 2 }),
            ],
            nn.optimizers.adam({ learningRate: 0.01 }),
          ),
      }),
    ),
    {
      name: 'two bidirectional lstms (automatic names) → repeatVector → stacked lstms → dense, momentum',
      inputShape: [T, F],
      build: () =>
        compiled(
          [
            L.bidirectional({ layer: L.lstm({ units: 2, returnSequences: true }), inputShape: [T, F] }),
            L.bidirectional({ layer: L.lstm({ units: 2, goBackwards: true }), mergeMode: 'sum' }),
            L.repeatVector({ n: 3 }),
            L.lstm({ units: 4, returnSequences: true }),
            L.lstm({ units: 3 }),
            L.dense({ units: 2 }),
          ],
          nn.optimizers.momentum({ learningRate: 0.05, momentum: 0.9 }),
        ),
    },
    {
      name: 'dense → repeatVector → simpleRNN relu sequences → timeDistributed(dense) → flatten, sgd',
      inputShape: [F],
      build: () =>
        compiled(
          [
            L.dense({ units: 3, inputShape: [F] }),
            L.repeatVector({ n: T }),
            L.simpleRNN({ units: 2, activation: 'relu', returnSequences: true }),
            L.timeDistributed({ layer: L.dense({ units: 1 }) }),
            L.flatten(),
          ],
          nn.optimizers.sgd({ learningRate: 0.1 }),
        ),
    },
  );
  return cases;
}

/** The weights manifest of a folder: names and shapes in order. */
async function manifestOf(dir: string): Promise<[string, number[], string | undefined][]> {
  const json = JSON.parse(await fsp.readFile(path.join(dir, 'model.json'), 'utf8'));
  return json.weightsManifest.flatMap((g: { weights: { name: string; shape: number[]; group?: string }[] }) =>
    g.weights.map((w) => [w.name, w.shape, w.group]),
  );
}

describe.each(allBackends.map((b) => [b.name] as const))(
  'nativenn → TensorFlow.js (recurrent models, %s)',
  (backend) => {
    for (const c of nativennCases()) {
      it(`tf.loadLayersModel reads a nativenn-trained model, predicts the same and trains on: ${c.name}`, async () => {
        nn.setBackend(backend);
        const model = c.build();
        const outputShape = model.outputShape;
        const x = inputs(c, ROWS, 7);
        const y = targetsFor(outputShape, ROWS, 8, c.name.includes('softmax'));
        await model.fit(new nn.Tensor(x, [ROWS, ...c.inputShape]), new nn.Tensor(y, [ROWS, ...outputShape]), {
          epochs: 2,
          batchSize: 6,
          seed: 3,
          verbose: 0,
        });
        const dir = path.join(await tempDir(), 'nn-rnn');
        await model.save(dir, { includeOptimizer: true });

        const tfModel = await tfjsLoadFromDir(dir);
        expect(tfModel.layers.map((l) => l.getClassName())).toEqual(model.layers.map((l) => l.className));
        const probe = inputs(c, PROBE_ROWS, 4);
        const ours = model.predict(new nn.Tensor(probe, [PROBE_ROWS, ...c.inputShape])).data;
        const theirs = (tfModel.predict(tf.tensor(probe, [PROBE_ROWS, ...c.inputShape])) as TfTensor).dataSync();
        expect(maxAbsDiff(ours, theirs)).toBeLessThanOrEqual(PREDICT_TOLERANCE);
        // tfjs restored the optimizer: iterations and every slot
        expect(tfModel.optimizer.iterations).toBe(4);
        const tfSlots = (await tfModel.optimizer.getWeights()).slice(1).map((w) => w.tensor.dataSync());
        const slots = model.optimizer?.plan.slots as Float32Array[][];
        const params = slots.length;
        expect(tfSlots.length).toBe(params * (slots[0]?.length ?? 0));
        // tfjs groups them by slot (every m, then every v), nativenn by parameter
        slots.forEach((s, p) => {
          s.forEach((v, k) => expect(Array.from(tfSlots[k * params + p]), `slot ${k} of ${p}`).toEqual(Array.from(v)));
        });

        // tfjs writes the same weight names, shapes and order for the model it read
        const again = path.join(await tempDir(), 'tfjs-again');
        await tfjsSaveToDir(tfModel, again, { includeOptimizer: true });
        expect(await manifestOf(again)).toEqual(await manifestOf(dir));

        const h = await tfModel.fit(tf.tensor(x, [ROWS, ...c.inputShape]), tf.tensor(y, [ROWS, ...outputShape]), {
          epochs: 1,
          verbose: 0,
        });
        expect(Number.isFinite(h.history.loss[0] as number)).toBe(true);
        // and nativenn reads its own file back to the same predictions
        const back = await nn.loadModel(dir);
        const ownAgain = back.predict(new nn.Tensor(probe, [PROBE_ROWS, ...c.inputShape])).data;
        expect(Array.from(ownAgain)).toEqual(Array.from(ours));
      });
    }
  },
);
