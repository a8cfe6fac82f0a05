/** conv2d forward / backward-data / backward-filter: the native kernels against the js twin on
 *  many shapes, the twin against hand-computed values, TensorFlow's padding rule, thread-count
 *  independence, and bad calls. */
import { describe, expect, it } from 'vitest';
import { backends, getNumThreads, setNumThreads } from '../../src';
import { conv2dWorkspaceSize, convPadding } from '../../src/backend/js/conv-shape';
import { addon } from '../../src/backend/native/addon';
import { expectSameErrorOnBoth, maxRelErr, nativeBackend, randomF32 } from '../support/backends';
import { type ConvCase, convCase, convCases } from './conv-cases';

const js = backends.js;
type B = typeof js;

function run(b: B, c: ConvCase, seed: number, slots = 1) {
  const x = randomF32(c.x, seed);
  const filter = randomF32(c.filter, seed + 1);
  const dy = randomF32(c.out, seed + 2);
  const workspace = new Float32Array(c.workspace * slots);
  const out = new Float32Array(c.out).fill(Number.NaN); // overwritten, never read
  b.conv2dForward(out, x, filter, workspace, ...c.shape);
  const dx = randomF32(c.x, seed + 3); // the backward kernels accumulate onto what is there
  b.conv2dBackwardData(dx, dy, filter, workspace, ...c.shape);
  const dfilter = randomF32(c.filter, seed + 4);
  b.conv2dBackwardFilter(dfilter, x, dy, workspace, ...c.shape);
  return { out, dx, dfilter };
}

describe('convPadding: TensorFlow’s rule', () => {
  it.each([
    // [in, k, stride, dilation, mode, before, after, out]: tf.nn.conv2d / tf.keras Conv2D values
    [5, 3, 2, 1, 'same', 1, 1, 3],
    [6, 3, 2, 1, 'same', 0, 1, 3],
    [7, 3, 1, 1, 'same', 1, 1, 7],
    [5, 4, 1, 1, 'same', 1, 2, 5],
    [4, 2, 2, 1, 'same', 0, 0, 2],
    [5, 3, 1, 2, 'same', 2, 2, 5],
    [28, 3, 1, 1, 'valid', 0, 0, 26],
    [6, 3, 2, 1, 'valid', 0, 0, 2],
    [7, 3, 1, 2, 'valid', 0, 0, 3],
    [1, 5, 1, 1, 'same', 2, 2, 1],
  ] as const)('in %d k %d stride %d dilation %d %s → pad %d/%d, out %d', (inSize, k, s, d, mode, b, a, out) => {
    expect(convPadding(inSize, k, s, d, mode)).toEqual([b, a, out]);
  });

  it('rejects a kernel larger than the input with valid padding, and bad sizes', () => {
    expect(() => convPadding(2, 3, 1, 1, 'valid')).toThrow(RangeError);
    expect(() => convPadding(4, 3, 1, 2, 'valid')).toThrow(/larger than the input/);
    expect(() => convPadding(5, 3, 0, 1, 'same')).toThrow(/stride must be a positive integer/);
    expect(() => convPadding(5, 3, 1, 1, 'full' as 'same')).toThrow(/mode/);
  });

  it('conv2dWorkspaceSize is one image’s column matrix per slot', () => {
    expect(conv2dWorkspaceSize(3, 4, 2, 5, 6)).toBe(3 * 4 * 2 * 5 * 6);
    expect(conv2dWorkspaceSize(3, 4, 2, 5, 6, 3)).toBe(3 * 3 * 4 * 2 * 5 * 6);
  });
});

describe('the conv2d twin against hand-computed values', () => {
  it('3×3 input, 2×2 filter of ones, valid: window sums; backward spreads and sums', () => {
    const x = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const f = new Float32Array(4).fill(1);
    const out = new Float32Array(4);
    js.conv2dForward(out, x, f, new Float32Array(16), 1, 3, 3, 1, 1, 2, 2, 1, 1, 1, 1, 0, 0, 0, 0);
    expect(Array.from(out)).toEqual([12, 16, 24, 28]);
    const dx = new Float32Array(9);
    js.conv2dBackwardData(
      dx,
      Float32Array.from([1, 1, 1, 1]),
      f,
      new Float32Array(16),
      1,
      3,
      3,
      1,
      1,
      2,
      2,
      1,
      1,
      1,
      1,
      0,
      0,
      0,
      0,
    );
    expect(Array.from(dx)).toEqual([1, 2, 1, 2, 4, 2, 1, 2, 1]);
    const df = new Float32Array(4);
    js.conv2dBackwardFilter(
      df,
      x,
      Float32Array.from([1, 0, 0, 0]),
      new Float32Array(16),
      1,
      3,
      3,
      1,
      1,
      2,
      2,
      1,
      1,
      1,
      1,
      0,
      0,
      0,
      0,
    );
    expect(Array.from(df)).toEqual([1, 2, 4, 5]);
  });

  it('4×4 input, 3×3 filter, stride 2, same: TensorFlow pads 0 before and 1 after', () => {
    const x = Float32Array.from({ length: 16 }, (_, i) => i + 1);
    const f = new Float32Array(9).fill(1);
    const [t, b, oh] = convPadding(4, 3, 2, 1, 'same');
    const out = new Float32Array(oh * oh);
    js.conv2dForward(out, x, f, new Float32Array(36), 1, 4, 4, 1, 1, 3, 3, 2, 2, 1, 1, t, b, t, b);
    // windows: rows 0–2 × cols 0–2; rows 0–2 × cols 2–3 (+pad); rows 2–3 × cols 0–2; rows 2–3 × cols 2–3
    expect(Array.from(out)).toEqual([54, 45, 72, 54]);
  });

  it('channels mix through the filter (kH, kW, inC, outC) layout, dilation skips cells', () => {
    // 1×3 input with 2 channels, 1×2 filter dilated by 2: the taps are columns 0 and 2
    const x = Float32Array.from([1, 10, 2, 20, 3, 30]);
    const f = Float32Array.from([1, 0, 0, 1, 100, 0, 0, 100]); // [kx][c][o]
    const out = new Float32Array(2);
    js.conv2dForward(out, x, f, new Float32Array(4), 1, 1, 3, 2, 2, 1, 2, 1, 1, 1, 2, 0, 0, 0, 0);
    expect(Array.from(out)).toEqual([1 + 300, 10 + 3000]);
  });
});

describe.skipIf(!nativeBackend)('conv2d: native against the js twin', () => {
  const native = nativeBackend!;
  const cases = convCases();

  it('covers the shapes the issue names', () => {
    expect(cases.length).toBeGreaterThan(100);
  });

  it.each(cases.map((c, i) => [c.label, c, i] as const))('%s', (_label, c, i) => {
    const a = run(native, c, 100 + i, 1 + (i % 3));
    const b = run(js, c, 100 + i);
    expect(maxRelErr(a.out, b.out, 1e-5, 1e-4), 'out').toBeLessThanOrEqual(1);
    expect(maxRelErr(a.dx, b.dx, 1e-5, 1e-4), 'dx').toBeLessThanOrEqual(1);
    expect(maxRelErr(a.dfilter, b.dfilter, 1e-5, 1e-4), 'dfilter').toBeLessThanOrEqual(1);
  });

  it('gives the same bits for 1 and 2 threads at any workspace size (batch 7, large enough to thread)', () => {
    const c = convCase(7, [12, 13], [8, 16], [3, 3], [1, 1], [1, 1], 'same');
    const saved = getNumThreads();
    try {
      const results = [];
      for (const [threads, slots] of [
        [1, 1],
        [2, 1],
        [2, 2],
        [2, 4],
      ]) {
        setNumThreads(threads);
        results.push(run(native, c, 9, slots));
      }
      for (const r of results.slice(1)) {
        for (const key of ['out', 'dx', 'dfilter'] as const) {
          expect(Buffer.from(r[key].buffer).equals(Buffer.from(results[0][key].buffer)), key).toBe(true);
        }
      }
      // A slot per image: the whole batch is one GEMM (the tape's case); again the same bits for 1
      // and 2 threads, and the per-image results within float32 rounding.
      const whole = [1, 2].map((threads) => {
        setNumThreads(threads);
        return run(native, c, 9, 7);
      });
      for (const key of ['out', 'dx', 'dfilter'] as const) {
        expect(Buffer.from(whole[1][key].buffer).equals(Buffer.from(whole[0][key].buffer)), key).toBe(true);
        expect(maxRelErr(whole[0][key], results[0][key], 1e-5, 1e-4), key).toBeLessThanOrEqual(1);
      }
    } finally {
      setNumThreads(saved);
    }
  });
});

describe.skipIf(!nativeBackend)('conv2d: the direct loops of small patches', () => {
  const native = nativeBackend!;

  it.each([
    [
      'the benchmark’s first layer (1 channel, 3×3, 32 filters)',
      convCase(7, [12, 13], [1, 32], [3, 3], [1, 1], [1, 1], 'same'),
    ],
    [
      '5×5 over 1 channel with a channel tail (3 tap blocks)',
      convCase(5, [9, 10], [1, 37], [5, 5], [2, 1], [1, 1], 'same'),
    ],
    [
      // AVX2: 17 blocks of 8 channels, more than one group taking turns image by image
      '3×3 over 2 channels, 135 filters',
      convCase(3, [7, 6], [2, 135], [3, 3], [1, 1], [1, 1], 'valid'),
    ],
    [
      // AVX-512: 9 blocks of 32 channels, two groups (AVX2: 34 blocks of 8, five groups)
      '3×3 over 1 channel, 270 filters',
      convCase(2, [6, 7], [1, 270], [3, 3], [1, 1], [1, 1], 'same'),
    ],
  ] as const)('give the same bits for 1 and 2 threads: %s', (_name, c) => {
    const saved = getNumThreads();
    try {
      for (const slots of [1, 7]) {
        const [one, two] = [1, 2].map((threads) => {
          setNumThreads(threads);
          return run(native, c, 21, slots);
        });
        const twin = run(js, c, 21);
        for (const key of ['out', 'dx', 'dfilter'] as const) {
          expect(Buffer.from(two[key].buffer).equals(Buffer.from(one[key].buffer)), key).toBe(true);
          expect(maxRelErr(one[key], twin[key], 1e-5, 1e-4), key).toBeLessThanOrEqual(1);
        }
      }
    } finally {
      setNumThreads(saved);
    }
  });
});

describe.skipIf(!nativeBackend)('conv2d: bad calls give the same clear error on both backends', () => {
  const c = convCase(2, [5, 5], [2, 3], [3, 3], [1, 1], [1, 1], 'valid');
  const bufs = () =>
    [
      new Float32Array(c.out),
      new Float32Array(c.x),
      new Float32Array(c.filter),
      new Float32Array(c.workspace),
    ] as const;
  const withShape = (i: number, v: number) => c.shape.map((s, j) => (j === i ? v : s)) as typeof c.shape;

  it.each([
    ['strideH 0', 7, 0, /strideH must be at least 1/],
    ['dilationW 0', 10, 0, /dilationW must be at least 1/],
    ['kH 0', 5, 0, /kH must be at least 1/],
    [
      'kernel larger than the padded input',
      5,
      6,
      /kernel height \(6 with dilation\) is larger than the padded input height \(5\)/,
    ],
    ['a fractional size', 1, 2.5, /inH must be an integer/],
  ] as const)('%s', (_name, at, value, message) => {
    expectSameErrorOnBoth((b) => b.conv2dForward(...bufs(), ...withShape(at, value)));
    expect(() => js.conv2dBackwardFilter(...bufs(), ...withShape(at, value))).toThrow(message);
  });

  it('short buffers are named: out, x, filter, workspace', () => {
    for (const [i, name] of ['out', 'x', 'filter', 'workspace'].entries()) {
      const args = [...bufs()] as Float32Array[];
      args[i] = new Float32Array(args[i].length - 1);
      expectSameErrorOnBoth((b) => b.conv2dForward(args[0], args[1], args[2], args[3], ...c.shape));
      expect(() => js.conv2dForward(args[0], args[1], args[2], args[3], ...c.shape)).toThrow(`${name} is too short`);
    }
  });

  it('the raw addon refuses sizes whose products overflow, before touching memory', () => {
    const big = 2 ** 31 - 1;
    const f = new Float32Array(4);
    for (const fn of ['conv2dForward', 'conv2dBackwardData', 'conv2dBackwardFilter']) {
      expect(() => addon![fn](f, f, f, f, big, big, big, big, big, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0)).toThrow(RangeError);
      expect(() => addon![fn](f, f, f, f, 1, big, big, big, big, big, big, 1, 1, 1, 1, big, big, big, big)).toThrow(
        RangeError,
      );
    }
  });
});
