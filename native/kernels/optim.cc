// Each element's update is computed in double and rounded to float once, exactly as the js twin
// does (JS numbers are doubles). That makes native and js agree to the last bit in practice
// (only pow() may differ by an ulp) and costs little: these loops are memory-bound, and GCC
// still vectorizes them (cvtps2pd / cvtpd2ps around packed double arithmetic).
#include "kernels/optim.h"

#include <cmath>

namespace nativenn {

void sgd_update(float* param, const float* grad, int64_t n, double lr) {
  for (int64_t i = 0; i < n; i++) param[i] = static_cast<float>(param[i] - lr * grad[i]);
}

void momentum_update(float* param, const float* grad, float* velocity, int64_t n, double lr, double momentum,
                     bool nesterov) {
  // Two loops rather than a branch per element, so each one vectorizes.
  if (nesterov) {
    for (int64_t i = 0; i < n; i++) {
      double g = grad[i];
      double v = momentum * velocity[i] + g;
      velocity[i] = static_cast<float>(v);
      param[i] = static_cast<float>(param[i] - lr * (g + momentum * v));
    }
  } else {
    for (int64_t i = 0; i < n; i++) {
      double v = momentum * velocity[i] + grad[i];
      velocity[i] = static_cast<float>(v);
      param[i] = static_cast<float>(param[i] - lr * v);
    }
  }
}

void adam_update(float* param, const float* grad, float* m, float* v, int64_t n, double lr, double beta1,
                 double beta2, double epsilon, int64_t step, double weight_decay) {
  const double c1 = 1 - std::pow(beta1, static_cast<double>(step));
  const double c2 = 1 - std::pow(beta2, static_cast<double>(step));
  const double decay = lr * weight_decay;
  for (int64_t i = 0; i < n; i++) {
    double g = grad[i];
    double mi = beta1 * m[i] + (1 - beta1) * g;
    double vi = beta2 * v[i] + (1 - beta2) * g * g;
    m[i] = static_cast<float>(mi);
    v[i] = static_cast<float>(vi);
    double p = param[i];
    double decayed = p - decay * p;
    // Written as the twin writes it (no precomputed lr/c1) so the roundings are the same.
    param[i] = static_cast<float>(decayed - (lr * (mi / c1)) / (std::sqrt(vi / c2) + epsilon));
  }
}

void rmsprop_update(float* param, const float* grad, float* mean_square, float* velocity, int64_t n, double lr,
                    double rho, double momentum, double epsilon) {
  for (int64_t i = 0; i < n; i++) {
    double g = grad[i];
    double ms = rho * mean_square[i] + (1 - rho) * g * g;
    mean_square[i] = static_cast<float>(ms);
    double vel = momentum * velocity[i] + (lr * g) / std::sqrt(ms + epsilon);
    velocity[i] = static_cast<float>(vel);
    param[i] = static_cast<float>(param[i] - vel);
  }
}

void adagrad_update(float* param, const float* grad, float* accumulator, int64_t n, double lr, double epsilon) {
  for (int64_t i = 0; i < n; i++) {
    double g = grad[i];
    double acc = accumulator[i] + g * g;
    accumulator[i] = static_cast<float>(acc);
    param[i] = static_cast<float>(param[i] - (lr * g) / std::sqrt(acc + epsilon));
  }
}

}  // namespace nativenn
