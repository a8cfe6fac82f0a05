/** Which Executor runs a plan: the js executor on the backend's kernels; the native one (whole
 *  runs of batches in C++ off the main thread) when the native backend is active. */
import type { Backend } from '../backend';
import { createJsExecutor } from './executor-js';
import type { Executor, NetworkPlan } from './plan';

export function createExecutor(plan: NetworkPlan, backend: Backend): Executor {
  return createJsExecutor(plan, backend);
}
