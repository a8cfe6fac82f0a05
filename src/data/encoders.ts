/** Label encoders. */
import { Tensor } from '../tensor';
import { describe } from './args';

/**
 * One row per label with a 1 in the label's column: [n, numClasses]. Labels must be integers in
 * [0, numClasses) (a Float32Array of whole numbers is accepted too, e.g. a label column read by readCsv;
 * a 1-D Tensor, e.g. int32 labels or argMax results, as tfjs's oneHot).
 */
export function oneHot(
  labels: Int32Array | Float32Array | number[] | Tensor,
  numClasses: number,
): Tensor<Float32Array> {
  if (labels instanceof Tensor) {
    if (labels.rank !== 1) {
      throw new RangeError(
        `oneHot: labels must be a 1-D Tensor [n] (one label per row), got shape [${labels.shape.join(', ')}]`,
      );
    }
    return oneHot(labels.data, numClasses);
  }
  if (!(labels instanceof Int32Array || labels instanceof Float32Array || Array.isArray(labels))) {
    throw new TypeError(
      `oneHot: labels must be an Int32Array, Float32Array, number[] or 1-D Tensor, got ${describe(labels)}`,
    );
  }
  if (typeof numClasses !== 'number')
    throw new TypeError(`oneHot: numClasses must be a number, got ${describe(numClasses)}`);
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new RangeError(`oneHot: numClasses must be a positive integer, got ${numClasses}`);
  }
  const n = labels.length;
  if (n * numClasses > 2 ** 31 - 1) throw new RangeError(`oneHot: ${n} × ${numClasses} is too large for one tensor`);
  const out = new Float32Array(n * numClasses);
  for (let i = 0; i < n; i++) {
    const v = labels[i];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= numClasses) {
      throw new RangeError(`oneHot: labels[${i}] must be an integer in [0, ${numClasses}), got ${describe(v)}`);
    }
    out[i * numClasses + v] = 1;
  }
  return new Tensor(out, [n, numClasses]);
}
