// Glue for inverted dropout: unpack, check, call.
#include "kernels/dropout.h"
#include "napi/args.h"
#include "napi/register.h"

namespace nativenn::glue {
namespace {

// dropoutForward(out, mask, x, n, rate, seed)
Napi::Value DropoutForward(const Napi::CallbackInfo& info) {
  Args a(info, "dropoutForward");
  a.count(6);
  uint64_t n = a.size(3, "n");
  float* out = a.f32(0, "out", n);
  float* mask = a.f32(1, "mask", n);
  const float* x = a.f32(2, "x", n);
  double rate = a.number(4, "rate");
  if (!(rate >= 0 && rate < 1)) a.range_error("rate must be in [0, 1)");
  uint64_t seed = a.size(5, "seed");  // an integer from 0 to 2^31 − 1
  dropout_forward(out, mask, x, n, rate, static_cast<uint32_t>(seed));
  return info.Env().Undefined();
}

}  // namespace

void RegisterDropout(Napi::Env env, Napi::Object exports) {
  exports.Set("dropoutForward", Napi::Function::New(env, DropoutForward, "dropoutForward"));
}

}  // namespace nativenn::glue
