/**
 * ONNX export: a model → ModelProto bytes (toOnnx) or an .onnx file written atomically
 * (exportOnnx). The graph walks the layers in order through the exporter table (exporters.ts);
 * a fitted input scaler and a regression target's scaler can be folded in (preprocess.ts).
 *
 * IR version 8 and opsets 13–17: what onnx 1.12 (Debian 12's python3-onnx) checks, and what every
 * onnxruntime since 1.12 runs. Opset 13 is the first with Softmax over one axis (the layer's).
 */

import { describe } from '../backend/check';
import type { Scaler, ScalerJSON } from '../data/scalers';
import { Layer } from '../layers/layer';
import { Merge } from '../layers/merge';
import { bool, checkOptions, positiveInt, str } from '../model/options';
import { EXPORTERS, NOT_EXPORTABLE } from './exporters';
import { type Flow, toChannelsLast } from './flow';
import { OnnxGraphBuilder } from './graph';
import { mergeNodes } from './merge-exporters';
import { encodeModel } from './messages';
import { scalerJson, scalerNodes, targetScalerNodes } from './preprocess';
import { writeFileAtomically } from './write-file';

export const IR_VERSION = 8;
export const MIN_OPSET = 13;
export const MAX_OPSET = 17;
/** Protobuf's 2 GiB message limit, less 16 MiB for the graph and the scalers. */
export const MAX_WEIGHT_BYTES = 2 ** 31 - 2 ** 24;
const VERSION: string = require('../../package.json').version;

export interface OnnxOptions {
  /** ai.onnx opset, 13 to 17 (default 17, the newest onnx 1.12 knows). */
  opset?: number;
  /** A symbolic batch dimension named 'batch' (default true); false fixes it to batchSize. */
  dynamicBatch?: boolean;
  /** The fixed batch size when dynamicBatch is false (default 1). */
  batchSize?: number;
  /** Graph input and output names (default 'input' and 'output'). */
  inputName?: string;
  outputName?: string;
  /** A fitted input scaler (or its toJSON()), folded in front of the network. */
  scaler?: Scaler | ScalerJSON | null;
  /** A regression target's fitted scaler (or its toJSON()), undone after the network. */
  targetScaler?: Scaler | ScalerJSON | null;
}

/** What toOnnx needs of a model (a Sequential, built or loaded). */
export interface ExportableModel {
  readonly name: string;
  readonly layers: readonly Layer[];
  readonly inputSize: number;
  readonly outputSize: number;
  /** One sample's input and output shapes (channels-last for images); [inputSize] / [outputSize]
   *  when absent. */
  readonly inputShape?: readonly number[];
  readonly outputShape?: readonly number[];
  busy: boolean;
  /** A functional model's graph (a Sequential is the chain of its layers). */
  graphSpec?(): {
    inputs: { name: string; shape: number[] }[];
    nodes: { layer: Layer; inputs: number[] }[];
    outputs: { name: string; index: number }[];
  };
}

export interface OnnxExport {
  bytes: Uint8Array;
  opset: number;
  /** One sentence per preprocessing step folded into the graph. */
  folded: string[];
}

const OPTION_NAMES = ['opset', 'dynamicBatch', 'batchSize', 'inputName', 'outputName', 'scaler', 'targetScaler'];

function checkModel(fn: string, model: unknown): ExportableModel {
  const m = model as ExportableModel | null;
  if (m === null || typeof m !== 'object' || !Array.isArray(m.layers) || !m.layers.every((l) => l instanceof Layer)) {
    throw new TypeError(
      `${fn}: model must be a nativenn model (nn.sequential(...) or nn.loadModel(dir)), got ${describe(model)}`,
    );
  }
  if (m.layers.length === 0) throw new RangeError(`${fn}: the model has no layers (and so no weights) to export`);
  if (m.busy) throw new Error(`${fn}: the model is training; export from a callback hook (onEpochEnd) or after fit`);
  return m;
}

/** Builds the ModelProto; checks everything before it reads a weight. */
export function buildOnnx(fn: string, model: unknown, options?: OnnxOptions): OnnxExport {
  const m = checkModel(fn, model);
  const o = checkOptions(fn, options, OPTION_NAMES);
  const opset = o.opset === undefined ? MAX_OPSET : o.opset;
  if (typeof opset !== 'number' || !Number.isInteger(opset) || opset < MIN_OPSET || opset > MAX_OPSET) {
    throw new RangeError(`${fn}: opset must be an integer from ${MIN_OPSET} to ${MAX_OPSET}, got ${describe(opset)}`);
  }
  const dynamic = o.dynamicBatch === undefined ? true : bool(fn, 'dynamicBatch', o.dynamicBatch);
  if (dynamic && o.batchSize !== undefined) {
    throw new TypeError(`${fn}: batchSize applies only with dynamicBatch: false`);
  }
  const batch: number | string = dynamic
    ? 'batch'
    : o.batchSize === undefined
      ? 1
      : positiveInt(fn, 'batchSize', o.batchSize);
  const inputName = o.inputName === undefined ? 'input' : str(fn, 'inputName', o.inputName);
  const outputName = o.outputName === undefined ? 'output' : str(fn, 'outputName', o.outputName);
  if (inputName === '' || outputName === '' || inputName === outputName) {
    throw new RangeError(
      `${fn}: inputName and outputName must be two different non-empty names, got "${inputName}" and "${outputName}"`,
    );
  }
  const missing = m.layers.filter((l) => !EXPORTERS[l.className] && !(l instanceof Merge));
  if (missing.length > 0) {
    const l = missing[0];
    const why = NOT_EXPORTABLE[l.className] ?? 'no ONNX exporter is written for this layer class';
    throw new TypeError(`${fn}: layer "${l.name}" (${l.className}) cannot be exported to ONNX: ${why}`);
  }
  // a protobuf message is at most 2 GiB; larger models need ONNX's external data, not written here
  const weightBytes = m.layers.reduce((n, l) => n + l.arenaViews().reduce((k, w) => k + w.length * 4, 0), 0);
  if (weightBytes > MAX_WEIGHT_BYTES) {
    throw new RangeError(
      `${fn}: the model's weights take ${weightBytes} bytes; an ONNX file holds at most ${MAX_WEIGHT_BYTES} (2 GiB less room for the graph)`,
    );
  }
  const graph = m.graphSpec
    ? m.graphSpec()
    : {
        inputs: [{ name: 'input', shape: [...(m.inputShape ?? [m.inputSize])] }],
        nodes: m.layers.map((layer, i) => ({ layer, inputs: [i] })),
        outputs: [{ name: 'output', index: m.layers.length }],
      };
  const several = graph.inputs.length > 1 || graph.outputs.length > 1;
  if (
    several &&
    (o.inputName !== undefined || o.outputName !== undefined || o.scaler != null || o.targetScaler != null)
  )
    throw new TypeError(
      `${fn}: inputName, outputName, scaler and targetScaler apply to models with one input and one output; this one's inputs and outputs keep their names`,
    );
  const scaler = o.scaler == null ? null : scalerJson(fn, 'scaler', o.scaler, m.inputSize);
  const targetScaler = o.targetScaler == null ? null : scalerJson(fn, 'targetScaler', o.targetScaler, m.outputSize);
  // One input and one output: named by the options; several: by the model's input and output names.
  // A functional model's ends keep its input and output names unless the options name them.
  const functional = m.graphSpec !== undefined;
  const inputNames = graph.inputs.map((i) => (functional && o.inputName === undefined ? i.name : inputName));
  const outputNames = graph.outputs.map((out) => (functional && o.outputName === undefined ? out.name : outputName));
  if (new Set([...inputNames, ...outputNames]).size !== inputNames.length + outputNames.length)
    throw new RangeError(`${fn}: the model's input and output names must differ to name the graph's ends`);

  const g = new OnnxGraphBuilder();
  for (const n of [...inputNames, ...outputNames]) g.reserve(n);
  const folded: string[] = [];
  const flows: Flow[] = graph.inputs.map((input, i) => ({
    tensor: inputNames[i],
    shape: input.shape,
    channelsFirst: false,
  }));
  if (scaler) {
    // a scaler fitted on flattened samples: its columns are the sample's values in order
    const s = scalerNodes(g, scaler, flows[0].tensor, flows[0].shape);
    flows[0] = { ...flows[0], tensor: s.out };
    folded.push(s.said);
  }
  for (const node of graph.nodes) {
    const layer = node.layer;
    const ins = node.inputs.map((t) => flows[t]);
    flows.push(layer instanceof Merge ? mergeNodes(layer, g, ins) : EXPORTERS[layer.className](layer, g, ins[0]));
  }
  const outputShapes = graph.outputs.map((out, k) => {
    let x = toChannelsLast(g, flows[out.index], outputNames[k]);
    if (targetScaler) {
      const s = targetScalerNodes(g, targetScaler, x.tensor, x.shape);
      x = { ...x, tensor: s.out };
      folded.push(s.said);
    }
    g.setOutput(x.tensor, outputNames[k]);
    return x.shape;
  });
  const bytes = encodeModel({
    irVersion: IR_VERSION,
    opset,
    producerName: 'nativenn',
    producerVersion: VERSION,
    graph: {
      name: m.name,
      nodes: g.nodes,
      initializers: g.initializers,
      inputs: graph.inputs.map((input, i) => ({ name: inputNames[i], shape: [batch, ...input.shape] })),
      outputs: outputShapes.map((shape, k) => ({ name: outputNames[k], shape: [batch, ...shape] })),
      ...(folded.length > 0 ? { docString: `folded in: ${folded.join('; ')}` } : {}),
    },
  });
  return { bytes, opset, folded };
}

/** model.toOnnx(options): the ONNX ModelProto bytes. */
export function toOnnx(model: unknown, options?: OnnxOptions): Uint8Array {
  return buildOnnx('toOnnx', model, options).bytes;
}

export interface OnnxExportResult {
  /** The absolute path written. */
  path: string;
  bytes: number;
  opset: number;
  folded: string[];
}

/** nn.exportOnnx(model, path, options): writes the .onnx file atomically (nothing on error). */
export async function exportOnnx(model: unknown, path: string, options?: OnnxOptions): Promise<OnnxExportResult> {
  if (typeof path !== 'string' || path === '') {
    throw new TypeError(`exportOnnx: path must be a file path such as "model.onnx", got ${describe(path)}`);
  }
  // the model is read now, before the first await: the file is one consistent snapshot
  const built = buildOnnx('exportOnnx', model, options);
  const written = await writeFileAtomically('exportOnnx', path, built.bytes);
  return { path: written, bytes: built.bytes.length, opset: built.opset, folded: built.folded };
}
