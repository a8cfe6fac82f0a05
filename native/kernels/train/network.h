// The native training executor: a feedforward network described by sizes, kinds and raw
// pointers into caller-owned buffers (weights and optimizer slots belong to JS), trained batch
// after batch without leaving C++. It performs the same kernel calls in the same order as the
// TypeScript executor (src/train/executor-js.ts), so both agree to float32 rounding.
//
// Memory: the workspace (gathered batch, activations, pre-activations, masks, gradients) is sized
// for the largest row count seen and reused; a training step allocates nothing.
// Not thread-safe: one call at a time per Network (the glue enforces it).
#pragma once
#include <cstdint>
#include <vector>

#include "kernels/losses.h"

namespace nativenn::train {

// Activation codes 0..7 are nativenn::Activation; softmax (row-wise) comes after them.
constexpr int kSoftmax = 8;
constexpr int kPlanActivationCount = 9;

enum class LayerKind : int { kDense, kActivation, kDropout };
enum class OptimizerKind : int { kSgd, kMomentum, kAdam, kAdamW, kRmsprop, kAdagrad };
constexpr int kOptimizerCount = 6;
enum class Metric : int { kAccuracy, kMse, kMae };
constexpr int kMetricCount = 3;

// predict/evaluate run in chunks of at most this many rows (EVAL_ROWS in executor-js.ts), and of
// at most kEvalBytes of workspace (a very wide layer takes fewer rows at a time; at least one).
constexpr int64_t kEvalRows = 1024;
constexpr double kEvalBytes = 64.0 * 1024 * 1024;

// The workspace reserve() allocates for one row (it is linear in the rows), and the layer whose
// buffers take the most of it, so that a caller can refuse a size before allocating it.
struct WorkspaceSize {
  double bytes_per_row = 0;
  int64_t layer = 0;  // index in NetworkSpec::layers
  double layer_bytes_per_row = 0;
};

struct LayerSpec {
  LayerKind kind = LayerKind::kDense;
  int64_t inputs = 0;       // width in
  int64_t units = 0;        // width out (= inputs for activation and dropout)
  float* kernel = nullptr;  // dense: (inputs, units)
  float* bias = nullptr;    // dense: (units), or null
  int activation = 0;       // dense/activation: Activation code or kSoftmax
  double alpha = 0;         // leakyRelu slope / elu scale
  double l1 = 0, l2 = 0;    // dense kernel regularization
  double rate = 0;          // dropout
  uint32_t seed = 0;        // dropout base seed
};

struct OptimizerSpec {
  OptimizerKind kind = OptimizerKind::kSgd;
  double learning_rate = 0, beta1 = 0, beta2 = 0, epsilon = 0, momentum = 0, rho = 0, weight_decay = 0;
  bool nesterov = false;
};

// A trainable parameter and its optimizer slots (as many as the optimizer uses).
struct ParamSpec {
  float* data = nullptr;
  int64_t size = 0;
  float* slots[2] = {nullptr, nullptr};
};

struct NetworkSpec {
  int64_t inputs = 0, outputs = 0;
  std::vector<LayerSpec> layers;
  Loss loss = Loss::kMeanSquaredError;
  std::vector<Metric> metrics;
  OptimizerSpec optimizer;
  std::vector<ParamSpec> params;  // for each dense layer: kernel, then bias if any
};

// The dropout seed of a layer at 0-based step t (dropoutSeed in src/train/plan.ts).
uint32_t dropout_seed(uint32_t layer_seed, int64_t step);

class Network {
 public:
  // The spec must be consistent (the glue checks it); pointers must outlive the Network.
  explicit Network(NetworkSpec spec);

  int64_t result_width() const { return 1 + static_cast<int64_t>(spec_.metrics.size()); }
  void set_learning_rate(double lr) { spec_.optimizer.learning_rate = lr; }
  std::vector<int64_t> param_sizes() const {
    std::vector<int64_t> sizes;
    for (const ParamSpec& p : spec_.params) sizes.push_back(p.size);
    return sizes;
  }

  WorkspaceSize workspace_per_row() const;
  const LayerSpec& layer(int64_t i) const { return spec_.layers[i]; }
  // Rows per predict/evaluate chunk: at most kEvalRows and kEvalBytes of workspace, at least 1.
  int64_t eval_rows() const;

  // Batches [first, last) of `indices` (n_indices of them, in batches of batch_size; null: rows
  // 0, 1, … in order, read in place without a gather): one
  // optimizer update each, steps step, step+1, … (Adam's t = that + 1). results receives
  // (last − first)·result_width() values: per batch [loss, ...metrics].
  void train_batches(const float* x, const float* y, const int32_t* indices, int64_t n_indices, int64_t batch_size,
                     int64_t first, int64_t last, int64_t step, double* results);
  // out (rows, outputs) = the inference forward pass of x (rows, inputs).
  void predict(const float* x, int64_t rows, float* out);
  // results (result_width()) = inference [loss incl. regularization, ...metrics], means over rows.
  void evaluate(const float* x, const float* y, int64_t rows, double* results);
  // Training-mode loss at `step`, and grads[i] (params[i].size each) overwritten; no update.
  double gradients(const float* x, const float* y, int64_t rows, int64_t step, float* const* grads);

 private:
  void reserve(int64_t rows);
  const float* forward(const float* x, int64_t rows, bool training, int64_t step, bool skip_last_activation);
  double loss(const float* y, int64_t rows, bool with_grad);
  double regularization_loss() const;
  void metric_sums(const float* out, const float* y, int64_t rows, double* acc);
  void backward(int64_t rows);
  void update(int64_t t);
  void train_step(const float* x, const float* y, const int32_t* indices, int64_t from, int64_t to, int64_t step,
                  double* result);

  NetworkSpec spec_;
  int fused_ = 0;  // 0: none, 1: softmax + cross-entropy, 2: sigmoid + binary cross-entropy
  bool sparse_ = false;
  std::vector<int64_t> kernel_index_;      // per layer: index in params of its kernel, or -1
  std::vector<std::vector<float>> grads_;  // per param

  // Workspace, sized for capacity_ rows.
  int64_t capacity_ = 0;
  std::vector<float> xb_, yb_;
  std::vector<std::vector<float>> storage_;               // every activation-sized buffer below
  std::vector<float*> out_, pre_, mask_, d_out_, d_pre_;  // per layer (null where unused)
  std::vector<const float*> input_of_;                    // per layer, set by each forward
  const float* output_ = nullptr;
  std::vector<int32_t> arg_pred_, arg_true_;
};

}  // namespace nativenn::train
