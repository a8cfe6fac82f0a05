/**
 * One range per setting, used by the builders (nn.layers.*, nn.optimizers.*, nn.regularizers.*,
 * nn.sequential) and by the model-file loaders (src/io/topology.ts, training-config.ts), so that
 * save never writes what load refuses: a value a builder accepts is, by construction, one the
 * loader accepts. The bounds are far beyond any useful value; they exist so that a file cannot
 * ask for absurd sizes and so that both sides agree.
 */
import { describe } from '../backend/check';

export interface Range {
  min: number;
  max: number;
  /** the bound itself is excluded ([min, max) / (min, max]) */
  minOpen?: boolean;
  maxOpen?: boolean;
  integer?: boolean;
}

/** Largest width (units, input features) of a dense layer: far above any real model, far below 2^40. */
export const MAX_UNITS = 1 << 24;

/** Largest dropout seed a file may hold (the masks use 31 bits). */
export const MAX_SEED = 2 ** 31 - 1;

export const RANGES = {
  // optimizers
  learningRate: { min: 0, max: 1e6 },
  beta1: { min: 0, max: 1, maxOpen: true },
  beta2: { min: 0, max: 1, maxOpen: true },
  epsilon: { min: 0, max: 1 },
  momentum: { min: 0, max: 1, maxOpen: true },
  rho: { min: 0, max: 1, maxOpen: true },
  weightDecay: { min: 0, max: 1e6 },
  initialAccumulatorValue: { min: 0, max: 1e6 },
  /** clipnorm, clipvalue (0: off) */
  clip: { min: 0, max: 1e6 },
  // regularizers
  l1: { min: 0, max: 1e6 },
  l2: { min: 0, max: 1e6 },
  // layers
  alpha: { min: 0, max: 1e6 },
  dropoutRate: { min: 0, max: 1, maxOpen: true },
  /** GaussianNoise's standard deviation */
  stddev: { min: 0, max: 1e6 },
  units: { min: 1, max: MAX_UNITS, integer: true },
  inputWidth: { min: 1, max: MAX_UNITS, integer: true },
  /** a convolution's or pool's window, stride and dilation along one axis */
  window: { min: 1, max: 4096, integer: true },
  /** characters in a layer name */
  nameLength: { min: 1, max: 256, integer: true },
  /** layers of a Sequential model (and of a model file) */
  layerCount: { min: 1, max: 10_000, integer: true },
} as const satisfies Record<string, Range>;

export type Setting = keyof typeof RANGES;

export function inRange(v: number, r: Range): boolean {
  if (!Number.isFinite(v) || (r.integer && !Number.isInteger(v))) return false;
  const aboveMin = r.minOpen ? v > r.min : v >= r.min;
  const belowMax = r.maxOpen ? v < r.max : v <= r.max;
  return aboveMin && belowMax;
}

/** "a finite number in [0, 1)" / "an integer from 1 to 16777216" */
export function rangeText(r: Range): string {
  if (r.integer) return `an integer from ${r.min} to ${r.max}`;
  return `a finite number in ${r.minOpen ? '(' : '['}${r.min}, ${r.max}${r.maxOpen ? ')' : ']'}`;
}

/** The builders' check: TypeError for a non-number, RangeError outside the setting's range. */
export function checkSetting(fn: string, name: string, v: unknown, setting: Setting): number {
  if (typeof v !== 'number') throw new TypeError(`${fn}: ${name} must be a number, got ${describe(v)}`);
  const r: Range = RANGES[setting];
  if (!inRange(v, r)) throw new RangeError(`${fn}: ${name} must be ${rangeText(r)}, got ${v}`);
  return v;
}
