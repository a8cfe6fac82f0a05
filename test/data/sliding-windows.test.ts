/** nn.data.slidingWindows (issue 11 item 3): exact windows on small inputs, seeded draws, the
 *  multi-feature form, sizes checked before allocating, and every error message. */
import { describe, expect, it } from 'vitest';
import * as nn from '../../src';
import { Random } from '../../src/util/random';

const seq = [10, 11, 12, 13, 14, 15];

describe('nn.data.slidingWindows', () => {
  it('takes every window in order, the next item as target', () => {
    const { x, y, starts } = nn.data.slidingWindows(seq, { window: 3 });
    expect(x.dtype).toBe('float32');
    expect(x.shape).toEqual([3, 3]);
    expect(x.arraySync()).toEqual([
      [10, 11, 12],
      [11, 12, 13],
      [12, 13, 14],
    ]);
    expect(y.shape).toEqual([3]);
    expect(Array.from(y.data)).toEqual([13, 14, 15]);
    expect(Array.from(starts)).toEqual([0, 1, 2]);
  });

  it('gives the same windows for number[], Int32Array, Float32Array and a 1-D Tensor', () => {
    const ref = nn.data.slidingWindows(seq, { window: 2, step: 2 });
    expect(ref.x.arraySync()).toEqual([
      [10, 11],
      [12, 13],
    ]);
    expect(Array.from(ref.y.data)).toEqual([12, 14]);
    for (const s of [Int32Array.from(seq), Float32Array.from(seq), nn.tensor1d(seq)]) {
      const w = nn.data.slidingWindows(s, { window: 2, step: 2 });
      expect(w.x.arraySync()).toEqual(ref.x.arraySync());
      expect(Array.from(w.y.data)).toEqual(Array.from(ref.y.data));
    }
  });

  it('steps: the last window is the last one with an item after it', () => {
    expect(Array.from(nn.data.slidingWindows(seq, { window: 2, step: 3 }).starts)).toEqual([0, 3]);
    expect(Array.from(nn.data.slidingWindows(seq, { window: 1, step: 4 }).starts)).toEqual([0, 4]);
    const w = nn.data.slidingWindows(seq, { window: 5 });
    expect(w.x.arraySync()).toEqual([[10, 11, 12, 13, 14]]);
    expect(Array.from(w.y.data)).toEqual([15]);
  });

  it("target 'sequence': the window shifted by one item", () => {
    const { x, y } = nn.data.slidingWindows(seq, { window: 3, step: 2, target: 'sequence' });
    expect(x.arraySync()).toEqual([
      [10, 11, 12],
      [12, 13, 14],
    ]);
    expect(y.shape).toEqual([2, 3]);
    expect(y.arraySync()).toEqual([
      [11, 12, 13],
      [13, 14, 15],
    ]);
  });

  it('a [time, features] series gives x [n, window, features] and y [n, features] or one column', () => {
    const series = nn.tensor2d([
      [0, 100],
      [1, 101],
      [2, 102],
      [3, 103],
    ]);
    const w = nn.data.slidingWindows(series, { window: 2 });
    expect(w.x.shape).toEqual([2, 2, 2]);
    expect(w.x.arraySync()).toEqual([
      [
        [0, 100],
        [1, 101],
      ],
      [
        [1, 101],
        [2, 102],
      ],
    ]);
    expect(w.y.arraySync()).toEqual([
      [2, 102],
      [3, 103],
    ]);
    const c = nn.data.slidingWindows(series, { window: 2, column: 1 });
    expect(c.y.shape).toEqual([2]);
    expect(Array.from(c.y.data)).toEqual([102, 103]);
    const s = nn.data.slidingWindows(series, { window: 2, target: 'sequence' });
    expect(s.y.shape).toEqual([2, 2, 2]);
    expect(s.y.arraySync()).toEqual([
      [
        [1, 101],
        [2, 102],
      ],
      [
        [2, 102],
        [3, 103],
      ],
    ]);
    const sc = nn.data.slidingWindows(series, { window: 3, target: 'sequence', column: 0 });
    expect(sc.y.arraySync()).toEqual([[1, 2, 3]]);
  });

  it('count draws windows with replacement, the same ones for the same seed', () => {
    const long = Float32Array.from({ length: 1000 }, (_, i) => i);
    const a = nn.data.slidingWindows(long, { window: 10, step: 3, count: 500, seed: 42 });
    const b = nn.data.slidingWindows(long, { window: 10, step: 3, count: 500, seed: 42 });
    const c = nn.data.slidingWindows(long, { window: 10, step: 3, count: 500, seed: 43 });
    expect(a.x.shape).toEqual([500, 10]);
    expect(Array.from(b.starts)).toEqual(Array.from(a.starts));
    expect(Array.from(b.x.data)).toEqual(Array.from(a.x.data));
    expect(Array.from(c.starts)).not.toEqual(Array.from(a.starts));
    for (let r = 0; r < 500; r++) {
      const s = a.starts[r];
      expect(s % 3).toBe(0);
      expect(s + 10).toBeLessThanOrEqual(999); // the target exists
      expect(a.x.data[r * 10]).toBe(s);
      expect(a.y.data[r]).toBe(s + 10);
    }
    // with replacement, over every available start (0, 3, …, 987): all of them come up
    const few = nn.data.slidingWindows(seq, { window: 3, count: 300, seed: 1 });
    expect(new Set(few.starts)).toEqual(new Set([0, 1, 2]));
  });

  it('handles a million-item sequence (the char model recipe: 50k windows of 16)', () => {
    const rng = new Random(3);
    const ids = Int32Array.from({ length: 1_000_000 }, () => rng.int(60));
    const { x, y, starts } = nn.data.slidingWindows(ids, { window: 16, count: 50_000, seed: 0 });
    expect(x.shape).toEqual([50_000, 16]);
    expect(y.shape).toEqual([50_000]);
    for (const r of [0, 12_345, 49_999]) {
      expect(Array.from(x.data.subarray(r * 16, r * 16 + 16))).toEqual(
        Array.from(ids.subarray(starts[r], starts[r] + 16)),
      );
      expect(y.data[r]).toBe(ids[starts[r] + 16]);
    }
    const all = nn.data.slidingWindows(ids, { window: 16 });
    expect(all.x.shape).toEqual([1_000_000 - 16, 16]);
    expect(all.y.data[all.y.size - 1]).toBe(ids[ids.length - 1]);
  });

  it('copies the sequence: changing it afterwards changes no window', () => {
    const s = Float32Array.from(seq);
    const { x } = nn.data.slidingWindows(s, { window: 2 });
    s[0] = -1;
    expect(x.data[0]).toBe(10);
  });
});

describe('nn.data.slidingWindows errors', () => {
  const fn = 'slidingWindows';
  const w = (sequence: unknown, options: unknown) => () =>
    nn.data.slidingWindows(sequence as number[], options as nn.data.SlidingWindowOptions);

  it('needs a window shorter than the sequence', () => {
    expect(w(seq, { window: 6 })).toThrow(
      new RangeError(
        `${fn}: window (6) must be less than the sequence's length (6): each window needs the item after it`,
      ),
    );
    expect(w([], { window: 1 })).toThrow(/window \(1\) must be less than the sequence's length \(0\)/);
    expect(w(undefined, { window: 2 })).toThrow(
      new TypeError(
        `${fn}: sequence must be an Int32Array, Float32Array, number[] or a Tensor ([time] or [time, features]), got undefined`,
      ),
    );
    // a Proxy passes instanceof but is not a typed array (its reads could change between check and copy)
    expect(w(new Proxy(new Float32Array(4), {}), { window: 1 })).toThrow(TypeError);
    expect(w(nn.tensor3d([[[1]], [[2]]]), { window: 1 })).toThrow(
      new RangeError(`${fn}: sequence must be 1-D [time] or 2-D [time, features], got shape [2, 1, 1]`),
    );
    expect(w(nn.tensor([], [3, 0]), { window: 1 })).toThrow(new RangeError(`${fn}: sequence has 0 features per step`));
  });

  it('checks every option', () => {
    expect(w(seq, undefined)).toThrow(new TypeError(`${fn}: options with a window are required, e.g. { window: 16 }`));
    expect(w(seq, {})).toThrow(new TypeError(`${fn}: window is required (items per input row)`));
    expect(w(seq, { window: 2, steps: 1 })).toThrow(
      new TypeError(`${fn}: unknown option "steps"; valid: window, step, target, column, count, seed`),
    );
    expect(w(seq, { window: '3' })).toThrow(new TypeError(`${fn}: window must be a number, got "3"`));
    expect(w(seq, { window: 0 })).toThrow(new RangeError(`${fn}: window must be an integer from 1 to 16777216, got 0`));
    expect(w(seq, { window: 2.5 })).toThrow(RangeError);
    expect(w(seq, { window: 2, step: 0 })).toThrow(
      new RangeError(`${fn}: step must be an integer from 1 to 2147483647, got 0`),
    );
    expect(w(seq, { window: 2, target: 'last' })).toThrow(
      new TypeError(`${fn}: target must be 'next' or 'sequence', got "last"`),
    );
    expect(w(seq, { window: 2, count: 0 })).toThrow(
      new RangeError(`${fn}: count must be an integer from 1 to 2147483647, got 0`),
    );
    expect(w(seq, { window: 2, seed: 1 })).toThrow(
      new TypeError(`${fn}: seed applies to count (random windows); without count every window is taken`),
    );
    expect(w(seq, { window: 2, count: 3, seed: 0.5 })).toThrow(
      new TypeError(`${fn}: seed must be an integer, got 0.5`),
    );
    expect(w(seq, { window: 2, column: 0 })).toThrow(
      new TypeError(`${fn}: column applies to a 2-D [time, features] series, not a 1-D sequence`),
    );
    expect(w(nn.tensor2d([[1, 2]]), { window: 1, column: 2 })).toThrow(
      new RangeError(`${fn}: column must be an integer from 0 to 1, got 2`),
    );
  });

  it('names a bad value by its position', () => {
    expect(w([1, Number.NaN, 3], { window: 1 })).toThrow(
      new RangeError(`${fn}: sequence[1] is NaN; values must be finite float32 numbers`),
    );
    expect(w([1, 2, 1e39], { window: 1 })).toThrow(
      new RangeError(`${fn}: sequence[2] is 1e+39; values must be finite float32 numbers`),
    );
    expect(w([1, '2', 3], { window: 1 })).toThrow(new TypeError(`${fn}: sequence[1] must be a number, got "2"`));
    expect(
      w(
        nn.tensor2d([
          [1, 2],
          [3, Number.POSITIVE_INFINITY],
        ]),
        { window: 1 },
      ),
    ).toThrow(new RangeError(`${fn}: sequence[1][1] is Infinity; values must be finite float32 numbers`));
    expect(w(Int32Array.of(0, 2 ** 24 + 1), { window: 1 })).toThrow(
      new RangeError(`${fn}: sequence[1] is 16777217; float32 holds integers exactly only up to ±2^24 (16777216)`),
    );
    expect(nn.data.slidingWindows(Int32Array.of(0, 2 ** 24, 1), { window: 1 }).x.data[1]).toBe(2 ** 24);
  });

  it('refuses an output larger than one tensor before allocating it', () => {
    const long = new Float32Array(1 << 20); // 2^20 − 4096 windows of 4096 values: about 2^32 values
    expect(w(long, { window: 4096 })).toThrow(
      new RangeError(
        `${fn}: 1044480 windows of 4096 values make 4278190080 values, more than one tensor holds (2147483647); use count, a larger step or a shorter sequence`,
      ),
    );
    expect(w(long, { window: 4096, count: 600_000, seed: 1 })).toThrow(/600000 windows of 4096 values/);
    expect(nn.data.slidingWindows(long, { window: 4096, count: 10, seed: 1 }).x.shape).toEqual([10, 4096]);
  });
});
