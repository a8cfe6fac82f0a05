/** Which Executor runs a compiled network: with the native backend active, the native executor (whole
 *  runs of batches in C++ off the main thread); otherwise the js executor on the active backend's kernels. */
import type { Backend } from '../backend';
import type { CompiledNetwork, Executor } from '../graph/executor';
import { createJsExecutor } from '../graph/executor-js';
import { createNativeExecutor } from '../graph/executor-native';

export function createExecutor(net: CompiledNetwork, backend: Backend): Executor {
  if (backend.name === 'native') return createNativeExecutor(net);
  return createJsExecutor(net, backend);
}
