/** nativenn: the public surface, nothing else. */
export {
  backends, getBackend, setBackend, nativeLoadError, setNumThreads, getNumThreads,
} from './backend';
export type { ActivationName, Backend, BackendName, LossName } from './backend';
export { Tensor, tensor2d } from './tensor';
export { Sequential, sequential } from './model/sequential';
export type { CompileArgs, SequentialArgs } from './model/sequential';
export { Trainer } from './train/trainer';
export type { FitOptions } from './train/trainer';
export { History } from './train/history';
export type { Targets } from './train/data';
export * as layers from './layers';
export * as optimizers from './optimizers';
export * as losses from './losses';
export * as metrics from './metrics';
export * as initializers from './initializers';
export * as regularizers from './regularizers';
export * as callbacks from './callbacks';
export * as datasets from './data/datasets';
export * as data from './data';
export { loadModel } from './io/load';
export type { SaveOptions, SaveResult } from './io/save';
export { ModelFileError } from './io/strict';
