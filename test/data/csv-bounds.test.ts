/** readCsv on hostile input (issue 15 item 12): a very long record is parsed in linear time and
 *  refused past the bound with a clear error; /dev/zero ends with that error instead of spinning.
 *  Also: float32 overflow and duplicate names (issue 13 items 2, 6) and undecodable labels. */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as nn from '../../src';

const dir = mkdtempSync(path.join(tmpdir(), 'nativenn-csv-bounds-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readCsv: record length', () => {
  it('a 64 MiB line is refused with its line number (not parsed for minutes)', async () => {
    const p = path.join(dir, 'long.csv');
    writeFileSync(p, Buffer.concat([Buffer.from('a,b\n1,2\n'), Buffer.alloc(64 << 20, 0x31)]));
    await expect(nn.data.readCsv(p)).rejects.toThrow(
      /^readCsv: .*long\.csv, line 3: a record is longer than 16777216 bytes .*is this a CSV file\?/,
    );
  }, 60_000);

  it('a record within a raised bound is read whole (a 2 MiB header, streamed in 1 MiB chunks)', async () => {
    const cells = 1 << 18;
    const p = path.join(dir, 'wide.csv');
    const header = Array.from({ length: cells }, (_, i) => `c${i}`).join(',');
    const row = Array.from({ length: cells }, (_, i) => String(i % 10)).join(',');
    writeFileSync(p, `${header}\n${row}\n`);
    const csv = await nn.data.readCsv(p, { label: null, maxRecordBytes: 4 << 20 });
    expect(csv.x.shape).toEqual([1, cells]);
    expect(csv.x.data[cells - 1]).toBe((cells - 1) % 10);
  }, 60_000);

  it.skipIf(!existsSync('/dev/zero'))(
    '/dev/zero ends with the record-length error',
    async () => {
      await expect(nn.data.readCsv('/dev/zero')).rejects.toThrow(/line 1: a record is longer than/);
    },
    60_000,
  );

  it('maxRecordBytes is checked', async () => {
    await expect(nn.data.readCsv(path.join(dir, 'x.csv'), { maxRecordBytes: 0 })).rejects.toThrow(RangeError);
  });
});

describe('readCsv: values and names', () => {
  it('a cell beyond float32 names line and column', async () => {
    const p = path.join(dir, 'huge.csv');
    writeFileSync(p, 'a,b,y\n1,2,0\n3,1e300,1\n');
    await expect(nn.data.readCsv(p)).rejects.toThrow(/line 3, column "b": 1e300 is beyond the float32 range/);
  });
  it('duplicate column names are refused', async () => {
    const p = path.join(dir, 'dup.csv');
    writeFileSync(p, 'a,a,y\n1,2,0\n');
    await expect(nn.data.readCsv(p)).rejects.toThrow(/line 1: the header names the column "a" twice/);
  });
  it('labels that are not UTF-8 are refused, not merged into "\ufffd"', async () => {
    const p = path.join(dir, 'bytes.csv');
    writeFileSync(p, Buffer.from('a,y\n1,\xff\n2,\xfe\n', 'latin1'));
    await expect(nn.data.readCsv(p)).rejects.toThrow(
      /line 2, column "y": the label is not valid UTF-8 text \(bytes ff\)/,
    );
  });
});
