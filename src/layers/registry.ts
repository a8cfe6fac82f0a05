/**
 * The layer registry for model files (tfjs `serialization.registerClass` style). Each layer class
 * names the Keras classes it reads (`static kerasClassNames`), decodes its own file config
 * (`static fromFileConfig`) and writes it (`toFileConfigs`, an instance method); its file ends
 * with one `registerLayer(TheClass)` line. src/io only looks classes up here: it has no list of
 * layers of its own.
 *
 * The keys every Keras layer config carries (name, trainable, dtype, batch_input_shape) are read
 * by src/io/topology.ts and handed over as `FromFileBase`; a class reads the rest and leaves
 * unknown keys unread (topology.ts then refuses them). Numbers are checked with the range table
 * (src/config/ranges.ts) that the builders use too.
 */
import type { KerasObject } from '../io/format';
import type { StrictObject } from '../io/strict';
import type { Layer } from './layer';
import type { Shape } from './shape';

/** What topology.ts read from the common keys: the layer's name, and its input width when the
 *  file gave one (first layer). */
export interface FromFileBase {
  name: string;
  inputShape?: number[];
}

/** What a layer needs to know about its place in the model to write itself. */
export interface ToFileContext {
  /** position in the model, and the model's seed (layers write the seeds they actually use) */
  index: number;
  modelSeed: number;
  /** layer names used so far in the file (a layer that writes two file layers names the second) */
  taken: Set<string>;
  /** the layer's input shape, batch first (a Reshape writes its -1 resolved: tfjs cannot build a
   *  layer after an unresolved one) */
  inputShape: Shape;
}

export interface LayerClass {
  readonly name: string;
  /** Keras class names this class reads from a file. */
  readonly kerasClassNames: readonly string[];
  /** A layer from its file config (`c` holds the class's own keys; `base` the common ones). */
  fromFileConfig(className: string, c: StrictObject, base: FromFileBase): Layer;
}

const byKerasName = new Map<string, LayerClass>();
const classes = new Set<LayerClass>();

export function registerLayer(cls: LayerClass): void {
  for (const n of cls.kerasClassNames) {
    const other = byKerasName.get(n);
    if (other && other !== cls) throw new Error(`registerLayer: ${n} is already read by ${other.name}`);
    byKerasName.set(n, cls);
  }
  classes.add(cls);
}

/** The class that reads a Keras class name, or undefined. */
export function layerClassFor(kerasClassName: string): LayerClass | undefined {
  return byKerasName.get(kerasClassName);
}

/** Every Keras class name a model file may use, for error messages. */
export function registeredKerasNames(): string[] {
  return [...byKerasName.keys()];
}

/** True when the layer's own class is registered (a subclass that is not cannot be written). */
export function isRegistered(layer: Layer): boolean {
  return classes.has(layer.constructor as unknown as LayerClass);
}

/** `<base>_<k>` with the smallest k not yet in `taken` (and takes it). */
export function uniqueFileName(base: string, taken: Set<string>): string {
  let k = 1;
  while (taken.has(`${base}_${k}`)) k++;
  const name = `${base}_${k}`;
  taken.add(name);
  return name;
}

export type { KerasObject };
