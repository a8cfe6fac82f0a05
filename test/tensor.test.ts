/** Tensor: N-D shapes, dtypes, constructors, the tfjs accessors, reshape and argMax. */
import { describe, expect, it } from 'vitest';
import * as nn from '../src';

describe('nn.tensor', () => {
  it('infers the shape from nesting of any depth (row-major values, float32 by default)', () => {
    const s = nn.tensor(2.5);
    expect(s.shape).toEqual([]);
    expect(s.rank).toBe(0);
    expect(s.size).toBe(1);
    expect(s.arraySync()).toBe(2.5);
    expect(nn.tensor([1, 2, 3]).shape).toEqual([3]);
    const t3 = nn.tensor([
      [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
      [
        [7, 8],
        [9, 10],
        [11, 12],
      ],
    ]);
    expect(t3.shape).toEqual([2, 3, 2]);
    expect(t3.dtype).toBe('float32');
    expect(t3.dataSync()).toBeInstanceOf(Float32Array);
    expect(Array.from(t3.dataSync())).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const t4 = nn.tensor([[[[1], [2]]], [[[3], [4]]]]);
    expect(t4.shape).toEqual([2, 1, 2, 1]);
    expect(t4.arraySync()).toEqual([[[[1], [2]]], [[[3], [4]]]]);
    expect(nn.tensor([[], []]).shape).toEqual([2, 0]);
    expect(nn.tensor([]).shape).toEqual([0]);
  });

  it('takes a flat array or typed array with a shape, and copies the values', () => {
    const src = Float32Array.of(1, 2, 3, 4, 5, 6);
    const t = nn.tensor(src, [2, 3]);
    src[0] = 99;
    expect(t.arraySync()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(nn.tensor([1, 2, 3, 4], [2, 1, 2]).arraySync()).toEqual([[[1, 2]], [[3, 4]]]);
    expect(nn.tensor(Float64Array.of(0.5, 1.5)).dtype).toBe('float32');
    expect(() => nn.tensor([1, 2, 3], [2, 2])).toThrow('tensor: shape [2, 2] needs 4 values, got 3');
    expect(() =>
      nn.tensor(
        [
          [1, 2],
          [3, 4],
        ],
        [4, 1],
      ),
    ).toThrow("tensor: shape [4, 1] does not match the values' shape [2, 2]");
    expect(() => nn.tensor([1, 2], [-1, 2])).toThrow('tensor: shape[0] must be a non-negative integer, got -1');
    expect(() => nn.tensor([1, 2], 2 as never)).toThrow(TypeError);
  });

  it('dtype int32: Int32Array by default, whole numbers only (no silent truncation)', () => {
    const ids = nn.tensor(Int32Array.of(3, 1, 4));
    expect(ids.dtype).toBe('int32');
    expect(ids.dataSync()).toBeInstanceOf(Int32Array);
    const labels = nn.tensor([[1], [2]], undefined, 'int32');
    expect(labels.dtype).toBe('int32');
    expect(labels.arraySync()).toEqual([[1], [2]]);
    expect(nn.tensor(Int32Array.of(1, 2), [2], 'float32').dtype).toBe('float32');
    expect(() => nn.tensor([1, 2.5], [2], 'int32')).toThrow(
      "tensor: values[1] is 2.5; an int32 tensor holds whole numbers from -2147483648 to 2147483647 (round them first, or use dtype 'float32')",
    );
    expect(() =>
      nn.tensor(
        [
          [0, 1],
          [2 ** 31, 3],
        ],
        undefined,
        'int32',
      ),
    ).toThrow('values[1][0] is 2147483648');
    expect(() => nn.tensor([Number.NaN], undefined, 'int32')).toThrow('values[0] is NaN');
    expect(() => nn.tensor(Float32Array.of(1, 0.5), [2], 'int32')).toThrow('values[1] is 0.5');
    expect(() => nn.tensor([1], [1], 'bool' as never)).toThrow(
      "tensor: dtype must be 'float32' or 'int32', got \"bool\"",
    );
  });

  it('converts a Uint8Array (IDX pixels) to float32, or to int32 when asked', () => {
    const pixels = Uint8Array.of(0, 128, 255, 7);
    const f = nn.tensor(pixels, [2, 2]);
    expect(f.dtype).toBe('float32');
    expect(Array.from(f.dataSync())).toEqual([0, 128, 255, 7]);
    const i = nn.tensor(pixels, [4], 'int32');
    expect(i.dtype).toBe('int32');
    expect(Array.from(i.dataSync())).toEqual([0, 128, 255, 7]);
    expect(nn.tensor4d(pixels, [1, 2, 2, 1]).shape).toEqual([1, 2, 2, 1]);
  });

  it('names ragged nesting and non-numbers by their index', () => {
    expect(() => nn.tensor([[1, 2], [3]])).toThrow(
      'tensor: values[1] has 1 elements, expected 2 like values[0] (ragged nesting)',
    );
    expect(() => nn.tensor([[1, 2], 3] as never)).toThrow('values[1] is 3 where an array of 2 was expected');
    expect(() => nn.tensor([1, [2]] as never)).toThrow('values[1] is an array where a number was expected');
    expect(() => nn.tensor([[1, 'a']] as never)).toThrow(
      new TypeError('tensor: values[0][1] must be a number, got "a"'),
    );
    expect(() => nn.tensor([true] as never)).toThrow('values[0] must be a number, got boolean');
    expect(() => nn.tensor({} as never)).toThrow(TypeError);
    expect(() => nn.tensor(new BigInt64Array(2) as never)).toThrow(TypeError);
    const cyclic: unknown[] = [];
    cyclic.push(cyclic);
    expect(() => nn.tensor(cyclic as never)).toThrow('values contain themselves');
  });

  it('tensor1d…4d check the rank; tensor2d keeps its old forms', () => {
    expect(nn.tensor1d([1, 2, 3]).shape).toEqual([3]);
    expect(nn.tensor1d(Int32Array.of(1, 2)).dtype).toBe('int32');
    expect(() => nn.tensor1d([[1]] as never)).toThrow('tensor1d: values are 2-D [1, 1], expected 1-D');
    expect(() => nn.tensor1d(3 as never)).toThrow('tensor1d: values must be 1-D, got a single number');
    const t = nn.tensor2d([
      [1, 2],
      [3, 4],
    ]);
    expect(t.shape).toEqual([2, 2]);
    expect(t.toArray()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(nn.tensor2d(Float32Array.of(1, 2, 3, 4, 5, 6), [3, 2]).toArray()).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect(nn.tensor2d([1, 2, 3, 4], [1, 4]).shape).toEqual([1, 4]);
    expect(nn.tensor2d([]).shape).toEqual([0, 0]);
    expect(() => nn.tensor2d(Float32Array.of(1, 2))).toThrow('tensor2d: shape is required when values is a flat array');
    expect(() => nn.tensor2d([1, 2], [2])).toThrow('tensor2d: shape must have 2 dimensions, got [2]');
    expect(() => nn.tensor2d([[[1]]])).toThrow('tensor2d: values are 3-D [1, 1, 1], expected 2-D');
    expect(nn.tensor3d([[[1, 2, 3]]]).shape).toEqual([1, 1, 3]);
    expect(nn.tensor3d([1, 2, 3, 4], [2, 2, 1], 'int32').dtype).toBe('int32');
    expect(nn.tensor4d([[[[1]]]]).shape).toEqual([1, 1, 1, 1]);
    expect(() => nn.tensor4d([[[1]]])).toThrow('tensor4d: values are 3-D [1, 1, 1], expected 4-D');
  });

  it('the Tensor constructor wraps a Float32Array or an Int32Array, nothing else', () => {
    const data = new Int32Array(6);
    const t = new nn.Tensor(data, [2, 3]);
    expect(t.dtype).toBe('int32');
    expect(t.dataSync()).toBe(data);
    expect(() => new nn.Tensor(new Float64Array(2) as never, [2])).toThrow(
      'Tensor: data must be a Float32Array or an Int32Array, got Float64Array(2)',
    );
    expect(() => new nn.Tensor(new Float32Array(5), [2, 3])).toThrow('Tensor: shape [2, 3] needs 6 values, got 5');
    expect(() => new nn.Tensor(new Float32Array(2), [2.5])).toThrow('shape[0] must be a non-negative integer, got 2.5');
  });
});

describe('Tensor accessors', () => {
  it('dataSync is the tensor’s own array (no copy, as tfjs cpu); clone copies', () => {
    const t = nn.tensor([1, 2, 3]);
    t.dataSync()[0] = 10;
    expect(t.arraySync()).toEqual([10, 2, 3]);
    const c = t.clone();
    c.dataSync()[1] = 20;
    expect(t.arraySync()).toEqual([10, 2, 3]);
    expect(c.dtype).toBe('float32');
    expect(nn.tensor(Int32Array.of(1)).clone().dtype).toBe('int32');
  });

  it('rows, cols and toArray give the 2-D view of any rank', () => {
    const t = nn.tensor([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [2, 3, 2]);
    expect([t.rows, t.cols, t.size, t.rank]).toEqual([2, 6, 12, 3]);
    expect(t.toArray()).toEqual([
      [1, 2, 3, 4, 5, 6],
      [7, 8, 9, 10, 11, 12],
    ]);
    const v = nn.tensor1d([1, 2]);
    expect([v.rows, v.cols]).toEqual([2, 1]);
    expect(v.toArray()).toEqual([[1], [2]]);
    expect(String(nn.tensor1d(Int32Array.of(1)))).toBe('Tensor [1] int32');
  });

  it('reshape infers one -1 and shares the values', () => {
    const t = nn.tensor([1, 2, 3, 4, 5, 6], [2, 3], 'int32');
    const r = t.reshape([3, -1]);
    expect(r.shape).toEqual([3, 2]);
    expect(r.dtype).toBe('int32');
    expect(r.arraySync()).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect(r.dataSync()).toBe(t.dataSync());
    expect(t.reshape([-1]).shape).toEqual([6]);
    expect(t.reshape([1, 6, 1]).shape).toEqual([1, 6, 1]);
    expect(nn.tensor([5]).reshape([]).shape).toEqual([]);
    expect(() => t.reshape([-1, -1])).toThrow('reshape: only one dimension may be -1, got [-1, -1]');
    expect(() => t.reshape([4, -1])).toThrow(
      'reshape: cannot reshape [2, 3] (6 values) into [4, -1]: no size fits the -1',
    );
    expect(() => t.reshape([4, 2])).toThrow('reshape: cannot reshape [2, 3] (6 values) into [4, 2] (8 values)');
    expect(() => t.reshape([2, -2])).toThrow('reshape: shape[1] must be a non-negative integer, got -2');
    expect(() => nn.tensor([], [0, 2]).reshape([0, -1])).toThrow('no size fits the -1');
  });

  it('argMax along any axis gives an int32 tensor without that axis; ties go to the first', () => {
    const t = nn.tensor([
      [1, 5, 5],
      [7, 2, 0],
    ]);
    const last = t.argMax();
    expect(last.dtype).toBe('int32');
    expect(last.shape).toEqual([2]);
    expect(Array.from(last.dataSync())).toEqual([1, 0]);
    expect(Array.from(t.argMax(0).dataSync())).toEqual([1, 0, 0]);
    expect(Array.from(t.argMax(-2).dataSync())).toEqual([1, 0, 0]);
    const t3 = nn.tensor([
      [
        [0, 9],
        [3, 1],
        [4, 8],
      ],
      [
        [5, 2],
        [1, 6],
        [2, 7],
      ],
    ]);
    expect(t3.argMax(1).arraySync()).toEqual([
      [2, 0],
      [0, 2],
    ]);
    expect(t3.argMax(2).arraySync()).toEqual([
      [1, 0, 1],
      [0, 1, 1],
    ]);
    expect(
      nn
        .tensor1d(Int32Array.of(-3, -1, -2))
        .argMax()
        .arraySync(),
    ).toBe(1);
    expect(() => t.argMax(2)).toThrow('argMax: axis must be an integer from -2 to 1 for shape [2, 3], got 2');
    expect(() => t.argMax(0.5)).toThrow(RangeError);
    expect(() => nn.tensor([[], []]).argMax()).toThrow('argMax: axis -1 of shape [2, 0] is empty');
    expect(() => nn.tensor(1).argMax()).toThrow('argMax: a scalar has no axis');
  });
});
