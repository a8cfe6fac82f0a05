/** Max pooling's input gradient over windows that tile the image (stride = window, no padding)
 *  writes each cell once natively (native/kernels/conv_simd_loops.inc). A hand-made tape whose
 *  argmax comes from larger windows (3×3 stride 2) read back as 2×2 tiles has indices outside their
 *  window: the native kernel must then fall back to zero + scatter and agree with the js executor. */
import { describe, expect, it } from 'vitest';
import * as nn from '../../src';
import { addon } from '../../src/backend/native/addon';
import { createJsExecutor } from '../../src/graph/executor-js';
import { createNativeExecutor } from '../../src/graph/executor-native';
import type { Tape } from '../../src/graph/tape';
import { maxRelErr, randomF32 } from '../support/backends';

describe.skipIf(typeof addon?.createTape !== 'function')('tiled max pooling gradient', () => {
  it.each([1, 20, 32])('%i channels: an argmax outside its tile falls back to the scatter', (filters) => {
    const model = nn.sequential({
      seed: 4,
      layers: [
        nn.layers.conv2d({ filters, kernelSize: 2, inputShape: [6, 6, 1] }), // 5×5, linear
        nn.layers.maxPooling2d({ poolSize: 3, strides: 2 }), // 2×2 windows of 3×3 cells
        nn.layers.flatten(),
        nn.layers.dense({ units: 3, activation: 'softmax' }),
      ],
    });
    model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    const net = model.compiledNetwork();
    const tape: Tape = JSON.parse(JSON.stringify(net.tape));
    const grad = tape.backward.find((c) => c.kernel === 'maxPool2dGrad');
    expect(grad?.attrs.accumulate).toBe(false);
    // Read back as 2×2 tiles of stride 2 (the same 2×2 output): most argmaxes lie outside.
    Object.assign(grad!.attrs, { kH: 2, kW: 2 });
    const rows = 5;
    const x = randomF32(rows * 36, 3);
    const y = nn.data.oneHot(
      Int32Array.from({ length: rows }, (_, i) => i % 3),
      3,
    ).data;
    const widths = model.layers.flatMap((l) => l.weights().map((w) => w.length));
    const run = (exec: ReturnType<typeof createJsExecutor>) => {
      const grads = widths.map((n) => new Float32Array(n));
      const loss = exec.gradients(x, y, rows, 0, grads);
      return { loss, grads };
    };
    const a = run(createJsExecutor({ ...net, tape }, nn.backends.js));
    const native = createNativeExecutor({ ...net, tape });
    const b = run(native);
    native.dispose();
    expect(b.loss).toBeCloseTo(a.loss, 5);
    b.grads.forEach((g, i) => expect(maxRelErr(g, a.grads[i], 1e-5, 1e-4)).toBeLessThanOrEqual(1));
  });
});
