// Glue for the vector and row/column kernels: unpack, check, call.
#include "kernels/elementwise.h"
#include "napi/args.h"
#include "napi/register.h"

namespace nativenn::glue {
namespace {

Napi::Value Fill(const Napi::CallbackInfo& info) {
  Args a(info, "fill");
  a.count(3);
  uint64_t n = a.size(2, "n");
  float value = static_cast<float>(a.number(1, "value"));
  fill(a.f32(0, "x", n), value, n);
  return info.Env().Undefined();
}

Napi::Value Scale(const Napi::CallbackInfo& info) {
  Args a(info, "scale");
  a.count(3);
  uint64_t n = a.size(2, "n");
  float alpha = static_cast<float>(a.number(1, "alpha"));
  scale(a.f32(0, "x", n), alpha, n);
  return info.Env().Undefined();
}

Napi::Value Axpy(const Napi::CallbackInfo& info) {
  Args a(info, "axpy");
  a.count(4);
  uint64_t n = a.size(3, "n");
  float alpha = static_cast<float>(a.number(1, "alpha"));
  axpy(a.f32(0, "y", n), alpha, a.f32(2, "x", n), n);
  return info.Env().Undefined();
}

Napi::Value Mul(const Napi::CallbackInfo& info) {
  Args a(info, "mul");
  a.count(4);
  uint64_t n = a.size(3, "n");
  mul(a.f32(0, "out", n), a.f32(1, "a", n), a.f32(2, "b", n), n);
  return info.Env().Undefined();
}

Napi::Value AddBias(const Napi::CallbackInfo& info) {
  Args a(info, "addBias");
  a.count(4);
  uint64_t rows = a.size(2, "rows"), cols = a.size(3, "cols");
  add_bias(a.f32(0, "out", rows * cols), a.f32(1, "bias", cols), rows, cols);
  return info.Env().Undefined();
}

Napi::Value AddColumnSums(const Napi::CallbackInfo& info) {
  Args a(info, "addColumnSums");
  a.count(4);
  uint64_t rows = a.size(2, "rows"), cols = a.size(3, "cols");
  add_column_sums(a.f32(0, "out", cols), a.f32(1, "x", rows * cols), rows, cols);
  return info.Env().Undefined();
}

Napi::Value ArgmaxRows(const Napi::CallbackInfo& info) {
  Args a(info, "argmaxRows");
  a.count(4);
  uint64_t rows = a.size(2, "rows"), cols = a.size(3, "cols");
  if (rows > 0 && cols == 0) a.range_error("cols must be at least 1 when rows > 0");
  argmax_rows(a.i32(0, "out", rows), a.f32(1, "x", rows * cols), rows, cols);
  return info.Env().Undefined();
}

// firstNonFinite(x) -> index of the first NaN or ±Infinity in x, or -1.
Napi::Value FirstNonFinite(const Napi::CallbackInfo& info) {
  Args a(info, "firstNonFinite");
  a.count(1);
  const float* x = a.f32(0, "x", 0);
  const int64_t n = info[0].As<Napi::Float32Array>().ElementLength();
  return Napi::Number::New(info.Env(), static_cast<double>(first_non_finite(x, n)));
}

}  // namespace

void RegisterElementwise(Napi::Env env, Napi::Object exports) {
  exports.Set("fill", Napi::Function::New(env, Fill, "fill"));
  exports.Set("scale", Napi::Function::New(env, Scale, "scale"));
  exports.Set("axpy", Napi::Function::New(env, Axpy, "axpy"));
  exports.Set("mul", Napi::Function::New(env, Mul, "mul"));
  exports.Set("addBias", Napi::Function::New(env, AddBias, "addBias"));
  exports.Set("addColumnSums", Napi::Function::New(env, AddColumnSums, "addColumnSums"));
  exports.Set("argmaxRows", Napi::Function::New(env, ArgmaxRows, "argmaxRows"));
  exports.Set("firstNonFinite", Napi::Function::New(env, FirstNonFinite, "firstNonFinite"));
}

}  // namespace nativenn::glue
