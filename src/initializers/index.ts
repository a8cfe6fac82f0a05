/**
 * Weight initializers (TensorFlow.js / Keras names and defaults). An initializer fills a kernel
 * [fanIn, fanOut] (row-major) or a bias [fanOut] from a seeded Random, so the same seed gives the
 * same weights everywhere. The *Normal variance-scaling ones draw from a normal truncated at two
 * standard deviations, scaled by 1/0.8796 so the variance is the intended one (as Keras does).
 */

import { checkOptions, numberIn, resolveName, seedValue } from '../model/options';
import type { Random } from '../util/random';

export interface InitializerConfig {
  className: string;
  config: Record<string, number | string | null>;
}

export abstract class Initializer {
  abstract readonly className: string;
  /** Its own seed, or null to take the seed the model gives the layer. */
  readonly seed: number | null;
  constructor(seed?: unknown) {
    this.seed = seed === undefined || seed === null ? null : seedValue(this.constructor.name, 'seed', seed);
  }
  /** Fills out: a kernel (fanIn·fanOut values, row-major) or a bias (fanOut values). */
  abstract fill(out: Float32Array, fanIn: number, fanOut: number, rng: Random): void;
  getConfig(): InitializerConfig {
    return { className: this.className, config: { seed: this.seed } };
  }
}

class Constant extends Initializer {
  readonly className: string;
  constructor(
    readonly value: number,
    className = 'Constant',
  ) {
    super();
    this.className = className;
  }
  fill(out: Float32Array): void {
    out.fill(this.value);
  }
  override getConfig(): InitializerConfig {
    return this.className === 'Constant'
      ? { className: 'Constant', config: { value: this.value } }
      : { className: this.className, config: {} };
  }
}

/** Truncated standard normal: redraw outside ±2 (TensorFlow's truncated_normal). */
function truncatedNormal(rng: Random): number {
  for (;;) {
    const z = rng.normal();
    if (z >= -2 && z <= 2) return z;
  }
}

type FanMode = 'fanIn' | 'fanAvg';
const TRUNCATED_STD = 0.87962566103423978; // std of a standard normal truncated to [-2, 2]

class VarianceScaling extends Initializer {
  constructor(
    readonly className: string,
    readonly scale: number,
    readonly mode: FanMode,
    readonly distribution: 'normal' | 'uniform',
    seed?: unknown,
  ) {
    super(seed);
  }
  fill(out: Float32Array, fanIn: number, fanOut: number, rng: Random): void {
    const fan = Math.max(1, this.mode === 'fanIn' ? fanIn : (fanIn + fanOut) / 2);
    const variance = this.scale / fan;
    if (this.distribution === 'uniform') {
      const limit = Math.sqrt(3 * variance);
      for (let i = 0; i < out.length; i++) out[i] = rng.uniform(-limit, limit);
    } else {
      const std = Math.sqrt(variance) / TRUNCATED_STD;
      for (let i = 0; i < out.length; i++) out[i] = std * truncatedNormal(rng);
    }
  }
}

class RandomNormal extends Initializer {
  readonly className = 'RandomNormal';
  constructor(
    readonly mean: number,
    readonly stddev: number,
    seed?: unknown,
  ) {
    super(seed);
  }
  fill(out: Float32Array, _fanIn: number, _fanOut: number, rng: Random): void {
    for (let i = 0; i < out.length; i++) out[i] = rng.normal(this.mean, this.stddev);
  }
  override getConfig(): InitializerConfig {
    return { className: this.className, config: { mean: this.mean, stddev: this.stddev, seed: this.seed } };
  }
}

class RandomUniform extends Initializer {
  readonly className = 'RandomUniform';
  constructor(
    readonly minval: number,
    readonly maxval: number,
    seed?: unknown,
  ) {
    super(seed);
  }
  fill(out: Float32Array, _fanIn: number, _fanOut: number, rng: Random): void {
    for (let i = 0; i < out.length; i++) out[i] = rng.uniform(this.minval, this.maxval);
  }
  override getConfig(): InitializerConfig {
    return { className: this.className, config: { minval: this.minval, maxval: this.maxval, seed: this.seed } };
  }
}

/** A (semi-)orthogonal matrix [fanIn, fanOut] times gain (Keras / tfjs Orthogonal, the recurrent
 *  kernels' default): a standard normal (max × min) matrix orthonormalized column by column
 *  (modified Gram–Schmidt in float64, the QR that Keras takes with the signs of R's diagonal made
 *  positive), transposed when fanIn < fanOut. Values beyond fanIn·fanOut (a 1-D weight) use the
 *  matrix [1, length]. */
class Orthogonal extends Initializer {
  readonly className = 'Orthogonal';
  constructor(
    readonly gain: number,
    seed?: unknown,
  ) {
    super(seed);
  }
  fill(out: Float32Array, fanIn: number, fanOut: number, rng: Random): void {
    const rows = fanIn * fanOut === out.length ? fanIn : 1;
    const cols = out.length / rows;
    const n = Math.max(rows, cols);
    const m = Math.min(rows, cols);
    const q = new Float64Array(n * m); // column j at q[j·n ..]
    for (let i = 0; i < q.length; i++) q[i] = rng.normal();
    for (let j = 0; j < m; j++) {
      const cj = q.subarray(j * n, (j + 1) * n);
      for (let k = 0; k < j; k++) {
        const ck = q.subarray(k * n, (k + 1) * n);
        let dot = 0;
        for (let i = 0; i < n; i++) dot += ck[i] * cj[i];
        for (let i = 0; i < n; i++) cj[i] -= dot * ck[i];
      }
      let norm = 0;
      for (let i = 0; i < n; i++) norm += cj[i] * cj[i];
      norm = Math.sqrt(norm) || 1;
      for (let i = 0; i < n; i++) cj[i] /= norm;
    }
    // Q is n × m with orthonormal columns: out = Q (rows ≥ cols) or Qᵀ.
    for (let r = 0; r < rows; r++)
      for (let c = 0; c < cols; c++) out[r * cols + c] = this.gain * (rows >= cols ? q[c * n + r] : q[r * n + c]);
  }
  override getConfig(): InitializerConfig {
    return { className: this.className, config: { gain: this.gain, seed: this.seed } };
  }
}

/** Orthogonal (gain 1 by default): the recurrent kernels' default initializer. */
export function orthogonal(args?: { gain?: number; seed?: number }): Initializer {
  const o = checkOptions('orthogonal', args, ['gain', 'seed']);
  const gain = o.gain === undefined ? 1 : numberIn('orthogonal', 'gain', o.gain, -Infinity);
  return new Orthogonal(gain, o.seed);
}

interface SeedArgs {
  seed?: number;
}
const seedOnly = (fn: string, args: unknown) => checkOptions(fn, args, ['seed']).seed;

export const glorotUniform = (args?: SeedArgs): Initializer =>
  new VarianceScaling('GlorotUniform', 1, 'fanAvg', 'uniform', seedOnly('glorotUniform', args));
export const glorotNormal = (args?: SeedArgs): Initializer =>
  new VarianceScaling('GlorotNormal', 1, 'fanAvg', 'normal', seedOnly('glorotNormal', args));
export const heNormal = (args?: SeedArgs): Initializer =>
  new VarianceScaling('HeNormal', 2, 'fanIn', 'normal', seedOnly('heNormal', args));
export const heUniform = (args?: SeedArgs): Initializer =>
  new VarianceScaling('HeUniform', 2, 'fanIn', 'uniform', seedOnly('heUniform', args));
export const leCunNormal = (args?: SeedArgs): Initializer =>
  new VarianceScaling('LeCunNormal', 1, 'fanIn', 'normal', seedOnly('leCunNormal', args));
export const leCunUniform = (args?: SeedArgs): Initializer =>
  new VarianceScaling('LeCunUniform', 1, 'fanIn', 'uniform', seedOnly('leCunUniform', args));

/** Normal(mean, stddev); defaults mean 0, stddev 0.05 (Keras / TensorFlow.js). */
export function randomNormal(args?: { mean?: number; stddev?: number; seed?: number }): Initializer {
  const o = checkOptions('randomNormal', args, ['mean', 'stddev', 'seed']);
  const mean = o.mean === undefined ? 0 : numberIn('randomNormal', 'mean', o.mean, -Infinity);
  const stddev = o.stddev === undefined ? 0.05 : numberIn('randomNormal', 'stddev', o.stddev, 0);
  return new RandomNormal(mean, stddev, o.seed);
}

/** Uniform in [minval, maxval); defaults −0.05, 0.05. */
export function randomUniform(args?: { minval?: number; maxval?: number; seed?: number }): Initializer {
  const o = checkOptions('randomUniform', args, ['minval', 'maxval', 'seed']);
  const minval = o.minval === undefined ? -0.05 : numberIn('randomUniform', 'minval', o.minval, -Infinity);
  const maxval = o.maxval === undefined ? 0.05 : numberIn('randomUniform', 'maxval', o.maxval, minval);
  return new RandomUniform(minval, maxval, o.seed);
}

export const zeros = (): Initializer => new Constant(0, 'Zeros');
export const ones = (): Initializer => new Constant(1, 'Ones');
export function constant(args: { value: number }): Initializer {
  const o = checkOptions('constant', args, ['value']);
  return new Constant(numberIn('constant', 'value', o.value, -Infinity));
}

const BY_NAME: Record<string, () => Initializer> = {
  glorotUniform,
  glorotNormal,
  heNormal,
  heUniform,
  leCunNormal,
  leCunUniform,
  randomNormal,
  randomUniform,
  orthogonal,
  zeros,
  ones,
};

/** An initializer from its name or itself. */
export function getInitializer(fn: string, what: string, v: unknown): Initializer {
  if (v instanceof Initializer) return v;
  return resolveName(fn, what, v, BY_NAME)();
}
