// The fused first convolution + bias + relu + max pooling; see conv_pool.h for the contract.
#include "kernels/conv_pool.h"

#include <algorithm>
#include <cstdint>

#include "kernels/conv_simd.h"
#include "kernels/threads.h"

namespace nativenn {
static_assert(kConvPoolMaxPatch <= conv_simd::kMaxDirectPatch, "the plain loops' patch buffers");
namespace {

int64_t patch_size(const Conv2dShape& s) { return s.k_h * s.k_w * s.in_c; }

// The SIMD loops when they take this convolution (conv.cc decides the same for conv2d_forward).
const conv_simd::Loops* direct(const Conv2dShape& s) {
  const conv_simd::Loops* loops = conv_simd::loops();
  const int64_t k = patch_size(s);
  if (!loops || k < 1 || k > conv_simd::kMaxDirectPatch || s.out_c < 1) return nullptr;
  if (s.in_h < 1 || s.in_w < 1 || s.in_h * s.in_w * s.in_c > INT32_MAX) return nullptr;
  return loops;
}

// The patch under convolution cell (oy, ox) of image xb, in the filter's (ky, kx, c) order,
// padding cells 0.
void gather(float* buf, const float* xb, const Conv2dShape& s, int64_t oy, int64_t ox) {
  for (int64_t ky = 0; ky < s.k_h; ky++) {
    const int64_t iy = oy * s.stride_h - s.pad_top + ky * s.dilation_h;
    for (int64_t kx = 0; kx < s.k_w; kx++, buf += s.in_c) {
      const int64_t ix = ox * s.stride_w - s.pad_left + kx * s.dilation_w;
      const bool real = iy >= 0 && iy < s.in_h && ix >= 0 && ix < s.in_w;
      for (int64_t c = 0; c < s.in_c; c++) buf[c] = real ? xb[(iy * s.in_w + ix) * s.in_c + c] : 0.0f;
    }
  }
}

// Plain loops (the portable path): row oy of image b's convolution, columns [0, ox_end), each cell
// summed over the taps in order from 0. patch: patch_size floats.
void plain_forward_row(float* row, const float* x, const float* filter, const Conv2dShape& s, int64_t b, int64_t oy,
                       int64_t ox_end, float* patch) {
  const float* xb = x + b * s.in_h * s.in_w * s.in_c;
  const int64_t k = patch_size(s), out_c = s.out_c;
  for (int64_t ox = 0; ox < ox_end; ox++) {
    gather(patch, xb, s, oy, ox);
    float* __restrict o = row + ox * out_c;
    std::fill(o, o + out_c, 0.0f);
    for (int64_t j = 0; j < k; j++) {
      const float v = patch[j];
      const float* __restrict f = filter + j * out_c;
      for (int64_t c = 0; c < out_c; c++) o[c] += v * f[c];
    }
  }
}

// One pooled row from its poolH convolution rows (rows, each out_w·poolW·outC floats): the first
// cell of each window, then a strict > per later cell in window order (max_pool2d_forward's rule),
// then bias and relu as bias_relu_forward (v > 0 ? v : 0). The plain loops' version of
// conv_simd::Loops::pool_relu_row; the selects are masks so that the loops stay branch-free.
void pool_row(float* out, int32_t* argmax, const float* rows, const float* bias, const ConvPoolShape& p) {
  const int64_t c_all = p.conv.out_c, row_len = p.out_w * p.pool_w * c_all;
  for (int64_t px = 0; px < p.out_w; px++) {
    float* __restrict best = out + px * c_all;
    int32_t* __restrict arg = argmax + px * c_all;
    const float* first = rows + px * p.pool_w * c_all;
    for (int64_t c = 0; c < c_all; c++) {
      best[c] = first[c];
      arg[c] = 0;
    }
    for (int64_t ky = 0; ky < p.pool_h; ky++) {
      for (int64_t kx = 0; kx < p.pool_w; kx++) {
        if (ky == 0 && kx == 0) continue;
        const float* __restrict v = first + ky * row_len + kx * c_all;
        const auto place = static_cast<int32_t>(ky * p.pool_w + kx);
        for (int64_t c = 0; c < c_all; c++) {
          const int32_t take = -static_cast<int32_t>(v[c] > best[c]);  // all ones or 0
          arg[c] = (arg[c] & ~take) | (place & take);
          best[c] = take ? v[c] : best[c];
        }
      }
    }
    for (int64_t c = 0; c < c_all; c++) {
      const float q = bias ? best[c] + bias[c] : best[c];
      best[c] = q > 0 ? q : 0.0f;
    }
  }
}

// The plain filter gradient of channels [o0, o1), every element summed in one chain over every
// image and window cell in order onto dfilter (the order of the SIMD loops).
void plain_filter(float* dfilter, const float* x, const float* dy, const float* y, const int32_t* argmax,
                  const ConvPoolShape& p, int64_t o0, int64_t o1) {
  const Conv2dShape& s = p.conv;
  const int64_t k = patch_size(s), out_c = s.out_c;
  float patch[conv_simd::kMaxDirectPatch];
  float g[64];
  for (int64_t c0 = o0; c0 < o1; c0 += 64) {
    const int64_t n = std::min<int64_t>(64, o1 - c0);
    for (int64_t b = 0; b < s.batch; b++) {
      const float* xb = x + b * s.in_h * s.in_w * s.in_c;
      const int64_t image = b * p.out_h * p.out_w * out_c + c0;
      for (int64_t py = 0; py < p.out_h; py++) {
        for (int64_t ky = 0; ky < p.pool_h; ky++) {
          const int64_t oy = py * p.pool_h + ky;
          for (int64_t px = 0; px < p.out_w; px++) {
            const int64_t cell = image + (py * p.out_w + px) * out_c;
            for (int64_t kx = 0; kx < p.pool_w; kx++) {
              const auto place = static_cast<int32_t>(ky * p.pool_w + kx);
              for (int64_t c = 0; c < n; c++) {
                const float keep = y[cell + c] > 0 ? 1.0f : 0.0f;
                g[c] = argmax[cell + c] == place ? dy[cell + c] * keep : 0.0f;
              }
              gather(patch, xb, s, oy, px * p.pool_w + kx);
              for (int64_t j = 0; j < k; j++) {
                float* __restrict d = dfilter + j * out_c + c0;
                const float v = patch[j];
                for (int64_t c = 0; c < n; c++) d[c] += v * g[c];
              }
            }
          }
        }
      }
    }
  }
}

// dbias (+)= Σ dy·relu' over every image and pooled cell, in order (column_sums' order).
void bias_gradient(float* dbias, const float* dy, const float* y, const ConvPoolShape& p, bool accumulate) {
  const int64_t out_c = p.conv.out_c, cells = p.conv.batch * p.out_h * p.out_w;
  if (!accumulate) std::fill(dbias, dbias + out_c, 0.0f);
  for (int64_t i = 0; i < cells; i++) {
    const float* __restrict g = dy + i * out_c;
    const float* __restrict v = y + i * out_c;
    float* __restrict d = dbias;
    for (int64_t c = 0; c < out_c; c++) {
      const float keep = v[c] > 0 ? 1.0f : 0.0f;
      d[c] += g[c] * keep;
    }
  }
}

}  // namespace

int64_t conv2d_relu_pool_scratch_size(const ConvPoolShape& s) { return s.pool_h * s.out_w * s.pool_w * s.conv.out_c; }

void conv2d_relu_pool_forward(float* out, int32_t* argmax, const float* x, const float* filter, const float* bias,
                              float* scratch, const ConvPoolShape& p) {
  const Conv2dShape& s = p.conv;
  if (s.batch < 1 || p.out_h < 1 || p.out_w < 1 || s.out_c < 1 || patch_size(s) > kConvPoolMaxPatch) return;
  const conv_simd::Loops* loops = direct(s);
  const int64_t per_image = conv2d_relu_pool_scratch_size(p), row_len = p.out_w * p.pool_w * s.out_c;
  const int64_t pooled = p.out_h * p.out_w * s.out_c;
  // Images are independent and each is computed by one task: the same bits for any split.
  const int64_t tasks = std::min<int64_t>(s.batch, 4 * static_cast<int64_t>(get_num_threads()));
  parallel_for(tasks, [&](int64_t t) {
    float patch[conv_simd::kMaxDirectPatch];
    for (int64_t b = t; b < s.batch; b += tasks) {
      float* rows = scratch + b * per_image;
      for (int64_t py = 0; py < p.out_h; py++) {
        const int64_t oy = py * p.pool_h;
        if (loops) {
          loops->direct_forward_block(rows, x, filter, s, b, oy, oy + p.pool_h, p.out_w * p.pool_w);
        } else {
          for (int64_t ky = 0; ky < p.pool_h; ky++)
            plain_forward_row(rows + ky * row_len, x, filter, s, b, oy + ky, p.out_w * p.pool_w, patch);
        }
        const int64_t o = b * pooled + py * p.out_w * s.out_c;
        if (loops)
          loops->pool_relu_row(out + o, argmax + o, rows, bias, p);
        else
          pool_row(out + o, argmax + o, rows, bias, p);
      }
    }
  });
}

void conv2d_relu_pool_backward(float* dfilter, float* dbias, const float* x, const float* dy, const float* y,
                               const int32_t* argmax, const ConvPoolShape& p, bool accumulate) {
  const Conv2dShape& s = p.conv;
  const int64_t k = patch_size(s);
  if (k > kConvPoolMaxPatch) return;  // the validator refuses it
  if (!accumulate) std::fill(dfilter, dfilter + k * s.out_c, 0.0f);
  if (k < 1 || s.out_c < 1) {
    if (dbias) bias_gradient(dbias, dy, y, p, accumulate);
    return;
  }
  const conv_simd::Loops* loops = direct(s);
  const int64_t threads = get_num_threads();
  // Groups of channel blocks, and tap blocks when the channels alone leave threads idle (as
  // conv.cc's direct_filter); one more task for the bias. Any split gives the same bits.
  const int64_t step = loops ? loops->filter_channels : 64;
  const int64_t channel_blocks = (s.out_c + step - 1) / step;
  const int64_t groups = std::min(channel_blocks, threads);
  const int64_t tap_blocks = loops ? std::min(k, (threads + groups - 1) / groups) : 1;
  const int64_t filter_tasks = groups * tap_blocks;
  parallel_for(filter_tasks + (dbias ? 1 : 0), [&](int64_t t) {
    if (t == filter_tasks) return bias_gradient(dbias, dy, y, p, accumulate);
    const int64_t q = t / tap_blocks, r = t % tap_blocks;
    const int64_t o0 = q * channel_blocks / groups * step;
    const int64_t o1 = std::min(s.out_c, (q + 1) * channel_blocks / groups * step);
    if (loops)
      loops->pool_filter_block(dfilter, x, dy, y, argmax, p, r * k / tap_blocks, (r + 1) * k / tap_blocks, o0, o1);
    else
      plain_filter(dfilter, x, dy, y, argmax, p, o0, o1);
  });
}

}  // namespace nativenn
