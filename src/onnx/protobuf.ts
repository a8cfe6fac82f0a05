/**
 * A small protobuf (proto3 wire format) writer: just what the ONNX messages need. A message is
 * written field by field into a growing byte buffer; a nested message is encoded on its own and
 * written as a length-delimited field. Field order is the caller's (protobuf readers accept any).
 *
 * Wire types: 0 varint (int32/int64/enum/bool), 2 length-delimited (string, bytes, messages,
 * packed repeated scalars), 5 fixed32 (float).
 */

const WIRE_VARINT = 0;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;

const utf8 = new TextEncoder();

export class ProtoWriter {
  private buf = new Uint8Array(256);
  private len = 0;

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  /** An unsigned varint; a negative integer as its 64-bit two's complement (ten bytes), as
   *  protobuf writes a negative int32/int64. Integers must be safe (|v| < 2^53). */
  private varint(v: number): void {
    if (!Number.isSafeInteger(v)) throw new RangeError(`protobuf: ${v} is not a safe integer`);
    this.reserve(10);
    if (v < 0) {
      // two's complement over 64 bits: low 32 bits then high 32 bits, written 7 bits at a time
      let lo = (v % 2 ** 32) >>> 0;
      let hi = Math.floor(v / 2 ** 32) >>> 0;
      for (let i = 0; i < 9; i++) {
        this.buf[this.len++] = (lo & 0x7f) | 0x80;
        lo = (lo >>> 7) | ((hi & 0x7f) << 25);
        hi >>>= 7;
      }
      this.buf[this.len++] = lo & 0x01;
      return;
    }
    while (v >= 0x80) {
      this.buf[this.len++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.len++] = v;
  }

  private tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  /** int32, int64, enum or bool field. */
  int(field: number, v: number): this {
    this.tag(field, WIRE_VARINT);
    this.varint(v);
    return this;
  }

  /** float field (fixed32, little-endian). */
  float(field: number, v: number): this {
    this.tag(field, WIRE_FIXED32);
    this.reserve(4);
    new DataView(this.buf.buffer, this.buf.byteOffset + this.len, 4).setFloat32(0, v, true);
    this.len += 4;
    return this;
  }

  bytes(field: number, data: Uint8Array): this {
    this.tag(field, WIRE_LEN);
    this.varint(data.length);
    this.reserve(data.length);
    this.buf.set(data, this.len);
    this.len += data.length;
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, utf8.encode(s));
  }

  /** A nested message, written by `write` into its own writer. */
  message(field: number, write: (w: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    write(inner);
    return this.bytes(field, inner.finish());
  }

  /** Packed repeated int64/int32 (one length-delimited field of varints). */
  packedInts(field: number, values: readonly number[]): this {
    const inner = new ProtoWriter();
    for (const v of values) inner.varint(v);
    return this.bytes(field, inner.finish());
  }

  /** Float32 values as little-endian bytes (TensorProto.raw_data), whatever the host order. */
  rawFloats(field: number, values: Float32Array): this {
    const bytes = new Uint8Array(values.length * 4);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
    return this.bytes(field, bytes);
  }

  /** The bytes written so far (a copy sized to fit). */
  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}
