/**
 * Fitted scalers folded into the graph: the input scaler as Sub/Div (and Add for a min-max range
 * that does not start at 0) in front of the first layer, a regression target's scaler undone with
 * Mul/Add (and Sub) after the last. The constants are the scaler's own statistics, with the zero
 * range or std that scikit-learn (and nativenn) count as 1.
 */
import { describe } from '../backend/check';
import { type Scaler, type ScalerJSON, scalerFromJSON } from '../data/scalers';
import type { OnnxGraphBuilder } from './graph';

/** A fitted scaler or its toJSON() form, checked; `features` is the width it must have. */
export function scalerJson(fn: string, name: string, v: unknown, features: number): ScalerJSON {
  let json: ScalerJSON;
  if (v !== null && typeof v === 'object' && typeof (v as Scaler).toJSON === 'function' && 'transform' in v) {
    json = (v as Scaler).toJSON();
  } else if (v !== null && typeof v === 'object' && 'type' in v) {
    json = v as ScalerJSON;
  } else {
    throw new TypeError(
      `${fn}: ${name} must be a fitted scaler (nn.data.minMaxScaler(), …) or its toJSON(), got ${describe(v)}`,
    );
  }
  try {
    json = scalerFromJSON(json).toJSON(); // validates every field and copies it
  } catch (e) {
    throw new TypeError(`${fn}: ${name}: ${(e as Error).message}`);
  }
  const width = json.type === 'minMax' ? json.dataMin.length : json.mean.length;
  if (width !== features) {
    throw new RangeError(
      `${fn}: ${name} was fitted on ${width} features, but the model's ${name === 'scaler' ? 'input has' : 'output has'} ${features}`,
    );
  }
  return json;
}

const orOne = (values: number[]) => Float32Array.from(values, (v) => (v === 0 ? 1 : v));

/** (max − min) / (hi − lo) per column, in double, rounded once. */
function minMaxStep(min: number[], max: number[], lo: number, hi: number): Float32Array {
  return Float32Array.from(min, (m, i) => (max[i] - m === 0 ? 1 : max[i] - m) / (hi - lo));
}

/** x' = transform(x) in front of the network; returns x' and a sentence for the user. The
 *  constants have one sample's shape `n` (a scaler's columns are a sample's values in row-major
 *  order, so they broadcast over the batch). */
export function scalerNodes(
  g: OnnxGraphBuilder,
  json: ScalerJSON,
  x: string,
  n: number[],
): { out: string; said: string } {
  if (json.type === 'standard') {
    const centred = g.node('Sub', 'scaler/Sub_mean', [x, g.weight('scaler/mean', n, Float32Array.from(json.mean))]);
    const out = g.node('Div', 'scaler/Div_std', [centred, g.weight('scaler/std', n, orOne(json.std))]);
    return { out, said: 'standard scaler (x − mean) / std as Sub, Div' };
  }
  const [lo, hi] = json.featureRange;
  const step = minMaxStep(json.dataMin, json.dataMax, lo, hi);
  const shifted = g.node('Sub', 'scaler/Sub_min', [x, g.weight('scaler/data_min', n, Float32Array.from(json.dataMin))]);
  let out = g.node('Div', 'scaler/Div_range', [shifted, g.weight('scaler/range', n, step)]);
  if (lo !== 0) out = g.node('Add', 'scaler/Add_low', [out, g.scalar(lo)]);
  return { out, said: `min-max scaler to [${lo}, ${hi}] as Sub, Div${lo !== 0 ? ', Add' : ''}` };
}

/** y = inverseTransform(y') after the network (a regression target scaled for training). */
export function targetScalerNodes(
  g: OnnxGraphBuilder,
  json: ScalerJSON,
  y: string,
  n: number[],
): { out: string; said: string } {
  if (json.type === 'standard') {
    const scaled = g.node('Mul', 'target_scaler/Mul_std', [y, g.weight('target_scaler/std', n, orOne(json.std))]);
    const out = g.node('Add', 'target_scaler/Add_mean', [
      scaled,
      g.weight('target_scaler/mean', n, Float32Array.from(json.mean)),
    ]);
    return { out, said: 'the target scaler undone, y·std + mean as Mul, Add' };
  }
  const [lo, hi] = json.featureRange;
  const step = minMaxStep(json.dataMin, json.dataMax, lo, hi);
  let from = y;
  if (lo !== 0) from = g.node('Sub', 'target_scaler/Sub_low', [y, g.scalar(lo)]);
  const scaled = g.node('Mul', 'target_scaler/Mul_range', [from, g.weight('target_scaler/range', n, step)]);
  const out = g.node('Add', 'target_scaler/Add_min', [
    scaled,
    g.weight('target_scaler/data_min', n, Float32Array.from(json.dataMin)),
  ]);
  return { out, said: `the target's min-max scaler undone as ${lo !== 0 ? 'Sub, ' : ''}Mul, Add` };
}
