/**
 * Arenas: one contiguous Float32Array per kind of value (llm.c's single allocation for params,
 * grads, m and v). Layers and optimizers hold views into them; executors run on them.
 *
 * An executor may keep its own copy (the native one works on native memory that JS cannot detach
 * or change under its worker thread). `holder` is the executor whose copy is newer than the JS
 * arena (it trained since JS last looked); reading from JS first pulls from it. An executor that is
 * not the holder copies the arena in before it runs. So weights cross to JS only when JS reads
 * them, and a run of trainBatches calls copies nothing in between.
 */

export interface ArenaHolder {
  /** Copies the holder's newer values into the JS arena. */
  pull(): void;
}

/** What owns an arena (a model): whether its compiled network still runs on it. */
export interface ArenaOwner {
  usesArena(arena: Arena): boolean;
}

export class Arena {
  /** Trainable parameters (the optimizer's, with grads and slots mirroring them). */
  readonly data: Float32Array;
  /** Non-trainable state the kernels write (batch normalization's moving and batch statistics). */
  readonly state: Float32Array;
  holder: ArenaHolder | null = null;
  /** The model whose compiled network runs on this arena, if any. */
  owner: ArenaOwner | null = null;

  constructor(length: number, stateLength = 0) {
    this.data = new Float32Array(length);
    this.state = new Float32Array(stateLength);
  }

  /** The newest values (pulled from the holder, if any; params and state alike); the caller may
   *  read or write them. */
  read(): Float32Array {
    const h = this.holder;
    if (h) {
      this.holder = null;
      h.pull();
    }
    return this.data;
  }

  /** A view of `length` values at `offset`. */
  view(offset: number, length: number): Float32Array {
    return this.data.subarray(offset, offset + length);
  }
  /** A view of `length` state values at `offset`. */
  stateView(offset: number, length: number): Float32Array {
    return this.state.subarray(offset, offset + length);
  }
}
