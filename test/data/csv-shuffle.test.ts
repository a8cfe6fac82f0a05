/** csvDataset's shuffle buffer (src/data/csv-dataset.ts) against its specification, written plainly
 *  on row numbers: the same rows in the same batches for every buffer size, batch size and way the
 *  rows arrive (it is rewritten for speed; the order a seed gives must not change). */
import { afterEach, describe, expect, it } from 'vitest';
import {
  ShuffleBuffer,
  type ShuffleRows,
  setShuffleRows,
  shuffleRowsNative,
  shuffleRowsTwin,
  type TakeMode,
} from '../../src/data/csv-shuffle';
import { Random } from '../../src/util/random';

/** The specification: fill the buffer; then each row takes the place of a random one, which goes
 *  out; at the end the rest go out in random order. Returns the row numbers in output order. */
function reference(rows: number, capacity: number, seed: number): number[] {
  const random = new Random(seed);
  const held: number[] = [];
  const out: number[] = [];
  for (let r = 0; r < rows; r++) {
    if (capacity === 1) out.push(r);
    else if (held.length < capacity) held.push(r);
    else {
      const j = random.int(capacity);
      out.push(held[j]);
      held[j] = r;
    }
  }
  while (held.length > 0) {
    const j = random.int(held.length);
    out.push(held[j]);
    held[j] = held[held.length - 1];
    held.pop();
  }
  return out;
}

/** Rows r with x = [r, r + 0.5, …] (width values) and y = [−r, …] (yWidth values), fed in chunks;
 *  taken batch by batch, or (blockBatches given) a block at a time and cut into its batches. */
function shuffled(
  rows: number,
  capacity: number,
  seed: number,
  batchSize: number,
  width: number,
  yWidth: number,
  chunk: number,
  blockBatches?: number,
) {
  const s = new ShuffleBuffer(capacity, width, yWidth, batchSize, seed, blockBatches);
  const batches: { xs: number[][]; ys: number[][] }[] = [];
  const push = (xs: number[], ys: number[], n: number) =>
    batches.push({
      xs: Array.from({ length: n }, (_, i) => xs.slice(i * width, i * width + width)),
      ys: Array.from({ length: n }, (_, i) => ys.slice(i * yWidth, i * yWidth + yWidth)),
    });
  const collect = (end: boolean) => {
    if (blockBatches === undefined) {
      for (const b of s.take(end, true))
        push(Array.from(b.xs.data as Float32Array), Array.from((b.ys as { data: Float32Array }).data), b.xs.shape[0]);
      return;
    }
    // Blocks: only full ones while rows come in, everything at the end.
    const mode: TakeMode = end ? 'all' : 'full';
    for (const b of s.takeBlocks(mode, true)) {
      expect(b.sizes.reduce((a, k) => a + k, 0)).toBe(b.xs.shape[0]);
      if (!end) expect(b.sizes).toEqual(Array(blockBatches).fill(batchSize));
      let row = 0;
      for (const n of b.sizes) {
        const xs = Array.from(b.xs.data.subarray(row * width, (row + n) * width));
        const ys = Array.from((b.ys as { data: Float32Array }).data.subarray(row * yWidth, (row + n) * yWidth));
        push(xs, ys, n);
        row += n;
      }
    }
  };
  for (let first = 0; first < rows; first += chunk) {
    const n = Math.min(chunk, rows - first);
    const x = new Float32Array(n * width);
    const y = new Float32Array(n * yWidth);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < width; k++) x[i * width + k] = first + i + k / 2;
      for (let k = 0; k < yWidth; k++) y[i * yWidth + k] = -(first + i) - k;
    }
    s.add(x, y, n);
    collect(false);
  }
  s.drain();
  collect(true);
  return batches;
}

/** The row-moving kernels the buffer may run on: the native one (when the addon is loaded) and its twin. */
const KERNELS: [string, ShuffleRows][] = [
  ['twin', shuffleRowsTwin],
  ...(shuffleRowsNative ? [['native', shuffleRowsNative] as [string, ShuffleRows]] : []),
];

describe.each(KERNELS)('csvDataset shuffle buffer (%s row kernel)', (_name, kernel) => {
  afterEach(() => setShuffleRows(shuffleRowsNative ?? shuffleRowsTwin));
  it.each([
    [1, 32, 500, 1],
    [2, 32, 500, 3],
    [7, 5, 1000, 2],
    [100, 32, 5000, 1],
    [1000, 7, 3000, 4],
    [5000, 64, 4000, 2], // more held than rows: everything goes out in drain
    [256, 1, 700, 1],
    [300, 1000, 2500, 2], // batches spanning several output blocks
  ])(
    'capacity %i, batch %i, %i rows, y width %i: the specification’s rows and batches',
    (capacity, batch, rows, yWidth) => {
      setShuffleRows(kernel);
      for (const [chunk, blocks] of [
        [1, undefined],
        [97, undefined],
        [4096, undefined],
        [1, 1],
        [97, 3],
        [4096, 64],
        [33, 1024],
      ]) {
        const got = shuffled(rows, capacity, 12345 + capacity, batch, 3, yWidth, chunk, blocks);
        const order = reference(rows, capacity, 12345 + capacity);
        const sizes = got.map((b) => b.xs.length);
        expect(sizes.slice(0, -1).every((n) => n === batch)).toBe(true);
        expect(sizes.reduce((a, b) => a + b, 0)).toBe(rows);
        const rowsOut = got.flatMap((b) => b.xs.map((x) => x[0]));
        expect(rowsOut).toEqual(order);
        // Each row's values travel with it (x and y of the same row).
        expect(got.flatMap((b) => b.xs.flat())).toEqual(order.flatMap((r) => [r, r + 0.5, r + 1]));
        expect(got.flatMap((b) => b.ys.flat())).toEqual(
          order.flatMap((r) => Array.from({ length: yWidth }, (_, k) => -r - k)),
        );
      }
    },
  );
});

describe('csvDataset shuffle buffer, handing out', () => {
  it("'batches' gives the complete batches of the block being filled, not the short one; 'all' that too", () => {
    const s = new ShuffleBuffer(1, 2, 1, 4, 1, 8);
    const x = Float32Array.from({ length: 2 * 10 }, (_, i) => i);
    const y = Float32Array.from({ length: 10 }, (_, i) => i);
    s.add(x, y, 10);
    expect([...s.takeBlocks('full', false)]).toEqual([]);
    const complete = [...s.takeBlocks('batches', false)];
    expect(complete.map((b) => b.sizes)).toEqual([[4, 4]]);
    expect(Array.from(complete[0].ys as Float32Array)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const rest = [...s.takeBlocks('all', false)];
    expect(rest.map((b) => b.sizes)).toEqual([[2]]);
    expect(Array.from(rest[0].xs.data)).toEqual([16, 17, 18, 19]);
    expect([...s.takeBlocks('all', false)]).toEqual([]);
  });
});

describe.skipIf(!shuffleRowsNative)('csvShuffleRows: the native kernel equals its twin', () => {
  it('on random buffers, widths and slots (repeated slots move in order)', () => {
    const rng = new Random(77);
    for (let t = 0; t < 300; t++) {
      const width = 1 + rng.int(20);
      const capacity = 1 + rng.int(50);
      const n = rng.int(120);
      const buf = Float32Array.from({ length: capacity * width }, () => rng.normal());
      const input = Float32Array.from({ length: n * width }, () => rng.normal());
      const slots = Int32Array.from({ length: n }, () => rng.int(capacity));
      const [outA, outB] = [new Float32Array(n * width + 3), new Float32Array(n * width + 3)];
      const [bufA, bufB] = [buf.slice(), buf.slice()];
      shuffleRowsNative!(outA, bufA, input, slots, width);
      shuffleRowsTwin(outB, bufB, input, slots, width);
      expect(outA).toEqual(outB);
      expect(bufA).toEqual(bufB);
    }
  });

  it('refuses bad arguments, naming them', () => {
    const f = shuffleRowsNative as unknown as (...args: unknown[]) => void;
    const buf = new Float32Array(8);
    const out = new Float32Array(8);
    const input = new Float32Array(8);
    expect(() => f(out, buf, input, Int32Array.from([0, 3]))).toThrow(TypeError);
    expect(() => f(out, buf, input, Int32Array.from([0, 4]), 2)).toThrow(/slots\[1\] must be a row of buf/);
    expect(() => f(out, buf, input, Int32Array.from([-1]), 2)).toThrow(RangeError);
    expect(() => f(out, buf, input, Int32Array.from([0]), 0)).toThrow(/width must be an integer from 1/);
    expect(() => f(new Float32Array(3), buf, input, Int32Array.from([0, 1]), 2)).toThrow(/out is too short/);
    expect(() => f(out, buf, new Float32Array(2), Int32Array.from([0, 1]), 2)).toThrow(/input is too short/);
    expect(() => f(out, new Float64Array(8), input, Int32Array.from([0]), 2)).toThrow(/buf must be a Float32Array/);
    expect(() => f(out, buf, input, [0], 2)).toThrow(/slots must be a/);
  });
});
