/**
 * The ONNX messages an exported model needs, as plain data, and their encoding with the field
 * numbers of onnx/onnx.proto (stable since IR version 3). Only float32 tensors are written.
 */
import { ProtoWriter } from './protobuf';

/** TensorProto.DataType FLOAT and INT64 */
export const FLOAT = 1;
export const INT64 = 7;
/** AttributeProto.AttributeType */
const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_STRING = 3;
const ATTR_FLOATS = 6;
const ATTR_INTS = 7;
const ATTR_STRINGS = 8;

export type AttributeValue =
  | { float: number }
  | { int: number }
  | { ints: number[] }
  | { floats: number[] }
  | { string: string }
  | { strings: string[] };

export interface OnnxNode {
  op: string;
  inputs: string[];
  outputs: string[];
  name: string;
  attributes?: Record<string, AttributeValue>;
}

/** A float32 initializer (`values`), or an int64 one (`int64`: a shape for Reshape). */
export type OnnxInitializer =
  | { name: string; dims: number[]; values: Float32Array }
  | { name: string; dims: number[]; int64: number[] };

/** A float32 graph input or output; a string dimension is symbolic (dim_param). */
export interface OnnxValueInfo {
  name: string;
  shape: (number | string)[];
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: OnnxInitializer[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  docString?: string;
}

export interface OnnxModel {
  irVersion: number;
  opset: number;
  producerName: string;
  producerVersion: string;
  graph: OnnxGraph;
  docString?: string;
}

function writeAttribute(w: ProtoWriter, name: string, value: AttributeValue): void {
  w.string(1, name);
  if ('float' in value) w.float(2, value.float).int(20, ATTR_FLOAT);
  else if ('int' in value) w.int(3, value.int).int(20, ATTR_INT);
  else if ('ints' in value) w.packedInts(8, value.ints).int(20, ATTR_INTS);
  // packed: a proto2 parser reads repeated scalars packed or not
  else if ('floats' in value) w.rawFloats(7, Float32Array.from(value.floats)).int(20, ATTR_FLOATS);
  else if ('string' in value) w.string(4, value.string).int(20, ATTR_STRING);
  else {
    for (const s of value.strings) w.string(9, s);
    w.int(20, ATTR_STRINGS);
  }
}

function writeNode(w: ProtoWriter, node: OnnxNode): void {
  for (const i of node.inputs) w.string(1, i);
  for (const o of node.outputs) w.string(2, o);
  w.string(3, node.name).string(4, node.op);
  for (const [name, value] of Object.entries(node.attributes ?? {})) {
    w.message(5, (a) => writeAttribute(a, name, value));
  }
}

function writeTensor(w: ProtoWriter, t: OnnxInitializer): void {
  w.packedInts(1, t.dims);
  // int64_data (field 7) is packed in onnx.proto
  if ('int64' in t) w.int(2, INT64).packedInts(7, t.int64).string(8, t.name);
  else w.int(2, FLOAT).string(8, t.name).rawFloats(9, t.values);
}

function writeValueInfo(w: ProtoWriter, v: OnnxValueInfo): void {
  w.string(1, v.name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, FLOAT);
      tensor.message(2, (shape) => {
        for (const d of v.shape) {
          shape.message(1, (dim) => (typeof d === 'string' ? dim.string(2, d) : dim.int(1, d)));
        }
      });
    }),
  );
}

function writeGraph(w: ProtoWriter, g: OnnxGraph): void {
  for (const n of g.nodes) w.message(1, (m) => writeNode(m, n));
  w.string(2, g.name);
  for (const t of g.initializers) w.message(5, (m) => writeTensor(m, t));
  if (g.docString) w.string(10, g.docString);
  for (const v of g.inputs) w.message(11, (m) => writeValueInfo(m, v));
  for (const v of g.outputs) w.message(12, (m) => writeValueInfo(m, v));
}

/** ModelProto bytes. */
export function encodeModel(m: OnnxModel): Uint8Array {
  const w = new ProtoWriter();
  w.int(1, m.irVersion).string(2, m.producerName).string(3, m.producerVersion);
  if (m.docString) w.string(6, m.docString);
  w.message(7, (g) => writeGraph(g, m.graph));
  // the default (ai.onnx) domain: the empty string, omitted as proto3 does
  w.message(8, (o) => o.int(2, m.opset));
  return w.finish();
}
