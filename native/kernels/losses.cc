// Per-element terms in double, sums in double, one rounding on store: the js twin's arithmetic,
// term for term and in the same order, so results agree to the last bit or two.
#include "kernels/losses.h"

#include <algorithm>
#include <cmath>

#include "kernels/activations.h"

namespace nativenn {

const char* const kLossNames[kLossCount] = {"meanSquaredError", "binaryCrossentropy", "binaryCrossentropyFromLogits",
                                            "categoricalCrossentropy", "sparseCategoricalCrossentropy"};
namespace {

constexpr double kEpsilon = 1e-7;  // Keras' clip, as EPSILON in the twin

inline double clip(double p) { return std::min(std::max(p, kEpsilon), 1 - kEpsilon); }

// log(1 + e^z) without overflow.
inline double softplus(double z) { return std::max(z, 0.0) + std::log1p(std::exp(-std::abs(z))); }

inline int64_t class_index(const float* target, int64_t r) { return static_cast<int64_t>(target[r]); }

}  // namespace

double loss_sum(Loss kind, const float* pred, const float* target, int64_t rows, int64_t cols, int64_t r0, int64_t r1) {
  (void)rows;
  const int64_t i0 = r0 * cols, i1 = r1 * cols;
  double sum = 0;
  switch (kind) {
    case Loss::kMeanSquaredError:
      for (int64_t i = i0; i < i1; i++) {
        double d = static_cast<double>(pred[i]) - target[i];
        sum += d * d;
      }
      return sum;
    case Loss::kBinaryCrossentropy:
      for (int64_t i = i0; i < i1; i++) {
        double p = clip(pred[i]), t = target[i];
        sum -= t * std::log(p) + (1 - t) * std::log(1 - p);
      }
      return sum;
    case Loss::kBinaryCrossentropyFromLogits:
      for (int64_t i = i0; i < i1; i++) {
        double z = pred[i];
        sum += softplus(z) - z * target[i];
      }
      return sum;
    case Loss::kCategoricalCrossentropy:
      for (int64_t i = i0; i < i1; i++)
        if (target[i] != 0) sum -= target[i] * std::log(clip(pred[i]));
      return sum;
    case Loss::kSparseCategoricalCrossentropy:
      for (int64_t r = r0; r < r1; r++) sum -= std::log(clip(pred[r * cols + class_index(target, r)]));
      return sum;
  }
  return sum;
}

double loss_denominator(Loss kind, int64_t rows, int64_t cols) {
  if (rows == 0) return 0;
  switch (kind) {
    case Loss::kCategoricalCrossentropy:
    case Loss::kSparseCategoricalCrossentropy:
      return static_cast<double>(rows);
    default:
      return static_cast<double>(rows) * static_cast<double>(cols);
  }
}

double loss_forward(Loss kind, const float* pred, const float* target, int64_t rows, int64_t cols) {
  double denominator = loss_denominator(kind, rows, cols);
  if (denominator == 0) return 0;
  return loss_sum(kind, pred, target, rows, cols, 0, rows) / denominator;
}

void loss_backward_rows(Loss kind, float* grad, const float* pred, const float* target, int64_t rows, int64_t cols,
                        int64_t r0, int64_t r1) {
  const int64_t i0 = r0 * cols, i1 = r1 * cols;
  const double count = static_cast<double>(rows) * static_cast<double>(cols);
  const double n_rows = static_cast<double>(rows);
  switch (kind) {
    case Loss::kMeanSquaredError:
      for (int64_t i = i0; i < i1; i++)
        grad[i] = static_cast<float>(2 * (static_cast<double>(pred[i]) - target[i]) / count);
      return;
    case Loss::kBinaryCrossentropy:
      for (int64_t i = i0; i < i1; i++) {
        double p = clip(pred[i]);
        grad[i] = static_cast<float>((p - target[i]) / (p * (1 - p)) / count);
      }
      return;
    case Loss::kBinaryCrossentropyFromLogits:
      for (int64_t i = i0; i < i1; i++) grad[i] = static_cast<float>((stable_sigmoid(pred[i]) - target[i]) / count);
      return;
    case Loss::kCategoricalCrossentropy:
      for (int64_t i = i0; i < i1; i++)
        grad[i] = static_cast<float>(-static_cast<double>(target[i]) / clip(pred[i]) / n_rows);
      return;
    case Loss::kSparseCategoricalCrossentropy:
      for (int64_t r = r0; r < r1; r++) {
        for (int64_t c = 0; c < cols; c++) grad[r * cols + c] = 0;
        int64_t i = r * cols + class_index(target, r);
        grad[i] = static_cast<float>(-1 / clip(pred[i]) / n_rows);
      }
      return;
  }
}

void loss_backward(Loss kind, float* grad, const float* pred, const float* target, int64_t rows, int64_t cols) {
  loss_backward_rows(kind, grad, pred, target, rows, cols, 0, rows);
}

double softmax_cross_entropy_rows(float* probs, float* grad, const float* logits, const float* target, int64_t rows,
                                  int64_t cols, bool sparse, int64_t r0, int64_t r1) {
  const double n_rows = static_cast<double>(rows);
  double total = 0;
  if (cols == 0) return 0;  // empty rows add nothing (sparse targets need cols ≥ 1 anyway)
  for (int64_t r = r0; r < r1; r++) {
    const float* z = logits + r * cols;
    float* p = probs + r * cols;
    float* g = grad + r * cols;
    const int64_t label = sparse ? class_index(target, r) : -1;
    const float* t = sparse ? nullptr : target + r * cols;

    float max = -INFINITY;
    for (int64_t c = 0; c < cols; c++) max = z[c] > max ? z[c] : max;
    // exp(z − max) parks in grad (which never aliases logits) until the loss is read off the
    // logits; probs may alias them, so probs are written last.
    double sum = 0;
    for (int64_t c = 0; c < cols; c++) {
      double e = std::exp(static_cast<double>(z[c]) - max);
      g[c] = static_cast<float>(e);
      sum += e;
    }
    const double log_sum_exp = max + std::log(sum);
    double t_sum = 0;
    if (sparse) {
      total += log_sum_exp - z[label];
      t_sum = 1;
    } else {
      for (int64_t c = 0; c < cols; c++) {
        if (t[c] != 0) total += t[c] * (log_sum_exp - z[c]);
        t_sum += t[c];
      }
    }
    for (int64_t c = 0; c < cols; c++) p[c] = static_cast<float>(g[c] / sum);
    if (sparse) {  // t is one-hot at label and Σt = 1
      for (int64_t c = 0; c < cols; c++) g[c] = static_cast<float>(p[c] / n_rows);
      g[label] = static_cast<float>((p[label] - 1.0) / n_rows);
    } else {
      for (int64_t c = 0; c < cols; c++) g[c] = static_cast<float>((p[c] * t_sum - t[c]) / n_rows);
    }
  }
  return total;
}

double softmax_cross_entropy(float* probs, float* grad, const float* logits, const float* target, int64_t rows,
                             int64_t cols, bool sparse) {
  double total = softmax_cross_entropy_rows(probs, grad, logits, target, rows, cols, sparse, 0, rows);
  return rows == 0 ? 0 : total / static_cast<double>(rows);
}

double sigmoid_cross_entropy_range(float* probs, float* grad, const float* logits, const float* target, int64_t count,
                                   int64_t i0, int64_t i1) {
  const double n = static_cast<double>(count);
  double total = 0;
  for (int64_t i = i0; i < i1; i++) {
    double z = logits[i], t = target[i];  // read before probs[i] is written: probs may alias logits
    // softplus(z) and sigmoid(z) share e^−|z|: the twin's two functions, one exp.
    double e = std::exp(-std::abs(z));
    total += (std::max(z, 0.0) + std::log1p(e)) - z * t;
    double p = (z >= 0 ? 1.0 : e) / (1 + e);
    probs[i] = static_cast<float>(p);
    grad[i] = static_cast<float>((p - t) / n);
  }
  return total;
}

double sigmoid_cross_entropy(float* probs, float* grad, const float* logits, const float* target, int64_t rows,
                             int64_t cols) {
  const int64_t count = rows * cols;
  double total = sigmoid_cross_entropy_range(probs, grad, logits, target, count, 0, count);
  return count == 0 ? 0 : total / static_cast<double>(count);
}

namespace {

// grad row r ·= weights[r]: a float product, rounded once, as the twin's.
void scale_rows(float* grad, const float* weights, int64_t rows, int64_t cols) {
  for (int64_t r = 0; r < rows; r++) {
    const float w = weights[r];
    for (int64_t c = 0; c < cols; c++) grad[r * cols + c] *= w;
  }
}

}  // namespace

double weighted_loss_forward(Loss kind, const float* pred, const float* target, const float* weights, int64_t rows,
                             int64_t cols) {
  const double denominator = loss_denominator(kind, rows, cols);
  if (denominator == 0) return 0;
  double sum = 0;
  for (int64_t r = 0; r < rows; r++) sum += weights[r] * loss_sum(kind, pred, target, rows, cols, r, r + 1);
  return sum / denominator;
}

void weighted_loss_backward(Loss kind, float* grad, const float* pred, const float* target, const float* weights,
                            int64_t rows, int64_t cols) {
  loss_backward(kind, grad, pred, target, rows, cols);
  scale_rows(grad, weights, rows, cols);
}

double weighted_softmax_cross_entropy(float* probs, float* grad, const float* logits, const float* target,
                                      const float* weights, int64_t rows, int64_t cols, bool sparse) {
  double total = 0;
  for (int64_t r = 0; r < rows; r++)
    total += weights[r] * softmax_cross_entropy_rows(probs, grad, logits, target, rows, cols, sparse, r, r + 1);
  scale_rows(grad, weights, rows, cols);
  return rows == 0 ? 0 : total / static_cast<double>(rows);
}

double weighted_sigmoid_cross_entropy(float* probs, float* grad, const float* logits, const float* target,
                                      const float* weights, int64_t rows, int64_t cols) {
  const int64_t count = rows * cols;
  double total = 0;
  for (int64_t r = 0; r < rows; r++)
    total += weights[r] * sigmoid_cross_entropy_range(probs, grad, logits, target, count, r * cols, (r + 1) * cols);
  scale_rows(grad, weights, rows, cols);
  return count == 0 ? 0 : total / static_cast<double>(count);
}

}  // namespace nativenn
