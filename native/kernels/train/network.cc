// The training step of network.h, operation for operation the one of src/train/executor-js.ts
// (read that file for the why). Differences are only where they cannot change a bit: a dense
// layer with a linear activation uses z as its output (the twin copies it), and the bias
// gradient is written by add_column_sums after a fill, as there. One deliberate difference:
// Adam/AdamW use the float32 AVX2 update of adam_f32.h (the shared kernel computes in double,
// ~5× slower), and softmax + cross-entropy the float32 exponentials of fused.h; both differ from
// the twin's results by float32 rounding only.
#include "kernels/train/network.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/activations.h"
#include "kernels/dropout.h"
#include "kernels/elementwise.h"
#include "kernels/gemm/gemm.h"
#include "kernels/optim.h"
#include "kernels/softmax.h"
#include "kernels/threads.h"
#include "kernels/train/adam_f32.h"
#include "kernels/train/fused.h"

namespace nativenn::train {
namespace {

void activate(int kind, float* out, const float* z, int64_t rows, int64_t cols, double alpha) {
  if (kind == kSoftmax)
    softmax_forward(out, z, rows, cols);
  else
    activation_forward(static_cast<Activation>(kind), out, z, rows * cols, alpha);
}

void activate_backward(int kind, float* dz, const float* dy, const float* z, const float* y, int64_t rows, int64_t cols,
                       double alpha) {
  if (kind == static_cast<int>(Activation::kRelu) && dz != dy)
    relu_backward(dz, dy, z, rows * cols);
  else if (kind == kSoftmax)
    softmax_backward(dz, dy, y, rows, cols);
  else
    activation_backward(static_cast<Activation>(kind), dz, dy, z, y, rows * cols, alpha);
}

// Adam over large parameters (the 784×256 kernel) is split across the thread pool: elementwise,
// so any split gives the same bits. Small ones stay on this thread (waking a worker costs more).
void parallel_adam(const ParamSpec& p, const float* g, const OptimizerSpec& o, int64_t t, double weight_decay) {
  constexpr int64_t kChunk = 32768;
  const int64_t tasks = p.size >= 2 * kChunk ? (p.size + kChunk - 1) / kChunk : 1;
  auto run = [&](int64_t task) {
    const int64_t i0 = task * kChunk, n = tasks == 1 ? p.size : std::min(kChunk, p.size - i0);
    adam_update_f32(p.data + i0, g + i0, p.slots[0] + i0, p.slots[1] + i0, n, o.learning_rate, o.beta1, o.beta2,
                    o.epsilon, t, weight_decay);
  };
  if (tasks == 1)
    run(0);
  else
    parallel_for(tasks, run);
}

bool aliases_output(const LayerSpec& l) {
  return l.kind == LayerKind::kDense && l.activation == static_cast<int>(Activation::kLinear);
}

}  // namespace

uint32_t dropout_seed(uint32_t layer_seed, int64_t step) {
  uint32_t h = layer_seed ^ (static_cast<uint32_t>(step + 1) * 0x27d4eb2du);
  h = (h ^ (h >> 15)) * 0x85ebca6bu;
  h ^= h >> 13;
  return h & 0x7fffffffu;
}

Network::Network(NetworkSpec spec) : spec_(std::move(spec)) {
  const LayerSpec& last = spec_.layers.back();
  const bool cross_entropy =
      spec_.loss == Loss::kCategoricalCrossentropy || spec_.loss == Loss::kSparseCategoricalCrossentropy;
  if (last.kind != LayerKind::kDropout && last.activation == kSoftmax && cross_entropy) fused_ = 1;
  if (last.kind != LayerKind::kDropout && last.activation == static_cast<int>(Activation::kSigmoid) &&
      spec_.loss == Loss::kBinaryCrossentropy)
    fused_ = 2;
  sparse_ = spec_.loss == Loss::kSparseCategoricalCrossentropy;
  int64_t p = 0;
  for (const LayerSpec& l : spec_.layers) {
    kernel_index_.push_back(l.kind == LayerKind::kDense ? p : -1);
    if (l.kind == LayerKind::kDense) p += l.bias ? 2 : 1;
  }
  for (const ParamSpec& param : spec_.params) grads_.emplace_back(param.size);
}

WorkspaceSize Network::workspace_per_row() const {
  // The floats reserve() allocates per row, buffer for buffer.
  WorkspaceSize w;
  double floats =
      static_cast<double>(spec_.inputs) + static_cast<double>(sparse_ ? 1 : spec_.outputs) + 2;  // + argmaxes
  for (size_t i = 0; i < spec_.layers.size(); i++) {
    const LayerSpec& l = spec_.layers[i];
    int buffers = 1;  // d_out
    if (l.kind == LayerKind::kDense) buffers += aliases_output(l) ? 1 : 3;
    if (l.kind == LayerKind::kDropout) buffers += 2;
    if (l.kind == LayerKind::kActivation) buffers += i == 0 ? 2 : 1;
    const double layer = static_cast<double>(buffers) * static_cast<double>(l.units) * sizeof(float);
    if (layer > w.layer_bytes_per_row) {
      w.layer = static_cast<int64_t>(i);
      w.layer_bytes_per_row = layer;
    }
    floats += static_cast<double>(buffers) * static_cast<double>(l.units);
  }
  w.bytes_per_row = floats * sizeof(float);
  return w;
}

int64_t Network::eval_rows() const {
  const double by_bytes = std::floor(kEvalBytes / workspace_per_row().bytes_per_row);
  return std::max<int64_t>(1, std::min<int64_t>(kEvalRows, static_cast<int64_t>(std::min(by_bytes, 1e9))));
}

void Network::reserve(int64_t rows) {
  if (rows <= capacity_ && capacity_ > 0) return;
  const int64_t cap = std::max<int64_t>(rows, 1);
  const size_t n = spec_.layers.size();
  capacity_ = 0;  // set again only once every buffer is allocated: a bad_alloc must not leave stale pointers
  xb_.assign(cap * spec_.inputs, 0);
  yb_.assign(cap * (sparse_ ? 1 : spec_.outputs), 0);
  arg_pred_.assign(cap, 0);
  arg_true_.assign(cap, 0);
  storage_.clear();
  storage_.reserve(5 * n);
  auto buffer = [&](int64_t width) {
    storage_.emplace_back(cap * width);
    return storage_.back().data();
  };
  out_.assign(n, nullptr);
  pre_.assign(n, nullptr);
  mask_.assign(n, nullptr);
  d_out_.assign(n, nullptr);
  d_pre_.assign(n, nullptr);
  input_of_.assign(n, nullptr);
  for (size_t i = 0; i < n; i++) {
    const LayerSpec& l = spec_.layers[i];
    d_out_[i] = buffer(l.units);
    if (l.kind == LayerKind::kDense) {
      pre_[i] = buffer(l.units);
      out_[i] = aliases_output(l) ? pre_[i] : buffer(l.units);
      d_pre_[i] = aliases_output(l) ? d_out_[i] : buffer(l.units);
    } else {
      out_[i] = buffer(l.units);
      if (l.kind == LayerKind::kDropout) mask_[i] = buffer(l.units);
      if (l.kind == LayerKind::kActivation) d_pre_[i] = i > 0 ? d_out_[i - 1] : buffer(l.units);
    }
  }
  capacity_ = cap;
}

const float* Network::forward(const float* x, int64_t rows, bool training, int64_t step, bool skip_last_activation) {
  const size_t last = spec_.layers.size() - 1;
  const float* cur = x;
  for (size_t i = 0; i <= last; i++) {
    const LayerSpec& l = spec_.layers[i];
    input_of_[i] = cur;
    const bool skip = skip_last_activation && i == last;
    if (l.kind == LayerKind::kDense) {
      float* z = pre_[i];
      sgemm(false, false, rows, l.units, l.inputs, 1.0f, cur, l.inputs, l.kernel, l.units, 0.0f, z, l.units);
      if (!skip && l.activation == static_cast<int>(Activation::kRelu)) {
        bias_relu_forward(out_[i], z, l.bias, rows, l.units);  // one pass instead of two
      } else {
        if (l.bias) add_bias(z, l.bias, rows, l.units);
        if (!skip && !aliases_output(l)) activate(l.activation, out_[i], z, rows, l.units, l.alpha);
      }
      cur = out_[i];
    } else if (l.kind == LayerKind::kActivation) {
      if (!skip) activate(l.activation, out_[i], cur, rows, l.units, l.alpha);
      cur = out_[i];
    } else if (training) {
      dropout_forward(out_[i], mask_[i], cur, rows * l.units, l.rate, dropout_seed(l.seed, step));
      cur = out_[i];
    }
  }
  output_ = cur;
  return cur;
}

double Network::loss(const float* y, int64_t rows, bool with_grad) {
  const size_t last = spec_.layers.size() - 1;
  const int64_t cols = spec_.outputs;
  if (fused_) {
    const float* logits = spec_.layers[last].kind == LayerKind::kDense ? pre_[last] : input_of_[last];
    return fused_ == 1 ? softmax_cross_entropy_f32(out_[last], d_pre_[last], logits, y, rows, cols, sparse_)
                       : sigmoid_cross_entropy(out_[last], d_pre_[last], logits, y, rows, cols);
  }
  double value = loss_forward(spec_.loss, output_, y, rows, cols);
  if (with_grad) loss_backward(spec_.loss, d_out_[last], output_, y, rows, cols);
  return value;
}

double Network::regularization_loss() const {
  double total = 0;
  for (const LayerSpec& l : spec_.layers) {
    if (l.kind != LayerKind::kDense || (l.l1 == 0 && l.l2 == 0)) continue;
    double abs = 0, sq = 0;
    const int64_t n = l.inputs * l.units;
    for (int64_t i = 0; i < n; i++) {
      double w = l.kernel[i];
      abs += std::abs(w);
      sq += w * w;
    }
    total += l.l1 * abs + l.l2 * sq;
  }
  return total;
}

void Network::metric_sums(const float* out, const float* y, int64_t rows, double* acc) {
  const int64_t cols = spec_.outputs;
  const Loss loss = spec_.loss;
  for (size_t m = 0; m < spec_.metrics.size(); m++) {
    const Metric metric = spec_.metrics[m];
    double sum = 0;
    if (metric == Metric::kAccuracy && (sparse_ || loss == Loss::kCategoricalCrossentropy)) {
      argmax_rows(arg_pred_.data(), out, rows, cols);
      if (!sparse_) argmax_rows(arg_true_.data(), y, rows, cols);
      for (int64_t r = 0; r < rows; r++)
        if (arg_pred_[r] == (sparse_ ? static_cast<int32_t>(y[r]) : arg_true_[r])) sum += 1;
    } else {
      const bool thresholded = loss == Loss::kBinaryCrossentropy || loss == Loss::kBinaryCrossentropyFromLogits;
      const double threshold = loss == Loss::kBinaryCrossentropy ? 0.5 : 0.0;
      for (int64_t r = 0; r < rows; r++) {
        double row_sum = 0;
        for (int64_t c = 0; c < cols; c++) {
          const double p = out[r * cols + c];
          const double t = sparse_ ? (static_cast<int64_t>(y[r]) == c ? 1.0 : 0.0) : y[r * cols + c];
          if (metric == Metric::kMse)
            row_sum += (p - t) * (p - t);
          else if (metric == Metric::kMae)
            row_sum += std::abs(p - t);
          else if (!thresholded)
            row_sum += p == t ? 1 : 0;
          else
            row_sum += (p > threshold ? 1.0 : 0.0) == t ? 1 : 0;
        }
        sum += row_sum / static_cast<double>(cols);
      }
    }
    acc[m] += sum;
  }
}

void Network::backward(int64_t rows) {
  const int64_t last = static_cast<int64_t>(spec_.layers.size()) - 1;
  for (int64_t i = last; i >= 0; i--) {
    const LayerSpec& l = spec_.layers[i];
    const bool fused_here = fused_ && i == last;
    if (l.kind == LayerKind::kDense) {
      float* dz = d_pre_[i];
      if (!fused_here && !aliases_output(l))
        activate_backward(l.activation, dz, d_out_[i], pre_[i], out_[i], rows, l.units, l.alpha);
      const int64_t p = kernel_index_[i];
      sgemm(true, false, l.inputs, l.units, rows, 1.0f, input_of_[i], l.inputs, dz, l.units, 0.0f, grads_[p].data(),
            l.units);
      if (l.bias) {
        fill(grads_[p + 1].data(), 0.0f, l.units);
        add_column_sums(grads_[p + 1].data(), dz, rows, l.units);
      }
      if (i > 0)
        sgemm(false, true, rows, l.inputs, l.units, 1.0f, dz, l.units, l.kernel, l.units, 0.0f, d_out_[i - 1],
              l.inputs);
    } else if (i == 0) {
      // nothing below to propagate into
    } else if (l.kind == LayerKind::kActivation) {
      if (!fused_here)
        activate_backward(l.activation, d_pre_[i], d_out_[i], input_of_[i], out_[i], rows, l.units, l.alpha);
    } else {
      mul(d_out_[i - 1], d_out_[i], mask_[i], rows * l.units);
    }
  }
  // Regularization: grad += 2·l2·w (axpy), then grad += l1·sign(w) in double, as the twin.
  for (size_t i = 0; i < spec_.layers.size(); i++) {
    const LayerSpec& l = spec_.layers[i];
    if (l.kind != LayerKind::kDense) continue;
    float* g = grads_[kernel_index_[i]].data();
    const int64_t n = l.inputs * l.units;
    if (l.l2 != 0) axpy(g, static_cast<float>(2 * l.l2), l.kernel, n);
    if (l.l1 != 0) {
      for (int64_t j = 0; j < n; j++) {
        const float w = l.kernel[j];
        const double sign = w > 0 ? 1.0 : w < 0 ? -1.0 : 0.0;
        g[j] = static_cast<float>(g[j] + l.l1 * sign);
      }
    }
  }
}

void Network::update(int64_t t) {
  const OptimizerSpec& o = spec_.optimizer;
  const double lr = o.learning_rate;
  for (size_t p = 0; p < spec_.params.size(); p++) {
    const ParamSpec& param = spec_.params[p];
    const float* g = grads_[p].data();
    float* const* s = param.slots;
    switch (o.kind) {
      case OptimizerKind::kSgd:
        sgd_update(param.data, g, param.size, lr);
        break;
      case OptimizerKind::kMomentum:
        momentum_update(param.data, g, s[0], param.size, lr, o.momentum, o.nesterov);
        break;
      case OptimizerKind::kAdam:
        parallel_adam(param, g, o, t, 0);
        break;
      case OptimizerKind::kAdamW:
        parallel_adam(param, g, o, t, o.weight_decay);
        break;
      case OptimizerKind::kRmsprop:
        rmsprop_update(param.data, g, s[0], s[1], param.size, lr, o.rho, o.momentum, o.epsilon);
        break;
      case OptimizerKind::kAdagrad:
        adagrad_update(param.data, g, s[0], param.size, lr, o.epsilon);
        break;
    }
  }
}

void Network::train_step(const float* x, const float* y, const int32_t* indices, int64_t from, int64_t to, int64_t step,
                         double* result) {
  const int64_t rows = to - from;
  reserve(rows);
  const int64_t in = spec_.inputs, y_width = sparse_ ? 1 : spec_.outputs;
  const float* xs = x + from * in;  // rows in order: read in place (nothing below writes x or y)
  const float* ys = y + from * y_width;
  if (indices) {
    for (int64_t r = 0; r < rows; r++) {
      const int64_t src = indices[from + r];
      std::memcpy(xb_.data() + r * in, x + src * in, sizeof(float) * in);
      std::memcpy(yb_.data() + r * y_width, y + src * y_width, sizeof(float) * y_width);
    }
    xs = xb_.data();
    ys = yb_.data();
  }
  forward(xs, rows, true, step, fused_ != 0);
  result[0] = loss(ys, rows, true) + regularization_loss();
  const int64_t metrics = static_cast<int64_t>(spec_.metrics.size());
  for (int64_t m = 0; m < metrics; m++) result[1 + m] = 0;
  metric_sums(output_, ys, rows, result + 1);
  for (int64_t m = 0; m < metrics; m++) result[1 + m] /= static_cast<double>(rows);
  backward(rows);
  update(step + 1);
}

void Network::train_batches(const float* x, const float* y, const int32_t* indices, int64_t n_indices,
                            int64_t batch_size, int64_t first, int64_t last, int64_t step, double* results) {
  for (int64_t b = first; b < last; b++) {
    const int64_t from = b * batch_size;
    const int64_t to = std::min(from + batch_size, n_indices);
    train_step(x, y, indices, from, to, step + (b - first), results + (b - first) * result_width());
  }
}

void Network::predict(const float* x, int64_t rows, float* out) {
  const int64_t chunk = eval_rows();
  for (int64_t r0 = 0; r0 < rows; r0 += chunk) {
    const int64_t n = std::min(chunk, rows - r0);
    reserve(n);
    const float* y = forward(x + r0 * spec_.inputs, n, false, 0, false);
    std::memcpy(out + r0 * spec_.outputs, y, sizeof(float) * n * spec_.outputs);
  }
}

void Network::evaluate(const float* x, const float* y, int64_t rows, double* results) {
  const int64_t width = result_width(), y_width = sparse_ ? 1 : spec_.outputs;
  for (int64_t i = 0; i < width; i++) results[i] = 0;
  const int64_t chunk = eval_rows();
  for (int64_t r0 = 0; r0 < rows; r0 += chunk) {
    const int64_t n = std::min(chunk, rows - r0);
    reserve(n);
    const float* yc = y + r0 * y_width;
    forward(x + r0 * spec_.inputs, n, false, 0, fused_ != 0);
    results[0] += loss(yc, n, false) * static_cast<double>(n);
    metric_sums(output_, yc, n, results + 1);
  }
  for (int64_t i = 0; i < width; i++) results[i] = rows == 0 ? 0 : results[i] / static_cast<double>(rows);
  results[0] += regularization_loss();
}

double Network::gradients(const float* x, const float* y, int64_t rows, int64_t step, float* const* grads) {
  reserve(rows);
  forward(x, rows, true, step, fused_ != 0);
  const double value = loss(y, rows, true) + regularization_loss();
  backward(rows);
  for (size_t p = 0; p < grads_.size(); p++) std::memcpy(grads[p], grads_[p].data(), sizeof(float) * grads_[p].size());
  return value;
}

}  // namespace nativenn::train
