// Each element is updated in float: hyper-parameters are rounded to float once (and Adam's bias
// corrections folded into two factors), so the loops are plain float arithmetic that GCC
// vectorizes 4 or 8 wide. Doing it in double like the js twin (JS numbers are doubles) was
// bit-identical to js but 5-10x slower for Adam/RMSProp/Adagrad (double div and sqrt); in float
// the results stay within a few float32 ulps of the twin (test/kernels/optim.test.ts).
#include "kernels/optim.h"

#include <cmath>

namespace nativenn {

void sgd_update(float* param, const float* grad, int64_t n, double lr) {
  const float rate = static_cast<float>(lr);
  for (int64_t i = 0; i < n; i++) param[i] -= rate * grad[i];
}

void momentum_update(float* param, const float* grad, float* velocity, int64_t n, double lr, double momentum,
                     bool nesterov) {
  const float rate = static_cast<float>(lr), mu = static_cast<float>(momentum);
  // Two loops rather than a branch per element, so each one vectorizes.
  if (nesterov) {
    for (int64_t i = 0; i < n; i++) {
      float g = grad[i];
      float v = mu * velocity[i] + g;
      velocity[i] = v;
      param[i] -= rate * (g + mu * v);
    }
  } else {
    for (int64_t i = 0; i < n; i++) {
      float v = mu * velocity[i] + grad[i];
      velocity[i] = v;
      param[i] -= rate * v;
    }
  }
}

void adam_update(float* param, const float* grad, float* m, float* v, int64_t n, double lr, double beta1, double beta2,
                 double epsilon, int64_t step, double weight_decay) {
  // m̂ = m / (1 − β1^t), v̂ = v / (1 − β2^t): the two divisions become multiplications by
  // factors computed once in double (β^t for large t needs the precision).
  const float b1 = static_cast<float>(beta1), one_minus_b1 = static_cast<float>(1 - beta1);
  const float b2 = static_cast<float>(beta2), one_minus_b2 = static_cast<float>(1 - beta2);
  const float m_scale = static_cast<float>(lr / (1 - std::pow(beta1, static_cast<double>(step))));
  const float v_scale = static_cast<float>(1 / (1 - std::pow(beta2, static_cast<double>(step))));
  const float eps = static_cast<float>(epsilon), decay = static_cast<float>(lr * weight_decay);
  for (int64_t i = 0; i < n; i++) {
    float g = grad[i];
    float mi = b1 * m[i] + one_minus_b1 * g;
    float vi = b2 * v[i] + one_minus_b2 * g * g;
    m[i] = mi;
    v[i] = vi;
    float p = param[i];
    param[i] = (p - decay * p) - (m_scale * mi) / (std::sqrt(v_scale * vi) + eps);
  }
}

void rmsprop_update(float* param, const float* grad, float* mean_square, float* velocity, int64_t n, double lr,
                    double rho, double momentum, double epsilon) {
  const float rate = static_cast<float>(lr), r = static_cast<float>(rho), one_minus_r = static_cast<float>(1 - rho);
  const float mu = static_cast<float>(momentum), eps = static_cast<float>(epsilon);
  for (int64_t i = 0; i < n; i++) {
    float g = grad[i];
    float ms = r * mean_square[i] + one_minus_r * g * g;
    mean_square[i] = ms;
    float vel = mu * velocity[i] + (rate * g) / std::sqrt(ms + eps);
    velocity[i] = vel;
    param[i] -= vel;
  }
}

void adagrad_update(float* param, const float* grad, float* accumulator, int64_t n, double lr, double epsilon) {
  const float rate = static_cast<float>(lr), eps = static_cast<float>(epsilon);
  for (int64_t i = 0; i < n; i++) {
    float g = grad[i];
    float acc = accumulator[i] + g * g;
    accumulator[i] = acc;
    param[i] -= (rate * g) / std::sqrt(acc + eps);
  }
}

}  // namespace nativenn
