/** The activations as ONNX nodes (shared by the dense, convolution and activation layers). */
import type { LayerActivation } from '../graph/builder';
import type { OnnxGraphBuilder } from './graph';

/** y = fn(x), element by element except softmax, which runs along the channels: the last axis,
 *  or axis 1 of a tensor held channels-first (`channelAxis`). `prefix` names the nodes (the
 *  layer's name). */
export function activationNodes(
  g: OnnxGraphBuilder,
  fn: LayerActivation,
  alpha: number,
  x: string,
  prefix: string,
  channelAxis: -1 | 1 = -1,
): string {
  switch (fn) {
    case 'linear':
      return x;
    case 'sigmoid':
      return g.node('Sigmoid', `${prefix}/Sigmoid`, [x]);
    case 'tanh':
      return g.node('Tanh', `${prefix}/Tanh`, [x]);
    case 'relu':
      return g.node('Relu', `${prefix}/Relu`, [x]);
    case 'leakyRelu':
      return g.node('LeakyRelu', `${prefix}/LeakyRelu`, [x], { alpha: { float: alpha } });
    case 'elu':
      return g.node('Elu', `${prefix}/Elu`, [x], { alpha: { float: alpha } });
    case 'softmax':
      // opset ≥ 13: softmax along one axis (the channels), as the layer computes it
      return g.node('Softmax', `${prefix}/Softmax`, [x], { axis: { int: channelAxis } });
    case 'gelu': {
      // exact gelu, 0.5·x·(1 + erf(x/√2)): the Gelu op exists only from opset 20
      const scaled = g.node('Mul', `${prefix}/Gelu/Mul_inv_sqrt2`, [x, g.scalar(Math.SQRT1_2)]);
      const erf = g.node('Erf', `${prefix}/Gelu/Erf`, [scaled]);
      const onePlus = g.node('Add', `${prefix}/Gelu/Add_1`, [erf, g.scalar(1)]);
      const times = g.node('Mul', `${prefix}/Gelu/Mul_x`, [x, onePlus]);
      return g.node('Mul', `${prefix}/Gelu/Mul_half`, [times, g.scalar(0.5)]);
    }
    case 'silu': {
      const s = g.node('Sigmoid', `${prefix}/Silu/Sigmoid`, [x]);
      return g.node('Mul', `${prefix}/Silu/Mul`, [x, s]);
    }
    case 'hardSigmoid':
      // max(0, min(1, alpha·x + beta)): tfjs/Keras 2's constants
      return g.node('HardSigmoid', `${prefix}/HardSigmoid`, [x], { alpha: { float: 0.2 }, beta: { float: 0.5 } });
    default:
      throw new TypeError(`exportOnnx: activation "${fn as string}" has no ONNX form`);
  }
}
