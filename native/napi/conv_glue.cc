// Glue for convolution and pooling: unpack, check, call. Every size is an int32-range integer;
// the output sizes and every buffer length are computed in 64 bits with overflow checks, and
// every buffer is checked against them before a kernel runs. The argmax of max-pooling indexes
// memory, so its backward checks a native copy and passes that copy on.
#include <string>
#include <vector>

#include "kernels/conv.h"
#include "kernels/conv_winograd.h"
#include "kernels/pool.h"
#include "napi/args.h"
#include "napi/register.h"

namespace nativenn::glue {
namespace {

// a · b, or a RangeError naming what was being sized when it overflows.
uint64_t product(const Args& a, const char* what, std::initializer_list<uint64_t> factors) {
  uint64_t p = 1;
  for (uint64_t f : factors)
    if (__builtin_mul_overflow(p, f, &p)) a.range_error(std::string(what) + " is too large");
  return p;
}

uint64_t positive(const Args& a, size_t i, const char* name) {
  uint64_t v = a.size(i, name);
  if (v < 1) a.range_error(std::string(name) + " must be at least 1");
  return v;
}

// Output size along one axis: (in + before + after − effective kernel) / stride + 1.
int64_t out_size(const Args& a, uint64_t in, uint64_t before, uint64_t after, uint64_t k, uint64_t dilation,
                 uint64_t stride, const char* axis) {
  const uint64_t padded = in + before + after;        // ≤ 3·(2^31 − 1): no overflow
  const uint64_t effective = dilation * (k - 1) + 1;  // ≤ 2^62
  if (effective > padded)
    a.range_error(std::string("the kernel ") + axis + " (" + std::to_string(effective) +
                  " with dilation) is larger than the padded input " + axis + " (" + std::to_string(padded) + ")");
  return static_cast<int64_t>((padded - effective) / stride + 1);
}

// Arguments first..first+14: batch, inH, inW, inC, outC, kH, kW, strideH, strideW, dilationH,
// dilationW, padTop, padBottom, padLeft, padRight.
Conv2dShape conv_shape(const Args& a, size_t first) {
  Conv2dShape s{};
  s.batch = a.size(first, "batch");
  s.in_h = a.size(first + 1, "inH");
  s.in_w = a.size(first + 2, "inW");
  s.in_c = a.size(first + 3, "inC");
  s.out_c = a.size(first + 4, "outC");
  s.k_h = positive(a, first + 5, "kH");
  s.k_w = positive(a, first + 6, "kW");
  s.stride_h = positive(a, first + 7, "strideH");
  s.stride_w = positive(a, first + 8, "strideW");
  s.dilation_h = positive(a, first + 9, "dilationH");
  s.dilation_w = positive(a, first + 10, "dilationW");
  s.pad_top = a.size(first + 11, "padTop");
  uint64_t pad_bottom = a.size(first + 12, "padBottom");
  s.pad_left = a.size(first + 13, "padLeft");
  uint64_t pad_right = a.size(first + 14, "padRight");
  s.out_h = out_size(a, s.in_h, s.pad_top, pad_bottom, s.k_h, s.dilation_h, s.stride_h, "height");
  s.out_w = out_size(a, s.in_w, s.pad_left, pad_right, s.k_w, s.dilation_w, s.stride_w, "width");
  return s;
}

struct ConvBuffers {
  uint64_t x, filter, out, column;
};
ConvBuffers conv_lengths(const Args& a, const Conv2dShape& s) {
  ConvBuffers n;
  n.x = product(a, "x", {uint64_t(s.batch), uint64_t(s.in_h), uint64_t(s.in_w), uint64_t(s.in_c)});
  n.filter = product(a, "filter", {uint64_t(s.k_h), uint64_t(s.k_w), uint64_t(s.in_c), uint64_t(s.out_c)});
  n.out = product(a, "the output", {uint64_t(s.batch), uint64_t(s.out_h), uint64_t(s.out_w), uint64_t(s.out_c)});
  n.column = product(a, "workspace",
                     {uint64_t(s.out_h), uint64_t(s.out_w), uint64_t(s.k_h), uint64_t(s.k_w), uint64_t(s.in_c)});
  if (s.batch == 0) n.column = 0;
  return n;
}

int64_t length_of(const Napi::CallbackInfo& info, size_t i) {
  return static_cast<int64_t>(info[i].As<Napi::TypedArray>().ElementLength());
}

// conv2dForward(out, x, filter, workspace, ...shape)
Napi::Value Conv2dForward(const Napi::CallbackInfo& info) {
  Args a(info, "conv2dForward");
  a.count(19);
  Conv2dShape s = conv_shape(a, 4);
  ConvBuffers n = conv_lengths(a, s);
  float* out = a.f32(0, "out", n.out);
  const float* x = a.f32(1, "x", n.x);
  const float* filter = a.f32(2, "filter", n.filter);
  float* workspace = a.f32(3, "workspace", n.column);
  conv2d_forward(out, x, filter, workspace, length_of(info, 3), s);
  return info.Env().Undefined();
}

// conv2dBackwardData(dx, dy, filter, workspace, ...shape)
Napi::Value Conv2dBackwardData(const Napi::CallbackInfo& info) {
  Args a(info, "conv2dBackwardData");
  a.count(19);
  Conv2dShape s = conv_shape(a, 4);
  ConvBuffers n = conv_lengths(a, s);
  float* dx = a.f32(0, "dx", n.x);
  const float* dy = a.f32(1, "dy", n.out);
  const float* filter = a.f32(2, "filter", n.filter);
  float* workspace = a.f32(3, "workspace", n.column);
  conv2d_backward_data(dx, dy, filter, workspace, length_of(info, 3), s);
  return info.Env().Undefined();
}

// conv2dBackwardFilter(dfilter, x, dy, workspace, ...shape)
Napi::Value Conv2dBackwardFilter(const Napi::CallbackInfo& info) {
  Args a(info, "conv2dBackwardFilter");
  a.count(19);
  Conv2dShape s = conv_shape(a, 4);
  ConvBuffers n = conv_lengths(a, s);
  float* dfilter = a.f32(0, "dfilter", n.filter);
  const float* x = a.f32(1, "x", n.x);
  const float* dy = a.f32(2, "dy", n.out);
  float* workspace = a.f32(3, "workspace", n.column);
  conv2d_backward_filter(dfilter, x, dy, workspace, length_of(info, 3), s);
  return info.Env().Undefined();
}

// Arguments first..first+11: batch, inH, inW, channels, kH, kW, strideH, strideW, padTop,
// padBottom, padLeft, padRight. Padding below the window size and a non-empty input keep a real
// cell in every window.
Pool2dShape pool_shape(const Args& a, size_t first) {
  Pool2dShape s{};
  s.batch = a.size(first, "batch");
  s.in_h = positive(a, first + 1, "inH");
  s.in_w = positive(a, first + 2, "inW");
  s.channels = a.size(first + 3, "channels");
  s.k_h = positive(a, first + 4, "kH");
  s.k_w = positive(a, first + 5, "kW");
  s.stride_h = positive(a, first + 6, "strideH");
  s.stride_w = positive(a, first + 7, "strideW");
  const char* pads[] = {"padTop", "padBottom", "padLeft", "padRight"};
  uint64_t pad[4];
  for (int i = 0; i < 4; i++) {
    pad[i] = a.size(first + 8 + i, pads[i]);
    if (pad[i] >= uint64_t(i < 2 ? s.k_h : s.k_w))
      a.range_error(std::string(pads[i]) + " must be smaller than the window (" + (i < 2 ? "kH" : "kW") + ")");
  }
  s.pad_top = pad[0];
  s.pad_left = pad[2];
  s.out_h = out_size(a, s.in_h, pad[0], pad[1], s.k_h, 1, s.stride_h, "height");
  s.out_w = out_size(a, s.in_w, pad[2], pad[3], s.k_w, 1, s.stride_w, "width");
  return s;
}

struct PoolLengths {
  uint64_t x, out, image;
};
PoolLengths pool_lengths(const Args& a, const Pool2dShape& s) {
  PoolLengths n;
  n.image = product(a, "an image", {uint64_t(s.in_h), uint64_t(s.in_w), uint64_t(s.channels)});
  n.x = product(a, "x", {uint64_t(s.batch), n.image});
  n.out = product(a, "the output", {uint64_t(s.batch), uint64_t(s.out_h), uint64_t(s.out_w), uint64_t(s.channels)});
  return n;
}

// maxPool2dForward(out, argmax, x, ...shape)
Napi::Value MaxPool2dForward(const Napi::CallbackInfo& info) {
  Args a(info, "maxPool2dForward");
  a.count(15);
  Pool2dShape s = pool_shape(a, 3);
  PoolLengths n = pool_lengths(a, s);
  if (n.image > kMaxSize) a.range_error("an image has more than 2^31 − 1 values: argmax cannot index it");
  float* out = a.f32(0, "out", n.out);
  int32_t* argmax = a.i32(1, "argmax", n.out);
  const float* x = a.f32(2, "x", n.x);
  max_pool2d_forward(out, argmax, x, s);
  return info.Env().Undefined();
}

// maxPool2dBackward(dx, dy, argmax, ...shape)
Napi::Value MaxPool2dBackward(const Napi::CallbackInfo& info) {
  Args a(info, "maxPool2dBackward");
  a.count(15);
  Pool2dShape s = pool_shape(a, 3);
  PoolLengths n = pool_lengths(a, s);
  float* dx = a.f32(0, "dx", n.x);
  const float* dy = a.f32(1, "dy", n.out);
  const int32_t* argmax = a.i32(2, "argmax", n.out);
  // Copy, then check the copy: the JS array may live on a SharedArrayBuffer.
  std::vector<int32_t> copy(argmax, argmax + n.out);
  for (uint64_t i = 0; i < n.out; i++)
    if (copy[i] < 0 || uint64_t(copy[i]) >= n.image)
      a.range_error("argmax[" + std::to_string(i) + "] must be an offset inside its image, from 0 to " +
                    std::to_string(n.image - 1) + ", got " + std::to_string(copy[i]));
  max_pool2d_backward(dx, dy, copy.data(), s);
  return info.Env().Undefined();
}

// avgPool2dForward(out, x, ...shape)
Napi::Value AvgPool2dForward(const Napi::CallbackInfo& info) {
  Args a(info, "avgPool2dForward");
  a.count(14);
  Pool2dShape s = pool_shape(a, 2);
  PoolLengths n = pool_lengths(a, s);
  float* out = a.f32(0, "out", n.out);
  const float* x = a.f32(1, "x", n.x);
  avg_pool2d_forward(out, x, s);
  return info.Env().Undefined();
}

// avgPool2dBackward(dx, dy, ...shape)
Napi::Value AvgPool2dBackward(const Napi::CallbackInfo& info) {
  Args a(info, "avgPool2dBackward");
  a.count(14);
  Pool2dShape s = pool_shape(a, 2);
  PoolLengths n = pool_lengths(a, s);
  float* dx = a.f32(0, "dx", n.x);
  const float* dy = a.f32(1, "dy", n.out);
  avg_pool2d_backward(dx, dy, s);
  return info.Env().Undefined();
}

// Hidden, for tests and benchmarks: _convWinograd() gives the mode in use, _convWinograd(mode) sets
// it: 0 by shape (the default), 1 never, 2 or 3 F(2×2) or F(4×4) wherever 3×3 stride-1 Winograd can
// run (conv_winograd.h).
Napi::Value ConvWinograd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() > 0) {
    if (!info[0].IsNumber()) throw Napi::TypeError::New(env, "_convWinograd: mode must be 0, 1, 2 or 3");
    // Compared as a double: Int32Value would take 1.5 as 1 and NaN as 0.
    const double mode = info[0].As<Napi::Number>().DoubleValue();
    if (!(mode == 0 || mode == 1 || mode == 2 || mode == 3))
      throw Napi::RangeError::New(env, "_convWinograd: mode must be 0, 1, 2 or 3");
    conv2d_winograd_mode(static_cast<int>(mode));
  }
  return Napi::Number::New(env, conv2d_winograd_mode());
}

}  // namespace

void RegisterConv(Napi::Env env, Napi::Object exports) {
  exports.Set("_convWinograd", Napi::Function::New(env, ConvWinograd, "_convWinograd"));
  exports.Set("conv2dForward", Napi::Function::New(env, Conv2dForward, "conv2dForward"));
  exports.Set("conv2dBackwardData", Napi::Function::New(env, Conv2dBackwardData, "conv2dBackwardData"));
  exports.Set("conv2dBackwardFilter", Napi::Function::New(env, Conv2dBackwardFilter, "conv2dBackwardFilter"));
  exports.Set("maxPool2dForward", Napi::Function::New(env, MaxPool2dForward, "maxPool2dForward"));
  exports.Set("maxPool2dBackward", Napi::Function::New(env, MaxPool2dBackward, "maxPool2dBackward"));
  exports.Set("avgPool2dForward", Napi::Function::New(env, AvgPool2dForward, "avgPool2dForward"));
  exports.Set("avgPool2dBackward", Napi::Function::New(env, AvgPool2dBackward, "avgPool2dBackward"));
}

}  // namespace nativenn::glue
