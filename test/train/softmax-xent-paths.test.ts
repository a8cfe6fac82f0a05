/** The fused softmax cross-entropy for up to 16 classes runs with the rows in vector lanes on the
 *  AVX2 and AVX-512 paths (native/kernels/train/fused_avx2.cc, fused_avx512.cc: 8 and 16 rows a
 *  vector), built to give the same bits on both: here the losses of the two paths are equal to the
 *  bit, and every path agrees with the js twin, on ragged row counts (groups of 8 and 16 and their
 *  remainders), 1 to 17 classes, one-hot, soft and sparse targets and logits far apart (the
 *  exponent's −87 floor). A model that is only a softmax over its input makes the logits exactly
 *  x, so evaluate's loss is the kernel's own (the kernel tests cannot reach it: it runs only inside
 *  the tape). */
import { afterAll, describe, expect, it } from 'vitest';
import * as nn from '../../src';
import { addon } from '../../src/backend/native/addon';
import { nativeBackend, rng } from '../support/backends';

const paths: string[] = typeof addon?.cpuPaths === 'function' ? addon.cpuPaths() : [];
const initial = nn.getBackend().name;
afterAll(() => {
  nn.setBackend(initial);
  if (paths.length > 0) addon!.setCpuPath(paths[0]);
});

type Targets = 'oneHot' | 'soft' | 'sparse';

function data(rows: number, classes: number, targets: Targets, spread: number, seed: number) {
  const next = rng(seed);
  const x = Float32Array.from({ length: rows * classes }, () => (next() * 2 - 1) * spread);
  const labels = Int32Array.from({ length: rows }, () => Math.floor(next() * classes));
  let y: nn.Tensor | Int32Array = labels;
  if (targets === 'oneHot') y = nn.data.oneHot(labels, classes);
  if (targets === 'soft') {
    const soft = Float32Array.from({ length: rows * classes }, () => next());
    for (let r = 0; r < rows; r++) soft[r * classes + labels[r]] = 0; // a zero term in every row
    y = nn.tensor2d(soft, [rows, classes]);
  }
  return { x: nn.tensor2d(x, [rows, classes]), y };
}

async function loss(backend: string, rows: number, classes: number, targets: Targets, spread: number, seed: number) {
  nn.setBackend(backend);
  const model = nn.sequential({ layers: [nn.layers.softmax({ inputShape: [classes] })] });
  model.compile({
    optimizer: 'sgd',
    loss: targets === 'sparse' ? 'sparseCategoricalCrossentropy' : 'categoricalCrossentropy',
  });
  const { x, y } = data(rows, classes, targets, spread, seed);
  return (model.evaluate(x, y) as { loss: number }).loss;
}

const CASES: [number, number, Targets, number][] = [];
for (const rows of [1, 7, 8, 9, 16, 23, 32, 33, 70])
  for (const classes of [1, 2, 3, 8, 9, 10, 16, 17])
    for (const targets of ['oneHot', 'soft', 'sparse'] as Targets[])
      CASES.push([rows, classes, targets, rows % 2 === 0 ? 4 : 200]);

describe.skipIf(!nativeBackend)('fused softmax cross-entropy on every CPU path', () => {
  it.each(CASES)('%i rows, %i classes, %s targets, logits in ±%i', async (rows, classes, targets, spread) => {
    const seed = rows * 100 + classes;
    const ref = await loss('js', rows, classes, targets, spread, seed);
    expect(Number.isFinite(ref)).toBe(true);
    const got: Record<string, number> = {};
    for (const p of paths) {
      expect(addon!.setCpuPath(p)).toBe(true);
      got[p] = await loss('native', rows, classes, targets, spread, seed);
      expect(Math.abs(got[p] - ref), p).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(ref)));
    }
    // The rows-in-lanes loops of the two x86 SIMD paths: the same bits.
    if (classes <= 16 && 'avx2' in got && 'avx512' in got) expect(Object.is(got.avx2, got.avx512)).toBe(true);
  });
});
