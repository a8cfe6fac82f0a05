/** The builder fuses a first relu convolution with its max pooling (src/graph/builder.ts,
 *  fuseConvReluPool) unless NATIVENN_FUSE_CONV_POOL=0. Tests of the unfused calls (poolBeforeRelu,
 *  the validation of conv2d and maxPool2d) compile their first-layer CNNs without it. */

/** fn() with the fusion on or off, the environment restored after (a model's tape is written by
 *  compiledNetwork() and cached, so call that inside). */
export function withConvPoolFusion<T>(on: boolean, fn: () => T): T {
  const saved = process.env.NATIVENN_FUSE_CONV_POOL;
  if (on) delete process.env.NATIVENN_FUSE_CONV_POOL;
  else process.env.NATIVENN_FUSE_CONV_POOL = '0';
  try {
    return fn();
  } finally {
    if (saved === undefined) delete process.env.NATIVENN_FUSE_CONV_POOL;
    else process.env.NATIVENN_FUSE_CONV_POOL = saved;
  }
}
