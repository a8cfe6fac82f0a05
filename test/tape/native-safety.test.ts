/** The native tape executor's guards: busy and disposed handles give clear errors (and never
 *  stick), foreign handles are refused, the memory limit refuses a run with a RangeError naming
 *  the buffer, and hostile scenarios in a child process (test/tape/native-safety-child.js:
 *  worker_thread terminated mid-run, inputs changed or detached mid-run, handles collected
 *  mid-run) end normally. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { addon } from '../../src/backend/native/addon';
import { spawnNode } from '../support/spawn-node';
import { dataFor, type MlpSpec, mlpTape } from './native-support';

const spec: MlpSpec = {
  inputs: 8,
  layers: [
    { kind: 'dense', units: 64, activation: 'relu' },
    { kind: 'dense', units: 2, activation: 'softmax' },
  ],
  loss: 'sparseCategoricalCrossentropy',
  optimizer: { kind: 'adam', beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weightDecay: 0 },
  metrics: ['accuracy'],
};
const tape = mlpTape(spec);
const A = addon as NonNullable<typeof addon>;

function make() {
  const arena = A.createArena(new Float32Array(tape.arena.params).fill(0.01), new Float32Array(0));
  const handle = A.createTape(tape, arena, new Float32Array(tape.arena.params * 2));
  return { arena, handle };
}

describe.skipIf(typeof addon?.createTape !== 'function')('native tape executor: guards', () => {
  const rows = 3000;
  const { x, y } = dataFor(tape, rows, 1, 2);
  const idx = Int32Array.from({ length: rows }, (_, i) => i);
  const P = tape.arena.params;

  it('a training tape and its arena are busy for every other call, and free again after', async () => {
    const { arena, handle } = make();
    const other = A.createTape(tape, arena, new Float32Array(P * 2));
    const run = A.tapeTrainBatches(handle, x, y, idx, 1, 0, rows, 0, 0.01);
    const calls: [string, () => unknown][] = [
      ['tapePredict', () => A.tapePredict(handle, x, 1, new Float32Array(2))],
      ['tapeEvaluate', () => A.tapeEvaluate(handle, x, y, 1)],
      ['tapeGradients', () => A.tapeGradients(handle, x, y, 1, 0, new Float32Array(P))],
      ['tapeTrainBatches', () => A.tapeTrainBatches(handle, x, y, idx, 1, 0, 1, 0, 0.01)],
      ['tapeReadSlots', () => A.tapeReadSlots(handle, new Float32Array(P * 2))],
      ['tapeWriteSlots', () => A.tapeWriteSlots(handle, new Float32Array(P * 2))],
      ['disposeTape', () => A.disposeTape(handle)],
      ['arenaRead', () => A.arenaRead(arena, new Float32Array(P), new Float32Array(0))],
      ['arenaWrite', () => A.arenaWrite(arena, new Float32Array(P), new Float32Array(0))],
      ['disposeArena', () => A.disposeArena(arena)],
      ['createTape on the arena', () => A.createTape(tape, arena, new Float32Array(P * 2))],
      ['another tape on the arena', () => A.tapePredict(other, x, 1, new Float32Array(2))],
    ];
    for (const [name, call] of calls) expect(call, name).toThrow(/^busy: /);
    const results = await run;
    expect(results.length).toBe(rows * 2);
    for (const [name, call] of calls.slice(0, 2)) expect(call, name).not.toThrow();
    const params = new Float32Array(P);
    A.arenaRead(arena, params, new Float32Array(0));
    expect(params.some((v) => v !== 0.01)).toBe(true); // trained
    A.tapePredict(other, x, 1, new Float32Array(2)); // the other tape runs on the trained arena
  });

  it('disposed tapes and arenas give a TypeError saying so', () => {
    const { arena, handle } = make();
    const other = A.createTape(tape, arena, new Float32Array(P * 2));
    A.disposeTape(handle);
    expect(() => A.tapePredict(handle, x, 1, new Float32Array(2))).toThrow(TypeError);
    expect(() => A.tapePredict(handle, x, 1, new Float32Array(2))).toThrow(/tape was disposed/);
    expect(() => A.disposeTape(handle)).toThrow(/tape was disposed/);
    A.disposeArena(arena);
    expect(() => A.tapeEvaluate(other, x, y, 1)).toThrow(/arena of this tape was disposed/);
    expect(() => A.arenaRead(arena, new Float32Array(P), new Float32Array(0))).toThrow(/arena was disposed/);
    expect(() => A.createTape(tape, arena, new Float32Array(P * 2))).toThrow(TypeError);
  });

  it('foreign values as handles are TypeErrors naming the argument', () => {
    const { arena, handle } = make();
    expect(() => A.tapePredict(arena, x, 1, new Float32Array(2))).toThrow(
      /tapePredict: tape must be a handle from createTape/,
    );
    expect(() => A.arenaRead(handle, new Float32Array(P), new Float32Array(0))).toThrow(/arena must be a handle/);
    expect(() => A.createTape(tape, {}, new Float32Array(P * 2))).toThrow(TypeError);
    expect(() => A.tapeEvaluate(handle, x, y)).toThrow(/expected 4 arguments/);
  });

  it('bad rows and labels are refused before anything runs, and the arena is unchanged', async () => {
    const { arena, handle } = make();
    const before = new Float32Array(P);
    A.arenaRead(arena, before, new Float32Array(0));
    const badY = y.slice();
    badY[17] = 2;
    await expect(async () => A.tapeTrainBatches(handle, x, badY, idx, 4, 0, 10, 0, 0.1)).rejects.toThrow(
      /y\[17\] must be a class index from 0 to 1/,
    );
    badY[17] = 0.5;
    expect(() => A.tapeEvaluate(handle, x, badY, rows)).toThrow(RangeError);
    const badIdx = idx.slice();
    badIdx[5] = rows;
    expect(() => A.tapeTrainBatches(handle, x, y, badIdx, 4, 0, 10, 0, 0.1)).toThrow(
      /indices\[5\] = 3000 is not a row/,
    );
    expect(() => A.tapeTrainBatches(handle, x, y, idx, 4, 0, 10000, 0, 0.1)).toThrow(/lastBatch/);
    expect(() => A.tapePredict(handle, x, rows + 1, new Float32Array((rows + 1) * 2))).toThrow(/x is too short/);
    const after = new Float32Array(P);
    A.arenaRead(arena, after, new Float32Array(0));
    expect(after).toEqual(before);
    // and the handle is not left busy
    expect((await A.tapeTrainBatches(handle, x, y, idx, 4, 0, 1, 0, 0.1)).length).toBe(2);
  });

  it('the memory limit refuses a run with a RangeError naming the largest buffer', async () => {
    const { handle } = make();
    const before = A.getMemoryLimit();
    try {
      A.setMemoryLimit(100_000);
      expect(() => A.tapeTrainBatches(handle, x, y, idx, 3000, 0, 1, 0, 0.1)).toThrow(
        /a batch of 3000 rows needs \d+ bytes .* above the memory limit of 100000 bytes .*most of it for dense_0\/z/,
      );
      expect(() => A.tapePredict(handle, x, rows, new Float32Array(rows * 2))).toThrow(RangeError);
      expect((await A.tapeTrainBatches(handle, x, y, idx, 10, 0, 1, 0, 0.1)).length).toBe(2);
    } finally {
      A.setMemoryLimit(before);
    }
  });

  describe('hostile scenarios in a child process', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nativenn-tape-'));
    const file = path.join(dir, 'tape.json');
    fs.writeFileSync(file, JSON.stringify(tape));
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
    const child = path.join(__dirname, 'native-safety-child.js');
    it.each([
      'worker-terminated-while-running',
      'inputs-changed-or-detached-while-running',
      'handles-collected-while-running',
      'constant-extent-calls-on-zero-rows',
    ])(
      '%s',
      async (scenario) => {
        const r = await spawnNode(['--expose-gc', child, scenario, file], { timeout: 120_000 });
        expect(r.signal, r.out).toBeNull();
        expect(r.status, r.out).toBe(0);
      },
      120_000,
    );
  });
});
