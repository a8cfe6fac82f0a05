/**
 * trainingConfig ⇄ TrainingSpec: loss, metrics and optimizer, in tfjs's spelling (snake_case loss
 * names, optimizer class names SGD / Momentum / Adam / RMSProp / Adagrad with camelCase configs,
 * as tfjs's Optimizer.getConfig() writes them, so that tf.loadLayersModel compiles the model).
 *
 * What tfjs has no name for is written twice: a portable stand-in tfjs can load, and the exact
 * setting under `trainingConfig.nativenn`, which nativenn prefers and tfjs ignores:
 * - AdamW → optimizer_config Adam (tfjs trains without the decoupled weight decay);
 * - binaryCrossentropyFromLogits → loss binary_crossentropy.
 */
import type { LossName } from '../backend';
import { OPTIMIZER_DEFAULTS } from '../optimizers';
import type { KerasObject, OptimizerSpec, TrainingConfigJson, TrainingSpec } from './format';
import { isPlainObject, ModelFileError, StrictObject } from './strict';

const LOSS_FROM_FILE: Record<string, LossName> = {
  mean_squared_error: 'meanSquaredError',
  meanSquaredError: 'meanSquaredError',
  mse: 'meanSquaredError',
  binary_crossentropy: 'binaryCrossentropy',
  binaryCrossentropy: 'binaryCrossentropy',
  categorical_crossentropy: 'categoricalCrossentropy',
  categoricalCrossentropy: 'categoricalCrossentropy',
  sparse_categorical_crossentropy: 'sparseCategoricalCrossentropy',
  sparseCategoricalCrossentropy: 'sparseCategoricalCrossentropy',
  binaryCrossentropyFromLogits: 'binaryCrossentropyFromLogits',
};
const LOSS_TO_FILE: Record<LossName, string> = {
  meanSquaredError: 'mean_squared_error',
  binaryCrossentropy: 'binary_crossentropy',
  binaryCrossentropyFromLogits: 'binary_crossentropy',
  categoricalCrossentropy: 'categorical_crossentropy',
  sparseCategoricalCrossentropy: 'sparse_categorical_crossentropy',
};
/** File metric name → nativenn compile key (history keeps 'acc' as 'acc', like Keras). */
const METRIC_FROM_FILE: Record<string, string> = {
  accuracy: 'accuracy',
  acc: 'acc',
  categorical_accuracy: 'accuracy',
  categoricalAccuracy: 'accuracy',
  binary_accuracy: 'accuracy',
  binaryAccuracy: 'accuracy',
  sparse_categorical_accuracy: 'accuracy',
  sparseCategoricalAccuracy: 'accuracy',
  mse: 'mse',
  mean_squared_error: 'mse',
  meanSquaredError: 'mse',
  mae: 'mae',
  mean_absolute_error: 'mae',
  meanAbsoluteError: 'mae',
};
/** Metrics computed over the whole set (src/metrics): written under trainingConfig.nativenn.metrics,
 *  since tfjs would refuse to compile names it lacks (f1, auc, r2). */
const WHOLE_SET_METRICS = new Set([
  'precision',
  'recall',
  'f1',
  'f1Score',
  'auc',
  'mape',
  'meanAbsolutePercentageError',
  'r2',
  'r2Score',
]);
/** nativenn compile key → the name written (tfjs compiles mse/mae, not meanSquaredError). */
const METRIC_TO_FILE: Record<string, string> = { meanSquaredError: 'mse', meanAbsoluteError: 'mae' };

/** Defaults of OptimizerSpec fields an optimizer does not use. */
const { learningRate: _unused, ...BASE_SETTINGS } = OPTIMIZER_DEFAULTS;
const BASE: Omit<OptimizerSpec, 'kind' | 'learningRate'> = { ...BASE_SETTINGS, initialAccumulatorValue: 0.1 };

function lookup<T>(table: Record<string, T>, key: string, what: string, where: string): T {
  if (!Object.hasOwn(table, key)) {
    throw new ModelFileError(
      `${where}: unsupported ${what} "${key}" (supported: ${[...new Set(Object.keys(table))].join(', ')})`,
    );
  }
  return table[key];
}

/** snake_case keys (Keras Python) → camelCase (tfjs), as tfjs's convertPythonicToTs does. */
function camelKeys(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) out[k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase())] = v;
  return out;
}

/** Keras (Python) optimizer keys a converted file may carry: informational ones are skipped, and
 *  features nativenn lacks are accepted only when off (null / false / 0). */
const KERAS_INFO = ['name', 'jitCompile', 'isLegacyOptimizer', 'emaMomentum', 'emaOverwriteFrequency'];
const KERAS_OFF = ['globalClipnorm', 'useEma', 'decay'];

function checkKerasExtras(c: StrictObject, skip: string[]): void {
  c.ignore(...KERAS_INFO);
  for (const k of KERAS_OFF) {
    if (skip.includes(k) || !c.has(k)) continue;
    const v = c.raw(k);
    if (v !== null && v !== false && v !== 0)
      throw new ModelFileError(`${c.at(k)}: ${k} is not supported (got ${JSON.stringify(v)})`);
  }
}

function decodeOptimizer(v: unknown, where: string): OptimizerSpec {
  const outer = StrictObject.of(v, where);
  const className = outer.string('class_name');
  const c = new StrictObject(
    camelKeys(StrictObject.of(outer.raw('config'), outer.at('config')).obj),
    outer.at('config'),
  );
  outer.ignore('module', 'registered_name');
  outer.done();
  const learningRate = c.setting('learningRate', 'learningRate', className === 'SGD' ? 0.01 : 0.001);
  const eps = () => c.setting('epsilon', 'epsilon', 1e-7, true);
  const wd = () =>
    c.has('weightDecay') && c.raw('weightDecay') !== null ? c.setting('weightDecay', 'weightDecay') : 0;
  let spec: OptimizerSpec;
  const skip: string[] = [];
  switch (className) {
    case 'SGD': {
      // Keras' SGD carries momentum/nesterov; tfjs's has only a learning rate.
      const momentum = c.setting('momentum', 'momentum', 0);
      const nesterov = c.boolean('nesterov', false);
      spec =
        momentum > 0 || nesterov
          ? { ...BASE, kind: 'momentum', learningRate, momentum, nesterov }
          : { ...BASE, kind: 'sgd', learningRate };
      break;
    }
    case 'Momentum':
      spec = {
        ...BASE,
        kind: 'momentum',
        learningRate,
        momentum: c.setting('momentum', 'momentum'),
        nesterov: c.boolean('useNesterov', false),
      };
      break;
    case 'Adam':
    case 'AdamW': {
      const weightDecay = wd();
      if (className === 'Adam' && weightDecay !== 0)
        throw new ModelFileError(`${c.at('weightDecay')}: Adam with weight_decay is not supported (use AdamW)`);
      spec = {
        ...BASE,
        kind: className === 'Adam' ? 'adam' : 'adamw',
        learningRate,
        beta1: c.setting('beta1', 'beta1', 0.9),
        beta2: c.setting('beta2', 'beta2', 0.999),
        epsilon: eps(),
        weightDecay,
      };
      if (c.has('amsgrad') && c.boolean('amsgrad'))
        throw new ModelFileError(`${c.at('amsgrad')}: AMSGrad is not supported`);
      break;
    }
    case 'RMSProp':
    case 'RMSprop': {
      // tfjs calls rho "decay"; Keras calls it rho (and a legacy "decay" is a learning-rate decay).
      const rhoKey = c.has('rho') ? 'rho' : 'decay';
      spec = {
        ...BASE,
        kind: 'rmsprop',
        learningRate,
        rho: c.setting(rhoKey, 'rho', 0.9),
        momentum: c.setting('momentum', 'momentum', 0),
        epsilon: eps(),
      };
      if (c.has('centered') && c.boolean('centered'))
        throw new ModelFileError(`${c.at('centered')}: centered RMSProp is not supported`);
      if (rhoKey === 'decay') skip.push('decay');
      break;
    }
    case 'Adagrad':
      spec = {
        ...BASE,
        kind: 'adagrad',
        learningRate,
        epsilon: eps(),
        initialAccumulatorValue: c.setting('initialAccumulatorValue', 'initialAccumulatorValue', 0.1),
      };
      break;
    default:
      throw new ModelFileError(
        `${outer.at('class_name')}: unsupported optimizer "${className}" (supported: SGD, Momentum, Adam, AdamW, RMSProp, Adagrad)`,
      );
  }
  // Keras clipping (null when off); nativenn applies it per parameter before the update.
  for (const key of ['clipnorm', 'clipvalue'] as const)
    spec[key] = c.has(key) && c.raw(key) !== null ? c.setting(key, 'clip') : 0;
  checkKerasExtras(c, skip);
  if (spec.kind !== 'adam' && spec.kind !== 'adamw' && c.has('weightDecay') && wd() !== 0) {
    throw new ModelFileError(`${c.at('weightDecay')}: weight_decay is only supported with AdamW`);
  }
  c.done();
  return spec;
}

/** metrics: a list, or (tfjs, per output) an object of names or lists; a Sequential model has one
 *  output, so the object's values are flattened. null/absent: none. */
function metricList(v: unknown, where: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v;
  if (typeof v === 'object') {
    const values = Object.values(v as Record<string, unknown>);
    if (values.length > 1)
      throw new ModelFileError(`${where}: metrics for ${values.length} outputs; a Sequential model has one`);
    return values.flatMap((x) => (Array.isArray(x) ? x : [x]));
  }
  throw new ModelFileError(`${where} must be an array of metric names, got ${typeof v}`);
}

/** The metric list of one file entry: names mapped to compile keys. */
function metricKeys(raw: unknown[], where: string): string[] {
  return raw.map((m, i) => {
    if (typeof m !== 'string') throw new ModelFileError(`${where}[${i}] must be a string`);
    return lookup(METRIC_FROM_FILE, m, 'metric', `${where}[${i}]`);
  });
}

/** A per-output setting (functional models): one value for every output, a list in output order,
 *  or an object keyed by output layer name. */
function perOutput(v: unknown, where: string, outputs: string[], one: (x: unknown) => boolean): unknown[] {
  if (one(v)) return outputs.map(() => v);
  if (Array.isArray(v)) {
    if (v.length !== outputs.length)
      throw new ModelFileError(`${where} must have one entry per output (${outputs.length}), got ${v.length}`);
    return v;
  }
  if (isPlainObject(v)) {
    const unknown = Object.keys(v).find((k) => !outputs.includes(k));
    if (unknown !== undefined)
      throw new ModelFileError(`${where} names "${unknown}", which is not an output (${outputs.join(', ')})`);
    return outputs.map((o) => {
      if (!Object.hasOwn(v, o)) throw new ModelFileError(`${where} has no entry for output "${o}"`);
      return v[o];
    });
  }
  throw new ModelFileError(`${where} must be given per output, got ${JSON.stringify(v)?.slice(0, 80)}`);
}

/** Loss, weight and metrics of each output of a functional model (`outputs`: its output layer names). */
function decodeOutputs(o: StrictObject, ext: StrictObject | null, outputs: string[]): TrainingSpec['outputs'] {
  const lossKey = ext?.has('loss') ? ext : o;
  const losses = perOutput(lossKey.required('loss'), lossKey.at('loss'), outputs, (x) => typeof x === 'string').map(
    (l, k) => {
      if (typeof l !== 'string')
        throw new ModelFileError(`${lossKey.at('loss')}: the loss of "${outputs[k]}" must be a name`);
      return lookup(LOSS_FROM_FILE, l, 'loss', `${lossKey.at('loss')} (${outputs[k]})`);
    },
  );
  const m = o.raw('metrics');
  const metrics =
    m === undefined || m === null
      ? outputs.map(() => [])
      : Array.isArray(m) && m.every((x) => typeof x === 'string')
        ? outputs.map(() => metricKeys(m, o.at('metrics')))
        : perOutput(m, o.at('metrics'), outputs, () => false).map((x, k) =>
            metricKeys(Array.isArray(x) ? x : [x], `${o.at('metrics')}.${outputs[k]}`),
          );
  const wKey = ext?.has('loss_weights') ? ext : o;
  const rawWeights = wKey.raw('loss_weights');
  const weights =
    rawWeights === undefined || rawWeights === null
      ? outputs.map(() => 1)
      : perOutput(rawWeights, wKey.at('loss_weights'), outputs, () => false).map((w, k) => {
          if (typeof w !== 'number' || !Number.isFinite(w) || w < 0)
            throw new ModelFileError(`${wKey.at('loss_weights')}: the weight of "${outputs[k]}" must be a number ≥ 0`);
          return w;
        });
  return outputs.map((_, k) => ({ loss: losses[k], weight: weights[k], metrics: [...new Set(metrics[k])] }));
}

/** `outputs`: a functional model's output layer names (its settings are per output), else null. */
export function decodeTrainingConfig(v: unknown, where: string, outputs: string[] | null = null): TrainingSpec {
  const o = StrictObject.of(v, where);
  const ext = o.has('nativenn') ? StrictObject.of(o.raw('nativenn'), o.at('nativenn')) : null;
  const optimizerOf = () => {
    const opt = ext?.has('optimizer_config')
      ? decodeOptimizer(ext.raw('optimizer_config'), ext.at('optimizer_config'))
      : decodeOptimizer(o.required('optimizer_config'), o.at('optimizer_config'));
    o.ignore('optimizer_config');
    return opt;
  };
  if (outputs !== null) {
    const per = decodeOutputs(o, ext, outputs) as NonNullable<TrainingSpec['outputs']>;
    const optimizer = optimizerOf();
    if (ext?.has('metrics')) throw new ModelFileError(`${ext.at('metrics')}: not supported in functional models`);
    for (const k of ['weighted_metrics', 'sample_weight_mode']) o.mustBeNull(k, k);
    ext?.ignore('loss');
    ext?.done();
    o.ignore('loss');
    o.done();
    return { loss: per[0].loss, metrics: [], optimizer, outputs: per };
  }
  const lossName = ext?.has('loss') ? ext.string('loss') : o.string('loss');
  const loss = lookup(LOSS_FROM_FILE, lossName, 'loss', o.at('loss'));
  const rawMetrics = metricList(o.raw('metrics'), o.at('metrics'));
  const metrics = metricKeys(rawMetrics, o.at('metrics'));
  if (ext?.has('metrics')) {
    const extra = ext.raw('metrics');
    if (!Array.isArray(extra) || extra.length > 16)
      throw new ModelFileError(`${ext.at('metrics')} must be an array of at most 16 metric names`);
    extra.forEach((m, i) => {
      if (typeof m !== 'string' || !WHOLE_SET_METRICS.has(m))
        throw new ModelFileError(`${ext.at('metrics')}[${i}] must be one of ${[...WHOLE_SET_METRICS].join(', ')}`);
      metrics.push(m);
    });
  }
  const optimizer = optimizerOf();
  for (const k of ['weighted_metrics', 'loss_weights', 'sample_weight_mode']) o.mustBeNull(k, k);
  ext?.done();
  o.done();
  return { loss, metrics: [...new Set(metrics)], optimizer };
}

function optimizerJson(s: OptimizerSpec): KerasObject {
  const o = optimizerConfig(s);
  // Clipping only when on: tfjs's optimizers have none and ignore the keys; Keras reads them.
  if (s.clipnorm > 0) o.config.clipnorm = s.clipnorm;
  if (s.clipvalue > 0) o.config.clipvalue = s.clipvalue;
  return o;
}

function optimizerConfig(s: OptimizerSpec): KerasObject {
  switch (s.kind) {
    case 'sgd':
      return { class_name: 'SGD', config: { learningRate: s.learningRate } };
    case 'momentum':
      return {
        class_name: 'Momentum',
        config: { learningRate: s.learningRate, momentum: s.momentum, useNesterov: s.nesterov },
      };
    case 'adam':
    case 'adamw':
      return {
        class_name: s.kind === 'adam' ? 'Adam' : 'AdamW',
        config: {
          learningRate: s.learningRate,
          beta1: s.beta1,
          beta2: s.beta2,
          epsilon: s.epsilon,
          ...(s.kind === 'adamw' ? { weightDecay: s.weightDecay } : {}),
        },
      };
    case 'rmsprop':
      return {
        class_name: 'RMSProp',
        config: {
          learningRate: s.learningRate,
          decay: s.rho,
          momentum: s.momentum,
          epsilon: s.epsilon,
          centered: false,
        },
      };
    case 'adagrad':
      return {
        class_name: 'Adagrad',
        config: {
          learningRate: s.learningRate,
          initialAccumulatorValue: s.initialAccumulatorValue,
          // tfjs's Adagrad uses the backend epsilon (1e-7) and reads no epsilon; written only when different
          ...(s.epsilon !== 1e-7 ? { epsilon: s.epsilon } : {}),
        },
      };
  }
}

/** `outputNames`: a functional model's output layer names in the file (its settings are per output). */
export function encodeTrainingConfig(t: TrainingSpec, outputNames: string[] | null = null): TrainingConfigJson {
  const json: TrainingConfigJson = {
    loss: LOSS_TO_FILE[t.loss],
    metrics: t.metrics.filter((m) => !WHOLE_SET_METRICS.has(m)).map((m) => METRIC_TO_FILE[m] ?? m),
    optimizer_config: optimizerJson(t.optimizer),
  };
  if (t.outputs && outputNames) {
    const outs = t.outputs;
    const losses = outs.map((o) => LOSS_TO_FILE[o.loss]);
    json.loss = outs.length === 1 ? losses[0] : losses;
    const lists = outs.map((o) => o.metrics.map((m) => METRIC_TO_FILE[m] ?? m));
    json.metrics = lists.every((l) => l.join() === lists[0].join())
      ? lists[0]
      : Object.fromEntries(outputNames.map((n, k) => [n, lists[k]]));
    if (outs.some((o) => o.weight !== 1)) json.nativenn = { loss_weights: outs.map((o) => o.weight) };
    if (outs.some((o) => o.loss === 'binaryCrossentropyFromLogits')) {
      const exact = outs.map((o) => o.loss);
      json.nativenn = { ...json.nativenn, loss: outs.length === 1 ? exact[0] : exact };
    }
  }
  const wholeSet = t.metrics.filter((m) => WHOLE_SET_METRICS.has(m));
  if (wholeSet.length > 0) json.nativenn = { ...json.nativenn, metrics: wholeSet };
  if (t.optimizer.kind === 'adamw') {
    const { beta1, beta2, epsilon, learningRate } = t.optimizer;
    json.optimizer_config = { class_name: 'Adam', config: { learningRate, beta1, beta2, epsilon } };
    json.nativenn = { ...json.nativenn, optimizer_config: optimizerJson(t.optimizer) };
  }
  if (t.loss === 'binaryCrossentropyFromLogits' && !t.outputs) json.nativenn = { ...json.nativenn, loss: t.loss };
  return json;
}
