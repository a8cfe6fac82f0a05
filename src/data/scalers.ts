/**
 * Feature scalers with scikit-learn's semantics. Statistics are computed in double over the
 * columns of a 2-D Tensor; transform returns a new float32 Tensor and never touches its input (an
 * int32 x is scaled like its float values, as scikit-learn converts integer arrays).
 *   minMaxScaler: x' = (x − min) · (hi − lo) / (max − min) + lo; a constant column maps to lo.
 *   standardScaler: x' = (x − mean) / std (population std, ddof 0); a constant column → x − mean.
 * toJSON()/scalerFromJSON() save and restore a fitted scaler (the CLI stores it next to a model).
 */
import { Tensor } from '../tensor';
import { checkTensor2d, describe } from './args';

export interface MinMaxScalerJSON {
  type: 'minMax';
  featureRange: [number, number];
  dataMin: number[];
  dataMax: number[];
}
export interface StandardScalerJSON {
  type: 'standard';
  mean: number[];
  std: number[];
}
export type ScalerJSON = MinMaxScalerJSON | StandardScalerJSON;

/** Shared machinery: x' = x · scale + offset per column. */
abstract class AffineScaler {
  protected scale: Float64Array | null = null;
  protected offset: Float64Array | null = null;
  protected abstract readonly name: string;

  get fitted(): boolean {
    return this.scale !== null;
  }
  /** The number of columns seen by fit (null before fit). */
  get numFeatures(): number | null {
    return this.scale ? this.scale.length : null;
  }

  /** transform's x' = x · scale + offset per column, for code that fuses it into another pass
   *  (csvDataset's encoder). Copies. */
  coefficients(): { scale: Float64Array; offset: Float64Array } {
    if (!this.scale || !this.offset) this.notFitted(`${this.name}.coefficients`);
    return { scale: this.scale.slice(), offset: this.offset.slice() };
  }

  protected abstract computeFit(x: Tensor): void;

  /** Learns the column statistics of x [rows, features]; returns this. */
  fit(x: Tensor): this {
    const fn = `${this.name}.fit`;
    checkTensor2d(fn, 'x', x);
    if (x.rows === 0) throw new RangeError(`${fn}: x has no rows to fit on`);
    const { data, cols } = { data: x.data, cols: x.cols };
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i])) {
        throw new RangeError(`${fn}: x has ${data[i]} at row ${Math.floor(i / cols)}, column ${i % cols}`);
      }
    }
    this.computeFit(x);
    return this;
  }

  /** A new Tensor with every column scaled by what fit learned. */
  transform(x: Tensor): Tensor<Float32Array> {
    const { scale, offset } = this.ready(`${this.name}.transform`, x);
    const out = new Float32Array(x.data.length);
    const cols = scale.length;
    for (let i = 0; i < out.length; i++) {
      const c = i % cols;
      out[i] = x.data[i] * scale[c] + offset[c];
    }
    return new Tensor(out, x.shape);
  }

  /** Undoes transform (e.g. to report a regression prediction in the target's units). */
  inverseTransform(x: Tensor): Tensor<Float32Array> {
    const { scale, offset } = this.ready(`${this.name}.inverseTransform`, x);
    const out = new Float32Array(x.data.length);
    const cols = scale.length;
    for (let i = 0; i < out.length; i++) {
      const c = i % cols;
      out[i] = (x.data[i] - offset[c]) / scale[c];
    }
    return new Tensor(out, x.shape);
  }

  fitTransform(x: Tensor): Tensor<Float32Array> {
    return this.fit(x).transform(x);
  }

  private ready(fn: string, x: Tensor): { scale: Float64Array; offset: Float64Array } {
    if (!this.scale || !this.offset) throw new Error(`${fn}: the scaler is not fitted; call fit(x) first`);
    checkTensor2d(fn, 'x', x);
    if (x.cols !== this.scale.length) {
      throw new RangeError(`${fn}: x has ${x.cols} features, but the scaler was fitted on ${this.scale.length}`);
    }
    return { scale: this.scale, offset: this.offset };
  }

  protected notFitted(fn: string): never {
    throw new Error(`${fn}: the scaler is not fitted; call fit(x) first`);
  }
}

/** Column minima and maxima in double. */
function columnMinMax(x: Tensor): { min: Float64Array; max: Float64Array } {
  const cols = x.cols;
  const min = new Float64Array(cols).fill(Infinity);
  const max = new Float64Array(cols).fill(-Infinity);
  for (let i = 0; i < x.data.length; i++) {
    const c = i % cols;
    const v = x.data[i];
    if (v < min[c]) min[c] = v;
    if (v > max[c]) max[c] = v;
  }
  return { min, max };
}

export class MinMaxScaler extends AffineScaler {
  protected readonly name = 'MinMaxScaler';
  readonly featureRange: readonly [number, number];
  private dataMin: Float64Array | null = null;
  private dataMax: Float64Array | null = null;

  constructor(options: { featureRange?: [number, number] } = {}) {
    super();
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`minMaxScaler: options must be an object, got ${describe(options)}`);
    }
    const range = options.featureRange ?? [0, 1];
    if (
      !Array.isArray(range) ||
      range.length !== 2 ||
      !range.every((v) => typeof v === 'number' && Number.isFinite(v))
    ) {
      throw new TypeError(`minMaxScaler: featureRange must be [min, max] of finite numbers, got ${describe(range)}`);
    }
    if (!(range[0] < range[1])) {
      throw new RangeError(`minMaxScaler: featureRange min must be below max, got [${range[0]}, ${range[1]}]`);
    }
    this.featureRange = Object.freeze([range[0], range[1]]) as readonly [number, number];
  }

  protected computeFit(x: Tensor): void {
    const { min, max } = columnMinMax(x);
    this.setStats(min, max);
  }

  private setStats(min: Float64Array, max: Float64Array): void {
    const [lo, hi] = this.featureRange;
    const scale = new Float64Array(min.length);
    const offset = new Float64Array(min.length);
    for (let c = 0; c < min.length; c++) {
      const range = max[c] - min[c];
      scale[c] = (hi - lo) / (range === 0 ? 1 : range); // sklearn: a zero range counts as 1
      offset[c] = lo - min[c] * scale[c];
    }
    this.dataMin = min;
    this.dataMax = max;
    this.scale = scale;
    this.offset = offset;
  }

  toJSON(): MinMaxScalerJSON {
    if (!this.dataMin || !this.dataMax) this.notFitted('MinMaxScaler.toJSON');
    return {
      type: 'minMax',
      featureRange: [this.featureRange[0], this.featureRange[1]],
      dataMin: Array.from(this.dataMin),
      dataMax: Array.from(this.dataMax),
    };
  }

  static fromJSON(json: MinMaxScalerJSON): MinMaxScaler {
    if (typeof json !== 'object' || json === null || json.type !== 'minMax') {
      throw new TypeError(`MinMaxScaler.fromJSON: expected an object with type "minMax", got ${describe(json)}`);
    }
    const min = numberColumn('MinMaxScaler.fromJSON', 'dataMin', json.dataMin);
    const max = numberColumn('MinMaxScaler.fromJSON', 'dataMax', json.dataMax);
    if (min.length !== max.length) {
      throw new RangeError(`MinMaxScaler.fromJSON: dataMin has ${min.length} values but dataMax has ${max.length}`);
    }
    const s = new MinMaxScaler({ featureRange: json.featureRange });
    s.setStats(min, max);
    return s;
  }
}

export class StandardScaler extends AffineScaler {
  protected readonly name = 'StandardScaler';
  private mean: Float64Array | null = null;
  private std: Float64Array | null = null;

  protected computeFit(x: Tensor): void {
    const cols = x.cols;
    const rows = x.rows;
    const mean = new Float64Array(cols);
    for (let i = 0; i < x.data.length; i++) mean[i % cols] += x.data[i];
    for (let c = 0; c < cols; c++) mean[c] /= rows;
    const variance = new Float64Array(cols); // two passes: no cancellation from E[x²] − E[x]²
    for (let i = 0; i < x.data.length; i++) {
      const d = x.data[i] - mean[i % cols];
      variance[i % cols] += d * d;
    }
    const std = variance.map((v) => Math.sqrt(v / rows));
    this.setStats(mean, std);
  }

  private setStats(mean: Float64Array, std: Float64Array): void {
    const scale = new Float64Array(mean.length);
    const offset = new Float64Array(mean.length);
    for (let c = 0; c < mean.length; c++) {
      scale[c] = 1 / (std[c] === 0 ? 1 : std[c]); // sklearn: a zero std counts as 1
      offset[c] = -mean[c] * scale[c];
    }
    this.mean = mean;
    this.std = std;
    this.scale = scale;
    this.offset = offset;
  }

  toJSON(): StandardScalerJSON {
    if (!this.mean || !this.std) this.notFitted('StandardScaler.toJSON');
    return { type: 'standard', mean: Array.from(this.mean), std: Array.from(this.std) };
  }

  static fromJSON(json: StandardScalerJSON): StandardScaler {
    if (typeof json !== 'object' || json === null || json.type !== 'standard') {
      throw new TypeError(`StandardScaler.fromJSON: expected an object with type "standard", got ${describe(json)}`);
    }
    const mean = numberColumn('StandardScaler.fromJSON', 'mean', json.mean);
    const std = numberColumn('StandardScaler.fromJSON', 'std', json.std);
    if (mean.length !== std.length) {
      throw new RangeError(`StandardScaler.fromJSON: mean has ${mean.length} values but std has ${std.length}`);
    }
    if (std.some((v) => v < 0)) throw new RangeError('StandardScaler.fromJSON: std values must be ≥ 0');
    const s = new StandardScaler();
    s.setStats(mean, std);
    return s;
  }
}

function numberColumn(fn: string, name: string, v: unknown): Float64Array {
  if (!Array.isArray(v) || !v.every((e) => typeof e === 'number' && Number.isFinite(e))) {
    throw new TypeError(`${fn}: ${name} must be an array of finite numbers, got ${describe(v)}`);
  }
  return Float64Array.from(v);
}

export type Scaler = MinMaxScaler | StandardScaler;

/** Scales each column to featureRange (default [0, 1]). */
export function minMaxScaler(options: { featureRange?: [number, number] } = {}): MinMaxScaler {
  return new MinMaxScaler(options);
}

/** Centres each column on 0 with unit (population) standard deviation. */
export function standardScaler(): StandardScaler {
  return new StandardScaler();
}

/** Restores a scaler saved with toJSON(), whichever kind it is. */
export function scalerFromJSON(json: ScalerJSON): Scaler {
  const type = (json as { type?: unknown } | null)?.type;
  if (type === 'minMax') return MinMaxScaler.fromJSON(json as MinMaxScalerJSON);
  if (type === 'standard') return StandardScaler.fromJSON(json as StandardScalerJSON);
  throw new TypeError(`scalerFromJSON: type must be "minMax" or "standard", got ${describe(type)}`);
}
