/**
 * The native executor: hands the tape once to the addon (createTape validates it and turns it into
 * compact calls), then each predict/evaluate/gradients is one synchronous crossing and each
 * trainBatches one asynchronous crossing that runs all its batches on a worker thread
 * (native/kernels/tape, native/napi/tape_glue.cc). The addon works on its own copies of the
 * weights (an arena per JS Arena, shared by every tape on it) and of the optimizer slots: JS memory
 * is never touched off the main thread. Copies cross only when needed (see Arena.holder): in before
 * a call if JS may have newer values, out when JS reads after training.
 */
import { backends } from '../backend';
import { type Addon, addon as loaded } from '../backend/native/addon';
import type { Arena, ArenaHolder } from './arena';
import { checkTape } from './check-tape';
import { type CompiledNetwork, checkData, checkGradsOut, checkTrainArgs, dataShape, type Executor } from './executor';

const NO_STATE = new Float32Array(0);

interface NativeArena extends ArenaHolder {
  handle: unknown;
}

/** One native arena per JS arena: every tape on the same weights shares it. */
const nativeArenas = new WeakMap<Arena, NativeArena>();

function nativeArena(native: Addon, arena: Arena): NativeArena {
  let n = nativeArenas.get(arena);
  if (!n) {
    const handle = native.createArena(arena.data, NO_STATE);
    n = { handle, pull: () => native.arenaRead(handle, arena.data, NO_STATE) };
    nativeArenas.set(arena, n);
  }
  return n;
}

export function createNativeExecutor(net: CompiledNetwork): Executor {
  const native = loaded;
  if (!backends.native || !native || typeof native.createTape !== 'function') {
    throw new Error('createNativeExecutor: the native backend is not available');
  }
  const addon: Addon = native;
  const tape = net.tape;
  checkTape('createNativeExecutor', tape);
  const shape = dataShape(tape);
  const weights = nativeArena(addon, net.weights);
  // Copy the newest weights in before the tape binds them.
  net.weights.read();
  addon.arenaWrite(weights.handle, net.weights.data, NO_STATE);
  let handle: unknown = addon.createTape(tape, weights.handle, net.slots.read());
  const slotsHolder: ArenaHolder = { pull: () => addon.tapeReadSlots(live('read slots'), net.slots.data) };

  function live(fn: string): unknown {
    if (handle === null) throw new Error(`${fn}: this executor was disposed`);
    return handle;
  }

  /** Copies in whatever JS may hold newer (everything not held by this addon). */
  function push(fn: string): void {
    const h = live(fn);
    if (net.weights.holder !== weights) addon.arenaWrite(weights.handle, net.weights.read(), NO_STATE);
    if (net.slots.holder !== slotsHolder) addon.tapeWriteSlots(h, net.slots.read());
  }

  return {
    predict(x, rows, out) {
      checkData('predict', shape, x, undefined, rows);
      push('predict');
      addon.tapePredict(live('predict'), x, rows, out);
    },

    evaluate(x, y, rows) {
      checkData('evaluate', shape, x, y, rows);
      push('evaluate');
      return addon.tapeEvaluate(live('evaluate'), x, y, rows) as Float64Array;
    },

    async trainBatches(x, y, indices, batchSize, firstBatch, lastBatch, step) {
      checkTrainArgs('trainBatches', shape, x, y, indices, batchSize, firstBatch, lastBatch, step);
      push('trainBatches');
      const run = addon.tapeTrainBatches(
        live('trainBatches'),
        x,
        y,
        indices,
        batchSize,
        firstBatch,
        lastBatch,
        step,
        net.learningRate(),
      ) as Promise<Float64Array>;
      const out = await run;
      // The addon now holds newer weights and slots than JS: JS pulls them when it reads.
      net.weights.holder = weights;
      net.slots.holder = slotsHolder;
      return out;
    },

    gradients(x, y, rows, step, grads) {
      checkData('gradients', shape, x, y, rows);
      const targets = checkGradsOut('gradients', tape, grads);
      push('gradients');
      const all = new Float32Array(tape.arena.params);
      const loss = addon.tapeGradients(live('gradients'), x, y, rows, step, all) as number;
      let offset = 0;
      for (const g of targets) {
        g.set(all.subarray(offset, offset + g.length));
        offset += g.length;
      }
      return loss;
    },

    dispose() {
      if (handle === null) return;
      // Hand newer values back to JS before the copies go away.
      if (net.weights.holder === weights) net.weights.read();
      if (net.slots.holder === slotsHolder) net.slots.read();
      addon.disposeTape(handle);
      handle = null;
    },
  };
}
