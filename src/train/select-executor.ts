/** Which Executor runs a plan: with the native backend active, the native executor (whole runs of
 *  batches in C++ off the main thread); otherwise the js executor on the active backend's kernels. */
import type { Backend } from '../backend';
import { createJsExecutor } from './executor-js';
import { createNativeExecutor } from './executor-native';
import type { Executor, NetworkPlan } from './plan';

export function createExecutor(plan: NetworkPlan, backend: Backend): Executor {
  if (backend.name === 'native') return createNativeExecutor(plan);
  return createJsExecutor(plan, backend);
}
