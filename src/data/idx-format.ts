/**
 * The IDX format (MNIST, Fashion-MNIST): two zero bytes, a type byte, a dimension count, then
 * one big-endian uint32 per dimension, then the values big-endian, row-major. This file parses
 * the header and decodes values chunk by chunk into the output array (a value may be split
 * across chunks), so no copy of the raw bytes is ever held.
 */
import { endianness } from 'node:os';
import { MAX_SIZE } from '../backend/check';

export interface IdxType {
  name: 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';
  bytes: number;
  float: boolean;
}

const TYPES: ReadonlyMap<number, IdxType> = new Map([
  [0x08, { name: 'uint8', bytes: 1, float: false }],
  [0x09, { name: 'int8', bytes: 1, float: false }],
  [0x0b, { name: 'int16', bytes: 2, float: false }],
  [0x0c, { name: 'int32', bytes: 4, float: false }],
  [0x0d, { name: 'float32', bytes: 4, float: true }],
  [0x0e, { name: 'float64', bytes: 8, float: true }],
]);

/** At most this many dimensions (MNIST files have 1 or 3). */
export const MAX_IDX_DIMS = 8;

export interface IdxHeader {
  type: IdxType;
  shape: number[];
  /** Number of values: the product of the shape. */
  count: number;
  /** Bytes of the header (4 + 4 per dimension). */
  headerBytes: number;
  /** Bytes of the values that follow it. */
  dataBytes: number;
}

const hex = (b: number) => `0x${b.toString(16).padStart(2, '0')}`;

/**
 * The header at the start of `buf`, or null while buf is too short to hold it (the caller reads
 * more). Throws a plain message (the caller adds the path) for anything that is not IDX.
 */
export function parseIdxHeader(buf: Uint8Array): IdxHeader | null {
  if (buf.length < 4) return null;
  if (buf[0] !== 0 || buf[1] !== 0) {
    throw new Error(
      `not an IDX file: it starts with ${hex(buf[0])} ${hex(buf[1])}, an IDX file with 0x00 0x00 (then a type byte and a dimension count)`,
    );
  }
  const type = TYPES.get(buf[2]);
  if (type === undefined) {
    const known = [...TYPES].map(([code, t]) => `${hex(code)} ${t.name}`).join(', ');
    throw new Error(`unknown IDX type byte ${hex(buf[2])}; known: ${known}`);
  }
  const ndims = buf[3];
  if (ndims === 0 || ndims > MAX_IDX_DIMS)
    throw new Error(`the header gives ${ndims} dimensions; from 1 to ${MAX_IDX_DIMS} are read`);
  const headerBytes = 4 + 4 * ndims;
  if (buf.length < headerBytes) return null;
  const view = new DataView(buf.buffer, buf.byteOffset, headerBytes);
  const shape: number[] = [];
  let count = 1;
  for (let i = 0; i < ndims; i++) {
    shape.push(view.getUint32(4 + 4 * i, false));
    count *= shape[i]; // exact below MAX_SIZE; only compared above it
  }
  if (count > MAX_SIZE) {
    throw new Error(
      `the header's dims [${shape.join(', ')}] make ${count} values; at most ${MAX_SIZE} (2^31 − 1) fit in one tensor`,
    );
  }
  return { type, shape, count, headerBytes, dataBytes: count * type.bytes };
}

const LITTLE_ENDIAN_HOST = endianness() === 'LE';

type View = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
const VIEWS: Record<IdxType['name'], new (b: ArrayBuffer, at: number, n: number) => View> = {
  uint8: Uint8Array,
  int8: Int8Array,
  int16: Int16Array,
  int32: Int32Array,
  float32: Float32Array,
  float64: Float64Array,
};

/**
 * Decodes big-endian values into `out`, scaled, in the order the chunks come. Whole values are
 * copied to an aligned scratch buffer, byte-swapped natively (Buffer.swap16/32/64) and converted
 * by TypedArray.set: no per-value JS on the way (MNIST's 47 M pixels in tens of milliseconds).
 */
export class IdxDecoder {
  /** Values written so far. */
  written = 0;
  private readonly carry: Uint8Array;
  private carried = 0;
  private scratch = Buffer.alloc(0);
  /** Every value of the type is exact in float32, so scaling after conversion rounds once. */
  private readonly exact: boolean;

  constructor(
    private readonly type: IdxType,
    private readonly out: Float32Array | Int32Array,
    private readonly scale: number,
  ) {
    this.carry = new Uint8Array(type.bytes);
    this.exact = type.name !== 'int32' && type.name !== 'float64';
  }

  /** Decodes every whole value in chunk (with any bytes left over from the previous chunk). */
  push(chunk: Uint8Array): void {
    let at = 0;
    const size = this.type.bytes;
    if (this.carried > 0) {
      const take = Math.min(size - this.carried, chunk.length);
      this.carry.set(chunk.subarray(0, take), this.carried);
      this.carried += take;
      at = take;
      if (this.carried < size) return;
      this.decode(this.carry, 0, 1);
      this.carried = 0;
    }
    const whole = Math.floor((chunk.length - at) / size);
    this.decode(chunk, at, whole);
    at += whole * size;
    this.carry.set(chunk.subarray(at));
    this.carried = chunk.length - at;
  }

  private decode(bytes: Uint8Array, at: number, n: number): void {
    if (n === 0) return;
    const size = this.type.bytes;
    let src: View;
    if (size === 1) {
      src = new VIEWS[this.type.name](bytes.buffer as ArrayBuffer, bytes.byteOffset + at, n);
    } else {
      if (this.scratch.length < n * size) this.scratch = Buffer.from(new ArrayBuffer(Math.max(n * size, 1 << 16)));
      const s = this.scratch.subarray(0, n * size); // offset 0 of its own ArrayBuffer: aligned
      s.set(bytes.subarray(at, at + n * size));
      if (LITTLE_ENDIAN_HOST) size === 2 ? s.swap16() : size === 4 ? s.swap32() : s.swap64();
      src = new VIEWS[this.type.name](s.buffer as ArrayBuffer, 0, n);
    }
    const o = this.written;
    this.written += n;
    if (this.scale === 1 || this.exact) {
      this.out.set(src, o);
      if (this.scale !== 1) scaleInPlace(this.out as Float32Array, o, n, this.scale);
    } else {
      scaleInto(this.out as Float32Array, o, src as Int32Array | Float64Array, this.scale);
    }
  }
}

function scaleInPlace(out: Float32Array, at: number, n: number, scale: number): void {
  for (let i = at; i < at + n; i++) out[i] *= scale;
}

/** out[at + i] = src[i] · scale, rounded once to float32 (for int32 and float64, not exact in float32). */
function scaleInto(out: Float32Array, at: number, src: Int32Array | Float64Array, scale: number): void {
  for (let i = 0; i < src.length; i++) out[at + i] = src[i] * scale;
}

/** The index of the first value that is not finite, or −1. */
export function firstNonFinite(a: Float32Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] - a[i] !== 0) return i; // NaN for NaN and ±Infinity
  return -1;
}

/** A flat index as [i, j, …] in `shape` (for messages). */
export function position(index: number, shape: readonly number[]): string {
  const at: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    at.unshift(index % shape[d]);
    index = Math.floor(index / shape[d]);
  }
  return `[${at.join(', ')}]`;
}
