// Glue for the activation and softmax kernels: unpack, check, call.
#include "kernels/activations.h"
#include "kernels/softmax.h"
#include "napi/args.h"
#include "napi/register.h"

namespace nativenn::glue {
namespace {

// activationForward(activation name, out, x, n, alpha)
Napi::Value ActivationForward(const Napi::CallbackInfo& info) {
  Args a(info, "activationForward");
  a.count(5);
  auto kind = static_cast<Activation>(a.name(0, "activation", kActivationNames, kActivationCount));
  uint64_t n = a.size(3, "n");
  float* out = a.f32(1, "out", n);
  const float* x = a.f32(2, "x", n);
  double alpha = a.finite(4, "alpha");
  activation_forward(kind, out, x, n, alpha);
  return info.Env().Undefined();
}

// activationBackward(activation name, dx, dy, x, y, n, alpha)
Napi::Value ActivationBackward(const Napi::CallbackInfo& info) {
  Args a(info, "activationBackward");
  a.count(7);
  auto kind = static_cast<Activation>(a.name(0, "activation", kActivationNames, kActivationCount));
  uint64_t n = a.size(5, "n");
  float* dx = a.f32(1, "dx", n);
  const float* dy = a.f32(2, "dy", n);
  const float* x = a.f32(3, "x", n);
  const float* y = a.f32(4, "y", n);
  double alpha = a.finite(6, "alpha");
  activation_backward(kind, dx, dy, x, y, n, alpha);
  return info.Env().Undefined();
}

// softmaxForward(out, x, rows, cols)
Napi::Value SoftmaxForward(const Napi::CallbackInfo& info) {
  Args a(info, "softmaxForward");
  a.count(4);
  uint64_t rows = a.size(2, "rows"), cols = a.size(3, "cols");
  float* out = a.f32(0, "out", rows * cols);
  const float* x = a.f32(1, "x", rows * cols);
  softmax_forward(out, x, rows, cols);
  return info.Env().Undefined();
}

// softmaxBackward(dx, dy, y, rows, cols)
Napi::Value SoftmaxBackward(const Napi::CallbackInfo& info) {
  Args a(info, "softmaxBackward");
  a.count(5);
  uint64_t rows = a.size(3, "rows"), cols = a.size(4, "cols");
  float* dx = a.f32(0, "dx", rows * cols);
  const float* dy = a.f32(1, "dy", rows * cols);
  const float* y = a.f32(2, "y", rows * cols);
  softmax_backward(dx, dy, y, rows, cols);
  return info.Env().Undefined();
}

}  // namespace

void RegisterActivations(Napi::Env env, Napi::Object exports) {
  exports.Set("activationForward", Napi::Function::New(env, ActivationForward, "activationForward"));
  exports.Set("activationBackward", Napi::Function::New(env, ActivationBackward, "activationBackward"));
  exports.Set("softmaxForward", Napi::Function::New(env, SoftmaxForward, "softmaxForward"));
  exports.Set("softmaxBackward", Napi::Function::New(env, SoftmaxBackward, "softmaxBackward"));
}

}  // namespace nativenn::glue
