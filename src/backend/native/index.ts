/** The native backend: the addon's kernels behind the Backend interface. Enum values cross
 *  Node-API by name (the addon's own tables check them); buffers pass through without copies. */
import type { Backend } from '../backend';
import type { Addon } from './addon';

export function nativeKernels(addon: Addon): Backend {
  return {
    name: 'native',
    gemm: addon.gemm,
    fill: addon.fill,
    scale: addon.scale,
    axpy: addon.axpy,
    mul: addon.mul,
    addBias: addon.addBias,
    addColumnSums: addon.addColumnSums,
    argmaxRows: addon.argmaxRows,
    activationForward: (kind, out, x, n, alpha) => addon.activationForward(kind, out, x, n, alpha),
    activationBackward: (kind, dx, dy, x, y, n, alpha) => addon.activationBackward(kind, dx, dy, x, y, n, alpha),
    softmaxForward: addon.softmaxForward,
    softmaxBackward: addon.softmaxBackward,
    lossForward: (kind, pred, target, rows, cols) => addon.lossForward(kind, pred, target, rows, cols),
    lossBackward: (kind, grad, pred, target, rows, cols) => addon.lossBackward(kind, grad, pred, target, rows, cols),
    softmaxCrossEntropy: addon.softmaxCrossEntropy,
    sigmoidCrossEntropy: addon.sigmoidCrossEntropy,
    dropoutForward: addon.dropoutForward,
    conv2dForward: addon.conv2dForward,
    conv2dBackwardData: addon.conv2dBackwardData,
    conv2dBackwardFilter: addon.conv2dBackwardFilter,
    maxPool2dForward: addon.maxPool2dForward,
    maxPool2dBackward: addon.maxPool2dBackward,
    avgPool2dForward: addon.avgPool2dForward,
    avgPool2dBackward: addon.avgPool2dBackward,
    sgdUpdate: addon.sgdUpdate,
    momentumUpdate: addon.momentumUpdate,
    adamUpdate: addon.adamUpdate,
    rmspropUpdate: addon.rmspropUpdate,
    adagradUpdate: addon.adagradUpdate,
  };
}
