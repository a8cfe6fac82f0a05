/** Shapes for the conv/pool tests: strides 1–3, 'valid' and 'same' (TensorFlow's split, via
 *  convPadding), dilation 1–2, odd sizes, 1×1 kernels, kernels larger than the unpadded input,
 *  batch 1 and several, channels 1 and several. */

import type { Conv2dShapeArgs, Pool2dShapeArgs } from '../../src/backend/backend';
import { convPadding } from '../../src/backend/js/conv-shape';

export interface ConvCase {
  label: string;
  shape: Conv2dShapeArgs;
  x: number;
  filter: number;
  out: number;
  workspace: number;
}

export function convCase(
  batch: number,
  [inH, inW]: [number, number],
  [inC, outC]: [number, number],
  [kH, kW]: [number, number],
  stride: [number, number],
  dilation: [number, number],
  padding: 'valid' | 'same' | [number, number, number, number],
): ConvCase {
  let pads: [number, number, number, number];
  if (Array.isArray(padding)) pads = padding;
  else {
    const [t, b] = convPadding(inH, kH, stride[0], dilation[0], padding);
    const [l, r] = convPadding(inW, kW, stride[1], dilation[1], padding);
    pads = [t, b, l, r];
  }
  const outH = Math.floor((inH + pads[0] + pads[1] - dilation[0] * (kH - 1) - 1) / stride[0]) + 1;
  const outW = Math.floor((inW + pads[2] + pads[3] - dilation[1] * (kW - 1) - 1) / stride[1]) + 1;
  const shape: Conv2dShapeArgs = [batch, inH, inW, inC, outC, kH, kW, ...stride, ...dilation, ...pads];
  return {
    label: `n${batch} ${inH}x${inW}x${inC}→${outC} k${kH}x${kW} s${stride} d${dilation} pad ${pads}`,
    shape,
    x: batch * inH * inW * inC,
    filter: kH * kW * inC * outC,
    out: batch * outH * outW * outC,
    workspace: outH * outW * kH * kW * inC,
  };
}

/** Every combination that fits: 'valid' needs the dilated kernel inside the input. */
export function convCases(): ConvCase[] {
  const cases: ConvCase[] = [];
  const sizes: [number, number][] = [
    [5, 5],
    [6, 7],
    [2, 3],
    [1, 1],
  ];
  const kernels: [number, number][] = [
    [1, 1],
    [3, 3],
    [2, 3],
    [5, 4],
  ];
  let i = 0;
  for (const size of sizes) {
    for (const k of kernels) {
      for (const s of [1, 2, 3]) {
        for (const d of [1, 2]) {
          for (const padding of ['valid', 'same'] as const) {
            const fits = d * (k[0] - 1) < size[0] && d * (k[1] - 1) < size[1];
            if (padding === 'valid' && !fits) continue;
            i++;
            const batch = i % 3 === 0 ? 1 : 3;
            const channels: [number, number] = i % 2 === 0 ? [1, 1] : [3, 4];
            cases.push(convCase(batch, size, channels, k, [s, i % 4 === 0 ? 1 : s], [d, d], padding));
          }
        }
      }
    }
  }
  // Explicit asymmetric padding, and a kernel larger than the unpadded input.
  cases.push(convCase(2, [3, 4], [2, 3], [3, 3], [1, 2], [1, 1], [0, 2, 1, 0]));
  cases.push(convCase(2, [2, 2], [2, 2], [4, 3], [1, 1], [1, 1], [1, 1, 1, 0]));
  cases.push(convCase(1, [9, 11], [5, 7], [3, 3], [2, 2], [1, 1], 'same'));
  // Patches of at most 32 floats take the direct loops on the SIMD paths: channel counts that fill
  // whole vectors (16 floats on AVX-512, 8 on AVX2) and leave tails, rows wider than a register
  // block, tap blocks (k > 12), and k = 33 just past them.
  cases.push(convCase(2, [10, 28], [1, 32], [3, 3], [1, 1], [1, 1], 'valid'));
  cases.push(convCase(2, [9, 19], [1, 16], [3, 3], [1, 1], [1, 1], 'same'));
  cases.push(convCase(1, [8, 21], [3, 40], [3, 3], [2, 1], [1, 1], 'same'));
  cases.push(convCase(2, [11, 12], [2, 24], [4, 4], [1, 2], [1, 1], 'same'));
  cases.push(convCase(1, [12, 17], [1, 20], [5, 5], [1, 1], [2, 1], 'same'));
  cases.push(convCase(1, [7, 15], [1, 33], [3, 11], [1, 1], [1, 1], 'same'));
  return cases;
}

export interface PoolCase {
  label: string;
  shape: Pool2dShapeArgs;
  x: number;
  out: number;
  image: number;
}

export function poolCase(
  batch: number,
  [inH, inW]: [number, number],
  channels: number,
  [kH, kW]: [number, number],
  [sh, sw]: [number, number],
  padding: 'valid' | 'same',
): PoolCase {
  const [t, b, outH] = convPadding(inH, kH, sh, 1, padding);
  const [l, r, outW] = convPadding(inW, kW, sw, 1, padding);
  return {
    label: `n${batch} ${inH}x${inW}x${channels} k${kH}x${kW} s${sh},${sw} ${padding}`,
    shape: [batch, inH, inW, channels, kH, kW, sh, sw, t, b, l, r],
    x: batch * inH * inW * channels,
    out: batch * outH * outW * channels,
    image: inH * inW * channels,
  };
}

export function poolCases(): PoolCase[] {
  const cases: PoolCase[] = [];
  let i = 0;
  for (const size of [
    [4, 4],
    [5, 7],
    [1, 3],
    [3, 3],
  ] as [number, number][]) {
    for (const k of [
      [2, 2],
      [3, 3],
      [1, 1],
      [2, 3],
    ] as [number, number][]) {
      for (const s of [1, 2, 3]) {
        for (const padding of ['valid', 'same'] as const) {
          if (padding === 'valid' && (k[0] > size[0] || k[1] > size[1])) continue;
          i++;
          cases.push(poolCase(i % 3 === 0 ? 1 : 3, size, i % 2 ? 1 : 4, k, [s, i % 4 === 0 ? 1 : s], padding));
        }
      }
    }
  }
  // Channel counts that fill whole SIMD vectors (16 and 8 floats) and leave tails.
  cases.push(poolCase(2, [6, 7], 37, [2, 2], [2, 2], 'valid'));
  cases.push(poolCase(1, [5, 5], 16, [3, 3], [1, 1], 'same'));
  cases.push(poolCase(2, [8, 8], 20, [2, 2], [2, 2], 'same'));
  cases.push(poolCase(1, [7, 9], 32, [3, 2], [2, 3], 'same'));
  return cases;
}
