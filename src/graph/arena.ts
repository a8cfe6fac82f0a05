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

/** What runs on an arena (a model): whether its compiled network still does, and a way to let
 *  go of it (its weights are moving to a bigger arena shared with another model). */
export interface ArenaOwner {
  usesArena(arena: Arena): boolean;
  releaseArena(arena: Arena): void;
}

export class Arena {
  /** Trainable parameters (the optimizer's, with grads and slots mirroring them). */
  readonly data: Float32Array;
  /** Non-trainable state the kernels write (batch normalization's moving and batch statistics). */
  readonly state: Float32Array;
  holder: ArenaHolder | null = null;
  /** The models whose compiled networks run on this arena (several when they share layers: a
   *  GAN's discriminator and the combined model). */
  readonly owners = new Set<ArenaOwner>();

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

  /** Where a view of this arena's params starts (elements). */
  offsetOf(view: Float32Array): number {
    if (view.buffer !== this.data.buffer) throw new Error('arena: not a view of this arena');
    return (view.byteOffset - this.data.byteOffset) / 4;
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
