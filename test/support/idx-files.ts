/** Writes small IDX files for the readIdx tests (the reader is public API, the writer is not). */
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';

export type IdxTypeName = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

export const IDX_TYPES: Record<IdxTypeName, { code: number; bytes: number }> = {
  uint8: { code: 0x08, bytes: 1 },
  int8: { code: 0x09, bytes: 1 },
  int16: { code: 0x0b, bytes: 2 },
  int32: { code: 0x0c, bytes: 4 },
  float32: { code: 0x0d, bytes: 4 },
  float64: { code: 0x0e, bytes: 8 },
};

/** The header alone: 00 00 type ndims, then each dim as a big-endian uint32. */
export function idxHeader(type: IdxTypeName, dims: readonly number[]): Buffer {
  const b = Buffer.alloc(4 + 4 * dims.length);
  b[2] = IDX_TYPES[type].code;
  b[3] = dims.length;
  dims.forEach((d, i) => b.writeUInt32BE(d, 4 + 4 * i));
  return b;
}

/** A whole IDX file's bytes: the header and the values big-endian (values are not checked). */
export function idxBytes(type: IdxTypeName, dims: readonly number[], values: ArrayLike<number>): Buffer {
  const size = IDX_TYPES[type].bytes;
  const body = Buffer.alloc(values.length * size);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const at = i * size;
    if (type === 'uint8') body.writeUInt8(v, at);
    else if (type === 'int8') body.writeInt8(v, at);
    else if (type === 'int16') body.writeInt16BE(v, at);
    else if (type === 'int32') body.writeInt32BE(v, at);
    else if (type === 'float32') body.writeFloatBE(v, at);
    else body.writeDoubleBE(v, at);
  }
  return Buffer.concat([idxHeader(type, dims), body]);
}

export const gzip = (b: Uint8Array): Buffer => gzipSync(b);

export async function tempDir(): Promise<string> {
  return fsp.mkdtemp(path.join(os.tmpdir(), 'nativenn-idx-'));
}

/** Writes bytes to dir/name and returns the path. */
export async function writeFile(dir: string, name: string, bytes: Uint8Array): Promise<string> {
  const p = path.join(dir, name);
  await fsp.writeFile(p, bytes);
  return p;
}
