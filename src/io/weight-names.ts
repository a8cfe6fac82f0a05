/**
 * Which weight is which: tfjs names a layer's variables `<layer>/kernel` and `<layer>/bias`, and
 * the optimizer's state (getWeights(), saved with includeOptimizer, group "optimizer") `iter`
 * (int32 scalar) followed by slot variables `<variable>/<slot>` grouped by slot — Adam: every
 * `/m` then every `/v`; RMSProp: `/rms` then `/momentum`; Momentum: `/momentum`; Adagrad:
 * `/accumulator`. nativenn's OptimizerPlan.slots use the same update rules and the same order.
 */
import type { Shape } from '../layers/shape';
import type { OptimizerKind } from '../train/plan';
import type { ModelSpec, NamedWeight, OptimizerState } from './format';
import { ModelFileError } from './strict';

export const SLOT_NAMES: Record<OptimizerKind, string[]> = {
  sgd: [],
  momentum: ['momentum'],
  adam: ['m', 'v'],
  adamw: ['m', 'v'],
  rmsprop: ['rms', 'momentum'],
  adagrad: ['accumulator'],
};

/** The weights a spec has, in layer order (each layer's getWeights order: a batch normalization's
 *  trainable gamma/beta, then its non-trainable moving statistics). */
export function paramShapes(
  spec: Pick<ModelSpec, 'inputShape' | 'layers' | 'layerInputShapes'>,
): { name: string; shape: number[]; trainable: boolean }[] {
  const out: { name: string; shape: number[]; trainable: boolean }[] = [];
  let shape: Shape = [null, ...spec.inputShape];
  for (const [i, l] of spec.layers.entries()) {
    // a functional model's layers each have their own input; a stack's follow one another
    if (spec.layerInputShapes) shape = spec.layerInputShapes[i];
    const specs = l.weightSpecs(shape);
    l.weightNames().forEach((n, i) =>
      out.push({ name: `${l.name}/${n}`, shape: specs[i].shape, trainable: specs[i].trainable }),
    );
    if (!spec.layerInputShapes) shape = l.computeOutputShape(shape);
  }
  return out;
}

/** Keras 2 (TF ≥ 2.2) names a recurrent layer's weights through its cell (lstm/lstm_cell/kernel,
 *  bidirectional/forward_lstm/lstm_cell/kernel); tfjs drops that part when the full name is not
 *  one of the model's, and so does nativenn. */
function withoutCellName(name: string, known: Set<string>): string {
  if (known.has(name)) return name;
  const parts = name.split('/');
  if (parts.length < 3) return name;
  return [...parts.slice(0, -2), parts[parts.length - 1]].join('/');
}

/** A weight name as the model knows it: as written, without a recurrent cell's part, or (Keras
 *  names a nested model's weights through it: inner/dense/kernel) without leading model names. */
function knownName(name: string, known: Set<string>): string {
  const parts = name.split('/');
  for (let i = 0; i < parts.length - 1; i++) {
    const n = withoutCellName(parts.slice(i).join('/'), known);
    if (known.has(n)) return n;
  }
  return withoutCellName(name, known);
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Model weights of the file → params in plan order (by name, shapes checked), and the optimizer
 *  state when the file has one for the spec's optimizer. */
export function matchWeights(
  spec: ModelSpec,
  weights: NamedWeight[],
  where: string,
): { params: Float32Array[]; optimizer: OptimizerState | null } {
  const expected = paramShapes(spec);
  const known = new Set(expected.map((e) => e.name));
  const modelWeights = new Map<string, NamedWeight>();
  const optimizerWeights: NamedWeight[] = [];
  for (const w of weights) {
    if (w.group === 'optimizer') optimizerWeights.push(w);
    else {
      const name = knownName(w.name, known);
      if (modelWeights.has(name)) throw new ModelFileError(`${where}: two weights are named "${name}"`);
      modelWeights.set(name, w);
    }
  }

  const params = expected.map((e) => {
    const w = modelWeights.get(e.name);
    if (!w)
      throw new ModelFileError(`${where}: the weights manifest has no "${e.name}" (shape [${e.shape.join(', ')}])`);
    if (!sameShape(w.shape, e.shape)) {
      throw new ModelFileError(
        `${where}: weight "${e.name}" has shape [${w.shape.join(', ')}], the topology needs [${e.shape.join(', ')}]`,
      );
    }
    modelWeights.delete(e.name);
    return w.data as Float32Array;
  });
  const extra = [...modelWeights.keys()];
  if (extra.length > 0)
    throw new ModelFileError(
      `${where}: the weights manifest has weights no layer uses: ${extra.slice(0, 5).join(', ')}`,
    );

  if (optimizerWeights.length === 0 || !spec.training) return { params, optimizer: null };
  // The optimizer has slots for the trainable weights only.
  const trainable = expected.filter((e) => e.trainable);
  return { params, optimizer: matchOptimizer(spec.training.optimizer.kind, trainable, optimizerWeights, where) };
}

function matchOptimizer(
  kind: OptimizerKind,
  expected: { name: string; shape: number[] }[],
  ws: NamedWeight[],
  where: string,
): OptimizerState | null {
  const iter = ws[0];
  if (iter.name !== 'iter' || iter.shape.length !== 0) {
    throw new ModelFileError(`${where}: optimizer weights must start with the scalar "iter", got "${iter.name}"`);
  }
  const iterations = iter.data[0];
  if (!Number.isInteger(iterations) || iterations < 0) {
    throw new ModelFileError(`${where}: optimizer "iter" must be a non-negative integer, got ${iterations}`);
  }
  const slotNames = SLOT_NAMES[kind];
  // tfjs creates slot variables at the first update: a never-trained optimizer has only `iter`,
  // and its slots start fresh (`slots: []`, none stored: the optimizer allocates its own initial
  // values). SGD has no slots at all: one empty list per parameter, the plan's layout.
  if (ws.length === 1) {
    if (slotNames.length === 0) return { iterations, slots: expected.map(() => []) };
    return iterations === 0 ? { iterations, slots: [] } : missing();
  }
  const want = 1 + slotNames.length * expected.length;
  if (ws.length !== want) return missing();
  const byName = slotsByName(slotNames, expected, ws.slice(1));
  if (byName) return { iterations, slots: byName };
  const slots: Float32Array[][] = expected.map(() => []);
  slotNames.forEach((slot, s) => {
    expected.forEach((e, p) => {
      const w = ws[1 + s * expected.length + p];
      // tfjs may suffix variable names (dense_1/kernel_1) when names repeat in one process, so
      // the order and shape decide, and the name only has to end with the slot.
      if (!w.name.endsWith(`/${slot}`) || !sameShape(w.shape, e.shape)) {
        throw new ModelFileError(
          `${where}: optimizer weight "${w.name}" [${w.shape.join(', ')}] should be ${e.name}/${slot} [${e.shape.join(', ')}]`,
        );
      }
      slots[p][s] = w.data as Float32Array;
    });
  });
  return { iterations, slots };

  function missing(): never {
    throw new ModelFileError(
      `${where}: expected ${want} optimizer weights for ${kind} (iter + ${slotNames.join('/') || 'no'} slots per parameter), got ${ws.length}`,
    );
  }
}

/** The slots found by name (`<weight>/<slot>`, or tfjs's `<weight>_<k>/<slot>`), one each with the
 *  weight's shape; null unless every one is found so. A functional model's layers may be listed in
 *  another order than the one its optimizer updated them in, so the names decide where they can. */
function slotsByName(
  slotNames: string[],
  expected: { name: string; shape: number[] }[],
  ws: NamedWeight[],
): Float32Array[][] | null {
  const slots: Float32Array[][] = expected.map(() => []);
  for (const [s, slot] of slotNames.entries()) {
    for (const [p, e] of expected.entries()) {
      const exact = `${e.name}/${slot}`;
      const found = ws.filter((w) => {
        if (!sameShape(w.shape, e.shape)) return false;
        if (w.name === exact) return true;
        // tfjs's suffix for a variable name used before in the process: <weight>_<k>/<slot>
        const between = w.name.slice(e.name.length, w.name.length - slot.length - 1);
        return w.name.startsWith(e.name) && w.name.endsWith(`/${slot}`) && /^_\d+$/.test(between);
      });
      if (found.length !== 1) return null;
      slots[p][s] = found[0].data as Float32Array;
    }
  }
  return slots;
}

/** params (+ optimizer state) → the weights to write, tfjs names and order. */
export function namedWeights(
  spec: Pick<ModelSpec, 'inputShape' | 'layers' | 'layerInputShapes'>,
  params: Float32Array[],
  kind: OptimizerKind | null,
  state: OptimizerState | null,
): NamedWeight[] {
  const expected = paramShapes(spec);
  if (expected.length !== params.length)
    throw new Error(`save: ${params.length} parameter arrays for ${expected.length} weights`);
  const out: NamedWeight[] = expected.map((e, i) => ({ name: e.name, shape: e.shape, data: params[i] }));
  if (kind && state) {
    out.push({ name: 'iter', shape: [], data: Int32Array.of(state.iterations), group: 'optimizer' });
    const trainable = expected.filter((e) => e.trainable);
    SLOT_NAMES[kind].forEach((slot, s) => {
      trainable.forEach((e, p) => {
        out.push({ name: `${e.name}/${slot}`, shape: e.shape, data: state.slots[p][s], group: 'optimizer' });
      });
    });
  }
  return out;
}
