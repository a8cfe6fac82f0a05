/** nativenn: the public surface, nothing else. */
export {
  backends, getBackend, setBackend, nativeLoadError, setNumThreads, getNumThreads,
} from './backend';
export type { ActivationName, Backend, BackendName, LossName } from './backend';
export { Tensor, tensor2d } from './tensor';
export * as datasets from './data/datasets';
export * as data from './data';
