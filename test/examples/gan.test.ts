/** The conditional GAN example (issue 12's bar): with seed 0 and its default 500 epochs, a
 *  classifier of the real digits labels ≥ 80% of 1,000 generated samples as the digit asked for,
 *  every class ≥ 60%; and its PNG grid is a valid image. */
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { digitGrid, run } from '../../examples/digits-gan';

describe('digits-gan example', () => {
  it('generates digits a classifier recognises (seed 0, 500 epochs)', async () => {
    const lines: string[] = [];
    const r = await run({ seed: 0, log: (l) => lines.push(l) });
    expect(r.classifierAccuracy).toBeGreaterThanOrEqual(0.97);
    expect(r.score).toBeGreaterThanOrEqual(0.8);
    expect(Math.min(...r.perClass)).toBeGreaterThanOrEqual(0.6);
    expect(
      lines.filter((l) => /^epoch \d+\/500: discriminator loss [\d.]+, generator loss [\d.]+$/.test(l)),
    ).toHaveLength(11);
  }, 300_000);

  it('writes a 10×10 grid as an 8-bit grayscale PNG', () => {
    const samples = Float32Array.from({ length: 10 * 12 * 64 }, (_, i) => ((i % 7) - 3) / 3);
    const png = digitGrid(samples, 12);
    expect(Array.from(png.subarray(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(png.toString('ascii', 12, 16)).toBe('IHDR');
    const side = png.readUInt32BE(16);
    expect(side).toBe(10 * 36 + 4);
    const idatLength = png.readUInt32BE(33);
    expect(png.toString('ascii', 37, 41)).toBe('IDAT');
    expect(inflateSync(png.subarray(41, 41 + idatLength)).length).toBe(side * (side + 1));
  });
});
