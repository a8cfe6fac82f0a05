/**
 * The tensor that flows from layer to layer through an exported graph, and its layout. nativenn
 * is channels-last (NHWC: [batch, h, w, c]; Conv1D [batch, steps, c]); ONNX's Conv and pooling
 * ops are channels-first (NCHW). The graph input stays NHWC, as the model takes it; a Transpose to
 * NCHW goes in front of the first convolution or pooling, and one back to NHWC behind the last
 * (before Flatten, Reshape, Dense or the graph output), so flattened values come in nativenn's
 * order. Between image layers the tensor stays NCHW: no transpose per layer.
 */
import type { OnnxGraphBuilder } from './graph';

export interface Flow {
  /** the tensor's name in the graph */
  tensor: string;
  /** one sample's shape in nativenn's terms (channels last), whatever the layout in the graph */
  shape: number[];
  /** held channels-first in the graph (the channel axis moved to axis 1) */
  channelsFirst: boolean;
}

/** The flow held channels-first: [batch, ...spatial, c] → [batch, c, ...spatial]. */
export function toChannelsFirst(g: OnnxGraphBuilder, x: Flow, prefix: string): Flow {
  // [batch, c]: the two layouts are the same tensor
  if (x.channelsFirst || x.shape.length < 2) return { ...x, channelsFirst: x.shape.length >= 2 };
  const spatial = x.shape.length - 1;
  const perm = [0, spatial + 1, ...Array.from({ length: spatial }, (_, i) => i + 1)];
  const tensor = g.node('Transpose', `${prefix}/Transpose_to_channels_first`, [x.tensor], { perm: { ints: perm } });
  return { ...x, tensor, channelsFirst: true };
}

/** The flow held channels-last again: [batch, c, ...spatial] → [batch, ...spatial, c]. */
export function toChannelsLast(g: OnnxGraphBuilder, x: Flow, prefix: string): Flow {
  if (!x.channelsFirst || x.shape.length < 2) return { ...x, channelsFirst: false };
  const spatial = x.shape.length - 1;
  const perm = [0, ...Array.from({ length: spatial }, (_, i) => i + 2), 1];
  const tensor = g.node('Transpose', `${prefix}/Transpose_to_channels_last`, [x.tensor], { perm: { ints: perm } });
  return { ...x, tensor, channelsFirst: false };
}
