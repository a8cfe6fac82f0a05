/** Central differences of a loss against analytic gradients, one weight value at a time. */

/** For every value of `params`: (loss(p + h) − loss(p − h)) / 2h against `grads`, counting those off
 *  by more than atol + rtol·|difference|. `lossAt` reads the params as they are. */
export function centralDifferences(
  params: Float32Array[],
  grads: Float32Array[],
  lossAt: () => number,
  h: number,
  atol: number,
  rtol: number,
): { checked: number; off: number } {
  let checked = 0;
  let off = 0;
  params.forEach((p, pi) => {
    for (let i = 0; i < p.length; i++) {
      const saved = p[i];
      p[i] = saved + h;
      const up = lossAt();
      p[i] = saved - h;
      const down = lossAt();
      p[i] = saved;
      const fd = (up - down) / (2 * h);
      checked++;
      if (Math.abs(fd - grads[pi][i]) > atol + rtol * Math.abs(fd)) off++;
    }
  });
  return { checked, off };
}
