/** The pure-TypeScript backend: the readable specification of every kernel. */
import type { Backend } from '../backend';
import { activationBackward, activationForward } from './activations';
import { conv2dBackwardData, conv2dBackwardFilter, conv2dForward } from './conv';
import { avgPool2dBackward, avgPool2dForward, maxPool2dBackward, maxPool2dForward } from './conv-pool';
import { dropoutForward } from './dropout';
import { addBias, addColumnSums, argmaxRows, axpy, fill, mul, scale } from './elementwise';
import { gemm } from './gemm';
import { lossBackward, lossForward, sigmoidCrossEntropy, softmaxCrossEntropy } from './losses';
import { adagradUpdate, adamUpdate, momentumUpdate, rmspropUpdate, sgdUpdate } from './optim';
import { softmaxBackward, softmaxForward } from './softmax';

export const jsKernels: Backend = {
  name: 'js',
  gemm,
  fill,
  scale,
  axpy,
  mul,
  addBias,
  addColumnSums,
  argmaxRows,
  activationForward,
  activationBackward,
  softmaxForward,
  softmaxBackward,
  lossForward,
  lossBackward,
  softmaxCrossEntropy,
  sigmoidCrossEntropy,
  dropoutForward,
  conv2dForward,
  conv2dBackwardData,
  conv2dBackwardFilter,
  maxPool2dForward,
  maxPool2dBackward,
  avgPool2dForward,
  avgPool2dBackward,
  sgdUpdate,
  momentumUpdate,
  adamUpdate,
  rmspropUpdate,
  adagradUpdate,
};
