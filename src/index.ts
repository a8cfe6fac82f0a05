/** nativenn: the public surface, nothing else. */

export type { ActivationName, Backend, BackendName, CpuPath, LossName } from './backend';
export {
  backends,
  cpuPath,
  getBackend,
  getNumThreads,
  nativeLoadError,
  setBackend,
  setNumThreads,
} from './backend';
export * as callbacks from './callbacks';
export * as data from './data';
export * as datasets from './data/datasets';
export { getMemoryLimit, setMemoryLimit } from './graph/executor-native';
export * as initializers from './initializers';
export type { SaveOptions, SaveResult } from './io/save';
export { ModelFileError } from './io/strict';
export * as layers from './layers';
export type { Shape, WeightSpec } from './layers/shape';
export type { InputArgs } from './layers/symbolic';
export { input, SymbolicTensor } from './layers/symbolic';
export * as losses from './losses';
export * as metrics from './metrics';
export type { FunctionalCompileArgs, ModelArgs } from './model/functional';
export { Functional, model } from './model/functional';
export { LayersModel } from './model/layers-model';
export type { CompileArgs, SequentialArgs } from './model/sequential';
export { Sequential, sequential } from './model/sequential';
export type { OnnxExportResult, OnnxOptions } from './onnx/export';
export { exportOnnx } from './onnx/export';
export * as optimizers from './optimizers';
export type { PipelinePrediction } from './pipeline';
export { loadModel, loadPipeline, Pipeline } from './pipeline';
export type { ColumnSpec, Preprocess } from './pipeline-schema';
export { PreprocessError, readPreprocess } from './pipeline-schema';
export * as regularizers from './regularizers';
export type { DType, NestedArray, NumericArray, TensorData, TensorLike } from './tensor';
export { Tensor, tensor, tensor1d, tensor2d, tensor3d, tensor4d } from './tensor';
export type { Targets } from './train/data';
export type { Batch, DatasetLike } from './train/dataset-source';
export { History } from './train/history';
export type { ClassWeight } from './train/sample-weights';
export type { FitDatasetOptions, FitOptions } from './train/trainer';
export { Trainer } from './train/trainer';
