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
import { describe } from '../backend/check';
import { type Addon, addon as loaded } from '../backend/native/addon';
import type { Arena, ArenaHolder } from './arena';
import { checkTape } from './check-tape';
import { type CompiledNetwork, checkData, checkGradsOut, checkTrainArgs, dataShape, type Executor } from './executor';

/**
 * The most workspace (activations, gradients, copied rows) one native training or inference call
 * may allocate, in bytes, for every model in the process: half the physical memory by default. A
 * call that needs more is refused with a RangeError naming the buffer (so the layer) and the bytes,
 * before anything is allocated (never a std::bad_alloc halfway, or the OOM killer). Native backend only.
 */
export function setMemoryLimit(bytes: number): void {
  if (typeof bytes !== 'number' || !Number.isSafeInteger(bytes) || bytes < 1) {
    throw new RangeError(`setMemoryLimit: bytes must be a positive integer (at most 2^53 − 1), got ${describe(bytes)}`);
  }
  if (loaded && typeof loaded.setMemoryLimit === 'function') loaded.setMemoryLimit(bytes);
}

/** The workspace limit in bytes (setMemoryLimit); null without the native addon. */
export function getMemoryLimit(): number | null {
  return loaded && typeof loaded.getMemoryLimit === 'function' ? (loaded.getMemoryLimit() as number) : null;
}

/** fit's x and y were checked when it started; a buffer transferred away since (postMessage,
 *  structuredClone with transfer) reads as empty: say so rather than "indices[i] must be a row
 *  from 0 to -1". */
function checkAttached(x: Float32Array, y: Float32Array, indices: Int32Array): void {
  if (!(x instanceof Float32Array) || !(y instanceof Float32Array) || !(indices instanceof Int32Array)) return;
  for (const [name, a] of [
    ['x', x],
    ['y', y],
  ] as const) {
    if (indices.length > 0 && a.length === 0) {
      throw new TypeError(
        `fit: ${name} has no data any more: its buffer was transferred (postMessage, structuredClone) or detached during fit`,
      );
    }
  }
}

const USER_TERMS: Record<string, string> = {
  tapeTrainBatches: 'fit',
  tapePredict: 'predict',
  tapeEvaluate: 'evaluate',
  tapeGradients: 'gradients',
};

/** The glue's checks of the rows it copies (JS may have written NaN into x since fit checked it)
 *  and of the workspace a call needs are about the caller's arguments: name the caller's call. */
function inUserTerms(err: unknown): unknown {
  if (!(err instanceof RangeError)) return err;
  const m =
    /^(tape[A-Za-z]+): ([xy] row |a batch of |a predict chunk of |an evaluate chunk of |a gradients call of )/.exec(
      err.message,
    );
  if (!m || !USER_TERMS[m[1]]) return err;
  return new RangeError(`${USER_TERMS[m[1]]}:${err.message.slice(m[1].length + 1)}`);
}

/** Reading weights or slots out while a fit trains them: say so in the user's terms. */
function whileIdle(read: () => void): void {
  try {
    read();
  } catch (err) {
    if (err instanceof Error && /busy/.test(err.message))
      throw new Error(
        'the model is busy training (a fit is running): read its weights from a fit callback or after the fit',
      );
    throw err;
  }
}

/** Runs an addon call, turning its argument errors into the user's terms. */
function userCall<T>(call: () => T): T {
  try {
    return call();
  } catch (err) {
    throw inUserTerms(err);
  }
}

interface NativeArena extends ArenaHolder {
  handle: unknown;
}

/** One native arena per JS arena: every tape on the same weights shares it. */
const nativeArenas = new WeakMap<Arena, NativeArena>();

function nativeArena(native: Addon, arena: Arena): NativeArena {
  let n = nativeArenas.get(arena);
  if (!n) {
    const handle = native.createArena(arena.data, arena.state);
    n = { handle, pull: () => whileIdle(() => native.arenaRead(handle, arena.data, arena.state)) };
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
  addon.arenaWrite(weights.handle, net.weights.data, net.weights.state);
  let handle: unknown = addon.createTape(tape, weights.handle, net.slots.read());
  const slotsHolder: ArenaHolder = {
    pull: () => whileIdle(() => addon.tapeReadSlots(live('read slots'), net.slots.data)),
  };

  /** True while a trainBatches call runs on the worker: the weights are being written there. */
  let training = false;

  function live(fn: string): unknown {
    if (handle === null) throw new Error(`${fn}: this executor was disposed`);
    if (training) {
      throw new Error(
        `${fn}: the model is busy training (a fit is running); await the fit, or call ${fn} from a fit callback`,
      );
    }
    return handle;
  }

  /** Copies in whatever JS may hold newer (everything not held by this addon). */
  function push(fn: string): void {
    const h = live(fn);
    if (net.weights.holder !== weights) {
      net.weights.read();
      addon.arenaWrite(weights.handle, net.weights.data, net.weights.state);
    }
    if (net.slots.holder !== slotsHolder) addon.tapeWriteSlots(h, net.slots.read());
  }

  return {
    predict(x, rows, out) {
      live('predict');
      checkData('predict', shape, x, undefined, rows);
      push('predict');
      userCall(() => addon.tapePredict(live('predict'), x, rows, out));
    },

    evaluate(x, y, rows) {
      live('evaluate');
      checkData('evaluate', shape, x, y, rows);
      push('evaluate');
      return userCall(() => addon.tapeEvaluate(live('evaluate'), x, y, rows) as Float64Array);
    },

    async trainBatches(x, y, indices, batchSize, firstBatch, lastBatch, step, epochRows) {
      live('fit');
      checkAttached(x, y, indices);
      const cut = checkTrainArgs(
        'trainBatches',
        shape,
        x,
        y,
        indices,
        batchSize,
        firstBatch,
        lastBatch,
        step,
        epochRows,
      );
      push('fit');
      const run = userCall(
        () =>
          addon.tapeTrainBatches(
            live('fit'),
            x,
            y,
            indices,
            batchSize,
            firstBatch,
            lastBatch,
            step,
            net.learningRate(),
            cut.epochRows,
          ) as Promise<Float64Array>,
      );
      training = true;
      let out: Float64Array;
      try {
        out = await run;
      } finally {
        training = false;
      }
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
      const loss = userCall(() => addon.tapeGradients(live('gradients'), x, y, rows, step, all) as number);
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
