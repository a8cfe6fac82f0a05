/**
 * Datasets shipped with nativenn. digits(): scikit-learn's load_digits (UCI optical digits, 8×8
 * images, 1797 rows) and the article's exact 80/20 split; see data/README.md for the attribution.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe } from '../backend/check';
import { Tensor } from '../tensor';

export interface Digits {
  /** [1797, 64] raw pixel intensities 0..16 (row-major 8×8 images); [1797, 8, 8, 1] (NHWC) with `images: true`. */
  x: Tensor;
  /** The digit 0..9 of each row. */
  y: Int32Array;
  /** Row indices of the article's split: train_test_split(test_size=0.2, random_state=42). */
  split: { train: Int32Array; test: Int32Array };
}

const ROWS = 1797;
const COLS = 64;

/** The package's data/ folder: found by walking up from this file, so it works from src/ and dist/. */
export function dataDir(): string {
  let dir = __dirname;
  for (;;) {
    if (existsSync(join(dir, 'data', 'digits.csv.gz')) && existsSync(join(dir, 'package.json')))
      return join(dir, 'data');
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error(`nativenn: cannot find the data/ folder above ${__dirname}; is the package installed whole?`);
    dir = parent;
  }
}

let cache: { x: Float32Array; y: Int32Array; train: Int32Array; test: Int32Array } | null = null;

function load(): NonNullable<typeof cache> {
  const dir = dataDir();
  const text = gunzipSync(readFileSync(join(dir, 'digits.csv.gz'))).toString('utf8');
  const lines = text.split('\n').filter((l) => l.length > 0);
  const header = lines[0].trim().split(',');
  if (header.length !== COLS + 1 || header[COLS] !== 'label' || lines.length !== ROWS + 1) {
    throw new Error('nativenn: data/digits.csv.gz is not the expected 1797 × (64 pixels + label) file');
  }
  const x = new Float32Array(ROWS * COLS);
  const y = new Int32Array(ROWS);
  for (let r = 0; r < ROWS; r++) {
    const cells = lines[r + 1].split(',');
    for (let c = 0; c < COLS; c++) x[r * COLS + c] = Number(cells[c]);
    y[r] = Number(cells[COLS]);
  }
  const split = JSON.parse(readFileSync(join(dir, 'digits-split-seed42.json'), 'utf8')) as {
    train: number[];
    test: number[];
  };
  return { x, y, train: Int32Array.from(split.train), test: Int32Array.from(split.test) };
}

export interface DigitsOptions {
  /** x as images [1797, 8, 8, 1] (batch, height, width, channels) for convolutions, instead of rows [1797, 64]. */
  images?: boolean;
}

/**
 * The digits data. Parsed once and cached; every call returns fresh copies (callers may mutate
 * them freely without affecting later calls).
 */
export function digits(options: DigitsOptions = {}): Digits {
  if (typeof options !== 'object' || options === null)
    throw new TypeError(`digits: options must be an object, got ${describe(options)}`);
  const { images = false } = options;
  if (typeof images !== 'boolean') throw new TypeError(`digits: images must be a boolean, got ${describe(images)}`);
  cache ??= load();
  return {
    x: new Tensor(cache.x.slice(), images ? [ROWS, 8, 8, 1] : [ROWS, COLS]),
    y: cache.y.slice(),
    split: { train: cache.train.slice(), test: cache.test.slice() },
  };
}
