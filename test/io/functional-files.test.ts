/** Functional models in the TensorFlow.js Layers format, both ways, against @tensorflow/tfjs:
 *  several inputs and outputs, shared layers, nested models, checkpoints, and bad files. */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import * as nn from '../../src';
import { loadSequentialModel } from '../../src/pipeline';
import { maxAbsDiff, seededValues, tempDir, tfjsLoadFromDir, tfjsSaveToDir, tfReady } from './tfjs-files';

const ROWS = 24;

/** The parts of nn and tf that build a functional model (the same names in both). */
type Lib = {
  input(a: { shape: number[]; name?: string }): any;
  layers: any;
  model(a: any): any;
  sequential(a: any): any;
};

/** Two inputs joined, two heads: a softmax classifier and a linear regressor. */
function twoHeads(lib: Lib, hidden = 'relu') {
  const a = lib.input({ shape: [4], name: 'a' });
  const b = lib.input({ shape: [3], name: 'b' });
  const ha = lib.layers.dense({ units: 6, activation: hidden, name: 'ha' }).apply(a);
  const hb = lib.layers.dense({ units: 3, activation: 'tanh', name: 'hb' }).apply(b);
  const h = lib.layers.concatenate({ name: 'joined' }).apply([ha, hb]);
  const cls = lib.layers.dense({ units: 3, activation: 'softmax', name: 'cls' }).apply(h);
  const reg = lib.layers.dense({ units: 1, name: 'reg' }).apply(h);
  return lib.model({ inputs: [a, b], outputs: [cls, reg], name: 'two_heads' });
}

/** A shared layer read by both inputs, and a Sequential model applied to each of its outputs. */
function sharedAndNested(lib: Lib) {
  const a = lib.input({ shape: [4], name: 'a' });
  const b = lib.input({ shape: [4], name: 'b' });
  const shared = lib.layers.dense({ units: 5, activation: 'tanh', name: 'shared' });
  const inner = lib.sequential({
    name: 'inner',
    layers: [
      lib.layers.dense({ units: 4, activation: 'relu', inputShape: [5], name: 'inner_1' }),
      lib.layers.dense({ units: 3, name: 'inner_2' }),
    ],
  });
  const sum = lib.layers.add({ name: 'sum' }).apply([inner.apply(shared.apply(a)), inner.apply(shared.apply(b))]);
  const out = lib.layers.dense({ units: 2, activation: 'sigmoid', name: 'out' }).apply(sum);
  return lib.model({ inputs: [a, b], outputs: out, name: 'shared_nested' });
}

function data(seed: number) {
  const a = seededValues(ROWS * 4, seed);
  const b = seededValues(ROWS * 3, seed + 1);
  const cls = new Float32Array(ROWS * 3);
  const reg = new Float32Array(ROWS);
  for (let r = 0; r < ROWS; r++) {
    cls[r * 3 + (Math.abs(Math.floor((a[r * 4] + b[r * 3]) * 3)) % 3)] = 1;
    reg[r] = a[r * 4 + 1] - 0.5 * b[r * 3 + 2];
  }
  return { a, b, cls, reg };
}

const nnTensors = (d: ReturnType<typeof data>) => ({
  x: [nn.tensor2d(d.a, [ROWS, 4]), nn.tensor2d(d.b, [ROWS, 3])],
  y: [nn.tensor2d(d.cls, [ROWS, 3]), nn.tensor2d(d.reg, [ROWS, 1])],
});

async function tfTensors(d: ReturnType<typeof data>) {
  const t = await tfReady();
  return {
    x: [t.tensor2d(d.a, [ROWS, 4]), t.tensor2d(d.b, [ROWS, 3])],
    y: [t.tensor2d(d.cls, [ROWS, 3]), t.tensor2d(d.reg, [ROWS, 1])],
  };
}

const values = (ts: nn.Tensor | nn.Tensor[]) => (Array.isArray(ts) ? ts : [ts]).map((t) => Array.from(t.data));
const tfValues = (ts: tf.Tensor | tf.Tensor[]) =>
  (Array.isArray(ts) ? ts : [ts]).map((t) => Array.from(t.dataSync() as Float32Array));

function expectClose(a: number[][], b: number[][], tol: number): void {
  expect(a.length).toBe(b.length);
  a.forEach((v, i) => {
    expect(maxAbsDiff(v, b[i])).toBeLessThanOrEqual(tol);
  });
}

function asFunctional(m: nn.Sequential | nn.Functional): nn.Functional {
  expect(m).toBeInstanceOf(nn.Functional);
  return m as nn.Functional;
}

describe('tfjs → nativenn', () => {
  it('a two-input, two-output model trained and saved by tfjs loads, predicts, evaluates and trains on as in tfjs', async () => {
    const t = await tfReady();
    const model = twoHeads(t as unknown as Lib) as tf.LayersModel;
    model.compile({
      optimizer: t.train.adam(0.01),
      loss: ['categoricalCrossentropy', 'meanSquaredError'],
      metrics: ['accuracy'],
    });
    const d = data(1);
    const tt = await tfTensors(d);
    await model.fit(tt.x, tt.y, { epochs: 3, batchSize: 8, verbose: 0, shuffle: false });
    const dir = await tempDir();
    await tfjsSaveToDir(model, dir, { includeOptimizer: true });
    const json = JSON.parse(await fsp.readFile(path.join(dir, 'model.json'), 'utf8'));
    expect(json.modelTopology.class_name).toBe('Model');

    const back = asFunctional(await nn.loadModel(dir));
    const n = nnTensors(d);
    expect(back.inputNames).toEqual(['a', 'b']);
    expect(back.outputNames).toEqual(['cls', 'reg']);
    expectClose(values(back.predict(n.x)), tfValues(model.predict(tt.x) as tf.Tensor[]), 1e-4);
    // the training config: both losses, the metric per output
    // tfjs 4.22 returns one value more than its metricsNames (a leading one): the last ones are named
    const tfAll = (model.evaluate(tt.x, tt.y) as tf.Scalar[]).map((s) => s.dataSync()[0]);
    const tfEval = tfAll.slice(tfAll.length - model.metricsNames.length);
    expect(model.metricsNames.slice(0, 3)).toEqual(['loss', 'cls_loss', 'reg_loss']);
    const ev = back.evaluate(n.x, n.y);
    expect(Object.keys(ev)).toEqual(['loss', 'cls_loss', 'reg_loss', 'cls_accuracy', 'reg_accuracy']);
    expect(maxAbsDiff([ev.loss, ev.cls_loss, ev.reg_loss], tfEval.slice(0, 3))).toBeLessThanOrEqual(1e-4);
    // the Adam state: one more step on each side lands on the same weights
    expect(back.optimizer?.iterations).toBe(9);
    await model.trainOnBatch(tt.x, tt.y);
    await back.trainOnBatch(n.x, n.y);
    expectClose(values(back.predict(n.x)), tfValues(model.predict(tt.x) as tf.Tensor[]), 1e-4);
  });

  it('a shared layer and a nested Sequential applied twice (node indices from 1) load and predict as in tfjs', async () => {
    const t = await tfReady();
    const model = sharedAndNested(t as unknown as Lib) as tf.LayersModel;
    const dir = await tempDir();
    await tfjsSaveToDir(model, dir);
    const json = JSON.parse(await fsp.readFile(path.join(dir, 'model.json'), 'utf8'));
    const inner = json.modelTopology.config.layers.find((l: { name: string }) => l.name === 'inner');
    expect(inner.class_name).toBe('Sequential');
    expect(inner.inbound_nodes).toHaveLength(2);
    const back = asFunctional(await nn.loadModel(dir));
    expect(back.layers.map((l) => l.name)).toEqual(['shared', 'inner_1', 'inner_2', 'sum', 'out']);
    const a = seededValues(ROWS * 4, 5);
    const b = seededValues(ROWS * 4, 6);
    const want = tfValues(model.predict([t.tensor2d(a, [ROWS, 4]), t.tensor2d(b, [ROWS, 4])]) as tf.Tensor);
    expectClose(values(back.predict([nn.tensor2d(a, [ROWS, 4]), nn.tensor2d(b, [ROWS, 4])])), want, 1e-5);
  });

  it('a functional model nested in a functional model is inlined', async () => {
    const t = await tfReady();
    const x = t.input({ shape: [3], name: 'x_in' });
    const sub = t.model({
      name: 'sub',
      inputs: x,
      outputs: t.layers.dense({ units: 4, activation: 'relu', name: 'sub_d' }).apply(x) as tf.SymbolicTensor,
    });
    const a = t.input({ shape: [3], name: 'outer_a' });
    const h = sub.apply(a) as tf.SymbolicTensor;
    const out = t.layers.dense({ units: 2, name: 'outer_d' }).apply(h) as tf.SymbolicTensor;
    const model = t.model({ inputs: a, outputs: out });
    const dir = await tempDir();
    await tfjsSaveToDir(model, dir);
    const back = asFunctional(await nn.loadModel(dir));
    const v = seededValues(ROWS * 3, 9);
    const want = tfValues(model.predict(t.tensor2d(v, [ROWS, 3])) as tf.Tensor);
    expectClose(values(back.predict(nn.tensor2d(v, [ROWS, 3]))), want, 1e-5);
  });
});

describe('nativenn → tfjs and back', () => {
  it('a nativenn-trained two-head model (a leakyRelu layer written as Dense + LeakyReLU) loads in tfjs and predicts the same', async () => {
    const m = twoHeads(nn as unknown as Lib, 'leakyRelu') as nn.Functional;
    m.compile({
      optimizer: nn.optimizers.adam({ learningRate: 0.01 }),
      loss: ['categoricalCrossentropy', 'meanSquaredError'],
      lossWeights: [1, 0.5],
      metrics: { cls: ['accuracy'], reg: ['mae'] },
    });
    const d = data(2);
    const n = nnTensors(d);
    await m.fit(n.x, n.y, { epochs: 3, batchSize: 8, verbose: 0, seed: 1 });
    const dir = path.join(await tempDir(), 'm');
    await m.save(dir);
    const json = JSON.parse(await fsp.readFile(path.join(dir, 'model.json'), 'utf8'));
    expect(json.modelTopology.class_name).toBe('Model');
    expect(json.modelTopology.config.layers.map((l: { class_name: string }) => l.class_name)).toEqual([
      'InputLayer',
      'InputLayer',
      'Dense',
      'LeakyReLU',
      'Dense',
      'Concatenate',
      'Dense',
      'Dense',
    ]);
    expect(json.trainingConfig.loss).toEqual(['categorical_crossentropy', 'mean_squared_error']);
    expect(json.trainingConfig.metrics).toEqual({ cls: ['accuracy'], reg: ['mae'] });
    expect(json.trainingConfig.nativenn.loss_weights).toEqual([1, 0.5]);

    const tm = await tfjsLoadFromDir(dir);
    const tt = await tfTensors(d);
    expectClose(tfValues(tm.predict(tt.x) as tf.Tensor[]), values(m.predict(n.x)), 1e-4);

    const back = asFunctional(await nn.loadModel(dir));
    expect(back.layers.map((l) => l.name)).toEqual(['ha', 'leaky_re_lu_1', 'hb', 'joined', 'cls', 'reg']);

    // a checkpoint (without lossWeights, which tfjs cannot load): tfjs restores the Adam state and
    // takes the same next step
    const m2 = twoHeads(nn as unknown as Lib) as nn.Functional;
    m2.compile({ optimizer: 'adam', loss: ['categoricalCrossentropy', 'meanSquaredError'] });
    await m2.fit(n.x, n.y, { epochs: 2, batchSize: 8, verbose: 0, seed: 1 });
    const ckpt = path.join(await tempDir(), 'ckpt');
    await m2.save(ckpt, { includeOptimizer: true });
    const tc = await tfjsLoadFromDir(ckpt);
    const resumed = asFunctional(await nn.loadModel(ckpt));
    await tc.trainOnBatch(tt.x, tt.y);
    await resumed.trainOnBatch(n.x, n.y);
    expectClose(tfValues(tc.predict(tt.x) as tf.Tensor[]), values(resumed.predict(n.x)), 1e-4);
    expect(values(back.predict(n.x))).toEqual(values(m.predict(n.x)));
    expect(back.evaluate(n.x, n.y)).toEqual(m.evaluate(n.x, n.y));
  });

  it('a shared layer and a nested Sequential (inlined by apply) round-trip through nativenn and tfjs', async () => {
    const m = sharedAndNested(nn as unknown as Lib) as nn.Functional;
    const dir = path.join(await tempDir(), 'm');
    await m.save(dir);
    const json = JSON.parse(await fsp.readFile(path.join(dir, 'model.json'), 'utf8'));
    const byName = (name: string) => json.modelTopology.config.layers.find((l: { name: string }) => l.name === name);
    expect(byName('shared').inbound_nodes).toEqual([[['a', 0, 0, {}]], [['b', 0, 0, {}]]]);
    expect(byName('sum').inbound_nodes).toEqual([
      [
        ['inner_2', 0, 0, {}],
        ['inner_2', 1, 0, {}],
      ],
    ]);
    const a = nn.tensor2d(seededValues(ROWS * 4, 7), [ROWS, 4]);
    const b = nn.tensor2d(seededValues(ROWS * 4, 8), [ROWS, 4]);
    const back = asFunctional(await nn.loadModel(dir));
    expect(values(back.predict([a, b]))).toEqual(values(m.predict([a, b])));
    const t = await tfReady();
    const tm = await tfjsLoadFromDir(dir);
    const want = tfValues(tm.predict([t.tensor2d(a.data, [ROWS, 4]), t.tensor2d(b.data, [ROWS, 4])]) as tf.Tensor);
    expectClose(values(m.predict([a, b])), want, 1e-5);
  });

  it('includeOptimizer resumes training exactly where the uninterrupted run goes', async () => {
    const build = () => {
      const a = nn.input({ shape: [4], name: 'a' });
      const b = nn.input({ shape: [3], name: 'b' });
      const h = nn.layers.concatenate().apply([nn.layers.dense({ units: 8, activation: 'relu' }).apply(a), b]);
      const dropped = nn.layers.dropout({ rate: 0.2 }).apply(h);
      const cls = nn.layers.dense({ units: 3, activation: 'softmax', name: 'cls' }).apply(dropped);
      const reg = nn.layers.dense({ units: 1, name: 'reg' }).apply(h);
      const m = nn.model({ inputs: [a, b], outputs: [cls, reg], seed: 11 });
      m.compile({
        optimizer: nn.optimizers.rmsprop({ learningRate: 0.01, momentum: 0.5 }),
        loss: ['categoricalCrossentropy', 'meanSquaredError'],
        lossWeights: [1, 2],
        metrics: [['accuracy'], []],
      });
      return m;
    };
    const n = nnTensors(data(3));
    const fitOptions = { epochs: 4, batchSize: 8, verbose: 0 as const, seed: 5 };
    // the uninterrupted run writes a checkpoint every epoch (modelCheckpoint calls model.save)
    const root = await tempDir();
    const uninterrupted = build();
    const ckpt = nn.callbacks.modelCheckpoint({ dir: path.join(root, 'epoch-{epoch}') });
    const full = await uninterrupted.fit(n.x, n.y, { ...fitOptions, callbacks: [ckpt] });
    const resumed = asFunctional(await nn.loadModel(path.join(root, 'epoch-2')));
    expect(resumed.optimizer?.iterations).toBe(2 * 3);
    const rest = await resumed.fit(n.x, n.y, { ...fitOptions, initialEpoch: 2 });
    expect(resumed.getWeights().map((w) => Array.from(w.data))).toEqual(
      uninterrupted.getWeights().map((w) => Array.from(w.data)),
    );
    expect(rest.history.loss).toEqual(full.history.loss.slice(2));
    expect(rest.history.cls_accuracy).toEqual(full.history.cls_accuracy.slice(2));
    // the state matters: without it the same resume ends elsewhere
    const stateless = path.join(root, 'stateless');
    await (await nn.loadModel(path.join(root, 'epoch-2'))).save(stateless);
    const fresh = asFunctional(await nn.loadModel(stateless));
    await fresh.fit(n.x, n.y, { ...fitOptions, initialEpoch: 2 });
    expect(fresh.getWeights().map((w) => Array.from(w.data))).not.toEqual(
      uninterrupted.getWeights().map((w) => Array.from(w.data)),
    );
  });

  it('save refuses a model input named like a layer (a file names each once) and writes nothing', async () => {
    const a = nn.input({ shape: [2], name: 'same' });
    const m = nn.model({ inputs: a, outputs: nn.layers.dense({ units: 1, name: 'same' }).apply(a) });
    const dir = path.join(await tempDir(), 'm');
    await expect(m.save(dir)).rejects.toThrow(/save: a model input and a layer share a name/);
    await expect(fsp.stat(dir)).rejects.toThrow(/ENOENT/);
  });

  it('pipelines and the CLI, which take Sequential models, name a functional file instead of failing later', async () => {
    const m = sharedAndNested(nn as unknown as Lib) as nn.Functional;
    const dir = path.join(await tempDir(), 'm');
    await m.save(dir);
    await expect(loadSequentialModel(dir, 'predict')).rejects.toThrow(
      /predict: .* holds a functional model \("shared_nested"\); predict works with Sequential models only/,
    );
  });
});

describe('Keras 3 spelling', () => {
  type Entry = { name: string; class_name: string; config: Record<string, unknown>; inbound_nodes: unknown[] };
  /** A Keras 2 / tfjs topology rewritten as Keras 3 writes it: {args, kwargs} nodes, batch_shape,
   *  and a nested Sequential's nodes counted from 0. Listed in reverse: the file order is free. */
  function toKeras3(top: { class_name: string; keras_version: string; config: { layers: Entry[] } }): void {
    top.class_name = 'Functional';
    top.keras_version = '3.5.0';
    const sequential = new Set(top.config.layers.filter((l) => l.class_name === 'Sequential').map((l) => l.name));
    const tensor = (r: [string, number, number]) => ({
      class_name: '__keras_tensor__',
      config: {
        shape: [null, 1],
        dtype: 'float32',
        keras_history: [r[0], r[1] - (sequential.has(r[0]) ? 1 : 0), r[2]],
      },
    });
    for (const l of top.config.layers) {
      if (l.class_name === 'InputLayer') {
        l.config.batch_shape = l.config.batch_input_shape;
        delete l.config.batch_input_shape;
      }
      l.inbound_nodes = (l.inbound_nodes as [string, number, number][][]).map((node) => ({
        args: node.length === 1 ? [tensor(node[0])] : [node.map(tensor)],
        kwargs: {},
      }));
    }
    top.config.layers.reverse();
  }

  it('reads inbound nodes as {args, kwargs} with __keras_tensor__, InputLayer batch_shape, any layer order', async () => {
    const m = twoHeads(nn as unknown as Lib) as nn.Functional;
    const dir = path.join(await tempDir(), 'm');
    await m.save(dir);
    const file = path.join(dir, 'model.json');
    const json = JSON.parse(await fsp.readFile(file, 'utf8'));
    toKeras3(json.modelTopology);
    await fsp.writeFile(file, JSON.stringify(json));
    const back = asFunctional(await nn.loadModel(dir));
    const n = nnTensors(data(4));
    expect(values(back.predict(n.x))).toEqual(values(m.predict(n.x)));
  });

  it("counts a nested Sequential's nodes from 0, and finds its weights named through it (inner/inner_1/kernel)", async () => {
    const t = await tfReady();
    const model = sharedAndNested(t as unknown as Lib) as tf.LayersModel;
    const dir = await tempDir();
    await tfjsSaveToDir(model, dir);
    const file = path.join(dir, 'model.json');
    const json = JSON.parse(await fsp.readFile(file, 'utf8'));
    toKeras3(json.modelTopology);
    for (const w of json.weightsManifest[0].weights) if (w.name.startsWith('inner_')) w.name = `inner/${w.name}`;
    await fsp.writeFile(file, JSON.stringify(json));
    const back = asFunctional(await nn.loadModel(dir));
    const a = seededValues(ROWS * 4, 5);
    const b = seededValues(ROWS * 4, 6);
    const want = tfValues(model.predict([t.tensor2d(a, [ROWS, 4]), t.tensor2d(b, [ROWS, 4])]) as tf.Tensor);
    expectClose(values(back.predict([nn.tensor2d(a, [ROWS, 4]), nn.tensor2d(b, [ROWS, 4])])), want, 1e-5);
  });
});

describe('bad functional files', () => {
  type Top = {
    config: {
      layers: { name: string; class_name: string; config: Record<string, unknown>; inbound_nodes: unknown[][][] }[];
      input_layers: unknown[];
      output_layers: unknown[];
    };
  };
  async function badFile(edit: (top: Top) => void): Promise<string> {
    const a = nn.input({ shape: [4], name: 'a' });
    const b = nn.input({ shape: [4], name: 'b' });
    const d1 = nn.layers.dense({ units: 4, name: 'd1' }).apply(a);
    const d2 = nn.layers.dense({ units: 4, name: 'd2' }).apply(d1);
    const sum = nn.layers.add({ name: 'sum' }).apply([d2, b]);
    const m = nn.model({ inputs: [a, b], outputs: nn.layers.dense({ units: 2, name: 'out' }).apply(sum) });
    const dir = path.join(await tempDir(), 'bad');
    await m.save(dir);
    const file = path.join(dir, 'model.json');
    const json = JSON.parse(await fsp.readFile(file, 'utf8'));
    edit(json.modelTopology);
    await fsp.writeFile(file, JSON.stringify(json));
    return dir;
  }
  const layer = (top: Top, name: string) =>
    top.config.layers.find((l) => l.name === name) as Top['config']['layers'][0];

  const CASES: [string, (top: Top) => void, RegExp][] = [
    [
      'an inbound layer that does not exist',
      (top) => {
        layer(top, 'd2').inbound_nodes[0][0][0] = 'nope';
      },
      /layers\[3\]\.inbound_nodes\[0\]\[0\]: there is no layer "nope"/,
    ],
    [
      'a cycle',
      (top) => {
        layer(top, 'd1').inbound_nodes[0][0][0] = 'd2';
      },
      /layers\[2\]\.inbound_nodes\[0\]: layer "d1" is part of a cycle/,
    ],
    [
      'an output not reachable from the inputs (an InputLayer not among input_layers)',
      (top) => {
        top.config.layers.push({
          name: 'stray',
          class_name: 'InputLayer',
          config: { batch_input_shape: [null, 4], dtype: 'float32', name: 'stray' },
          inbound_nodes: [],
        });
        layer(top, 'd1').inbound_nodes[0][0][0] = 'stray';
      },
      /"stray" node 0 is not made from this model's inputs/,
    ],
    [
      'an output that is a model input',
      (top) => {
        top.config.output_layers = [['a', 0, 0]];
      },
      /output_layers\[0\]: "a" is a model input/,
    ],
    [
      'an input named twice',
      (top) => {
        top.config.input_layers = [
          ['a', 0, 0],
          ['a', 0, 0],
        ];
      },
      /input_layers\[1\]: input "a" is listed twice/,
    ],
    [
      'a node index out of range',
      (top) => {
        layer(top, 'sum').inbound_nodes[0][0][1] = 3;
      },
      /inbound_nodes\[0\]\[0\]: layer "d2" has no node 3 \(it has nodes 0 to 0\)/,
    ],
    [
      'a tensor index out of range',
      (top) => {
        layer(top, 'sum').inbound_nodes[0][0][2] = 1;
      },
      /inbound_nodes\[0\]\[0\]: layer "d2" makes 1 tensor\(s\); there is no tensor 1/,
    ],
    [
      'call arguments',
      (top) => {
        layer(top, 'd2').inbound_nodes[0][0][3] = { training: true };
      },
      /inbound_nodes\[0\]\[0\]\[3\]: call argument "training" is not supported/,
    ],
    [
      'a merge of mismatched shapes',
      (top) => {
        layer(top, 'b').config.batch_input_shape = [null, 5];
      },
      /layers\[4\]\.inbound_nodes\[0\]: sum: every input must have the same shape/,
    ],
    [
      'two layers of one name',
      (top) => {
        layer(top, 'd2').name = 'd1';
        layer(top, 'd1').config.name = 'd1';
      },
      /duplicate layer name "d1"|differs from its config's name/,
    ],
    [
      'a layer on no path to an output',
      (top) => {
        top.config.output_layers = [['d2', 0, 0]];
      },
      /layer "sum" is on no path from the inputs to an output/,
    ],
  ];
  it('models nested in models, each applied many times, are refused before their applications multiply', async () => {
    const chain = (name: string, inner: object, n: number) => ({
      name,
      layers: [
        {
          name: `${name}_in`,
          class_name: 'InputLayer',
          config: { batch_input_shape: [null, 2], name: `${name}_in` },
          inbound_nodes: [],
        },
        {
          ...inner,
          inbound_nodes: Array.from({ length: n }, (_, k) => [
            k === 0 ? [`${name}_in`, 0, 0, {}] : [(inner as { name: string }).name, k, 0, {}],
          ]),
        },
      ],
      input_layers: [[`${name}_in`, 0, 0]],
      output_layers: [[(inner as { name: string }).name, n, 0]],
    });
    const dense = { name: 'd', class_name: 'Dense', config: { name: 'd', units: 2 } };
    const m2 = { name: 'm2', class_name: 'Model', config: chain('m2', dense, 1) };
    (m2.config.layers[1] as { inbound_nodes: unknown[] }).inbound_nodes = [[['m2_in', 0, 0, {}]]];
    m2.config.output_layers = [['d', 0, 0]];
    const m1 = { name: 'm1', class_name: 'Model', config: chain('m1', m2, 400) };
    const top = { class_name: 'Model', config: chain('top', m1, 400), keras_version: 'x', backend: 'x' };
    const dir = await tempDir();
    await fsp.writeFile(
      path.join(dir, 'model.json'),
      JSON.stringify({ modelTopology: top, format: 'layers-model', weightsManifest: [{ paths: [], weights: [] }] }),
    );
    await expect(nn.loadModel(dir)).rejects.toThrow(/applies layers more than 100000 times/);
  });

  for (const [label, edit, message] of CASES) {
    it(`${label}: a ModelFileError naming the place`, async () => {
      const dir = await badFile(edit);
      const err = await nn.loadModel(dir).catch((e) => e);
      expect(err).toBeInstanceOf(nn.ModelFileError);
      expect(err.message).toMatch(message);
      expect(err.message).toMatch(/model\.json/);
    });
  }
});
