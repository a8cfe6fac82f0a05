/** Test support: a hand-written tape around one recurrent call, the way a layer would emit it.
 *  x (rows, time, features) → xProj = x·W + b (one GEMM over rows·time) → recurrent → out (the
 *  network output), mean squared error against y; backward: recurrentGrad, then dW = xᵀ·dxProj and
 *  db = column sums; update: sgd. With accumulate, the recurrent gradients start from 0.1·the
 *  weights (an L2-like term written first), else from 0.5 (which the call must overwrite). */
import type { ActivationName } from '../../src/backend/backend';
import { cacheWidth, carryWidth, gateCount, type RecurrentCell } from '../../src/backend/js/recurrent';
import { Arena } from '../../src/graph/arena';
import type { CompiledNetwork } from '../../src/graph/executor';
import type { Tape, TapeBuffer, TapeCall } from '../../src/graph/tape';
import { rng } from '../support/backends';

export interface RecurrentSpec {
  cell: RecurrentCell;
  rows?: number; // only for the caller's data; the tape is per row
  time: number;
  features: number;
  units: number;
  goBackwards: boolean;
  sequences: boolean;
  /** gruResetAfter only: a recurrent bias param. */
  recurrentBias?: boolean;
  accumulate?: boolean;
  activation?: ActivationName;
  recurrentActivation?: ActivationName;
}

const rows = { rows: 1 };

export function recurrentTape(spec: RecurrentSpec): Tape {
  const { cell, time: T, features: F, units: U } = spec;
  const G = gateCount(cell) * U;
  const buffers: TapeBuffer[] = [];
  let params = 0;
  const buf = (name: string, role: TapeBuffer['role'], shape: number[], extra: Partial<TapeBuffer> = {}) => {
    const width = shape.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    buffers.push({ name, role, dtype: 'float32', shape, width, offset: -1, alias: -1, ...extra });
    return buffers.length - 1;
  };
  const param = (name: string, shape: number[]) => {
    const offset = params;
    const p = buf(name, 'param', shape, { offset });
    const g = buf(`d(${name})`, 'grad', shape, { offset });
    params += buffers[p].width;
    return { p, g, n: buffers[p].width };
  };
  const outShape = spec.sequences ? [-1, T, U] : [-1, U];
  const x = buf('x', 'x', [-1, T, F]);
  const y = buf('y', 'y', outShape);
  const W = param('rnn/kernel', [F, G]);
  const K = param('rnn/recurrentKernel', [U, G]);
  const b = param('rnn/bias', [G]);
  const rb = spec.recurrentBias ? param('rnn/recurrentBias', [G]) : null;
  const xProj = buf('rnn/xProj', 'activation', [-1, T, G]);
  const cache = buf('rnn/cache', 'scratch', [-1, T, cacheWidth(cell, U) / U, U]);
  const out = buf('rnn/out', 'activation', outShape);
  const dOut = buf('d(rnn/out)', 'gradient', outShape);
  const dxProj = buf('d(rnn/xProj)', 'gradient', [-1, T, G]);
  const carry = buf('rnn/carry', 'scratch', [-1, carryWidth(U)]);
  const outW = buffers[out].width;
  const attrs = {
    rows,
    time: T,
    units: U,
    cell,
    activation: spec.activation ?? 'tanh',
    recurrentActivation: spec.recurrentActivation ?? 'sigmoid',
    goBackwards: spec.goBackwards,
    sequences: spec.sequences,
  };
  const forward: TapeCall[] = [
    {
      kernel: 'gemm',
      args: [x, W.p, xProj],
      attrs: { transA: false, transB: false, m: { rows: T }, n: G, k: F, alpha: 1, beta: 0 },
    },
    { kernel: 'addBias', args: [xProj, b.p], attrs: { rows: { rows: T }, cols: G } },
    { kernel: 'recurrent', args: [out, cache, xProj, K.p, rb ? rb.p : -1], attrs },
  ];
  const loss: TapeCall[] = [
    {
      kernel: 'loss',
      args: [out, y],
      attrs: { rows, cols: outW, loss: 'meanSquaredError' },
      when: ['train', 'eval'],
      result: { index: 0, reduce: 'mean' },
    },
    {
      kernel: 'lossGrad',
      args: [dOut, out, y],
      attrs: { rows, cols: outW, loss: 'meanSquaredError' },
      when: ['train'],
    },
  ];
  const backward: TapeCall[] = [];
  for (const p of rb ? [K, rb] : [K]) {
    backward.push({ kernel: 'fill', args: [p.g], attrs: { n: p.n, value: spec.accumulate ? 0 : 0.5 } });
    if (spec.accumulate) backward.push({ kernel: 'axpy', args: [p.g, p.p], attrs: { n: p.n, alpha: 0.1 } });
  }
  backward.push(
    {
      kernel: 'recurrentGrad',
      args: [dxProj, K.g, rb ? rb.g : -1, dOut, cache, K.p, carry],
      attrs: { ...attrs, accumulate: spec.accumulate ?? false },
    },
    {
      kernel: 'gemm',
      args: [x, dxProj, W.g],
      attrs: { transA: true, transB: false, m: F, n: G, k: { rows: T }, alpha: 1, beta: 0 },
    },
    { kernel: 'fill', args: [b.g], attrs: { n: G, value: 0 } },
    { kernel: 'columnSums', args: [b.g, dxProj], attrs: { rows: { rows: T }, cols: G } },
  );
  const update: TapeCall[] = [W, K, b, ...(rb ? [rb] : [])].map((p) => ({
    kernel: 'sgd',
    args: [p.p, p.g],
    attrs: { n: p.n },
  }));
  return {
    version: 1,
    buffers,
    arena: { params, slotCount: 0, state: 0 },
    x,
    y,
    output: out,
    results: ['loss'],
    forward,
    loss,
    metrics: [],
    backward,
    update,
  };
}

/** A compiled network for the tape with weights uniform in ±scale (the recurrent kernel scaled
 *  by 1/√units, so long sequences stay in the activations' live range), deterministic in seed. */
export function recurrentNet(tape: Tape, seed: number, learningRate = 0.1): CompiledNetwork {
  const next = rng(seed);
  const weights = new Arena(tape.arena.params);
  for (const b of tape.buffers) {
    if (b.role !== 'param') continue;
    const scale = b.name.endsWith('recurrentKernel') ? 1.5 / Math.sqrt(b.shape[0]) : 0.6;
    for (let i = 0; i < b.width; i++) weights.data[b.offset + i] = (next() * 2 - 1) * scale;
  }
  return { tape, weights, slots: new Arena(0), learningRate: () => learningRate };
}

/** x in [-1, 1) and y in [-0.5, 0.5) for `rows` rows of the tape. */
export function recurrentData(tape: Tape, rows: number, seed: number) {
  const next = rng(seed);
  const x = Float32Array.from({ length: rows * tape.buffers[tape.x].width }, () => next() * 2 - 1);
  const y = Float32Array.from({ length: rows * tape.buffers[tape.y].width }, () => next() - 0.5);
  return { x, y };
}

/** Zeroed gradient arrays, one per param of the tape (what Executor.gradients fills). */
export function gradArrays(tape: Tape): Float32Array[] {
  return tape.buffers.filter((b) => b.role === 'param').map((b) => new Float32Array(b.width));
}
