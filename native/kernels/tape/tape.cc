// The tape interpreter (tape.h): each call is one kernel of native/kernels. The fast paths of the
// old per-layer executor are kept, chosen from the arguments alone: bias + relu in one pass when
// out is not z, the branch-free relu backward when dx aliases neither dy nor x, Adam in float32
// split over the pool, and the float32 softmax cross-entropy when probs aliases neither logits
// nor grad. Adam and softmaxXent therefore differ from the js twins by float32 rounding only.
#include "kernels/tape/tape.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/activations.h"
#include "kernels/dropout.h"
#include "kernels/elementwise.h"
#include "kernels/float_env.h"
#include "kernels/gemm/gemm.h"
#include "kernels/losses.h"
#include "kernels/noise.h"
#include "kernels/optim.h"
#include "kernels/softmax.h"
#include "kernels/threads.h"
#include "kernels/train/adam_f32.h"
#include "kernels/train/fused.h"

namespace nativenn::tape {
namespace {

// Adam over large parameters (a 784×256 kernel) is split across the thread pool: elementwise, so
// any split gives the same bits. Small ones stay on this thread (waking a worker costs more).
void parallel_adam(float* param, const float* g, float* m, float* v, int64_t n, double lr, double beta1, double beta2,
                   double epsilon, int64_t t, double weight_decay) {
  constexpr int64_t kChunk = 32768;
  const int64_t tasks = n >= 2 * kChunk ? (n + kChunk - 1) / kChunk : 1;
  auto run = [&](int64_t task) {
    const int64_t i0 = task * kChunk, len = tasks == 1 ? n : std::min(kChunk, n - i0);
    train::adam_update_f32(param + i0, g + i0, m + i0, v + i0, len, lr, beta1, beta2, epsilon, t, weight_decay);
  };
  if (tasks == 1)
    run(0);
  else
    parallel_for(tasks, run);
}

double regularization(const float* w, int64_t n, double l1, double l2) {
  double abs = 0, sq = 0;
  for (int64_t i = 0; i < n; i++) {
    const double v = w[i];
    abs += std::abs(v);
    sq += v * v;
  }
  return l1 * abs + l2 * sq;
}

double row_mean_metric(RowMetric metric, const float* pred, const float* target, int64_t rows, int64_t cols,
                       double threshold, bool sparse) {
  double sum = 0;
  for (int64_t r = 0; r < rows; r++) {
    double row_sum = 0;
    for (int64_t c = 0; c < cols; c++) {
      const double p = pred[r * cols + c];
      const double t = sparse ? (static_cast<int64_t>(target[r]) == c ? 1.0 : 0.0) : target[r * cols + c];
      switch (metric) {
        case RowMetric::kMse:
          row_sum += (p - t) * (p - t);
          break;
        case RowMetric::kMae:
          row_sum += std::abs(p - t);
          break;
        case RowMetric::kExact:
          row_sum += p == t ? 1 : 0;
          break;
        case RowMetric::kThreshold:
          row_sum += (p > threshold ? 1.0 : 0.0) == t ? 1 : 0;
          break;
      }
    }
    sum += row_sum / static_cast<double>(cols);
  }
  return sum;
}

}  // namespace

TapeRunner::TapeRunner(TapeSpec t, std::vector<float> slots)
    : spec_(std::move(t)), grads_(spec_.params, 0.0f), slots_(std::move(slots)) {
  classes_ = sparse_column_classes(spec_);
  const size_t n = spec_.buffers.size();
  root_.resize(n);
  for (size_t i = 0; i < n; i++)
    root_[i] = spec_.buffers[i].alias < 0 ? static_cast<int32_t>(i) : root_[spec_.buffers[i].alias];
  for (int s = 0; s < kSectionCount; s++)
    for (const Call& c : spec_.sections[s])
      if ((c.kernel == Kernel::kSoftmaxXent || c.kernel == Kernel::kSigmoidXent ||
           c.kernel == Kernel::kWeightedSoftmaxXent || c.kernel == Kernel::kWeightedSigmoidXent) &&
          c.args[1] < 0)
        xent_cols_ = std::max(xent_cols_, c.size[1].per_row ? 0 : c.size[1].value);
  int64_t norm_channels = 0;
  for (int s = 0; s < kSectionCount; s++)
    for (const Call& c : spec_.sections[s])
      if (c.kernel == Kernel::kBatchNormTrain || c.kernel == Kernel::kBatchNormInfer ||
          c.kernel == Kernel::kBatchNormGrad)
        norm_channels = std::max(norm_channels, c.size[1].value);
  norm_scratch_.assign(2 * norm_channels, 0.0);  // validated: channels ≤ the widths it indexes
  f_.assign(n, nullptr);
  i_.assign(n, nullptr);
  mean_.assign(spec_.result_count, 0);
  sum_.assign(spec_.result_count, 0);
  once_.assign(spec_.result_count, 0);
}

int64_t TapeRunner::chunk_rows() const {
  const int64_t per_row = workspace_bytes(1, nullptr);
  if (per_row <= 0) return kChunkRows;
  return std::clamp<int64_t>(kChunkBytes / per_row, 1, kChunkRows);
}

int64_t TapeRunner::workspace_bytes(int64_t rows, std::string* largest, int64_t* largest_bytes) const {
  const int64_t cap = std::max<int64_t>(rows, 1);
  int64_t widths = xent_cols_, widest = xent_cols_;
  if (largest) *largest = "the cross-entropy scratch";
  for (size_t i = 0; i < spec_.buffers.size(); i++) {
    const BufferSpec& b = spec_.buffers[i];
    if (!batched(b.role) || root_[i] != static_cast<int32_t>(i)) continue;
    widths += b.width;  // ≤ 2^31 per buffer, far fewer than 2^31 buffers: no overflow
    if (b.width > widest) {
      widest = b.width;
      if (largest) *largest = b.name;
    }
  }
  int64_t bytes = 0;
  if (__builtin_mul_overflow(widths, cap, &bytes) || __builtin_mul_overflow(bytes, int64_t{4}, &bytes)) return -1;
  if (largest_bytes) *largest_bytes = widest * cap * 4;  // ≤ bytes: no overflow
  return bytes;
}

void TapeRunner::reserve(int64_t rows) {
  if (rows <= capacity_ && capacity_ > 0) return;
  const int64_t cap = std::max<int64_t>(rows, 1);
  capacity_ = 0;  // set again only once everything is allocated: a bad_alloc leaves no stale state
  int64_t floats = xent_cols_ * cap, ints = 0;
  std::vector<int64_t> start(spec_.buffers.size(), 0);
  for (size_t i = 0; i < spec_.buffers.size(); i++) {
    const BufferSpec& b = spec_.buffers[i];
    if (!batched(b.role) || root_[i] != static_cast<int32_t>(i)) continue;
    int64_t& total = b.int32 ? ints : floats;
    start[i] = total;
    total += b.width * cap;
  }
  workspace_ = std::vector<float>();
  int_workspace_ = std::vector<int32_t>();
  workspace_.resize(floats);
  int_workspace_.resize(ints);
  xent_scratch_ = workspace_.data();
  for (size_t i = 0; i < spec_.buffers.size(); i++) {
    const BufferSpec& b = spec_.buffers[i];
    if (!batched(b.role)) continue;
    const int64_t s = start[root_[i]];
    f_[i] = b.int32 ? nullptr : workspace_.data() + s;
    i_[i] = b.int32 ? int_workspace_.data() + s : nullptr;
  }
  capacity_ = cap;
}

// Arena pointers: resolved per run (the arena is not ours; it stays put while we run).
void TapeRunner::bind(Arena& arena) {
  for (size_t i = 0; i < spec_.buffers.size(); i++) {
    const BufferSpec& b = spec_.buffers[i];
    float* base = nullptr;
    switch (b.role) {
      case Role::kParam:
        base = arena.params.data();
        break;
      case Role::kGrad:
        base = grads_.data();
        break;
      case Role::kSlot:
        base = slots_.data();
        break;
      case Role::kState:
        base = arena.state.data();
        break;
      default:
        continue;
    }
    f_[i] = base ? base + b.offset : nullptr;
  }
}

double TapeRunner::call(const Call& c, int64_t rows, int64_t step, double lr) {
  auto arg = [&](int i) { return c.args[i] < 0 ? nullptr : f_[c.args[i]]; };
  float* a0 = c.args[0] < 0 ? nullptr : f_[c.args[0]];
  float* a1 = c.args[1] < 0 ? nullptr : f_[c.args[1]];
  float* a2 = c.args[2] < 0 ? nullptr : f_[c.args[2]];
  float* a3 = c.args[3] < 0 ? nullptr : f_[c.args[3]];
  const int64_t s0 = c.size[0].at(rows), s1 = c.size[1].at(rows);
  const double* v = c.value;
  switch (c.kernel) {
    case Kernel::kGemm: {
      const bool ta = v[0] != 0, tb = v[1] != 0;
      const int64_t m = c.size[2].at(rows), n = c.size[3].at(rows), k = c.size[4].at(rows);
      const int64_t lda = std::max<int64_t>(ta ? m : k, 1), ldb = std::max<int64_t>(tb ? k : n, 1);
      sgemm(ta, tb, m, n, k, static_cast<float>(v[5]), a0, lda, a1, ldb, static_cast<float>(v[6]), a2,
            std::max<int64_t>(n, 1));
      return 0;
    }
    case Kernel::kAddBias:
      add_bias(a0, a1, s0, s1);
      return 0;
    case Kernel::kBiasActivation: {
      const auto fn = static_cast<Activation>(static_cast<int>(v[2]));
      if (fn == Activation::kRelu && a0 != a1) {
        train::bias_relu_forward(a0, a1, a2, s0, s1);  // one pass instead of two
      } else {
        if (a2) add_bias(a1, a2, s0, s1);
        if (!(fn == Activation::kLinear && a0 == a1)) activation_forward(fn, a0, a1, s0 * s1, v[3]);
      }
      return 0;
    }
    case Kernel::kActivation:
      activation_forward(static_cast<Activation>(static_cast<int>(v[1])), a0, a1, s0, v[2]);
      return 0;
    case Kernel::kActivationGrad: {
      const auto fn = static_cast<Activation>(static_cast<int>(v[1]));
      if (fn == Activation::kRelu && a0 != a1 && a0 != a2)
        train::relu_backward(a0, a1, a2, s0);
      else
        activation_backward(fn, a0, a1, a2, a3, s0, v[2]);
      return 0;
    }
    case Kernel::kSoftmax:
      softmax_forward(a0, a1, s0, s1);
      return 0;
    case Kernel::kSoftmaxGrad:
      softmax_backward(a0, a1, a2, s0, s1);
      return 0;
    case Kernel::kDropout:
      dropout_forward(a0, a1, a2, s0, v[1], dropout_seed(static_cast<uint32_t>(v[2]), step));
      return 0;
    case Kernel::kMul:
      mul(a0, a1, a2, s0);
      return 0;
    case Kernel::kCopy:
      if (a0 != a1 && s0 > 0) std::memmove(a0, a1, sizeof(float) * s0);
      return 0;
    case Kernel::kFill:
      fill(a0, static_cast<float>(v[1]), s0);
      return 0;
    case Kernel::kColumnSums:
      add_column_sums(a0, a1, s0, s1);
      return 0;
    case Kernel::kAxpy:
      axpy(a0, static_cast<float>(v[1]), a1, s0);
      return 0;
    case Kernel::kL1Grad:
      for (int64_t i = 0; i < s0; i++) {  // in double, as the twin
        const float w = a1[i];
        const double sign = w > 0 ? 1.0 : w < 0 ? -1.0 : 0.0;
        a0[i] = static_cast<float>(a0[i] + v[1] * sign);
      }
      return 0;
    case Kernel::kRegularization:
      return regularization(a0, s0, v[1], v[2]);
    case Kernel::kLoss:
      return loss_forward(static_cast<Loss>(static_cast<int>(v[2])), a0, a1, s0, s1);
    case Kernel::kLossGrad:
      loss_backward(static_cast<Loss>(static_cast<int>(v[2])), a0, a1, a2, s0, s1);
      return 0;
    case Kernel::kSoftmaxXent: {
      float* grad = a1 ? a1 : xent_scratch_;
      if (a0 != a2 && a0 != grad) return train::softmax_cross_entropy_f32(a0, grad, a2, a3, s0, s1, v[2] != 0);
      return softmax_cross_entropy(a0, grad, a2, a3, s0, s1, v[2] != 0);
    }
    case Kernel::kSigmoidXent:
      return sigmoid_cross_entropy(a0, a1 ? a1 : xent_scratch_, a2, a3, s0, s1);
    case Kernel::kWeightedLoss:
      return weighted_loss_forward(static_cast<Loss>(static_cast<int>(v[2])), a0, a1, a2, s0, s1);
    case Kernel::kWeightedLossGrad:
      weighted_loss_backward(static_cast<Loss>(static_cast<int>(v[2])), a0, a1, a2, a3, s0, s1);
      return 0;
    case Kernel::kWeightedSoftmaxXent:
      return weighted_softmax_cross_entropy(a0, a1 ? a1 : xent_scratch_, a2, a3, arg(4), s0, s1, v[2] != 0);
    case Kernel::kWeightedSigmoidXent:
      return weighted_sigmoid_cross_entropy(a0, a1 ? a1 : xent_scratch_, a2, a3, arg(4), s0, s1);
    case Kernel::kArgmaxAccuracy: {
      int32_t* arg_pred = i_[c.args[2]];
      int32_t* arg_true = i_[c.args[3]];
      const bool sparse = v[2] != 0;
      argmax_rows(arg_pred, a0, s0, s1);
      if (!sparse) argmax_rows(arg_true, a1, s0, s1);
      double hits = 0;
      for (int64_t r = 0; r < s0; r++)
        if (arg_pred[r] == (sparse ? static_cast<int32_t>(a1[r]) : arg_true[r])) hits += 1;
      return hits;
    }
    case Kernel::kRowMeanMetric:
      return row_mean_metric(static_cast<RowMetric>(static_cast<int>(v[2])), a0, a1, s0, s1, v[3], v[4] != 0);
    case Kernel::kSgd:
      sgd_update(a0, a1, s0, lr);
      return 0;
    case Kernel::kMomentum:
      momentum_update(a0, a1, a2, s0, lr, v[1], v[2] != 0);
      return 0;
    case Kernel::kAdam:
      parallel_adam(a0, a1, a2, a3, s0, lr, v[1], v[2], v[3], step + 1, v[4]);
      return 0;
    case Kernel::kRmsprop:
      rmsprop_update(a0, a1, a2, a3, s0, lr, v[1], v[2], v[3]);
      return 0;
    case Kernel::kAdagrad:
      adagrad_update(a0, a1, a2, s0, lr, v[1]);
      return 0;
    case Kernel::kClipNorm: {
      double sq = 0;  // in double, as the twin
      for (int64_t i = 0; i < s0; i++) sq += static_cast<double>(a0[i]) * a0[i];
      const double norm = std::sqrt(sq);
      if (norm > v[1]) {
        const double scale = v[1] / norm;
        for (int64_t i = 0; i < s0; i++) a0[i] = static_cast<float>(a0[i] * scale);
      }
      return 0;
    }
    case Kernel::kClipValue: {
      const float hi = static_cast<float>(v[1]);
      for (int64_t i = 0; i < s0; i++) a0[i] = std::min(hi, std::max(-hi, a0[i]));
      return 0;
    }
    case Kernel::kConv2d: {
      const Conv2dShape g = conv_shape(c, rows);
      conv2d_forward(a0, a1, a2, a3, g.batch * conv2d_column_size(g), g);
      return 0;
    }
    case Kernel::kConv2dGradInput: {
      const Conv2dShape g = conv_shape(c, rows);
      conv2d_backward_data(a0, a1, a2, a3, g.batch * conv2d_column_size(g), g, v[15] == 0);
      return 0;
    }
    case Kernel::kConv2dGradFilter: {
      const Conv2dShape g = conv_shape(c, rows);
      if (v[15] == 0) fill(a0, 0.0f, g.k_h * g.k_w * g.in_c * g.out_c);
      conv2d_backward_filter(a0, a1, a2, a3, g.batch * conv2d_column_size(g), g, v[16] != 0);
      return 0;
    }
    case Kernel::kConv2dReluPool:
      conv2d_relu_pool_forward(a0, i_[c.args[1]], a2, a3, arg(4), arg(5), conv_pool_shape(c, rows));
      return 0;
    case Kernel::kConv2dReluPoolGrad:
      conv2d_relu_pool_backward(a0, a1, a2, a3, arg(4), i_[c.args[5]], conv_pool_shape(c, rows), v[17] != 0);
      return 0;
    case Kernel::kMaxPool2d:
      max_pool2d_forward(a0, i_[c.args[1]], a2, pool_shape(c, rows));
      return 0;
    case Kernel::kMaxPool2dGrad: {
      const Pool2dShape g = pool_shape(c, rows);
      max_pool2d_backward(a0, a1, i_[c.args[2]], g, v[12] == 0);
      return 0;
    }
    case Kernel::kAvgPool2d:
      avg_pool2d_forward(a0, a1, pool_shape(c, rows));
      return 0;
    case Kernel::kAvgPool2dGrad: {
      const Pool2dShape g = pool_shape(c, rows);
      if (v[12] == 0) fill(a0, 0.0f, g.batch * g.in_h * g.in_w * g.channels);
      avg_pool2d_backward(a0, a1, g);
      return 0;
    }
    case Kernel::kEmbedding:
      embedding_forward(a0, a1, a2, s0, c.size[1].value, c.size[2].value);
      return 0;
    case Kernel::kEmbeddingGrad:
      embedding_backward(a0, a1, a2, s0, c.size[1].value, c.size[2].value, v[3] != 0);
      return 0;
    case Kernel::kCopyColumns: {
      const int64_t n = c.size[1].value, x_cols = c.size[2].value, out_cols = c.size[4].value;
      const float* x = a1 + c.size[3].value;
      float* out = a0 + c.size[5].value;
      const bool accumulate = v[6] != 0;
      for (int64_t r = 0; r < s0; r++) {
        float* o = out + r * out_cols;
        const float* in = x + r * x_cols;
        if (accumulate)
          for (int64_t j = 0; j < n; j++) o[j] += in[j];
        else
          std::memmove(o, in, sizeof(float) * n);  // a hostile tape may overlap them
      }
      return 0;
    }
    case Kernel::kRecurrent:
      recurrent_forward(a0, a1, a2, a3, arg(4), recurrent_shape(c, rows));
      return 0;
    case Kernel::kRecurrentGrad:
      recurrent_backward(a0, a1, a2, a3, arg(4), arg(5), arg(6), recurrent_shape(c, rows), v[8] != 0);
      return 0;
    case Kernel::kPad2d:
      pad2d_forward(a0, a1, pad_shape(c, rows));
      return 0;
    case Kernel::kPad2dGrad:
      pad2d_backward(a0, a1, pad_shape(c, rows), v[8] != 0);
      return 0;
    case Kernel::kUpSampling2d:
      up_sampling2d_forward(a0, a1, up_sampling_shape(c, rows));
      return 0;
    case Kernel::kUpSampling2dGrad:
      up_sampling2d_backward(a0, a1, up_sampling_shape(c, rows), v[7] != 0);
      return 0;
    case Kernel::kGaussianNoise:
      gaussian_noise_forward(a0, a1, s0, v[1], dropout_seed(static_cast<uint32_t>(v[2]), step));
      return 0;
    case Kernel::kBatchNormTrain:
      batch_norm_train(a0, a1, a2, a3, arg(4), arg(5), arg(6), arg(7), s0, c.size[1].value, v[2], v[3],
                       norm_scratch_.data());
      return 0;
    case Kernel::kBatchNormInfer:
      batch_norm_infer(a0, a1, a2, a3, arg(4), arg(5), s0, c.size[1].value, v[2], norm_scratch_.data());
      return 0;
    case Kernel::kBatchNormGrad:
      batch_norm_backward(a0, a1, a2, a3, arg(4), arg(5), arg(6), arg(7), s0, c.size[1].value, v[2] != 0,
                          norm_scratch_.data());
      return 0;
  }
  return 0;
}

void TapeRunner::run(Section s, Pass pass, int64_t rows, int64_t step, double lr, bool first_chunk) {
  for (const Call& c : spec_.sections[s]) {
    if (!(c.passes & pass)) continue;
    const double value = call(c, rows, step, lr) * c.scale;
    if (c.result < 0) continue;
    switch (c.reduce) {
      case Reduce::kMean:
        if (rows > 0) mean_[c.result] += value * static_cast<double>(rows);
        break;
      case Reduce::kSum:
        sum_[c.result] += value;
        break;
      case Reduce::kOnce:
        if (first_chunk) once_[c.result] += value;
        break;
    }
  }
}

void TapeRunner::finish(int64_t rows, double* results) const {
  for (int64_t i = 0; i < spec_.result_count; i++)
    results[i] = (rows > 0 ? (mean_[i] + sum_[i]) / static_cast<double>(rows) : 0) + once_[i];
}

void TapeRunner::train_batches(Arena& arena, const float* x, const float* y, const int32_t* order, const BatchCut& cut,
                               int64_t first, int64_t batches, int64_t step, double learning_rate, double* results) {
  ScopedFlushDenormals flush;  // subnormals read and written as 0 (float_env.h)
  bind(arena);
  const int64_t xw = x_width(), yw = y_width();
  float* const x_buffer = f_[spec_.x];
  float* const y_buffer = f_[spec_.y];
  const int64_t origin = batches > 0 ? cut.start(first) : 0;
  for (int64_t b = 0; b < batches; b++) {
    const int64_t from = cut.start(first + b) - origin, n = cut.end(first + b) - cut.start(first + b);
    if (order) {
      // x and y are the tables: gather the batch's rows into the workspace.
      for (int64_t i = 0; i < n; i++) {
        std::memcpy(x_buffer + i * xw, x + order[from + i] * xw, sizeof(float) * xw);
        std::memcpy(y_buffer + i * yw, y + order[from + i] * yw, sizeof(float) * yw);
      }
    } else {
      // The batch rows are already gathered and ours: read them in place (x and y are never written).
      f_[spec_.x] = const_cast<float*>(x) + from * xw;
      f_[spec_.y] = const_cast<float*>(y) + from * yw;
    }
    std::fill(mean_.begin(), mean_.end(), 0.0);
    std::fill(sum_.begin(), sum_.end(), 0.0);
    std::fill(once_.begin(), once_.end(), 0.0);
    for (Section s : {kForward, kLossSection, kMetrics, kBackward, kUpdate})
      run(s, kTrain, n, step + b, learning_rate, true);
    finish(n, results + b * spec_.result_count);
  }
  f_[spec_.x] = x_buffer;
  f_[spec_.y] = y_buffer;
}

void TapeRunner::predict(Arena& arena, const float* x, int64_t rows, float* out) {
  ScopedFlushDenormals flush;  // subnormals read and written as 0 (float_env.h)
  bind(arena);
  const int64_t xw = x_width(), ow = output_width();
  const int64_t chunk = chunk_rows();
  for (int64_t r0 = 0; r0 < rows; r0 += chunk) {
    const int64_t n = std::min(chunk, rows - r0);
    std::memcpy(f_[spec_.x], x + r0 * xw, sizeof(float) * n * xw);
    run(kForward, kPredict, n, 0, 0, r0 == 0);
    std::memcpy(out + r0 * ow, f_[spec_.output], sizeof(float) * n * ow);
  }
}

void TapeRunner::evaluate(Arena& arena, const float* x, const float* y, int64_t rows, double* results) {
  ScopedFlushDenormals flush;  // subnormals read and written as 0 (float_env.h)
  bind(arena);
  const int64_t xw = x_width(), yw = y_width();
  std::fill(mean_.begin(), mean_.end(), 0.0);
  std::fill(sum_.begin(), sum_.end(), 0.0);
  std::fill(once_.begin(), once_.end(), 0.0);
  // rows = 0 still runs one empty chunk: the 'once' terms (regularization) count.
  const int64_t chunk = chunk_rows();
  for (int64_t r0 = 0; r0 == 0 || r0 < rows; r0 += chunk) {
    const int64_t n = std::min(chunk, rows - r0);
    if (n > 0) {
      std::memcpy(f_[spec_.x], x + r0 * xw, sizeof(float) * n * xw);
      std::memcpy(f_[spec_.y], y + r0 * yw, sizeof(float) * n * yw);
    }
    for (Section s : {kForward, kLossSection, kMetrics}) run(s, kEval, n, 0, 0, r0 == 0);
  }
  finish(rows, results);
}

double TapeRunner::gradients(Arena& arena, const float* x, const float* y, int64_t rows, int64_t step) {
  ScopedFlushDenormals flush;  // subnormals read and written as 0 (float_env.h)
  bind(arena);
  // Into the workspace (as evaluate): it holds max(rows, 1) rows, so calls of a constant extent
  // stay inside x and y even for rows = 0.
  if (rows > 0) {
    std::memcpy(f_[spec_.x], x, sizeof(float) * rows * x_width());
    std::memcpy(f_[spec_.y], y, sizeof(float) * rows * y_width());
  }
  std::fill(mean_.begin(), mean_.end(), 0.0);
  std::fill(sum_.begin(), sum_.end(), 0.0);
  std::fill(once_.begin(), once_.end(), 0.0);
  for (Section s : {kForward, kLossSection, kBackward}) run(s, kTrain, rows, step, 0, true);
  double first = 0;
  if (spec_.result_count > 0) {
    std::vector<double> results(spec_.result_count);
    finish(rows, results.data());
    first = results[0];
  }
  return first;
}

}  // namespace nativenn::tape
