// Glue for the optimizer updates: unpack, check, call. Hyper-parameters must be finite; step
// is an integer >= 1. Every check runs before the kernel, so a bad call changes no buffer.
#include "kernels/optim.h"
#include "napi/args.h"
#include "napi/register.h"

namespace nativenn::glue {
namespace {

Napi::Value SgdUpdate(const Napi::CallbackInfo& info) {
  Args a(info, "sgdUpdate");
  a.count(4);
  uint64_t n = a.size(2, "n");
  float* param = a.f32(0, "param", n);
  const float* grad = a.f32(1, "grad", n);
  double lr = a.finite(3, "lr");
  sgd_update(param, grad, n, lr);
  return info.Env().Undefined();
}

Napi::Value MomentumUpdate(const Napi::CallbackInfo& info) {
  Args a(info, "momentumUpdate");
  a.count(7);
  uint64_t n = a.size(3, "n");
  float* param = a.f32(0, "param", n);
  const float* grad = a.f32(1, "grad", n);
  float* velocity = a.f32(2, "velocity", n);
  double lr = a.finite(4, "lr"), momentum = a.finite(5, "momentum");
  bool nesterov = a.boolean(6, "nesterov");
  momentum_update(param, grad, velocity, n, lr, momentum, nesterov);
  return info.Env().Undefined();
}

Napi::Value AdamUpdate(const Napi::CallbackInfo& info) {
  Args a(info, "adamUpdate");
  a.count(11);
  uint64_t n = a.size(4, "n");
  float* param = a.f32(0, "param", n);
  const float* grad = a.f32(1, "grad", n);
  float* m = a.f32(2, "m", n);
  float* v = a.f32(3, "v", n);
  double lr = a.finite(5, "lr"), beta1 = a.finite(6, "beta1"), beta2 = a.finite(7, "beta2");
  double epsilon = a.finite(8, "epsilon");
  uint64_t step = a.size(9, "step");
  if (step < 1) a.range_error("step must be at least 1, got 0");
  double weight_decay = a.finite(10, "weightDecay");
  adam_update(param, grad, m, v, n, lr, beta1, beta2, epsilon, static_cast<int64_t>(step), weight_decay);
  return info.Env().Undefined();
}

Napi::Value RmspropUpdate(const Napi::CallbackInfo& info) {
  Args a(info, "rmspropUpdate");
  a.count(9);
  uint64_t n = a.size(4, "n");
  float* param = a.f32(0, "param", n);
  const float* grad = a.f32(1, "grad", n);
  float* mean_square = a.f32(2, "meanSquare", n);
  float* velocity = a.f32(3, "velocity", n);
  double lr = a.finite(5, "lr"), rho = a.finite(6, "rho"), momentum = a.finite(7, "momentum");
  double epsilon = a.finite(8, "epsilon");
  rmsprop_update(param, grad, mean_square, velocity, n, lr, rho, momentum, epsilon);
  return info.Env().Undefined();
}

Napi::Value AdagradUpdate(const Napi::CallbackInfo& info) {
  Args a(info, "adagradUpdate");
  a.count(6);
  uint64_t n = a.size(3, "n");
  float* param = a.f32(0, "param", n);
  const float* grad = a.f32(1, "grad", n);
  float* accumulator = a.f32(2, "accumulator", n);
  double lr = a.finite(4, "lr"), epsilon = a.finite(5, "epsilon");
  adagrad_update(param, grad, accumulator, n, lr, epsilon);
  return info.Env().Undefined();
}

}  // namespace

void RegisterOptim(Napi::Env env, Napi::Object exports) {
  exports.Set("sgdUpdate", Napi::Function::New(env, SgdUpdate, "sgdUpdate"));
  exports.Set("momentumUpdate", Napi::Function::New(env, MomentumUpdate, "momentumUpdate"));
  exports.Set("adamUpdate", Napi::Function::New(env, AdamUpdate, "adamUpdate"));
  exports.Set("rmspropUpdate", Napi::Function::New(env, RmspropUpdate, "rmspropUpdate"));
  exports.Set("adagradUpdate", Napi::Function::New(env, AdagradUpdate, "adagradUpdate"));
}

}  // namespace nativenn::glue
