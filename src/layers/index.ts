/** nn.layers: the layer factories (TensorFlow.js names). */
import { BatchNormalization, type BatchNormalizationArgs } from './batchnorm';
import { Conv, type ConvArgs } from './conv';
import { Conv2DTranspose, type Conv2dTransposeArgs } from './conv-transpose';
import { Dense, type DenseArgs } from './dense';
import { Embedding, type EmbeddingArgs } from './embedding';
import type { LayerArgs } from './layer';
import { type ConcatenateArgs, Merge } from './merge';
import { GaussianNoise, type GaussianNoiseArgs } from './noise';
import { Pooling2D, type Pooling2dArgs } from './pooling';
import { Recurrent, type RecurrentArgs } from './recurrent';
import { Flatten, Reshape, type ReshapeArgs } from './reshape';
import { Activation, type ActivationArgs, Dropout, type DropoutArgs } from './simple';
import { UpSampling2D, type UpSampling2dArgs } from './up-sampling';
import {
  Bidirectional,
  type BidirectionalArgs,
  RepeatVector,
  type RepeatVectorArgs,
  TimeDistributed,
  type TimeDistributedArgs,
} from './wrappers';
import { ZeroPadding2D, type ZeroPadding2dArgs } from './zero-padding';

export { BatchNormalization } from './batchnorm';
export { Conv } from './conv';
export { Conv2DTranspose } from './conv-transpose';
export { Dense } from './dense';
export { Embedding } from './embedding';
export { Layer } from './layer';
export { Merge } from './merge';
export { GaussianNoise } from './noise';
export { Pooling2D } from './pooling';
export { Recurrent } from './recurrent';
export { Flatten, Reshape } from './reshape';
export { Activation, Dropout } from './simple';
export { UpSampling2D } from './up-sampling';
export { Bidirectional, RepeatVector, TimeDistributed } from './wrappers';
export { ZeroPadding2D } from './zero-padding';
export type {
  ActivationArgs,
  BatchNormalizationArgs,
  BidirectionalArgs,
  Conv2dTransposeArgs,
  ConvArgs,
  DenseArgs,
  DropoutArgs,
  GaussianNoiseArgs,
  LayerArgs,
  Pooling2dArgs,
  RecurrentArgs,
  RepeatVectorArgs,
  ReshapeArgs,
  TimeDistributedArgs,
  UpSampling2dArgs,
};

export const dense = (args: DenseArgs): Dense => new Dense(args);
export const dropout = (args: DropoutArgs): Dropout => new Dropout(args);
export const activation = (args: ActivationArgs): Activation =>
  new Activation(args as unknown as Record<string, unknown>);
/** LeakyReLU layer: x for x > 0, alpha·x otherwise (alpha 0.3 by default). */
export const leakyRelu = (args?: LayerArgs & { alpha?: number }): Activation =>
  new Activation((args ?? {}) as Record<string, unknown>, 'leakyRelu');
/** ELU layer: x for x > 0, alpha·(eˣ − 1) otherwise (alpha 1 by default). */
export const elu = (args?: LayerArgs & { alpha?: number }): Activation =>
  new Activation((args ?? {}) as Record<string, unknown>, 'elu');
export const softmax = (args?: LayerArgs): Activation =>
  new Activation((args ?? {}) as Record<string, unknown>, 'softmax');

/** 2-D convolution over NHWC images [batch, height, width, channels]. */
export const conv2d = (args: ConvArgs): Conv => new Conv(args, 2);
/** 1-D convolution over sequences [batch, steps, channels]. */
export const conv1d = (args: ConvArgs): Conv => new Conv(args, 1);
export const maxPooling2d = (args?: Pooling2dArgs): Pooling2D => new Pooling2D(args, 'max', false);
export const averagePooling2d = (args?: Pooling2dArgs): Pooling2D => new Pooling2D(args, 'avg', false);
export const globalMaxPooling2d = (args?: LayerArgs): Pooling2D => new Pooling2D(args, 'max', true);
export const globalAveragePooling2d = (args?: LayerArgs): Pooling2D => new Pooling2D(args, 'avg', true);
export const flatten = (args?: LayerArgs): Flatten => new Flatten(args);
export const reshape = (args: ReshapeArgs): Reshape => new Reshape(args);
/** Batch normalization over the last axis (moving statistics as non-trainable weights). */
export const batchNormalization = (args?: BatchNormalizationArgs): BatchNormalization => new BatchNormalization(args);
/** Zeros around each image: [batch, h, w, c] → [batch, h + top + bottom, w + left + right, c]. */
export const zeroPadding2d = (args?: ZeroPadding2dArgs): ZeroPadding2D => new ZeroPadding2D(args);
/** Enlarges each image by integer factors: [batch, h, w, c] → [batch, h·sizeH, w·sizeW, c] (nearest or bilinear). */
export const upSampling2d = (args?: UpSampling2dArgs): UpSampling2D => new UpSampling2D(args);
/** Transposed 2-D convolution ("deconvolution") over NHWC images, kernel [kH, kW, filters, inChannels]. */
export const conv2dTranspose = (args: Conv2dTransposeArgs): Conv2DTranspose => new Conv2DTranspose(args);
/** Adds N(0, stddev²) noise while training; the identity in evaluate and predict. */
export const gaussianNoise = (args: GaussianNoiseArgs): GaussianNoise => new GaussianNoise(args);
/** Integer ids [batch, ...] → vectors [batch, ..., outputDim] (a trainable lookup table). */
export const embedding = (args: EmbeddingArgs): Embedding => new Embedding(args);
/** [batch, steps, channels] → [batch, channels]: the mean (or max) over the steps. */
export const globalAveragePooling1d = (args?: LayerArgs): Pooling2D => new Pooling2D(args, 'avg', true, 1);
export const globalMaxPooling1d = (args?: LayerArgs): Pooling2D => new Pooling2D(args, 'max', true, 1);

/** Fully connected recurrence h = act(x·W + b + h₋·U) over [batch, time, features]. */
export const simpleRNN = (args: RecurrentArgs): Recurrent => new Recurrent(args, 'SimpleRNN');
/** Long short-term memory over [batch, time, features] (gates i f c o, as Keras and tfjs). */
export const lstm = (args: RecurrentArgs): Recurrent => new Recurrent(args, 'LSTM');
/** Gated recurrent unit over [batch, time, features] (gates z r h; resetAfter false as tfjs, true as Keras and PyTorch). */
export const gru = (args: RecurrentArgs): Recurrent => new Recurrent(args, 'GRU');
/** A recurrent layer read forward and backward, the outputs merged ('concat', 'sum', 'mul', 'ave'). */
export const bidirectional = (args: BidirectionalArgs): Bidirectional => new Bidirectional(args);
/** A dense, activation or dropout layer applied to every step of [batch, time, ...]. */
export const timeDistributed = (args: TimeDistributedArgs): TimeDistributed => new TimeDistributed(args);
/** [batch, features] → [batch, n, features]. */
export const repeatVector = (args: RepeatVectorArgs): RepeatVector => new RepeatVector(args);

// Merge layers: functional models only, layer.apply([a, b, …]).
/** Joins tensors along an axis (default the last). */
export const concatenate = (args?: ConcatenateArgs): Merge => new Merge('concatenate', args);
/** Elementwise sum of tensors of one shape. */
export const add = (args?: LayerArgs): Merge => new Merge('add', args);
/** a − b. */
export const subtract = (args?: LayerArgs): Merge => new Merge('subtract', args);
/** Elementwise product. */
export const multiply = (args?: LayerArgs): Merge => new Merge('multiply', args);
/** Elementwise mean. */
export const average = (args?: LayerArgs): Merge => new Merge('average', args);
/** Elementwise maximum. */
export const maximum = (args?: LayerArgs): Merge => new Merge('maximum', args);
/** Elementwise minimum. */
export const minimum = (args?: LayerArgs): Merge => new Merge('minimum', args);
