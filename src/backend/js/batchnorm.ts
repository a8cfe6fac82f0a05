/** Batch normalization over the last axis: the specification of native/kernels/batchnorm.h.
 *  x is (rows, channels) row-major; TensorFlow.js conventions (biased batch variance, moving =
 *  moving·momentum + batch·(1 − momentum)); gamma/beta null when scale/center are off. */

const scaleOf = (gamma: Float32Array | null, c: number) => (gamma ? gamma[c] : 1);
const shiftOf = (beta: Float32Array | null, c: number) => (beta ? beta[c] : 0);

export function batchNormTrain(
  out: Float32Array,
  x: Float32Array,
  gamma: Float32Array | null,
  beta: Float32Array | null,
  movingMean: Float32Array,
  movingVar: Float32Array,
  batchMean: Float32Array,
  batchInvStd: Float32Array,
  rows: number,
  channels: number,
  epsilon: number,
  momentum: number,
): void {
  const n = rows > 0 ? rows : 1;
  for (let c = 0; c < channels; c++) {
    let sum = 0;
    for (let r = 0; r < rows; r++) sum += x[r * channels + c];
    const mean = sum / n;
    let sq = 0;
    for (let r = 0; r < rows; r++) {
      const d = x[r * channels + c] - mean;
      sq += d * d;
    }
    const variance = sq / n;
    batchMean[c] = mean;
    batchInvStd[c] = 1 / Math.sqrt(variance + epsilon);
    movingMean[c] = movingMean[c] * momentum + mean * (1 - momentum);
    movingVar[c] = movingVar[c] * momentum + variance * (1 - momentum);
  }
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < channels; c++) {
      const i = r * channels + c;
      out[i] = scaleOf(gamma, c) * ((x[i] - batchMean[c]) * batchInvStd[c]) + shiftOf(beta, c);
    }
  }
}

export function batchNormInfer(
  out: Float32Array,
  x: Float32Array,
  gamma: Float32Array | null,
  beta: Float32Array | null,
  movingMean: Float32Array,
  movingVar: Float32Array,
  rows: number,
  channels: number,
  epsilon: number,
): void {
  for (let c = 0; c < channels; c++) {
    const invStd = 1 / Math.sqrt(movingVar[c] + epsilon);
    const scale = scaleOf(gamma, c) * invStd;
    const shift = shiftOf(beta, c) - scale * movingMean[c];
    for (let r = 0; r < rows; r++) out[r * channels + c] = x[r * channels + c] * scale + shift;
  }
}

export function batchNormBackward(
  dx: Float32Array | null,
  dgamma: Float32Array | null,
  dbeta: Float32Array | null,
  dy: Float32Array,
  x: Float32Array,
  gamma: Float32Array | null,
  batchMean: Float32Array,
  batchInvStd: Float32Array,
  rows: number,
  channels: number,
  accumulate: boolean,
): void {
  const n = rows > 0 ? rows : 1;
  for (let c = 0; c < channels; c++) {
    let sumDy = 0;
    let sumDyXhat = 0;
    for (let r = 0; r < rows; r++) {
      const i = r * channels + c;
      sumDy += dy[i];
      sumDyXhat += dy[i] * (x[i] - batchMean[c]) * batchInvStd[c];
    }
    if (dbeta) dbeta[c] = sumDy;
    if (dgamma) dgamma[c] = sumDyXhat;
    if (!dx) continue;
    const k = (scaleOf(gamma, c) * batchInvStd[c]) / n;
    for (let r = 0; r < rows; r++) {
      const i = r * channels + c;
      const xhat = (x[i] - batchMean[c]) * batchInvStd[c];
      const g = k * (n * dy[i] - sumDy - xhat * sumDyXhat);
      dx[i] = accumulate ? dx[i] + g : g;
    }
  }
}
