/** Row selection: take() gathers rows; trainTestSplit() makes a seeded (optionally stratified) split. */
import { Tensor } from '../tensor';
import { Random, randomSeed } from '../util/random';
import { checkIndices, describe, type Labels, rowCount } from './args';

type Rows = Tensor | Labels;

/** The rows at `indices`, in that order (repeats allowed). Tensor → Tensor of the same dtype,
 *  typed array → same type. */
export function take<T extends Rows>(source: T, indices: Int32Array | Uint32Array | number[]): T {
  const n = rowCount('take', 'source', source);
  const idx = checkIndices('take', 'indices', indices, n);
  const k = idx.length;
  if (source instanceof Tensor) {
    const rowSize = n === 0 ? source.shape.slice(1).reduce((a, b) => a * b, 1) : source.size / n;
    const out = source.dtype === 'int32' ? new Int32Array(k * rowSize) : new Float32Array(k * rowSize);
    for (let i = 0; i < k; i++) {
      const from = idx[i] * rowSize;
      out.set(source.data.subarray(from, from + rowSize), i * rowSize);
    }
    return new Tensor(out, [k, ...source.shape.slice(1)]) as T;
  }
  const out = source instanceof Int32Array ? new Int32Array(k) : new Float32Array(k);
  for (let i = 0; i < k; i++) out[i] = source[idx[i]];
  return out as T;
}

export interface SplitOptions {
  /** A fraction in (0, 1) of the rows (test count = ceil(testSize · n)) or a row count ≥ 1. Default 0.25. */
  testSize?: number;
  /** Seed of the shuffle; a random one when omitted. */
  seed?: number;
  /** Keep each class's share in both parts: the class labels, or true to use y (argmax for one-hot y). */
  stratify?: boolean | Int32Array | Float32Array | number[];
}

export interface Split<Y extends Rows> {
  xTrain: Tensor;
  xTest: Tensor;
  yTrain: Y;
  yTest: Y;
  /** Which original rows went where (in the shuffled order used). */
  trainIndices: Int32Array;
  testIndices: Int32Array;
}

/** Test row count the scikit-learn way. */
function testCount(testSize: unknown, n: number): number {
  const fn = 'trainTestSplit';
  if (typeof testSize !== 'number') throw new TypeError(`${fn}: testSize must be a number, got ${describe(testSize)}`);
  let count: number;
  if (Number.isInteger(testSize) && testSize >= 1) count = testSize;
  else if (testSize > 0 && testSize < 1) count = Math.ceil(testSize * n);
  else throw new RangeError(`${fn}: testSize must be a fraction in (0, 1) or a whole row count ≥ 1, got ${testSize}`);
  if (count >= n) {
    throw new RangeError(`${fn}: testSize ${testSize} leaves no training rows out of ${n}`);
  }
  return count;
}

/** Class label of each row, for stratification. */
function strataOf(stratify: SplitOptions['stratify'], y: Rows, n: number): ArrayLike<number> {
  const fn = 'trainTestSplit';
  let labels: ArrayLike<number>;
  if (stratify === true) {
    if (y instanceof Tensor && y.cols > 1) {
      const k = y.cols;
      const arg = new Int32Array(n);
      for (let r = 0; r < n; r++) {
        let best = 0;
        for (let c = 1; c < k; c++) if (y.data[r * k + c] > y.data[r * k + best]) best = c;
        arg[r] = best;
      }
      labels = arg;
    } else {
      labels = y instanceof Tensor ? y.data : y;
    }
  } else if (stratify instanceof Int32Array || stratify instanceof Float32Array || Array.isArray(stratify)) {
    labels = stratify;
  } else {
    throw new TypeError(`${fn}: stratify must be false, true or the class labels, got ${describe(stratify)}`);
  }
  if (labels.length !== n) throw new RangeError(`${fn}: stratify has ${labels.length} labels for ${n} rows`);
  return labels;
}

/** Splits test rows over classes in proportion (largest remainder), shuffling within each class. */
function stratifiedIndices(labels: ArrayLike<number>, nTest: number, rng: Random): { train: number[]; test: number[] } {
  const fn = 'trainTestSplit';
  const n = labels.length;
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const v = labels[i];
    if (typeof v !== 'number' || Number.isNaN(v)) throw new RangeError(`${fn}: stratify label ${i} is ${describe(v)}`);
    const list = byClass.get(v);
    if (list) list.push(i);
    else byClass.set(v, [i]);
  }
  const classes = [...byClass.keys()].sort((a, b) => a - b);
  for (const c of classes) {
    if (byClass.get(c)!.length < 2) {
      throw new RangeError(`${fn}: class ${c} has only 1 row; stratifying needs at least 2 per class`);
    }
  }
  if (nTest < classes.length || n - nTest < classes.length) {
    throw new RangeError(
      `${fn}: with ${classes.length} classes, both parts need at least ${classes.length} rows (test ${nTest}, train ${n - nTest})`,
    );
  }
  const exact = classes.map((c) => (byClass.get(c)!.length * nTest) / n);
  const quota = exact.map(Math.floor);
  let left = nTest - quota.reduce((a, b) => a + b, 0);
  const order = classes.map((_, i) => i).sort((a, b) => exact[b] - quota[b] - (exact[a] - quota[a]) || a - b);
  for (const i of order) {
    if (left === 0) break;
    quota[i]++;
    left--;
  }
  const train: number[] = [];
  const test: number[] = [];
  classes.forEach((c, i) => {
    const rows = rng.shuffle(byClass.get(c)!);
    for (let j = 0; j < rows.length; j++) (j < quota[i] ? test : train).push(rows[j]);
  });
  rng.shuffle(train); // interleave the classes
  rng.shuffle(test);
  return { train, test };
}

/**
 * Shuffles the rows (seeded) and holds out a test part, like scikit-learn's train_test_split.
 * y may be a Tensor (e.g. one-hot), an Int32Array of classes or a Float32Array of targets.
 */
export function trainTestSplit<Y extends Rows>(x: Tensor, y: Y, options: SplitOptions = {}): Split<Y> {
  const fn = 'trainTestSplit';
  if (!(x instanceof Tensor)) throw new TypeError(`${fn}: x must be a Tensor, got ${describe(x)}`);
  if (typeof options !== 'object' || options === null)
    throw new TypeError(`${fn}: options must be an object, got ${describe(options)}`);
  const n = rowCount(fn, 'x', x);
  const ny = rowCount(fn, 'y', y);
  if (ny !== n) throw new RangeError(`${fn}: x has ${n} rows but y has ${ny}`);
  const nTest = testCount(options.testSize ?? 0.25, n);
  const seed = options.seed ?? randomSeed();
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) {
    throw new TypeError(`${fn}: seed must be an integer, got ${describe(seed)}`);
  }
  const rng = new Random(seed);
  let trainIndices: Int32Array;
  let testIndices: Int32Array;
  if (options.stratify !== undefined && options.stratify !== false) {
    const { train, test } = stratifiedIndices(strataOf(options.stratify, y, n), nTest, rng);
    trainIndices = Int32Array.from(train);
    testIndices = Int32Array.from(test);
  } else {
    const perm = rng.permutation(n);
    testIndices = perm.slice(0, nTest);
    trainIndices = perm.slice(nTest);
  }
  return {
    xTrain: take(x, trainIndices),
    xTest: take(x, testIndices),
    yTrain: take(y, trainIndices),
    yTest: take(y, testIndices),
    trainIndices,
    testIndices,
  };
}
