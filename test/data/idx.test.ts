import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../../src';
import { IdxDecoder, parseIdxHeader } from '../../src/data/idx-format';
import { gzip, IDX_TYPES, type IdxTypeName, idxBytes, idxHeader, tempDir, writeFile } from '../support/idx-files';

let dir: string;
beforeAll(async () => {
  dir = await tempDir();
});

/** The IdxError readIdx rejects with (fails the test when it resolves or throws something else). */
async function idxError(p: string, options?: nn.data.IdxOptions): Promise<nn.data.IdxError> {
  const e = await nn.data.readIdx(p, options).then(
    () => null,
    (err: unknown) => err,
  );
  if (!(e instanceof nn.data.IdxError)) throw new Error(`expected an IdxError for ${p}, got ${String(e)}`);
  expect(e.message).toContain(p);
  return e;
}

const SAMPLES: Record<IdxTypeName, number[]> = {
  uint8: [0, 1, 127, 128, 255, 42],
  int8: [-128, -1, 0, 1, 127, 5],
  int16: [-32768, -1, 0, 256, 32767, 1000],
  int32: [-2147483648, -1, 0, 65536, 2147483647, 16777221], // 16777221 · 1/3 must round once
  float32: [-1.5, 0, 3.25, 1e-30, -3.4e38, 0.1],
  float64: [-1.5, 0, 3.25, 1e-30, -3.4e38, 1.00000006], // so must 1.00000006 · 1/3
};

describe('nn.data.readIdx: every type, plain and gzipped', () => {
  for (const type of Object.keys(IDX_TYPES) as IdxTypeName[]) {
    for (const zipped of [false, true]) {
      it(`${type}${zipped ? ' (gzip)' : ''}: the header's shape, the values big-endian`, async () => {
        const values = SAMPLES[type];
        const bytes = idxBytes(type, [2, 3], values);
        const p = await writeFile(dir, `${type}${zipped ? '.gz' : ''}.idx`, zipped ? gzip(bytes) : bytes);
        const t = await nn.data.readIdx(p);
        expect(t.shape).toEqual([2, 3]);
        const float = type.startsWith('float');
        expect(t.dtype).toBe(float ? 'float32' : 'int32');
        expect(Array.from(t.data)).toEqual(float ? values.map(Math.fround) : values);
        // Scaled: v · scale rounded once to float32, whatever the type.
        const scaled = await nn.data.readIdx(p, { scale: 1 / 3 });
        expect(scaled.dtype).toBe('float32');
        expect(Array.from(scaled.data)).toEqual(values.map((v) => Math.fround(v * (1 / 3))));
      });
    }
  }

  it('MNIST-shaped uint8 images with scale 1/255 give float32 in [0, 1]; labels stay int32', async () => {
    const pixels = Array.from({ length: 3 * 28 * 28 }, (_, i) => (i * 7) % 256);
    const images = await writeFile(dir, 'images.gz', gzip(idxBytes('uint8', [3, 28, 28], pixels)));
    const labels = await writeFile(dir, 'labels', idxBytes('uint8', [3], [7, 2, 1]));
    const x = await nn.data.readIdx(images, { scale: 1 / 255 });
    expect(x.shape).toEqual([3, 28, 28]);
    expect(x.dtype).toBe('float32');
    expect(x.data[1]).toBe(Math.fround(7 / 255));
    expect(x.data[36]).toBe(Math.fround(((36 * 7) % 256) / 255));
    const y = await nn.data.readIdx(labels);
    expect(y.dtype).toBe('int32');
    expect(Array.from(y.data)).toEqual([7, 2, 1]);
    expect((await nn.data.readIdx(labels, { dtype: 'float32' })).data).toEqual(new Float32Array([7, 2, 1]));
    expect((await nn.data.readIdx(labels, { scale: 1 })).data).toEqual(new Float32Array([7, 2, 1]));
  });

  it('a dimension of 0 gives an empty tensor', async () => {
    const p = await writeFile(dir, 'empty-dim', idxHeader('uint8', [0, 28, 28]));
    const t = await nn.data.readIdx(p);
    expect(t.shape).toEqual([0, 28, 28]);
    expect(t.size).toBe(0);
  });

  it('values split anywhere across chunks decode the same (the decoder carries partial values)', () => {
    for (const type of Object.keys(IDX_TYPES) as IdxTypeName[]) {
      const values = SAMPLES[type];
      const file = idxBytes(type, [values.length], values);
      const h = parseIdxHeader(file)!;
      const body = file.subarray(h.headerBytes);
      for (const step of [1, 3, 5, 7]) {
        const out = new Float32Array(values.length);
        const d = new IdxDecoder(h.type, out, 1);
        for (let at = 0; at < body.length; at += step) d.push(body.subarray(at, at + step));
        expect(d.written).toBe(values.length);
        expect(Array.from(out)).toEqual(values.map(Math.fround));
      }
    }
  });
});

describe('nn.data.readIdx: bad files give an IdxError naming the path and the problem', () => {
  const cases: [string, () => Uint8Array, RegExp][] = [
    ['bad magic', () => Buffer.from([1, 0, 8, 1, 0, 0, 0, 1, 5]), /not an IDX file: it starts with 0x01 0x00/],
    ['text', () => Buffer.from('label,pixel0\n1,2\n'), /not an IDX file/],
    ['unknown type byte', () => Buffer.from([0, 0, 0x0a, 1, 0, 0, 0, 1, 5]), /unknown IDX type byte 0x0a/],
    ['0 dimensions', () => Buffer.from([0, 0, 8, 0, 5]), /gives 0 dimensions; from 1 to 8/],
    ['9 dimensions', () => idxHeader('uint8', [1, 1, 1, 1, 1, 1, 1, 1, 1]), /gives 9 dimensions/],
    ['a 3-byte file', () => Buffer.from([0, 0, 8]), /truncated header: 3 bytes, an IDX header needs at least 4/],
    ['a header cut in its dims', () => idxHeader('uint8', [3, 28, 28]).subarray(0, 10), /truncated header.*needs 16/],
    [
      'fewer values than the dims',
      () => idxBytes('uint8', [2, 3], [1, 2, 3, 4, 5]),
      /dims \[2, 3\] of uint8 make 18 bytes with the header, but the file holds 17: truncated/,
    ],
    [
      'half a value',
      () => idxBytes('int16', [2], [1, 2]).subarray(0, 11),
      /dims \[2\] of int16 make 12 bytes.*holds 11: truncated/,
    ],
    [
      'more values than the dims',
      () => idxBytes('uint8', [2, 2], [1, 2, 3, 4, 5, 6]),
      /make 16 bytes.*holds 18: 2 bytes too many/,
    ],
    [
      'dims beyond 2^31 values',
      () => idxHeader('float32', [65536, 65536]),
      /make 4294967296 values; at most 2147483647/,
    ],
    ['eight huge dims', () => idxHeader('uint8', new Array(8).fill(0xffffffff)), /values; at most 2147483647/],
    ['NaN in a float file', () => idxBytes('float32', [3], [1, Number.NaN, 2]), /value at \[1\] is NaN/],
    ['a float64 beyond float32', () => idxBytes('float64', [2, 2], [0, 0, 0, 1e39]), /value at \[1, 1\] is Infinity/],
    ['an empty file', () => new Uint8Array(0), /the file is empty/],
    ['a scale overflowing float32', () => idxBytes('int16', [2], [1, 300]), /value at \[1\] is Infinity/],
  ];
  for (const [name, bytes, message] of cases) {
    for (const zipped of [false, true]) {
      if (zipped && name === 'an empty file') continue;
      it(`${name}${zipped ? ' (gzip)' : ''}`, async () => {
        const b = bytes();
        const p = await writeFile(dir, `bad-${name.replace(/\W+/g, '-')}${zipped ? '.gz' : ''}`, zipped ? gzip(b) : b);
        let re = message;
        // Inside a gzip the file size is not the data size: the stream's end tells instead.
        if (zipped && /truncated$|: truncated|too many/.test(message.source)) re = /truncated|more than the/;
        expect((await idxError(p, name.includes('scale') ? { scale: 1.5e36 } : {})).message).toMatch(re);
      });
    }
  }

  it('gzip: a header claiming more than the file can inflate to is refused before allocating', async () => {
    const p = await writeFile(dir, 'claims-much.gz', gzip(idxHeader('float32', [60000, 100, 100])));
    expect((await idxError(p)).message).toMatch(
      /dims \[60000, 100, 100\] of float32 make 2400000016 bytes.*a gzip file of \d+ bytes inflates to at most 1032× that: truncated/,
    );
  });

  it('gzip: fewer inflated bytes than the dims say', async () => {
    const p = await writeFile(dir, 'short.gz', gzip(idxBytes('int32', [4, 4], new Array(15).fill(9))));
    expect((await idxError(p)).message).toMatch(/dims \[4, 4\] of int32 need 64 bytes of values, the file gives 60/);
  });

  it('gzip: a stream inflating past the header is cut off there, before the end of the file', async () => {
    // 64 MiB of zeros after the values, then corrupt bytes: reading on to the end would report the corruption.
    const bomb = Buffer.concat([idxBytes('uint8', [2, 2], [1, 2, 3, 4]), Buffer.alloc(64 << 20)]);
    const p = await writeFile(dir, 'bomb.gz', Buffer.concat([gzipSync(bomb, { level: 9 }), Buffer.from('garbage!')]));
    const e = await idxError(p);
    expect(e.message).toMatch(/holds more than the 4 bytes of values its dims \[2, 2\] of uint8 announce/);
  });

  it('gzip: trailing garbage after the stream is refused; zero padding is ignored (as gunzip does)', async () => {
    const bytes = idxBytes('uint8', [3], [1, 2, 3]);
    const garbage = await writeFile(dir, 'trailing.gz', Buffer.concat([gzip(bytes), Buffer.from('trailing garbage')]));
    expect((await idxError(garbage)).message).toMatch(
      /the gzip data is corrupt, or followed by bytes that are not gzip \(incorrect header check\)/,
    );
    const padded = await writeFile(dir, 'padded.gz', Buffer.concat([gzip(bytes), Buffer.alloc(512)]));
    expect(Array.from((await nn.data.readIdx(padded)).data)).toEqual([1, 2, 3]);
  });

  it('gzip: two members are read as one stream (as gunzip does)', async () => {
    const bytes = idxBytes('int16', [2, 2], [1, -2, 3, -4]);
    const p = await writeFile(dir, 'members.gz', Buffer.concat([gzip(bytes.subarray(0, 9)), gzip(bytes.subarray(9))]));
    expect(Array.from((await nn.data.readIdx(p)).data)).toEqual([1, -2, 3, -4]);
  });

  it('gzip: a corrupt stream', async () => {
    const z = gzip(idxBytes('uint8', [100], new Array(100).fill(7)));
    z[z.length - 6] ^= 0xff; // the CRC
    const p = await writeFile(dir, 'corrupt.gz', z);
    expect((await idxError(p)).message).toMatch(/the gzip data is corrupt/);
  });

  it('a missing file and a directory', async () => {
    const missing = path.join(dir, 'no-such-file');
    const e = await idxError(missing);
    expect(e.message).toBe(`readIdx: no such file: ${missing}`);
    expect(e.code).toBe('ENOENT');
    const sub = path.join(dir, 'a-directory');
    await fsp.mkdir(sub);
    expect((await idxError(sub)).message).toMatch(/is a directory, not an IDX file/);
  });
});

describe('nn.data.readIdx: bad arguments', () => {
  it('path and options are checked before the file is opened', async () => {
    await expect(nn.data.readIdx(42 as never)).rejects.toThrow(TypeError);
    await expect(nn.data.readIdx('')).rejects.toThrow(/path must be a non-empty string/);
    await expect(nn.data.readIdx('x', null as never)).rejects.toThrow(/options must be an object, got null/);
    await expect(nn.data.readIdx('x', { dtype: 'uint8' as never })).rejects.toThrow(
      /dtype must be 'float32' or 'int32', got "uint8"/,
    );
    for (const scale of [0, -1, Number.NaN, Infinity, '1' as never]) {
      await expect(nn.data.readIdx('x', { scale })).rejects.toThrow(/scale must be a positive finite number/);
    }
    await expect(nn.data.readIdx('x', { dtype: 'int32', scale: 2 })).rejects.toThrow(RangeError);
  });

  it('dtype int32 for a float file is refused (it would truncate)', async () => {
    const p = await writeFile(dir, 'floats', idxBytes('float32', [2], [0.5, 1]));
    await expect(nn.data.readIdx(p, { dtype: 'int32' })).rejects.toThrow(
      /holds float32 values; dtype int32 would truncate/,
    );
  });
});
