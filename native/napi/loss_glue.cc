// Glue for the losses and the fused cross-entropies: unpack, check, call.
#include <cmath>
#include <string>
#include <vector>

#include "kernels/losses.h"
#include "napi/args.h"
#include "napi/register.h"

namespace nativenn::glue {
namespace {

// Sparse targets: (rows) class indices stored as floats, integers in [0, cols). The kernels
// index pred with them, so they are copied into `copy` first and the copy is checked and used
// (a check of the JS array would race with writers on other threads: SharedArrayBuffer).
const float* ClassIndices(const Args& a, size_t i, uint64_t rows, uint64_t cols, std::vector<float>& copy) {
  const float* target = a.f32(i, "target", rows);
  copy.assign(target, target + rows);
  for (uint64_t r = 0; r < rows; r++)
    if (!IsClassIndex(copy[r], static_cast<int64_t>(cols)))
      a.range_error("target[" + std::to_string(r) + "] must be a class index from 0 to " +
                    std::to_string(static_cast<int64_t>(cols) - 1));
  return copy.data();
}

const float* LossTarget(const Args& a, size_t i, uint64_t rows, uint64_t cols, bool sparse, std::vector<float>& copy) {
  return sparse ? ClassIndices(a, i, rows, cols, copy) : a.f32(i, "target", rows * cols);
}

// lossForward(loss name, pred, target, rows, cols) -> mean loss
Napi::Value LossForward(const Napi::CallbackInfo& info) {
  Args a(info, "lossForward");
  a.count(5);
  auto kind = static_cast<Loss>(a.name(0, "loss", kLossNames, kLossCount));
  uint64_t rows = a.size(3, "rows"), cols = a.size(4, "cols");
  const float* pred = a.f32(1, "pred", rows * cols);
  std::vector<float> labels;
  const float* target = LossTarget(a, 2, rows, cols, kind == Loss::kSparseCategoricalCrossentropy, labels);
  return Napi::Number::New(info.Env(), loss_forward(kind, pred, target, rows, cols));
}

// lossBackward(loss name, grad, pred, target, rows, cols)
Napi::Value LossBackward(const Napi::CallbackInfo& info) {
  Args a(info, "lossBackward");
  a.count(6);
  auto kind = static_cast<Loss>(a.name(0, "loss", kLossNames, kLossCount));
  uint64_t rows = a.size(4, "rows"), cols = a.size(5, "cols");
  float* grad = a.f32(1, "grad", rows * cols);
  const float* pred = a.f32(2, "pred", rows * cols);
  std::vector<float> labels;
  const float* target = LossTarget(a, 3, rows, cols, kind == Loss::kSparseCategoricalCrossentropy, labels);
  loss_backward(kind, grad, pred, target, rows, cols);
  return info.Env().Undefined();
}

// softmaxCrossEntropy(probs, grad, logits, target, rows, cols, sparse) -> mean loss
Napi::Value SoftmaxCrossEntropy(const Napi::CallbackInfo& info) {
  Args a(info, "softmaxCrossEntropy");
  a.count(7);
  uint64_t rows = a.size(4, "rows"), cols = a.size(5, "cols");
  bool sparse = a.boolean(6, "sparse");
  float* probs = a.f32(0, "probs", rows * cols);
  float* grad = a.f32(1, "grad", rows * cols);
  const float* logits = a.f32(2, "logits", rows * cols);
  std::vector<float> labels;
  const float* target = LossTarget(a, 3, rows, cols, sparse, labels);
  return Napi::Number::New(info.Env(), softmax_cross_entropy(probs, grad, logits, target, rows, cols, sparse));
}

// sigmoidCrossEntropy(probs, grad, logits, target, rows, cols) -> mean loss
Napi::Value SigmoidCrossEntropy(const Napi::CallbackInfo& info) {
  Args a(info, "sigmoidCrossEntropy");
  a.count(6);
  uint64_t rows = a.size(4, "rows"), cols = a.size(5, "cols");
  float* probs = a.f32(0, "probs", rows * cols);
  float* grad = a.f32(1, "grad", rows * cols);
  const float* logits = a.f32(2, "logits", rows * cols);
  const float* target = a.f32(3, "target", rows * cols);
  return Napi::Number::New(info.Env(), sigmoid_cross_entropy(probs, grad, logits, target, rows, cols));
}

}  // namespace

void RegisterLosses(Napi::Env env, Napi::Object exports) {
  exports.Set("lossForward", Napi::Function::New(env, LossForward, "lossForward"));
  exports.Set("lossBackward", Napi::Function::New(env, LossBackward, "lossBackward"));
  exports.Set("softmaxCrossEntropy", Napi::Function::New(env, SoftmaxCrossEntropy, "softmaxCrossEntropy"));
  exports.Set("sigmoidCrossEntropy", Napi::Function::New(env, SigmoidCrossEntropy, "sigmoidCrossEntropy"));
}

}  // namespace nativenn::glue
