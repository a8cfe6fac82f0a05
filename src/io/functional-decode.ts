/**
 * A functional topology (tfjs class "Model", Keras "Functional") → the model's graph, rebuilt with
 * nn.input and layer.apply. Each layer entry lists its applications (`inbound_nodes`; the k-th is
 * node k, and a layer applied twice shares its weights); a reference [layer, node, tensor] names
 * the tensor an application made. Applications run in dependency order (Kahn's algorithm over the
 * references), so a file need not list its layers topologically, and a cycle is named, not looped.
 *
 * Both spellings of a reference: Keras 2 / tfjs `[[["dense_1", 0, 0, {}], …]]`, and Keras 3
 * `{ args: [{ class_name: "__keras_tensor__", config: { keras_history: [name, node, tensor] } }],
 * kwargs }` (a merge layer's args hold the list). A nested model (a layer entry whose class is
 * Sequential, Model or Functional) is inlined, as model.apply does: its layers are applied to the
 * outer tensors. A nested model is built with a node of its own first (its inputs to its outputs),
 * so references count its applications from 1 — except a Keras 3 Sequential, which has none.
 */
import { RANGES } from '../config/ranges';
import type { Layer } from '../layers/layer';
import type { Shape } from '../layers/shape';
import { input, type SymbolicTensor } from '../layers/symbolic';
import type { GraphSpec, ModelSpec } from './format';
import { graphNodes } from './functional-encode';
import { isPlainObject, ModelFileError, StrictObject } from './strict';
import { decodeLayer, decodeSequentialConfig, refuseKeras3HardSigmoid } from './topology';

/** A reference to the tensor an application made: [layer, node index, tensor index]. */
interface Ref {
  layer: string;
  node: number;
  tensor: number;
  where: string;
}

/** A model in a file as something to apply: given one tensor per input, its output tensors. */
interface Recipe {
  inputNames: string[];
  inputShapes: number[][];
  outputCount: number;
  apply(inputs: SymbolicTensor[], where: string, built: Built): SymbolicTensor[];
}

interface Entry {
  name: string;
  where: string;
  /** an InputLayer's sample shape; a layer; or a nested model */
  shape?: number[];
  layer?: Layer;
  model?: Recipe;
  /** inbound_nodes: the references each application reads */
  nodes: Ref[][];
  /** node index of the first application (1 for a nested model, see the file comment) */
  first: number;
  sequential?: boolean;
}

/** What applying the file's graph made so far: the layers, and how many applications (a nested
 *  model applied n times applies its layers n times: bounded, so that nesting cannot multiply
 *  them without end). */
interface Built {
  layers: Set<Layer>;
  applications: number;
}
const MAX_APPLICATIONS = 100_000;

const MODEL_CLASSES = ['Sequential', 'Model', 'Functional'];
/** Nesting deeper than this is refused (each level is a recursion). */
const MAX_DEPTH = 8;

function decodeRef(v: unknown, where: string): Ref {
  // Keras 3 keras tensor
  if (isPlainObject(v)) {
    const o = StrictObject.of(v, where);
    if (o.string('class_name') !== '__keras_tensor__')
      throw new ModelFileError(`${o.at('class_name')}: a layer input must be a "__keras_tensor__"`);
    const c = StrictObject.of(o.raw('config'), o.at('config'));
    c.ignore('shape', 'dtype');
    const h = c.array('keras_history');
    c.done();
    o.done();
    return decodeRef(h, c.at('keras_history'));
  }
  if (!Array.isArray(v) || v.length < 3 || v.length > 4)
    throw new ModelFileError(`${where} must be [layer name, node index, tensor index], got ${short(v)}`);
  const [layer, node, tensor, kwargs] = v;
  if (typeof layer !== 'string') throw new ModelFileError(`${where}[0] must be a layer name, got ${short(layer)}`);
  for (const [i, n] of [
    [1, node],
    [2, tensor],
  ] as const) {
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > RANGES.layerCount.max)
      throw new ModelFileError(`${where}[${i}] must be an index from 0 to ${RANGES.layerCount.max}, got ${short(n)}`);
  }
  checkNoKwargs(kwargs, `${where}[3]`);
  return { layer, node: node as number, tensor: tensor as number, where };
}

/** Call arguments beyond the tensors (a mask, training) are not supported; empty or null ones are. */
function checkNoKwargs(v: unknown, where: string): void {
  if (v === undefined || v === null) return;
  if (!isPlainObject(v)) throw new ModelFileError(`${where} must be an object of call arguments, got ${short(v)}`);
  for (const [k, x] of Object.entries(v))
    if (x !== null) throw new ModelFileError(`${where}: call argument "${k}" is not supported (got ${short(x)})`);
}

/** One application's references: Keras 2 / tfjs list, or Keras 3 {args, kwargs}. */
function decodeNode(v: unknown, where: string): Ref[] {
  if (isPlainObject(v)) {
    const o = StrictObject.of(v, where);
    const args = o.array('args');
    if (o.has('kwargs')) checkNoKwargs(o.raw('kwargs'), o.at('kwargs'));
    o.done();
    if (args.length !== 1)
      throw new ModelFileError(`${o.at('args')} must hold one tensor or one list of tensors, got ${args.length}`);
    const a = args[0];
    return Array.isArray(a)
      ? a.map((t, i) => decodeRef(t, `${o.at('args')}[0][${i}]`))
      : [decodeRef(a, `${o.at('args')}[0]`)];
  }
  if (!Array.isArray(v) || v.length === 0)
    throw new ModelFileError(`${where} must be a non-empty list of [layer, node, tensor] references`);
  return v.map((r, i) => decodeRef(r, `${where}[${i}]`));
}

/** input_layers / output_layers: a list of [name, node, tensor], or (Keras 3, one tensor) one. */
function refList(o: StrictObject, key: string): Ref[] {
  const v = o.array(key);
  if (typeof v[0] === 'string') return [decodeRef(v, o.at(key))];
  if (v.length === 0) throw new ModelFileError(`${o.at(key)} is empty`);
  return v.map((r, i) => decodeRef(r, `${o.at(key)}[${i}]`));
}

function decodeEntry(v: unknown, where: string, keras3: boolean, depth: number): Entry {
  const outer = StrictObject.of(v, where);
  const className = outer.string('class_name');
  const rawNodes = outer.has('inbound_nodes') ? outer.array('inbound_nodes') : [];
  if (rawNodes.length > RANGES.layerCount.max)
    throw new ModelFileError(`${outer.at('inbound_nodes')} has ${rawNodes.length} entries`);
  const nodes = rawNodes.map((n, k) => decodeNode(n, `${outer.at('inbound_nodes')}[${k}]`));
  const fileName = outer.has('name') ? outer.string('name') : null;
  if (MODEL_CLASSES.includes(className)) {
    if (depth >= MAX_DEPTH) throw new ModelFileError(`${where}: models nested more than ${MAX_DEPTH} deep`);
    outer.ignore('module', 'registered_name', 'build_config', 'compile_config');
    const model =
      className === 'Sequential'
        ? sequentialRecipe(outer.raw('config'), where, keras3)
        : functionalRecipe(outer.required('config'), outer.at('config'), keras3, depth + 1);
    const name = fileName ?? model.name;
    outer.done();
    return { name, where, model, nodes, first: 1, sequential: className === 'Sequential' };
  }
  const d = decodeLayer(v, where, true, null);
  if (d.layer === null) {
    if (nodes.length > 0) throw new ModelFileError(`${outer.at('inbound_nodes')}: an InputLayer reads nothing`);
    const name = fileName ?? (StrictObject.of(outer.raw('config'), where).obj.name as string);
    return { name, where, shape: d.inputs as number[], nodes, first: 0 };
  }
  const name = d.layer.name as string;
  if (fileName !== null && fileName !== name)
    throw new ModelFileError(`${outer.at('name')} "${fileName}" differs from its config's name "${name}"`);
  return { name, where, layer: d.layer, nodes, first: 0 };
}

function sequentialRecipe(rawConfig: unknown, where: string, keras3: boolean): Recipe & { name: string } {
  const s = decodeSequentialConfig(rawConfig, where, keras3);
  return {
    name: s.name,
    inputNames: [`${s.name}_input`],
    inputShapes: [s.inputShape],
    outputCount: 1,
    apply(inputs, at, built) {
      let t = inputs[0];
      for (const layer of s.layers) t = applyOrExplain(layer, [t], `${at} (${where}, layer "${layer.name}")`, built);
      return [t];
    },
  };
}

/** layer.apply with its RangeError (shapes that do not fit, a merge of mismatched shapes) named. */
function applyOrExplain(layer: Layer, ins: SymbolicTensor[], where: string, built: Built): SymbolicTensor {
  const merge = 'computeMergeShape' in layer;
  if (++built.applications > MAX_APPLICATIONS)
    throw new ModelFileError(`${where}: the graph applies layers more than ${MAX_APPLICATIONS} times`);
  built.layers.add(layer);
  try {
    return layer.apply(merge || ins.length > 1 ? ins : ins[0]);
  } catch (e) {
    throw new ModelFileError(`${where}: ${(e as Error).message}`);
  }
}

function functionalRecipe(
  rawConfig: unknown,
  where: string,
  keras3: boolean,
  depth: number,
): Recipe & { name: string } {
  const config = StrictObject.of(rawConfig, where);
  const name = config.optionalString('name', 'model');
  const rawLayers = config.array('layers');
  if (rawLayers.length > 2 * RANGES.layerCount.max)
    throw new ModelFileError(`${config.at('layers')} has ${rawLayers.length} layers`);
  const entries = new Map<string, Entry>();
  const list = rawLayers.map((v, i) => {
    const e = decodeEntry(v, `${config.at('layers')}[${i}]`, keras3, depth);
    if (entries.has(e.name)) throw new ModelFileError(`${e.where}: duplicate layer name "${e.name}"`);
    entries.set(e.name, e);
    return e;
  });
  const keras3Nodes = rawLayers.some(
    (v) => isPlainObject(v) && Array.isArray(v.inbound_nodes) && isPlainObject(v.inbound_nodes[0]),
  );
  const inputRefs = refList(config, 'input_layers');
  const outputRefs = refList(config, 'output_layers');
  config.ignore('trainable', 'dtype');
  config.done();
  const inputEntries = inputRefs.map((r, i) => {
    const e = entries.get(r.layer);
    if (!e || e.shape === undefined)
      throw new ModelFileError(`${r.where}: "${r.layer}" is not an InputLayer of ${config.at('layers')}`);
    if (r.node !== 0 || r.tensor !== 0) throw new ModelFileError(`${r.where}: an input is node 0, tensor 0`);
    if (inputRefs.findIndex((o) => o.layer === r.layer) !== i)
      throw new ModelFileError(`${r.where}: input "${r.layer}" is listed twice`);
    return e;
  });
  // Keras 3 counts a nested Functional's nodes from 1 but a nested Sequential's from 0.
  if (keras3 || keras3Nodes) for (const e of list) if (e.sequential) e.first = 0;

  // Every reference must name an entry and one of its applications (an index out of range is a
  // bad file, not a wait).
  const producerOf = (r: Ref): Entry => {
    const e = entries.get(r.layer);
    if (!e) throw new ModelFileError(`${r.where}: there is no layer "${r.layer}" in ${config.at('layers')}`);
    const count = e.shape !== undefined ? 1 : e.nodes.length;
    const k = r.node - e.first;
    if (k < 0 || k >= count)
      throw new ModelFileError(
        `${r.where}: layer "${r.layer}" has no node ${r.node} (it has ${count === 0 ? 'none' : `nodes ${e.first} to ${e.first + count - 1}`})`,
      );
    const tensors = e.model ? e.model.outputCount : 1;
    if (r.tensor >= tensors)
      throw new ModelFileError(
        `${r.where}: layer "${r.layer}" makes ${tensors} tensor(s); there is no tensor ${r.tensor}`,
      );
    return e;
  };
  for (const e of list) for (const refs of e.nodes) for (const r of refs) producerOf(r);
  for (const r of outputRefs) {
    if (producerOf(r).shape !== undefined)
      throw new ModelFileError(`${r.where}: "${r.layer}" is a model input; outputs must come from layers`);
  }

  return {
    name,
    inputNames: inputEntries.map((e) => e.name),
    inputShapes: inputEntries.map((e) => e.shape as number[]),
    outputCount: outputRefs.length,
    apply(inputs, at, built) {
      const made = new Map<Entry, SymbolicTensor[][]>();
      inputEntries.forEach((e, i) => {
        made.set(e, [[inputs[i]]]);
      });
      const tensorOf = (r: Ref): SymbolicTensor | undefined => {
        const e = entries.get(r.layer) as Entry;
        return made.get(e)?.[r.node - e.first]?.[r.tensor];
      };
      // Kahn's algorithm over applications: each waits for the applications it reads. Of those
      // ready, the first in the file goes first, so a file in creation order (as nativenn and
      // tfjs write) gives the model its layers in the same order (getWeights, optimizer slots).
      type App = { e: Entry; k: number; waiting: number; order: number };
      const apps: App[] = list.flatMap((e) => e.nodes.map((_, k) => ({ e, k, waiting: 0, order: 0 })));
      apps.forEach((a, i) => {
        a.order = i;
      });
      const readers = new Map<string, App[]>();
      const key = (e: Entry, k: number) => `${e.name}\u0000${k}`;
      for (const app of apps) {
        for (const r of app.e.nodes[app.k]) {
          const p = entries.get(r.layer) as Entry;
          if (p.shape !== undefined) continue;
          app.waiting++;
          const rk = key(p, r.node - p.first);
          const list = readers.get(rk);
          if (list) list.push(app);
          else readers.set(rk, [app]);
        }
      }
      const ready = new MinHeap<App>((a, b) => a.order - b.order);
      for (const a of apps) if (a.waiting === 0) ready.push(a);
      let done = 0;
      for (let next = ready.pop(); next; next = ready.pop()) {
        const { e, k } = next;
        const refs = e.nodes[k];
        const ins = refs.map((r) => {
          const t = tensorOf(r);
          if (!t)
            throw new ModelFileError(`${r.where}: "${r.layer}" node ${r.node} is not made from this model's inputs`);
          return t;
        });
        const nodeWhere = `${e.where}.inbound_nodes[${k}]`;
        let outs: SymbolicTensor[];
        if (e.model) {
          if (ins.length !== e.model.inputShapes.length)
            throw new ModelFileError(
              `${nodeWhere}: model "${e.name}" takes ${e.model.inputShapes.length} inputs, got ${ins.length}`,
            );
          outs = e.model.apply(ins, `${at} → ${nodeWhere}`, built);
        } else outs = [applyOrExplain(e.layer as Layer, ins, nodeWhere, built)];
        const byNode = made.get(e) ?? [];
        byNode[k] = outs;
        made.set(e, byNode);
        done++;
        for (const reader of readers.get(key(e, k)) ?? []) if (--reader.waiting === 0) ready.push(reader);
      }
      if (done < apps.length) {
        const stuck = apps.find((a) => a.waiting > 0) as App;
        throw new ModelFileError(
          `${stuck.e.where}.inbound_nodes[${stuck.k}]: layer "${stuck.e.name}" is part of a cycle (or reads one): its inputs can never be computed from the model's inputs`,
        );
      }
      return outputRefs.map((r) => tensorOf(r) as SymbolicTensor);
    },
  };
}

/** A functional modelTopology.config → the spec's name, layers and graph (see the file comment). */
export function decodeFunctionalTopology(
  rawConfig: unknown,
  where: string,
  keras3: boolean,
): Omit<ModelSpec, 'training'> {
  const recipe = functionalRecipe(rawConfig, where, keras3, 0);
  const inputs = recipe.inputNames.map((name, i) => {
    try {
      return input({ shape: recipe.inputShapes[i], name });
    } catch (e) {
      throw new ModelFileError(`${where}.input_layers[${i}]: ${(e as Error).message}`);
    }
  });
  const built: Built = { layers: new Set(), applications: 0 };
  const outputs = recipe.apply(inputs, where, built);
  // The layers in the order nn.model will hold them: its nodes in creation order, walked back from
  // the outputs (the optimizer's slots follow this order).
  const kept = new Set<Layer>(graphNodes({ outputs }).map((node) => node.layer));
  const layers = [...kept];
  const unused = [...built.layers].find((l) => !kept.has(l));
  if (unused) throw new ModelFileError(`${where}: layer "${unused.name}" is on no path from the inputs to an output`);
  const names = new Set<string>();
  for (const l of layers) {
    if (names.has(l.name as string))
      throw new ModelFileError(`${where}: two layers are named "${l.name}" (in nested models)`);
    names.add(l.name as string);
  }
  if (layers.length > RANGES.layerCount.max)
    throw new ModelFileError(`${where}: the model has ${layers.length} layers (at most ${RANGES.layerCount.max})`);
  if (keras3)
    refuseKeras3HardSigmoid(
      layers,
      layers.map((l) => `${where} layer "${l.name}"`),
    );
  const config = rawConfig as { output_layers: unknown[] };
  const graph: GraphSpec = {
    inputs,
    outputs,
    outputFileNames: refNames(config.output_layers),
  };
  const layerInputShapes = layers.map((l) => (l.appliedInputShapes as Shape[])[0]);
  const name = (rawConfig as { name?: unknown }).name;
  return { name: typeof name === 'string' && name ? name : 'model', inputShape: [], layers, graph, layerInputShapes };
}

function refNames(v: unknown[]): string[] {
  return typeof v[0] === 'string' ? [v[0]] : v.map((r) => (r as [string])[0]);
}

/** A binary min-heap (the ready applications, first in the file first). */
class MinHeap<T> {
  private readonly items: T[] = [];
  constructor(private readonly before: (a: T, b: T) => number) {}
  push(v: T): void {
    const a = this.items;
    a.push(v);
    for (let i = a.length - 1; i > 0; ) {
      const up = (i - 1) >> 1;
      if (this.before(a[i], a[up]) >= 0) break;
      [a[i], a[up]] = [a[up], a[i]];
      i = up;
    }
  }
  pop(): T | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) {
      a[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.before(a[l], a[m]) < 0) m = l;
        if (r < a.length && this.before(a[r], a[m]) < 0) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m], a[i]];
        i = m;
      }
    }
    return top;
  }
}

function short(v: unknown): string {
  return (JSON.stringify(v) ?? String(v)).slice(0, 80);
}
