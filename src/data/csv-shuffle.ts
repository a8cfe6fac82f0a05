/**
 * csvDataset's seeded shuffle buffer (tfjs Dataset.shuffle): rows fill it; once full, each new row
 * takes the place of a randomly chosen one, which goes out; at the end the rest go out in random
 * order. Buffer size 1 is file order. Rows go out into blocks of `blockBatches` whole batches (one
 * allocation per block, not two per batch), handed out batch by batch (views into a block) or a
 * block at a time (fitDataset's fast path: a block is one executor call, no copy).
 * test/data/csv-shuffle.test.ts holds its specification, written plainly on row numbers.
 */
import { addon } from '../backend/native/addon';
import { Tensor } from '../tensor';
import { Random } from '../util/random';

/** The replacing step for n = slots.length rows of `width` values: for each i in order, out row i
 *  = buf row slots[i], then buf row slots[i] = input row i. The native kernel
 *  (native/kernels/csv_encode.cc) copies the rows as bytes; this twin is its specification. */
export type ShuffleRows = (
  out: Float32Array,
  buf: Float32Array,
  input: Float32Array,
  slots: Int32Array,
  width: number,
) => void;

export const shuffleRowsTwin: ShuffleRows = (out, buf, input, slots, width) => {
  for (let i = 0; i < slots.length; i++) {
    const j = slots[i] * width;
    const o = i * width;
    for (let k = 0; k < width; k++) {
      out[o + k] = buf[j + k];
      buf[j + k] = input[o + k];
    }
  }
};

export const shuffleRowsNative: ShuffleRows | null =
  addon && typeof addon.csvShuffleRows === 'function' ? (addon.csvShuffleRows as ShuffleRows) : null;

/** Tests: the kernel ShuffleBuffer uses (default: the native one when the addon is loaded). */
let shuffleRows: ShuffleRows = shuffleRowsNative ?? shuffleRowsTwin;
export function setShuffleRows(f: ShuffleRows): void {
  shuffleRows = f;
}

/** Batches per output block when batches are handed out one by one. */
export const BLOCK_BATCHES = 64;

/** What a take hands out: only full blocks ('full'); also the complete batches of the block being
 *  filled ('batches'); or everything, the last short batch included ('all', at the end). */
export type TakeMode = 'full' | 'batches' | 'all';

/** Consecutive batches: x [rows, width], y [rows, yWidth] (or class indices), and each batch's rows. */
export interface RowBlock {
  xs: Tensor<Float32Array>;
  ys: Tensor<Float32Array> | Float32Array;
  sizes: number[];
}

export class ShuffleBuffer {
  private readonly x: Float32Array;
  private readonly y: Float32Array;
  private count = 0;
  private readonly random: Random;
  private readonly blockRows: number;
  /** The block rows go out to, and the rows it holds (a block is allocated when the first row
   *  goes out to it: `at === blockRows` means none is open). */
  private bx = new Float32Array(0);
  private by = new Float32Array(0);
  private at: number;
  /** Rows of the open block already handed out. */
  private taken = 0;
  /** The draws of one step of add (a block's rows at most). */
  private slots: Int32Array | null = null;
  /** Full blocks not yet handed out, each from row `from`. */
  private full: { x: Float32Array; y: Float32Array; from: number }[] = [];

  constructor(
    private readonly capacity: number,
    private readonly width: number,
    private readonly yWidth: number,
    private readonly batchSize: number,
    seed: number,
    blockBatches = BLOCK_BATCHES,
  ) {
    this.x = new Float32Array(capacity * width);
    this.y = new Float32Array(capacity * yWidth);
    this.random = new Random(seed);
    this.blockRows = blockBatches * batchSize;
    this.at = this.blockRows;
  }

  /** The first n rows of (x, y): the rows that fill the buffer are copied with set(), the
   *  replacing rows by shuffleRows, a block's worth of draws at a time. */
  add(x: Float32Array, y: Float32Array, n: number): void {
    const { width: w, yWidth: yw, capacity, random, blockRows } = this;
    let i = 0;
    if (capacity === 1) {
      // File order: the rows go straight out, a block at a time.
      while (i < n) {
        if (this.at === blockRows) this.open();
        const k = Math.min(n - i, blockRows - this.at);
        this.bx.set(x.subarray(i * w, (i + k) * w), this.at * w);
        this.by.set(y.subarray(i * yw, (i + k) * yw), this.at * yw);
        this.at += k;
        i += k;
      }
      return;
    }
    const bufX = this.x;
    const bufY = this.y;
    if (this.count < capacity) {
      const k = Math.min(n, capacity - this.count);
      bufX.set(x.subarray(0, k * w), this.count * w);
      bufY.set(y.subarray(0, k * yw), this.count * yw);
      this.count += k;
      i = k;
    }
    // Each further row takes the place of a random one, which goes out: the draws for the rows
    // that fit in the open block, then their rows moved by the kernel.
    while (i < n) {
      if (this.at === blockRows) this.open();
      const k = Math.min(n - i, blockRows - this.at);
      this.slots ??= new Int32Array(blockRows);
      const slots = this.slots;
      for (let q = 0; q < k; q++) slots[q] = random.int(capacity);
      const picked = slots.subarray(0, k);
      shuffleRows(this.bx.subarray(this.at * w), bufX, x.subarray(i * w, (i + k) * w), picked, w);
      shuffleRows(this.by.subarray(this.at * yw), bufY, y.subarray(i * yw, (i + k) * yw), picked, yw);
      this.at += k;
      i += k;
    }
  }

  /** The rows still held go out in random order. */
  drain(): void {
    const { width: w, yWidth: yw, blockRows } = this;
    while (this.count > 0) {
      const j = this.random.int(this.count);
      if (this.at === blockRows) this.open();
      this.bx.set(this.x.subarray(j * w, j * w + w), this.at * w);
      this.by.set(this.y.subarray(j * yw, j * yw + yw), this.at * yw);
      this.at++;
      const last = --this.count;
      this.x.copyWithin(j * w, last * w, last * w + w);
      this.y.copyWithin(j * yw, last * yw, last * yw + yw);
    }
  }

  /** A new block for the rows going out (the full one waits to be handed out). */
  private open(): void {
    if (this.bx.length > 0 && this.taken < this.at) this.full.push({ x: this.bx, y: this.by, from: this.taken });
    this.bx = new Float32Array(this.blockRows * this.width);
    this.by = new Float32Array(this.blockRows * this.yWidth);
    this.at = 0;
    this.taken = 0;
  }

  /** The rows ready to hand out as runs of consecutive rows [from, to) of a block (see TakeMode). */
  private pieces(mode: TakeMode): { x: Float32Array; y: Float32Array; from: number; to: number }[] {
    const out = this.full.map((b) => ({ ...b, to: this.blockRows }));
    this.full = [];
    if (mode !== 'full' && this.bx.length > 0) {
      const to =
        mode === 'all' ? this.at : this.taken + Math.floor((this.at - this.taken) / this.batchSize) * this.batchSize;
      if (to > this.taken) out.push({ x: this.bx, y: this.by, from: this.taken, to });
      this.taken = to;
    }
    return out;
  }

  /** The batches ready: every complete one, and with `end` the last short one. */
  *take(end: boolean, oneHot: boolean): Generator<{ xs: Tensor; ys: Tensor | Float32Array }> {
    for (const p of this.pieces(end ? 'all' : 'batches')) {
      for (let r = p.from; r < p.to; r += this.batchSize) {
        const b = this.view(p.x, p.y, r, Math.min(p.to, r + this.batchSize), oneHot);
        yield { xs: b.xs, ys: b.ys };
      }
    }
  }

  /** The blocks ready (see TakeMode), each as one RowBlock. */
  *takeBlocks(mode: TakeMode, oneHot: boolean): Generator<RowBlock> {
    for (const p of this.pieces(mode)) {
      const block = this.view(p.x, p.y, p.from, p.to, oneHot);
      const sizes: number[] = [];
      for (let r = p.from; r < p.to; r += this.batchSize) sizes.push(Math.min(this.batchSize, p.to - r));
      yield { ...block, sizes };
    }
  }

  private view(x: Float32Array, y: Float32Array, from: number, to: number, oneHot: boolean) {
    const { width: w, yWidth: yw } = this;
    const xs = new Tensor(x.subarray(from * w, to * w), [to - from, w]);
    const ys = y.subarray(from * yw, to * yw);
    return { xs, ys: oneHot ? new Tensor(ys, [to - from, yw]) : ys };
  }
}
