/**
 * A functional model's graph → modelTopology as tfjs 4.x writes its own LayersModel: class "Model",
 * an InputLayer entry per input (batch_input_shape), each layer once with one inbound node per
 * application (Keras 2 lists `[[[layer, node, tensor, {}], …]]`; node k is the layer's k-th
 * application), and input_layers / output_layers. A layer whose file form is several file layers
 * (a Dense with leakyRelu: Dense + LeakyReLU) is written as their chain, applied as often as it.
 * Nested models were inlined by model.apply, so the file is flat.
 */

import type { LossName } from '../backend';
import { RANGES } from '../config/ranges';
import type { OutputSettings } from '../graph/builder';
import type { Layer } from '../layers/layer';
import type { LayerNode, SymbolicTensor } from '../layers/symbolic';
import type { GraphSpec, KerasObject, ModelSpec, OutputTrainingSpec } from './format';

type FileRef = [string, number, number];

/** The applications of the graph's layers in creation order (as nn.model orders them). */
export function graphNodes(graph: Pick<GraphSpec, 'outputs'>): LayerNode[] {
  const nodes = new Set<LayerNode>();
  const stack = [...graph.outputs];
  while (stack.length > 0) {
    const t = stack.pop() as SymbolicTensor;
    if (t.node === null || nodes.has(t.node)) continue;
    nodes.add(t.node);
    stack.push(...t.node.inputs);
  }
  return [...nodes].sort((a, b) => a.id - b.id);
}

export function encodeFunctionalTopology(
  spec: Omit<ModelSpec, 'training'> & {
    graph: GraphSpec;
    layerInputShapes: NonNullable<ModelSpec['layerInputShapes']>;
  },
  kerasVersion: string,
  modelSeed: number,
): { topology: KerasObject & { keras_version: string; backend: string }; outputFileNames: string[] } {
  const { graph } = spec;
  const inputNames = graph.inputs.map((t) => t.name);
  const taken = new Set([...spec.layers.map((l) => l.name as string), ...inputNames]);
  if (taken.size !== spec.layers.length + inputNames.length)
    throw new RangeError(
      `save: a model input and a layer share a name (inputs: ${inputNames.join(', ')}); a model file needs every name once`,
    );
  const entries: (KerasObject & { name: string; inbound_nodes: unknown[] })[] = graph.inputs.map((t) => ({
    name: t.name,
    class_name: 'InputLayer',
    config: { batch_input_shape: [...t.shape], dtype: 'float32', sparse: false, name: t.name },
    inbound_nodes: [],
  }));
  // Each layer's file layers, written once; the tensor a layer's k-th application makes is its
  // last file layer's node k.
  const fileLayers = new Map<Layer, (KerasObject & { name: string; inbound_nodes: unknown[] })[]>();
  spec.layers.forEach((layer, index) => {
    const configs = layer.toFileConfigs({ index, modelSeed, taken, inputShape: spec.layerInputShapes[index] });
    const list = configs.map((c) => ({
      name: c.config.name as string,
      class_name: c.class_name,
      config: c.config,
      inbound_nodes: [] as unknown[],
    }));
    fileLayers.set(layer, list);
    entries.push(...list);
  });
  if (entries.length > RANGES.layerCount.max + inputNames.length) {
    throw new RangeError(
      `save: the model file would hold ${entries.length - inputNames.length} layers (at most ${RANGES.layerCount.max}; a Dense with leakyRelu is written as two)`,
    );
  }
  const made = new Map<SymbolicTensor, FileRef>(graph.inputs.map((t) => [t, [t.name, 0, 0]]));
  const refOf = (t: SymbolicTensor): FileRef => made.get(t) as FileRef;
  const producer = new Map<LayerNode, SymbolicTensor>();
  for (const t of graph.outputs) if (t.node) producer.set(t.node, t);
  for (const node of graphNodes(graph)) {
    for (const t of node.inputs) if (t.node) producer.set(t.node, t);
  }
  for (const node of graphNodes(graph)) {
    const list = fileLayers.get(node.layer) as (KerasObject & { name: string; inbound_nodes: unknown[] })[];
    const k = list[0].inbound_nodes.length;
    list.forEach((entry, j) => {
      const reads = j === 0 ? node.inputs.map(refOf) : [[list[j - 1].name, k, 0] as FileRef];
      entry.inbound_nodes.push(reads.map((r) => [...r, {}]));
    });
    const out = producer.get(node);
    if (out) made.set(out, [list[list.length - 1].name, k, 0]);
  }
  const outputRefs = graph.outputs.map(refOf);
  return {
    topology: {
      class_name: 'Model',
      config: {
        name: spec.name,
        layers: entries,
        input_layers: graph.inputs.map(refOf),
        output_layers: outputRefs,
      },
      keras_version: kerasVersion,
      backend: 'tensor_flow.js',
    },
    outputFileNames: outputRefs.map((r) => r[0]),
  };
}

/** A compiled functional model's per-output settings as a file keeps them: the loss, its weight and
 *  the compile keys of its metrics (the history keys, `<output>_` taken off when there are several). */
export function outputTraining(
  settings: readonly OutputSettings[],
  historyKeys: readonly string[],
): OutputTrainingSpec[] {
  const several = settings.length > 1;
  let at = several ? settings.length : 0; // the `<output>_loss` keys come first
  return settings.map((s) => {
    const keys = historyKeys.slice(at, at + s.metrics.length);
    at += s.metrics.length;
    return {
      loss: s.loss as LossName,
      weight: s.weight,
      metrics: keys.map((k) => (several ? k.slice(s.name.length + 1) : k)),
    };
  });
}
