import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as nn from '../../src';

const ROWS = 200_000;
const COLS = 100;
// Cell values are multiples of 1/8 in [−100, 150): exact in float32, so sums are exact in double.
const cellCode = (r: number, c: number) => (r * 31 + c * 17) % 2000;
const cellText = Array.from({ length: 2000 }, (_, k) => String(k / 8 - 100));

const dir = mkdtempSync(join(tmpdir(), 'nativenn-csv-large-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeLargeCsv(path: string): void {
  const fd = openSync(path, 'w');
  writeSync(fd, `${Array.from({ length: COLS }, (_, c) => `f${c}`).join(',')},label\n`);
  let block = '';
  for (let r = 0; r < ROWS; r++) {
    for (let c = 0; c < COLS; c++) block += `${cellText[cellCode(r, c)]},`;
    block += `k${r % 3}\r\n`;
    if (block.length > 1 << 20) {
      writeSync(fd, block);
      block = '';
    }
  }
  writeSync(fd, block);
  closeSync(fd);
}

describe('nn.data.readCsv on a large file (200k rows × 100 columns, ~130 MB)', () => {
  it('loads it with correct column sums, without per-row JS arrays on the heap', async () => {
    const path = join(dir, 'large.csv');
    writeLargeCsv(path);

    const before = process.memoryUsage().heapUsed;
    let peak = 0;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().heapUsed - before);
    }, 1);
    const d = await nn.data.readCsv(path);
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().heapUsed - before); // the result is still held here

    expect(d.x.shape).toEqual([ROWS, COLS]);
    expect(d.classes).toEqual(['k0', 'k1', 'k2']);
    const sums = new Float64Array(COLS);
    const expected = new Float64Array(COLS);
    for (let r = 0; r < ROWS; r++) {
      for (let c = 0; c < COLS; c++) {
        sums[c] += d.x.data[r * COLS + c];
        expected[c] += cellCode(r, c) / 8 - 100;
      }
    }
    expect(Array.from(sums)).toEqual(Array.from(expected));
    expect([d.y![0], d.y![1], d.y![ROWS - 1]]).toEqual([0, 1, (ROWS - 1) % 3]);

    // One JS array of 100 doubles per row would take ≥ 200k · 100 · 8 B = 160 MB of heap; the
    // floats themselves (80 MB) live outside the JS heap. 40 MB leaves room for GC timing.
    expect(peak).toBeLessThan(40 * 2 ** 20);
  });
});
