/**
 * Merge layers as ONNX operators (a functional model's graph): every input is brought to
 * channels-last first (nativenn's layout, so a concatenation axis means the same), then Sum,
 * Sub, Mul, Mean, Max, Min or Concat.
 */
import type { Merge } from '../layers/merge';
import { type Flow, toChannelsLast } from './flow';
import type { OnnxGraphBuilder } from './graph';

/** The merge classes: exported by a functional model's graph walk (export.ts), not EXPORTERS. */
export const MERGE_CLASSES: readonly string[] = [
  'Add',
  'Subtract',
  'Multiply',
  'Average',
  'Maximum',
  'Minimum',
  'Concatenate',
];

const VARIADIC: Record<string, string> = { add: 'Sum', average: 'Mean', maximum: 'Max', minimum: 'Min' };

export function mergeNodes(layer: Merge, g: OnnxGraphBuilder, xs: Flow[]): Flow {
  const name = layer.name as string;
  const ins = xs.map((x, i) => toChannelsLast(g, x, `${name}/input${i}`));
  const tensors = ins.map((x) => x.tensor);
  const shape = layer.computeMergeShape(ins.map((x) => [null, ...x.shape])).slice(1) as number[];
  let tensor: string;
  if (layer.kind === 'concatenate') {
    const rank = shape.length + 1;
    tensor = g.node('Concat', `${name}/Concat`, tensors, {
      axis: { int: layer.axis < 0 ? rank + layer.axis : layer.axis },
    });
  } else if (layer.kind === 'subtract') {
    tensor = g.node('Sub', `${name}/Sub`, tensors);
  } else if (layer.kind === 'multiply') {
    // Mul is binary: a chain for three or more inputs.
    tensor = tensors.slice(1).reduce((acc, t, i) => g.node('Mul', `${name}/Mul${i}`, [acc, t]), tensors[0]);
  } else {
    tensor = g.node(VARIADIC[layer.kind], `${name}/${VARIADIC[layer.kind]}`, tensors);
  }
  return { tensor, shape, channelsFirst: false };
}
