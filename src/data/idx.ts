/**
 * readIdx: an IDX file (the MNIST / Fashion-MNIST format), gzipped or not, into a Tensor.
 *
 * The file is opened without blocking (a FIFO or device is refused on the open handle, never
 * waited on) and read in chunks; a gzip file (it starts 1f 8b) is inflated as a stream. The
 * header is checked before anything is allocated: the values it announces must be exactly the
 * bytes that follow, so a plain file's size must match it and a gzip stream is cut off the moment
 * it inflates past it (a gzip bomb costs no more than the tensor its header declares; a gzip of n
 * bytes cannot inflate past 1032·n, so a small file claiming huge dims is refused at once).
 */
import { constants, promises as fsp } from 'node:fs';
import { pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { Tensor } from '../tensor';
import { describe } from './args';
import { FLOAT32_MAX } from './csv';
import { firstNonFinite, IdxDecoder, type IdxHeader, parseIdxHeader, position } from './idx-format';

export interface IdxOptions {
  /** The tensor's dtype. Default: int32 for integer files (uint8, int8, int16, int32: labels stay
   *  class indices), float32 for float files or when `scale` is given. int32 is refused for float files. */
  dtype?: 'float32' | 'int32';
  /** Multiplies every value (float32 result), e.g. 1/255 for pixels in [0, 1]. Default 1. */
  scale?: number;
}

/** A problem with the file (missing, not a regular file, not IDX, wrong size): the message names it. */
export class IdxError extends Error {
  override readonly name = 'IdxError';
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

/** The largest ratio deflate reaches (258-byte matches at 2 bits each): a bound, not an estimate. */
const MAX_INFLATE_RATIO = 1032;
const CHUNK_BYTES = 1 << 20;

function checkArgs(path: unknown, options: unknown): asserts path is string {
  if (typeof path !== 'string' || path.length === 0)
    throw new TypeError(`readIdx: path must be a non-empty string, got ${describe(path)}`);
  if (typeof options !== 'object' || options === null)
    throw new TypeError(`readIdx: options must be an object, got ${describe(options)}`);
  const { dtype, scale } = options as IdxOptions;
  if (dtype !== undefined && dtype !== 'float32' && dtype !== 'int32')
    throw new TypeError(`readIdx: dtype must be 'float32' or 'int32', got ${describe(dtype)}`);
  if (scale !== undefined && (typeof scale !== 'number' || !Number.isFinite(scale) || scale <= 0))
    throw new RangeError(`readIdx: scale must be a positive finite number, got ${describe(scale)}`);
  if (scale !== undefined && dtype === 'int32')
    throw new RangeError('readIdx: scale gives float32 values; it cannot be combined with dtype int32');
}

/** Reads an IDX file (gzipped or not) into a Tensor of the shape its header gives; see IdxOptions. */
export async function readIdx(path: string, options: IdxOptions = {}): Promise<Tensor> {
  checkArgs(path, options);
  const { dtype, scale } = options;
  const fail = (message: string, code?: string): never => {
    throw new IdxError(`readIdx: ${path}: ${message}`, code);
  };
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const what = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
    throw new IdxError(`readIdx: ${what}: ${path}`, code);
  }
  try {
    const st = await handle.stat();
    if (st.isDirectory()) fail('is a directory, not an IDX file', 'EISDIR');
    if (!st.isFile()) fail('is not a regular file (a FIFO, socket or device is not read)');
    if (st.size === 0) fail('the file is empty');
    const first = Buffer.alloc(2);
    await readAt(handle, path, first, 0);
    const gzip = first[0] === 0x1f && first[1] === 0x8b;
    const sink = new IdxSink(path, dtype, scale, (h) => {
      const total = h.headerBytes + h.dataBytes;
      const dims = `dims [${h.shape.join(', ')}] of ${h.type.name} make ${total} bytes with the header`;
      if (gzip && total > MAX_INFLATE_RATIO * st.size)
        fail(`${dims}, but a gzip file of ${st.size} bytes inflates to at most ${MAX_INFLATE_RATIO}× that: truncated`);
      if (!gzip && total > st.size) fail(`${dims}, but the file holds ${st.size}: truncated`);
      if (!gzip && total < st.size) fail(`${dims}, but the file holds ${st.size}: ${st.size - total} bytes too many`);
    });
    if (!gzip) {
      for await (const chunk of fileChunks(handle, path)) sink.push(chunk);
      return sink.finish();
    }
    const inflated = pipeline(Readable.from(fileChunks(handle, path)), createGunzip({ chunkSize: 1 << 18 }), () => {});
    try {
      for await (const chunk of inflated) sink.push(chunk as Buffer);
    } catch (e) {
      if (e instanceof IdxError) throw e;
      fail(`the gzip data is corrupt, or followed by bytes that are not gzip (${(e as Error).message})`);
    } finally {
      inflated.destroy();
    }
    return sink.finish();
  } finally {
    await handle.close();
  }
}

/** Fills as much of buf as one read gives, from `pos`; how many bytes came (0 at end of file). */
async function readAt(handle: fsp.FileHandle, path: string, buf: Buffer, pos: number): Promise<number> {
  try {
    return (await handle.read(buf, 0, buf.length, pos)).bytesRead;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new IdxError(`readIdx: ${path}: cannot be read (${code ?? (e as Error).message})`, code);
  }
}

/** The file's bytes from the start, chunk by chunk, until end of file. */
async function* fileChunks(handle: fsp.FileHandle, path: string): AsyncGenerator<Buffer> {
  for (let pos = 0; ; ) {
    const buf = Buffer.allocUnsafe(CHUNK_BYTES);
    const bytesRead = await readAt(handle, path, buf, pos);
    if (bytesRead === 0) return;
    pos += bytesRead;
    yield buf.subarray(0, bytesRead);
  }
}

/** Takes the (inflated) bytes in order: the header, then exactly the values it announces. */
class IdxSink {
  /** Bytes taken so far, header included. */
  received = 0;
  private head = new Uint8Array(0);
  private header: IdxHeader | null = null;
  private out: Float32Array | Int32Array | null = null;
  private decoder: IdxDecoder | null = null;

  constructor(
    private readonly path: string,
    private readonly dtype: IdxOptions['dtype'],
    private readonly scale: number | undefined,
    /** Checks the header against the file before the tensor is allocated. */
    private readonly checkSize: (h: IdxHeader) => void,
  ) {}

  private fail(message: string): never {
    throw new IdxError(`readIdx: ${this.path}: ${message}`);
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    let rest = chunk;
    if (this.header === null) {
      const joined = new Uint8Array(this.head.length + chunk.length);
      joined.set(this.head);
      joined.set(chunk, this.head.length);
      let h: IdxHeader | null;
      try {
        h = parseIdxHeader(joined);
      } catch (e) {
        this.fail((e as Error).message);
      }
      this.received += chunk.length;
      if (h === null) {
        this.head = joined;
        return;
      }
      this.start(h);
      rest = joined.subarray(h.headerBytes);
    } else {
      this.received += chunk.length;
    }
    const header = this.header!;
    if (this.received > header.headerBytes + header.dataBytes) {
      this.fail(
        `holds more than the ${header.dataBytes} bytes of values its dims [${header.shape.join(', ')}] of ${header.type.name} announce`,
      );
    }
    this.decoder!.push(rest);
  }

  private start(h: IdxHeader): void {
    if (this.dtype === 'int32' && h.type.float)
      throw new RangeError(`readIdx: ${this.path} holds ${h.type.name} values; dtype int32 would truncate them`);
    this.checkSize(h);
    const float = h.type.float || this.dtype === 'float32' || this.scale !== undefined;
    try {
      this.out = float ? new Float32Array(h.count) : new Int32Array(h.count);
    } catch (e) {
      this.fail(`${h.count} values of dims [${h.shape.join(', ')}] do not fit in memory (${(e as Error).message})`);
    }
    this.decoder = new IdxDecoder(h.type, this.out, this.scale ?? 1);
    this.header = h;
    this.head = new Uint8Array(0);
  }

  finish(): Tensor {
    const h = this.header;
    if (h === null) {
      const n = this.head.length;
      this.fail(
        `truncated header: ${n} byte${n === 1 ? '' : 's'}, an IDX header needs ${n < 4 ? 'at least 4' : 4 + 4 * this.head[3]}`,
      );
    }
    const got = this.received - h.headerBytes;
    if (got < h.dataBytes) {
      this.fail(
        `truncated: dims [${h.shape.join(', ')}] of ${h.type.name} need ${h.dataBytes} bytes of values, the file gives ${got}`,
      );
    }
    const out = this.out!;
    // Integers scaled by less than FLOAT32_MAX / 2^31 cannot overflow: only floats (NaN, ±Infinity,
    // float64 beyond float32) and a huge scale need the pass.
    if (out instanceof Float32Array && (h.type.float || (this.scale ?? 1) * 2 ** 31 > FLOAT32_MAX)) {
      const bad = firstNonFinite(out);
      if (bad >= 0) {
        this.fail(
          `the value at ${position(bad, h.shape)} is ${out[bad]} as a float32 (after scale); values must be finite`,
        );
      }
    }
    return new Tensor(out, h.shape);
  }
}
