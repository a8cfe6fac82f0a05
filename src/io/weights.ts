/**
 * weights.bin: the values of every weight in manifest order, concatenated with no header or
 * padding, 4 bytes per value little-endian (float32, or int32 for tfjs's optimizer `iter`).
 * Pure functions over bytes; the files themselves are handled by save.ts / validate-files.ts.
 */
import type { NamedWeight, WeightDtype, WeightSpecJson } from './format';

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function byteLengthOf(specs: readonly WeightSpecJson[]): number {
  return specs.reduce((sum, s) => sum + 4 * elementCount(s.shape), 0);
}

/** The manifest entries and the concatenated little-endian bytes of `weights`. */
export function packWeights(weights: readonly NamedWeight[]): { specs: WeightSpecJson[]; bytes: Uint8Array } {
  const specs: WeightSpecJson[] = weights.map((w) => {
    const n = elementCount(w.shape);
    if (n !== w.data.length) {
      throw new RangeError(`packWeights: ${w.name} has shape [${w.shape.join(', ')}] but ${w.data.length} values`);
    }
    const dtype: WeightDtype = w.data instanceof Int32Array ? 'int32' : 'float32';
    const spec: WeightSpecJson = { name: w.name, shape: [...w.shape], dtype };
    if (w.group) spec.group = w.group;
    return spec;
  });
  const bytes = new Uint8Array(byteLengthOf(specs));
  const view = new DataView(bytes.buffer);
  let offset = 0;
  for (const w of weights) {
    if (LITTLE_ENDIAN) {
      bytes.set(new Uint8Array(w.data.buffer, w.data.byteOffset, w.data.byteLength), offset);
      offset += w.data.byteLength;
    } else if (w.data instanceof Int32Array) {
      for (const v of w.data) {
        view.setInt32(offset, v, true);
        offset += 4;
      }
    } else {
      for (const v of w.data) {
        view.setFloat32(offset, v, true);
        offset += 4;
      }
    }
  }
  return { specs, bytes };
}

/**
 * Splits `bytes` (all shards concatenated) into one typed array per spec. The caller has checked
 * dtypes and that the byte length matches exactly; this checks it again because a mismatch here
 * would mean reading the wrong values. Values are copied (aligned, owned by the result).
 */
export function unpackWeights(specs: readonly WeightSpecJson[], bytes: Uint8Array): NamedWeight[] {
  const expected = byteLengthOf(specs);
  if (expected !== bytes.byteLength) {
    throw new RangeError(`weights: the manifest describes ${expected} bytes, the shards hold ${bytes.byteLength}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 0;
  return specs.map((s) => {
    const n = elementCount(s.shape);
    const data = s.dtype === 'int32' ? new Int32Array(n) : new Float32Array(n);
    if (LITTLE_ENDIAN) {
      new Uint8Array(data.buffer).set(bytes.subarray(offset, offset + 4 * n));
    } else if (data instanceof Int32Array) {
      for (let i = 0; i < n; i++) data[i] = view.getInt32(offset + 4 * i, true);
    } else {
      for (let i = 0; i < n; i++) data[i] = view.getFloat32(offset + 4 * i, true);
    }
    offset += 4 * n;
    const w: NamedWeight = { name: s.name, shape: [...s.shape], data };
    if (s.group) w.group = s.group;
    return w;
  });
}

/** Index of the first NaN or ±Infinity, or −1. */
export function firstNonFinite(data: Float32Array | Int32Array): number {
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) return i;
  return -1;
}
