// Optimizer updates over flat parameter/gradient buffers: the TensorFlow.js / Keras rules, the
// same as the js twins in src/backend/js/optim.ts. State buffers (velocity, m, v, ...) belong to
// the caller and are updated in place. Every buffer holds n floats; buffers may alias (each
// element is read before it is written).
#pragma once
#include <cstdint>

namespace nativenn {

// param -= lr * grad
void sgd_update(float* param, const float* grad, int64_t n, double lr);

// velocity = momentum * velocity + grad; param -= lr * velocity
// (nesterov: param -= lr * (grad + momentum * velocity))
void momentum_update(float* param, const float* grad, float* velocity, int64_t n, double lr, double momentum,
                     bool nesterov);

// Adam with bias correction; step is 1-based and counts this update. weight_decay > 0 is AdamW's
// decoupled decay: param -= lr * weight_decay * param before the Adam step.
void adam_update(float* param, const float* grad, float* m, float* v, int64_t n, double lr, double beta1, double beta2,
                 double epsilon, int64_t step, double weight_decay);

// mean_square = rho * mean_square + (1 - rho) * grad^2
// velocity = momentum * velocity + lr * grad / sqrt(mean_square + epsilon); param -= velocity
void rmsprop_update(float* param, const float* grad, float* mean_square, float* velocity, int64_t n, double lr,
                    double rho, double momentum, double epsilon);

// accumulator += grad^2; param -= lr * grad / sqrt(accumulator + epsilon)
void adagrad_update(float* param, const float* grad, float* accumulator, int64_t n, double lr, double epsilon);

}  // namespace nativenn
