/**
 * The exported bytes read back field by field with a tiny protobuf reader written here (not the
 * writer's code): ModelProto's ir_version, opset, graph, nodes, attributes, initializers as raw
 * little-endian float32, and the symbolic batch dimension.
 */
import { describe, expect, it } from 'vitest';
import * as nn from '../../src';
import { ProtoWriter } from '../../src/onnx/protobuf';

type Field = { field: number; wire: number; value: bigint | Uint8Array | number };

/** Decodes one message into its fields (varints as BigInt, fixed32 as float). */
function decode(bytes: Uint8Array): Field[] {
  const out: Field[] = [];
  let pos = 0;
  const varint = (): bigint => {
    let v = 0n;
    let shift = 0n;
    for (;;) {
      const b = bytes[pos++];
      if (b === undefined) throw new Error('truncated varint');
      v |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return v;
      shift += 7n;
    }
  };
  while (pos < bytes.length) {
    const tag = Number(varint());
    const field = tag >>> 3;
    const wire = tag & 7;
    if (wire === 0) out.push({ field, wire, value: varint() });
    else if (wire === 2) {
      const len = Number(varint());
      if (pos + len > bytes.length) throw new Error('truncated field');
      out.push({ field, wire, value: bytes.subarray(pos, pos + len) });
      pos += len;
    } else if (wire === 5) {
      out.push({ field, wire, value: new DataView(bytes.buffer, bytes.byteOffset + pos, 4).getFloat32(0, true) });
      pos += 4;
    } else throw new Error(`unexpected wire type ${wire}`);
  }
  return out;
}

const all = (fields: Field[], n: number) => fields.filter((f) => f.field === n);
const one = (fields: Field[], n: number) => {
  const found = all(fields, n);
  expect(found, `field ${n}`).toHaveLength(1);
  return found[0].value;
};
const text = (v: Field['value']) => new TextDecoder().decode(v as Uint8Array);
const msg = (v: Field['value']) => decode(v as Uint8Array);
/** A signed int64 from its varint. */
const int64 = (v: Field['value']) => Number(BigInt.asIntN(64, v as bigint));
const packed = (v: Field['value']) => {
  const bytes = v as Uint8Array;
  const values: number[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    let v = 0;
    let mul = 1;
    for (;;) {
      const b = bytes[pos++];
      v += (b & 0x7f) * mul;
      mul *= 128;
      if (b < 0x80) break;
    }
    values.push(v);
  }
  return values;
};

describe('the protobuf writer', () => {
  it('writes varints, negative int64 (ten bytes), floats, strings and nested messages', () => {
    const w = new ProtoWriter()
      .int(1, 0)
      .int(2, 300)
      .int(3, 2 ** 40 + 5)
      .int(4, -1)
      .int(5, -(2 ** 33) - 7)
      .float(6, 0.1)
      .string(7, 'Gemm é')
      .message(8, (m) => m.int(1, 17));
    const bytes = w.finish();
    const f = decode(bytes);
    expect(f.map((x) => x.field)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(f[0].value).toBe(0n);
    expect(f[1].value).toBe(300n);
    expect(f[2].value).toBe(2n ** 40n + 5n);
    expect(int64(f[3].value)).toBe(-1);
    expect(int64(f[4].value)).toBe(-(2 ** 33) - 7);
    expect(f[5].value).toBe(Math.fround(0.1));
    expect(text(f[6].value)).toBe('Gemm é');
    expect(one(msg(f[7].value), 1)).toBe(17n);
    // -1 takes the ten bytes protobuf gives a negative int32/int64: tag, then 9 × 0xff, 0x01
    expect(Array.from(new ProtoWriter().int(1, -1).finish())).toEqual([8, ...Array(9).fill(0xff), 1]);
    expect(() => new ProtoWriter().int(1, 2 ** 53)).toThrow(RangeError);
  });
});

describe('an exported model, field by field', () => {
  const model = nn.sequential({
    name: 'probe',
    seed: 7,
    layers: [
      nn.layers.dense({ units: 3, activation: 'leakyRelu', inputShape: [2] }),
      nn.layers.dropout({ rate: 0.5 }),
      nn.layers.dense({ units: 2, activation: 'softmax', useBias: false }),
    ],
  });
  const fields = decode(model.toOnnx({ opset: 15 }));

  it('ModelProto: IR version 8, producer, one opset import of the default domain', () => {
    expect(one(fields, 1)).toBe(8n);
    expect(text(one(fields, 2))).toBe('nativenn');
    const opset = msg(one(fields, 8));
    expect(all(opset, 1)).toHaveLength(0); // domain "" (ai.onnx)
    expect(one(opset, 2)).toBe(15n);
  });

  it('GraphProto: the nodes in order with their attributes, dropout gone, the output named', () => {
    const graph = msg(one(fields, 7));
    expect(text(one(graph, 2))).toBe('probe');
    const nodes = all(graph, 1).map((n) => msg(n.value));
    expect(nodes.map((n) => text(one(n, 4)))).toEqual(['Gemm', 'LeakyRelu', 'Gemm', 'Softmax']);
    expect(all(nodes[0], 1).map((i) => text(i.value))).toEqual(['input', 'dense_1/kernel', 'dense_1/bias']);
    expect(all(nodes[2], 1).map((i) => text(i.value))).toEqual(['dense_1/LeakyRelu', 'dense_2/kernel']);
    expect(text(one(nodes[3], 2))).toBe('output');
    const alpha = msg(one(nodes[1], 5));
    expect(text(one(alpha, 1))).toBe('alpha');
    expect(one(alpha, 2)).toBe(Math.fround(0.3));
    expect(one(alpha, 20)).toBe(1n); // AttributeProto.FLOAT
    const axis = msg(one(nodes[3], 5));
    expect(text(one(axis, 1))).toBe('axis');
    expect(int64(one(axis, 3))).toBe(-1);
    expect(one(axis, 20)).toBe(2n); // AttributeProto.INT
  });

  it('initializers: float32 dims and raw little-endian data equal to the weights', () => {
    const graph = msg(one(fields, 7));
    const inits = all(graph, 5).map((t) => msg(t.value));
    expect(inits.map((t) => text(one(t, 8)))).toEqual(['dense_1/kernel', 'dense_1/bias', 'dense_2/kernel']);
    const weights = model.getWeights();
    inits.forEach((t, i) => {
      expect(packed(one(t, 1))).toEqual(weights[i].shape);
      expect(one(t, 2)).toBe(1n); // FLOAT
      const raw = one(t, 9) as Uint8Array;
      const view = new DataView(raw.buffer, raw.byteOffset, raw.length);
      const values = Float32Array.from({ length: raw.length / 4 }, (_, k) => view.getFloat32(k * 4, true));
      expect(values).toEqual(weights[i].data);
      expect(all(t, 4)).toHaveLength(0); // no float_data: raw only
    });
  });

  it('input and output: float32 [batch, features] with batch symbolic, or fixed', () => {
    const shapeOf = (info: Field['value']) => {
      const v = msg(info);
      const tensor = msg(one(msg(one(v, 2)), 1));
      expect(one(tensor, 1)).toBe(1n); // elem_type FLOAT
      const dims = all(msg(one(tensor, 2)), 1).map((d) => msg(d.value));
      return { name: text(one(v, 1)), dims: dims.map((d) => (all(d, 2).length ? text(one(d, 2)) : Number(one(d, 1)))) };
    };
    const graph = msg(one(fields, 7));
    expect(shapeOf(one(graph, 11))).toEqual({ name: 'input', dims: ['batch', 2] });
    expect(shapeOf(one(graph, 12))).toEqual({ name: 'output', dims: ['batch', 2] });
    const fixed = msg(one(decode(model.toOnnx({ dynamicBatch: false, batchSize: 5 })), 7));
    expect(shapeOf(one(fixed, 11))).toEqual({ name: 'input', dims: [5, 2] });
    expect(one(msg(one(decode(model.toOnnx()), 8)), 2)).toBe(17n); // the default opset
  });
});

describe('a recurrent node, field by field', () => {
  const model = nn.sequential({
    seed: 3,
    layers: [
      nn.layers.simpleRNN({ units: 2, activation: 'linear', goBackwards: true, name: 'rnn', inputShape: [4, 3] }),
    ],
  });
  const graph = msg(one(decode(model.toOnnx()), 7));
  const nodes = all(graph, 1).map((n) => msg(n.value));
  const rnn = nodes.find((n) => text(one(n, 4)) === 'RNN') as Field[];
  const attribute = (name: string) => {
    const found = all(rnn, 5)
      .map((a) => msg(a.value))
      .find((a) => text(one(a, 1)) === name);
    expect(found, name).toBeDefined();
    return found as Field[];
  };

  it('two outputs (Y, Y_h), a string, strings, floats and an int attribute', () => {
    expect(all(rnn, 2).map((o) => text(o.value))).toEqual(['rnn/RNN/Y', 'rnn/RNN/Y_h']);
    const direction = attribute('direction');
    expect(text(one(direction, 4))).toBe('reverse');
    expect(one(direction, 20)).toBe(3n); // AttributeProto.STRING
    const activations = attribute('activations');
    expect(all(activations, 9).map((s) => text(s.value))).toEqual(['Affine']);
    expect(one(activations, 20)).toBe(8n); // STRINGS
    const alpha = attribute('activation_alpha');
    const raw = one(alpha, 7) as Uint8Array;
    expect(new DataView(raw.buffer, raw.byteOffset, raw.length).getFloat32(0, true)).toBe(1);
    expect(raw.length).toBe(4);
    expect(one(alpha, 20)).toBe(6n); // FLOATS
    expect(one(attribute('hidden_size'), 3)).toBe(2n);
  });

  it('W is the kernel transposed: [1, units, features]', () => {
    const inits = all(graph, 5).map((t) => msg(t.value));
    const w = inits.find((t) => text(one(t, 8)) === 'rnn/W') as Field[];
    expect(packed(one(w, 1))).toEqual([1, 2, 3]);
    const raw = one(w, 9) as Uint8Array;
    const view = new DataView(raw.buffer, raw.byteOffset, raw.length);
    const kernel = model.getWeights()[0].data; // [3 features, 2 units]
    for (let u = 0; u < 2; u++)
      for (let f = 0; f < 3; f++) expect(view.getFloat32((u * 3 + f) * 4, true)).toBe(kernel[f * 2 + u]);
  });
});
