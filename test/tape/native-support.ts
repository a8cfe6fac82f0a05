/** Test support for the native tape executor: a small writer of MLP tapes (dense, dropout; fused
 *  softmax/sigmoid cross-entropy or plain losses; every optimizer), and a reference interpreter
 *  that calls the js Backend twins in the tape's order — what the js executor does — so the
 *  native results can be compared before that executor lands on this branch. */
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { backends } from '../../src';
import type { ActivationName, LossName } from '../../src/backend/backend';
import { addon } from '../../src/backend/native/addon';
import { dropoutSeed, type Pass, sizeOf, type Tape, type TapeBuffer, type TapeCall } from '../../src/graph/tape';
import { rng } from '../support/backends';

export type Layer =
  | { kind: 'dense'; units: number; activation: ActivationName | 'softmax'; bias?: boolean; l1?: number; l2?: number }
  | { kind: 'dropout'; rate: number; seed: number };

export type Optimizer =
  | { kind: 'sgd' }
  | { kind: 'momentum'; momentum: number; nesterov: boolean }
  | { kind: 'adam'; beta1: number; beta2: number; epsilon: number; weightDecay: number }
  | { kind: 'rmsprop'; rho: number; momentum: number; epsilon: number }
  | { kind: 'adagrad'; epsilon: number };

export interface MlpSpec {
  inputs: number;
  layers: Layer[];
  loss: LossName;
  optimizer: Optimizer;
  metrics?: ('accuracy' | 'mse' | 'mae')[];
}

const SLOTS: Record<Optimizer['kind'], number> = { sgd: 0, momentum: 1, adam: 2, rmsprop: 2, adagrad: 1 };
const rows = { rows: 1 };

/** The tape of an MLP, written the way the tape builder does (see the header of tape.ts). */
export function mlpTape(spec: MlpSpec): Tape {
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
  const last = spec.layers.length - 1;
  const lastLayer = spec.layers[last];
  const sparse = spec.loss === 'sparseCategoricalCrossentropy';
  const outputs = spec.layers.reduce((w, l) => (l.kind === 'dense' ? l.units : w), spec.inputs);
  const fused =
    lastLayer.kind === 'dense' &&
    ((lastLayer.activation === 'softmax' && (sparse || spec.loss === 'categoricalCrossentropy')) ||
      (lastLayer.activation === 'sigmoid' && spec.loss === 'binaryCrossentropy'));
  const x = buf('x', 'x', [-1, spec.inputs]);
  const y = buf('y', 'y', [-1, sparse ? 1 : outputs]);
  const forward: TapeCall[] = [];
  const lossCalls: TapeCall[] = [];
  const metrics: TapeCall[] = [];
  const backward: TapeCall[] = [];
  const update: TapeCall[] = [];
  const ps: { p: number; g: number; n: number }[] = [];
  const info: Record<string, number>[] = [];
  let cur = x;
  let width = spec.inputs;
  spec.layers.forEach((l, i) => {
    if (l.kind === 'dense') {
      const k = param(`dense_${i}/kernel`, [width, l.units]);
      ps.push(k);
      const b = l.bias === false ? null : param(`dense_${i}/bias`, [l.units]);
      if (b) ps.push(b);
      const z = buf(`dense_${i}/z`, 'activation', [-1, l.units]);
      const linear = l.activation === 'linear';
      const out = linear
        ? buf(`dense_${i}/out`, 'activation', [-1, l.units], { alias: z })
        : buf(`dense_${i}/out`, 'activation', [-1, l.units]);
      forward.push({
        kernel: 'gemm',
        args: [cur, k.p, z],
        attrs: { transA: false, transB: false, m: rows, n: l.units, k: width, alpha: 1, beta: 0 },
      });
      const fusedHere = fused && i === last;
      if (l.activation === 'softmax') {
        if (b) forward.push({ kernel: 'addBias', args: [z, b.p], attrs: { rows, cols: l.units } });
        forward.push({
          kernel: 'softmax',
          args: [out, z],
          attrs: { rows, cols: l.units },
          ...(fusedHere ? { when: ['predict'] as Pass[] } : {}),
        });
      } else if (fusedHere) {
        if (b) forward.push({ kernel: 'addBias', args: [z, b.p], attrs: { rows, cols: l.units } });
        forward.push({
          kernel: 'activation',
          args: [out, z],
          attrs: { n: { rows: l.units }, fn: 'sigmoid', alpha: 0 },
          when: ['predict'],
        });
      } else {
        forward.push({
          kernel: 'biasActivation',
          args: [out, z, b ? b.p : -1],
          attrs: { rows, cols: l.units, fn: l.activation, alpha: 0.1 },
        });
      }
      if (l.l1 || l.l2) {
        lossCalls.push({
          kernel: 'regularization',
          args: [k.p],
          attrs: { n: k.n, l1: l.l1 ?? 0, l2: l.l2 ?? 0 },
          when: ['train', 'eval'],
          result: { index: 0, reduce: 'once' },
        });
      }
      info.push({
        dense: 1,
        in: cur,
        k: k.p,
        kg: k.g,
        b: b ? b.p : -1,
        bg: b ? b.g : -1,
        z,
        out,
        width,
        units: l.units,
        fusedHere: fusedHere ? 1 : 0,
      });
      cur = out;
      width = l.units;
    } else {
      const out = buf(`dropout_${i}/out`, 'activation', [-1, width]);
      const mask = buf(`dropout_${i}/mask`, 'scratch', [-1, width]);
      forward.push({
        kernel: 'dropout',
        args: [out, mask, cur],
        attrs: { n: { rows: width }, rate: l.rate, seed: l.seed },
        when: ['train'],
      });
      forward.push({ kernel: 'copy', args: [out, cur], attrs: { n: { rows: width } }, when: ['eval', 'predict'] });
      info.push({ dense: 0, in: cur, out, mask, width, units: width });
      cur = out;
    }
  });
  const output = cur;
  const top = info[last];
  let dz = -1;
  if (fused) {
    dz = buf(`d(dense_${last}/z)`, 'gradient', [-1, outputs]);
    const kernel = lastLayer.kind === 'dense' && lastLayer.activation === 'softmax' ? 'softmaxXent' : 'sigmoidXent';
    const attrs = kernel === 'softmaxXent' ? { rows, cols: outputs, sparse } : { rows, cols: outputs };
    lossCalls.unshift(
      { kernel, args: [output, dz, top.z, y], attrs, when: ['train'], result: { index: 0, reduce: 'mean' } },
      { kernel, args: [output, -1, top.z, y], attrs, when: ['eval'], result: { index: 0, reduce: 'mean' } },
    );
  }
  const dOut: number[] = info.map((l, i) =>
    i === last && fused ? -1 : buf(`d(layer_${i}/out)`, 'gradient', [-1, l.units]),
  );
  if (!fused) {
    lossCalls.unshift(
      {
        kernel: 'loss',
        args: [output, y],
        attrs: { rows, cols: outputs, loss: spec.loss },
        when: ['train', 'eval'],
        result: { index: 0, reduce: 'mean' },
      },
      {
        kernel: 'lossGrad',
        args: [dOut[last], output, y],
        attrs: { rows, cols: outputs, loss: spec.loss },
        when: ['train'],
      },
    );
  }
  const results = ['loss'];
  for (const m of spec.metrics ?? []) {
    const index = results.push(m) - 1;
    if (m === 'accuracy') {
      const argPred = buf(`argPred_${index}`, 'scratch', [-1, 1], { dtype: 'int32' });
      const argTrue = buf(`argTrue_${index}`, 'scratch', [-1, 1], { dtype: 'int32' });
      metrics.push({
        kernel: 'argmaxAccuracy',
        args: [output, y, argPred, argTrue],
        attrs: { rows, cols: outputs, sparse },
        result: { index, reduce: 'sum' },
      });
    } else {
      metrics.push({
        kernel: 'rowMeanMetric',
        args: [output, y],
        attrs: { rows, cols: outputs, metric: m, threshold: 0.5, sparse },
        result: { index, reduce: 'sum' },
      });
    }
  }
  for (let i = last; i >= 0; i--) {
    const l = info[i];
    const layer = spec.layers[i];
    if (l.dense) {
      let d = dz;
      if (!l.fusedHere) {
        const act = (layer as { activation: string }).activation;
        if (act === 'linear') d = buf(`d(dense_${i}/z)`, 'gradient', [-1, l.units], { alias: dOut[i] });
        else {
          d = buf(`d(dense_${i}/z)`, 'gradient', [-1, l.units]);
          if (act === 'softmax')
            backward.push({ kernel: 'softmaxGrad', args: [d, dOut[i], l.out], attrs: { rows, cols: l.units } });
          else
            backward.push({
              kernel: 'activationGrad',
              args: [d, dOut[i], l.z, l.out],
              attrs: { n: { rows: l.units }, fn: act, alpha: 0.1 },
            });
        }
      }
      backward.push({
        kernel: 'gemm',
        args: [l.in, d, l.kg],
        attrs: { transA: true, transB: false, m: l.width, n: l.units, k: rows, alpha: 1, beta: 0 },
      });
      if (l.b >= 0) {
        backward.push({ kernel: 'fill', args: [l.bg], attrs: { n: l.units, value: 0 } });
        backward.push({ kernel: 'columnSums', args: [l.bg, d], attrs: { rows, cols: l.units } });
      }
      if (i > 0)
        backward.push({
          kernel: 'gemm',
          args: [d, l.k, dOut[i - 1]],
          attrs: { transA: false, transB: true, m: rows, n: l.width, k: l.units, alpha: 1, beta: 0 },
        });
      const { l1 = 0, l2 = 0 } = layer as { l1?: number; l2?: number };
      if (l2) backward.push({ kernel: 'axpy', args: [l.kg, l.k], attrs: { n: l.width * l.units, alpha: 2 * l2 } });
      if (l1) backward.push({ kernel: 'l1Grad', args: [l.kg, l.k], attrs: { n: l.width * l.units, l1 } });
    } else if (i > 0) {
      backward.push({ kernel: 'mul', args: [dOut[i - 1], dOut[i], l.mask], attrs: { n: { rows: l.width } } });
    }
  }
  const o = spec.optimizer;
  const slotCount = SLOTS[o.kind];
  for (const p of ps) {
    const off = buffers[p.p].offset;
    const slots = Array.from({ length: slotCount }, (_, s) =>
      buf(`slot${s}(${buffers[p.p].name})`, 'slot', buffers[p.p].shape, { offset: s * params + off }),
    );
    const { kind, ...attrs } = o;
    update.push({ kernel: kind, args: [p.p, p.g, ...slots], attrs: { n: p.n, ...attrs } });
  }
  return {
    version: 1,
    buffers,
    arena: { params, slotCount, state: 0 },
    x,
    y,
    output,
    results,
    forward,
    loss: lossCalls,
    metrics,
    backward,
    update,
  };
}

/** Glorot-ish random params for a tape, deterministic in seed. */
export function randomParams(tape: Tape, seed: number): Float32Array {
  const next = rng(seed);
  return Float32Array.from({ length: tape.arena.params }, () => (next() * 2 - 1) * 0.7);
}

/** A data set for a tape: x in [-1, 1), y labels / one-hot / values in [0, 1]. */
export function dataFor(tape: Tape, rows: number, seed: number, sparseClasses?: number) {
  const next = rng(seed);
  const xw = tape.buffers[tape.x].width;
  const yw = tape.buffers[tape.y].width;
  const x = Float32Array.from({ length: rows * xw }, () => next() * 2 - 1);
  const y = new Float32Array(rows * yw);
  for (let r = 0; r < rows; r++) {
    if (sparseClasses) y[r] = Math.floor(next() * sparseClasses);
    else for (let c = 0; c < yw; c++) y[r * yw + c] = next() < 0.5 ? 0 : 1;
  }
  return { x, y };
}

const js = backends.js;

/** The tape run on the js twins, call by call (the specification's order and formulas). */
export class ReferenceTape {
  readonly grads: Float32Array;
  private views: (Float32Array | Int32Array | null)[] = [];
  private scratch = new Float32Array(0);

  constructor(
    readonly tape: Tape,
    readonly params: Float32Array,
    readonly state: Float32Array,
    readonly slots: Float32Array,
  ) {
    this.grads = new Float32Array(tape.arena.params);
  }

  private reserve(rows: number) {
    const cap = Math.max(rows, 1);
    this.views = [];
    this.tape.buffers.forEach((b, i) => {
      if (b.alias >= 0) this.views[i] = this.views[b.alias];
      else if (b.offset >= 0) {
        const arena = { param: this.params, grad: this.grads, slot: this.slots, state: this.state }[b.role as 'param'];
        this.views[i] = arena.subarray(b.offset, b.offset + b.width);
      } else this.views[i] = b.dtype === 'int32' ? new Int32Array(cap * b.width) : new Float32Array(cap * b.width);
    });
    this.scratch = new Float32Array(cap * 1024);
  }

  private f(id: number): Float32Array {
    return this.views[id] as Float32Array;
  }

  private call(c: TapeCall, rows: number, step: number, lr: number): number {
    const a = c.attrs;
    const s = (name: string) => sizeOf(a[name], rows);
    const [a0, a1, a2, a3] = c.args;
    switch (c.kernel) {
      case 'gemm': {
        const [m, n, k] = [s('m'), s('n'), s('k')];
        js.gemm(
          a.transA as boolean,
          a.transB as boolean,
          m,
          n,
          k,
          a.alpha as number,
          this.f(a0),
          Math.max(a.transA ? m : k, 1),
          this.f(a1),
          Math.max(a.transB ? k : n, 1),
          a.beta as number,
          this.f(a2),
          Math.max(n, 1),
        );
        return 0;
      }
      case 'addBias':
        js.addBias(this.f(a0), this.f(a1), s('rows'), s('cols'));
        return 0;
      case 'biasActivation':
        if (a2 >= 0) js.addBias(this.f(a1), this.f(a2), s('rows'), s('cols'));
        if (!(a.fn === 'linear' && this.f(a0) === this.f(a1)))
          js.activationForward(
            a.fn as ActivationName,
            this.f(a0),
            this.f(a1),
            s('rows') * s('cols'),
            a.alpha as number,
          );
        return 0;
      case 'activation':
        js.activationForward(a.fn as ActivationName, this.f(a0), this.f(a1), s('n'), a.alpha as number);
        return 0;
      case 'activationGrad':
        js.activationBackward(
          a.fn as ActivationName,
          this.f(a0),
          this.f(a1),
          this.f(a2),
          this.f(a3),
          s('n'),
          a.alpha as number,
        );
        return 0;
      case 'softmax':
        js.softmaxForward(this.f(a0), this.f(a1), s('rows'), s('cols'));
        return 0;
      case 'softmaxGrad':
        js.softmaxBackward(this.f(a0), this.f(a1), this.f(a2), s('rows'), s('cols'));
        return 0;
      case 'dropout':
        js.dropoutForward(
          this.f(a0),
          this.f(a1),
          this.f(a2),
          s('n'),
          a.rate as number,
          dropoutSeed(a.seed as number, step),
        );
        return 0;
      case 'mul':
        js.mul(this.f(a0), this.f(a1), this.f(a2), s('n'));
        return 0;
      case 'copy':
        this.f(a0).set(this.f(a1).subarray(0, s('n')));
        return 0;
      case 'fill':
        js.fill(this.f(a0), a.value as number, s('n'));
        return 0;
      case 'columnSums':
        js.addColumnSums(this.f(a0), this.f(a1), s('rows'), s('cols'));
        return 0;
      case 'axpy':
        js.axpy(this.f(a0), a.alpha as number, this.f(a1), s('n'));
        return 0;
      case 'l1Grad': {
        const [g, w] = [this.f(a0), this.f(a1)];
        for (let i = 0; i < s('n'); i++) g[i] = g[i] + (a.l1 as number) * Math.sign(w[i]);
        return 0;
      }
      case 'regularization': {
        const w = this.f(a0);
        let abs = 0;
        let sq = 0;
        for (let i = 0; i < s('n'); i++) {
          abs += Math.abs(w[i]);
          sq += w[i] * w[i];
        }
        return (a.l1 as number) * abs + (a.l2 as number) * sq;
      }
      case 'loss':
        return js.lossForward(a.loss as LossName, this.f(a0), this.f(a1), s('rows'), s('cols'));
      case 'lossGrad':
        js.lossBackward(a.loss as LossName, this.f(a0), this.f(a1), this.f(a2), s('rows'), s('cols'));
        return 0;
      case 'softmaxXent':
        return js.softmaxCrossEntropy(
          this.f(a0),
          a1 >= 0 ? this.f(a1) : this.scratch,
          this.f(a2),
          this.f(a3),
          s('rows'),
          s('cols'),
          a.sparse as boolean,
        );
      case 'sigmoidXent':
        return js.sigmoidCrossEntropy(
          this.f(a0),
          a1 >= 0 ? this.f(a1) : this.scratch,
          this.f(a2),
          this.f(a3),
          s('rows'),
          s('cols'),
        );
      case 'argmaxAccuracy': {
        const [r, cols] = [s('rows'), s('cols')];
        const argPred = this.views[a2] as Int32Array;
        const argTrue = this.views[a3] as Int32Array;
        js.argmaxRows(argPred, this.f(a0), r, cols);
        if (!a.sparse) js.argmaxRows(argTrue, this.f(a1), r, cols);
        let hits = 0;
        for (let i = 0; i < r; i++) if (argPred[i] === (a.sparse ? this.f(a1)[i] : argTrue[i])) hits++;
        return hits;
      }
      case 'rowMeanMetric': {
        const [r, cols] = [s('rows'), s('cols')];
        const [p, t] = [this.f(a0), this.f(a1)];
        let sum = 0;
        for (let i = 0; i < r; i++) {
          let row = 0;
          for (let j = 0; j < cols; j++) {
            const pv = p[i * cols + j];
            const tv = a.sparse ? (t[i] === j ? 1 : 0) : t[i * cols + j];
            if (a.metric === 'mse') row += (pv - tv) ** 2;
            else if (a.metric === 'mae') row += Math.abs(pv - tv);
            else if (a.metric === 'exact') row += pv === tv ? 1 : 0;
            else row += (pv > (a.threshold as number) ? 1 : 0) === tv ? 1 : 0;
          }
          sum += row / cols;
        }
        return sum;
      }
      case 'sgd':
        js.sgdUpdate(this.f(a0), this.f(a1), s('n'), lr);
        return 0;
      case 'momentum':
        js.momentumUpdate(this.f(a0), this.f(a1), this.f(a2), s('n'), lr, a.momentum as number, a.nesterov as boolean);
        return 0;
      case 'adam':
        js.adamUpdate(
          this.f(a0),
          this.f(a1),
          this.f(a2),
          this.f(a3),
          s('n'),
          lr,
          a.beta1 as number,
          a.beta2 as number,
          a.epsilon as number,
          step + 1,
          a.weightDecay as number,
        );
        return 0;
      case 'rmsprop':
        js.rmspropUpdate(
          this.f(a0),
          this.f(a1),
          this.f(a2),
          this.f(a3),
          s('n'),
          lr,
          a.rho as number,
          a.momentum as number,
          a.epsilon as number,
        );
        return 0;
      case 'adagrad':
        js.adagradUpdate(this.f(a0), this.f(a1), this.f(a2), s('n'), lr, a.epsilon as number);
        return 0;
    }
    throw new Error(`unknown kernel ${c.kernel}`);
  }

  /** Runs sections for a pass over `rows` rows held in the x and y views; returns the results. */
  private pass(
    sections: TapeCall[][],
    pass: Pass,
    rows: number,
    step: number,
    lr: number,
    acc: number[][],
    first: boolean,
  ) {
    for (const section of sections) {
      for (const c of section) {
        if (c.when && !c.when.includes(pass)) continue;
        const v = this.call(c, rows, step, lr);
        if (!c.result) continue;
        const [mean, sum, once] = acc[c.result.index];
        if (c.result.reduce === 'mean') acc[c.result.index][0] = mean + (rows > 0 ? v * rows : 0);
        else if (c.result.reduce === 'sum') acc[c.result.index][1] = sum + v;
        else if (first) acc[c.result.index][2] = once + v;
      }
    }
  }

  private finish(acc: number[][], rows: number): number[] {
    return acc.map(([mean, sum, once]) => (rows > 0 ? (mean + sum) / rows : 0) + once);
  }

  private load(x: Float32Array, y: Float32Array | null, rowIds: ArrayLike<number>) {
    const xw = this.tape.buffers[this.tape.x].width;
    const yw = this.tape.buffers[this.tape.y].width;
    for (let k = 0; k < rowIds.length; k++) {
      this.f(this.tape.x).set(x.subarray(rowIds[k] * xw, (rowIds[k] + 1) * xw), k * xw);
      if (y) this.f(this.tape.y).set(y.subarray(rowIds[k] * yw, (rowIds[k] + 1) * yw), k * yw);
    }
  }

  trainBatches(
    x: Float32Array,
    y: Float32Array,
    indices: Int32Array,
    batchSize: number,
    first: number,
    last: number,
    step: number,
    lr: number,
  ): number[] {
    this.reserve(batchSize);
    const t = this.tape;
    const out: number[] = [];
    for (let b = first; b < last; b++) {
      const ids = indices.subarray(b * batchSize, Math.min((b + 1) * batchSize, indices.length));
      this.load(x, y, ids);
      const acc = t.results.map(() => [0, 0, 0]);
      this.pass(
        [t.forward, t.loss, t.metrics, t.backward, t.update],
        'train',
        ids.length,
        step + (b - first),
        lr,
        acc,
        true,
      );
      out.push(...this.finish(acc, ids.length));
    }
    return out;
  }

  predict(x: Float32Array, rows: number): Float32Array {
    const ow = this.tape.buffers[this.tape.output].width;
    const out = new Float32Array(rows * ow);
    this.reserve(Math.min(rows, 1024));
    for (let r0 = 0; r0 < rows; r0 += 1024) {
      const n = Math.min(1024, rows - r0);
      this.load(
        x,
        null,
        Int32Array.from({ length: n }, (_, k) => r0 + k),
      );
      this.pass([this.tape.forward], 'predict', n, 0, 0, [], r0 === 0);
      out.set(this.f(this.tape.output).subarray(0, n * ow), r0 * ow);
    }
    return out;
  }

  evaluate(x: Float32Array, y: Float32Array, rows: number): number[] {
    const t = this.tape;
    const acc = t.results.map(() => [0, 0, 0]);
    this.reserve(Math.min(rows, 1024));
    for (let r0 = 0; r0 === 0 || r0 < rows; r0 += 1024) {
      const n = Math.max(0, Math.min(1024, rows - r0));
      this.load(
        x,
        y,
        Int32Array.from({ length: n }, (_, k) => r0 + k),
      );
      this.pass([t.forward, t.loss, t.metrics], 'eval', n, 0, 0, acc, r0 === 0);
    }
    return this.finish(acc, rows);
  }

  gradients(x: Float32Array, y: Float32Array, rows: number, step: number): number {
    const t = this.tape;
    this.reserve(rows);
    this.load(
      x,
      y,
      Int32Array.from({ length: rows }, (_, k) => k),
    );
    const acc = t.results.map(() => [0, 0, 0]);
    this.pass([t.forward, t.loss, t.backward], 'train', rows, step, 0, acc, true);
    return this.finish(acc, rows)[0];
  }
}

const adam = { kind: 'adam', beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weightDecay: 0 } as const;
/** Small MLP tapes that cover the fused loops, every optimizer and the losses' variants (the
 *  native executor's agreement tests run each). */
export const MLP_CASES: Record<string, MlpSpec> = {
  'dense 3→4 relu → 2 softmax, sparse CE, adam': {
    inputs: 3,
    layers: [
      { kind: 'dense', units: 4, activation: 'relu' },
      { kind: 'dense', units: 2, activation: 'softmax' },
    ],
    loss: 'sparseCategoricalCrossentropy',
    optimizer: adam,
    metrics: ['accuracy'],
  },
  // Wider than the fused column sums' 64-column block and than a 16-float Adam vector, 10 classes
  // (softmax cross-entropy rows in blocks of 8 and a remainder).
  'dense 6→130 relu → 10 softmax, categorical CE, adam': {
    inputs: 6,
    layers: [
      { kind: 'dense', units: 130, activation: 'relu' },
      { kind: 'dense', units: 10, activation: 'softmax' },
    ],
    loss: 'categoricalCrossentropy',
    optimizer: adam,
  },
  // Ragged softmax cross-entropies: 17 classes (past the 16 of the rows-in-lanes loop of the AVX2
  // and AVX-512 paths: the row blocks of fused_loops.inc), 9 (a whole and a partial group of 8
  // classes), 16 and 3 sparse.
  'dense 5→17 softmax, categorical CE, adam': {
    inputs: 5,
    layers: [{ kind: 'dense', units: 17, activation: 'softmax' }],
    loss: 'categoricalCrossentropy',
    optimizer: adam,
  },
  'dense 4→9 softmax, categorical CE, adam': {
    inputs: 4,
    layers: [{ kind: 'dense', units: 9, activation: 'softmax' }],
    loss: 'categoricalCrossentropy',
    optimizer: adam,
  },
  'dense 3→5 relu → 16 softmax, sparse CE, adam': {
    inputs: 3,
    layers: [
      { kind: 'dense', units: 5, activation: 'relu' },
      { kind: 'dense', units: 16, activation: 'softmax' },
    ],
    loss: 'sparseCategoricalCrossentropy',
    optimizer: adam,
    metrics: ['accuracy'],
  },
  'dense 2→3 softmax, sparse CE, sgd': {
    inputs: 2,
    layers: [{ kind: 'dense', units: 3, activation: 'softmax' }],
    loss: 'sparseCategoricalCrossentropy',
    optimizer: { kind: 'sgd' },
  },
  'dropout net, categorical CE, momentum (nesterov)': {
    inputs: 5,
    layers: [
      { kind: 'dense', units: 6, activation: 'tanh' },
      { kind: 'dropout', rate: 0.3, seed: 1234 },
      { kind: 'dense', units: 3, activation: 'softmax' },
    ],
    loss: 'categoricalCrossentropy',
    optimizer: { kind: 'momentum', momentum: 0.9, nesterov: true },
    metrics: ['accuracy', 'mse'],
  },
  'linear alias net, mse, sgd, l1/l2': {
    inputs: 4,
    layers: [
      { kind: 'dense', units: 5, activation: 'linear', l1: 0.01, l2: 0.02 },
      { kind: 'dense', units: 3, activation: 'elu' },
      { kind: 'dense', units: 2, activation: 'linear' },
    ],
    loss: 'meanSquaredError',
    optimizer: { kind: 'sgd' },
    metrics: ['mae'],
  },
  'mse through softmax (softmaxGrad), rmsprop, no bias': {
    inputs: 3,
    layers: [
      { kind: 'dense', units: 4, activation: 'leakyRelu', bias: false },
      { kind: 'dense', units: 3, activation: 'softmax' },
    ],
    loss: 'meanSquaredError',
    optimizer: { kind: 'rmsprop', rho: 0.9, momentum: 0.1, epsilon: 1e-7 },
    metrics: ['mse'],
  },
  'bce with sigmoid, adagrad': {
    inputs: 4,
    layers: [
      { kind: 'dense', units: 8, activation: 'gelu' },
      { kind: 'dense', units: 3, activation: 'sigmoid' },
    ],
    loss: 'binaryCrossentropy',
    optimizer: { kind: 'adagrad', epsilon: 1e-7 },
    metrics: ['accuracy'],
  },
  'bce on sigmoid after dropout (unfused), adamw': {
    inputs: 3,
    layers: [
      { kind: 'dense', units: 4, activation: 'silu' },
      { kind: 'dropout', rate: 0.5, seed: 7 },
      { kind: 'dense', units: 1, activation: 'sigmoid' },
      { kind: 'dropout', rate: 0.2, seed: 9 },
    ],
    loss: 'binaryCrossentropy',
    optimizer: { ...adam, weightDecay: 0.01 },
  },
};

/** The class count of a sparse-label spec (its last dense layer's units), else undefined. */
export function sparseClasses(spec: MlpSpec): number | undefined {
  const last = spec.layers.filter((l) => l.kind === 'dense').pop();
  return spec.loss === 'sparseCategoricalCrossentropy' ? (last as { units: number }).units : undefined;
}

/** The CPU paths this machine runs (each has its own builds of the SIMD loops). */
export const CPU_PATHS: string[] = typeof addon?.cpuPaths === 'function' ? addon.cpuPaths() : [];

/** describe(title with %s = the path) once per CPU path, that path selected for its tests. */
export function describeOnCpuPaths(title: string, body: (path: string) => void): void {
  describe.skipIf(typeof addon?.createTape !== 'function').each(CPU_PATHS)(title, (path) => {
    beforeAll(() => {
      expect(addon!.setCpuPath(path)).toBe(true);
    });
    afterAll(() => {
      addon!.setCpuPath(CPU_PATHS[0]);
    });
    body(path);
  });
}
