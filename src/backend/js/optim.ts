/** Optimizer updates over flat buffers, the TensorFlow.js update rules. */
export function sgdUpdate(param: Float32Array, grad: Float32Array, n: number, lr: number): void {
  for (let i = 0; i < n; i++) param[i] -= lr * grad[i];
}

// tfjs MomentumOptimizer: v = momentum·v + g; p −= lr·v (nesterov: p −= lr·(g + momentum·v))
export function momentumUpdate(
  param: Float32Array,
  grad: Float32Array,
  velocity: Float32Array,
  n: number,
  lr: number,
  momentum: number,
  nesterov: boolean,
): void {
  for (let i = 0; i < n; i++) {
    const v = momentum * velocity[i] + grad[i];
    velocity[i] = v;
    param[i] -= lr * (nesterov ? grad[i] + momentum * v : v);
  }
}

// Adam (Kingma & Ba) with bias correction; adamw first decays the weights: p −= lr·wd·p
export function adamUpdate(
  param: Float32Array,
  grad: Float32Array,
  m: Float32Array,
  v: Float32Array,
  n: number,
  lr: number,
  beta1: number,
  beta2: number,
  epsilon: number,
  step: number,
  weightDecay: number,
): void {
  const c1 = 1 - beta1 ** step;
  const c2 = 1 - beta2 ** step;
  for (let i = 0; i < n; i++) {
    const g = grad[i];
    const mi = beta1 * m[i] + (1 - beta1) * g;
    const vi = beta2 * v[i] + (1 - beta2) * g * g;
    m[i] = mi;
    v[i] = vi;
    const decayed = param[i] - lr * weightDecay * param[i];
    param[i] = decayed - (lr * (mi / c1)) / (Math.sqrt(vi / c2) + epsilon);
  }
}

// tfjs RMSProp: ms = rho·ms + (1−rho)·g²; v = momentum·v + lr·g/√(ms + eps); p −= v
export function rmspropUpdate(
  param: Float32Array,
  grad: Float32Array,
  meanSquare: Float32Array,
  velocity: Float32Array,
  n: number,
  lr: number,
  rho: number,
  momentum: number,
  epsilon: number,
): void {
  for (let i = 0; i < n; i++) {
    const g = grad[i];
    const ms = rho * meanSquare[i] + (1 - rho) * g * g;
    meanSquare[i] = ms;
    const v = momentum * velocity[i] + (lr * g) / Math.sqrt(ms + epsilon);
    velocity[i] = v;
    param[i] -= v;
  }
}

// tfjs Adagrad: acc += g²; p −= lr·g/√(acc + eps)
export function adagradUpdate(
  param: Float32Array,
  grad: Float32Array,
  accumulator: Float32Array,
  n: number,
  lr: number,
  epsilon: number,
): void {
  for (let i = 0; i < n; i++) {
    const g = grad[i];
    const acc = accumulator[i] + g * g;
    accumulator[i] = acc;
    param[i] -= (lr * g) / Math.sqrt(acc + epsilon);
  }
}
