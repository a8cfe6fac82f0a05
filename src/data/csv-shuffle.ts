/**
 * csvDataset's seeded shuffle buffer (tfjs Dataset.shuffle): rows fill it; once full, each new row
 * takes the place of a randomly chosen one, which goes out; at the end the rest go out in random
 * order. Buffer size 1 is file order. Rows go out into blocks of `blockBatches` whole batches (one
 * allocation per block, not two per batch), handed out batch by batch (views into a block) or a
 * block at a time (fitDataset's fast path: a block is one executor call, no copy).
 * test/data/csv-shuffle.test.ts holds its specification, written plainly on row numbers.
 */
import { Tensor } from '../tensor';
import { Random } from '../util/random';

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

  /** The first n rows of (x, y): whole runs of rows are copied with set(), the replacing rows in
   *  one loop with the draws inlined (a call per row costs more than its copy). */
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
    if (i === n) return;
    // random.int(capacity) inlined, the same draws: rejection above the last multiple of capacity.
    const limit = 4294967296 - (4294967296 % capacity);
    let at = this.at;
    let bx = this.bx;
    let by = this.by;
    for (; i < n; i++) {
      let u = random.nextUint32();
      while (u >= limit) u = random.nextUint32();
      const j = u % capacity;
      if (at === blockRows) {
        this.at = at;
        this.open();
        at = 0;
        bx = this.bx;
        by = this.by;
      }
      // Row j out to the block, row i of the input into its place.
      const jx = j * w;
      const jy = j * yw;
      const ox = at * w;
      const oy = at * yw;
      const ix = i * w;
      const iy = i * yw;
      for (let k = 0; k < w; k++) {
        bx[ox + k] = bufX[jx + k];
        bufX[jx + k] = x[ix + k];
      }
      for (let k = 0; k < yw; k++) {
        by[oy + k] = bufY[jy + k];
        bufY[jy + k] = y[iy + k];
      }
      at++;
    }
    this.at = at;
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
