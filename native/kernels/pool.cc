// Pooling loops; see pool.h for the contract.
#include "kernels/pool.h"

#include <algorithm>

#include "kernels/conv_simd.h"
#include "kernels/threads.h"

namespace nativenn {
namespace {

// The real rows [y0, y1) and columns [x0, x1) under output (oy, ox).
struct Window {
  int64_t y0, y1, x0, x1;
};
Window window(const Pool2dShape& s, int64_t oy, int64_t ox) {
  const int64_t y = oy * s.stride_h - s.pad_top, x = ox * s.stride_w - s.pad_left;
  return {std::max<int64_t>(y, 0), std::min(y + s.k_h, s.in_h), std::max<int64_t>(x, 0), std::min(x + s.k_w, s.in_w)};
}

template <typename F>
void for_each_image(const Pool2dShape& s, const F& per_image) {
  const int64_t tasks = std::min<int64_t>(s.batch, 4 * static_cast<int64_t>(get_num_threads()));
  parallel_for(tasks, [&](int64_t t) {
    for (int64_t b = t; b < s.batch; b += tasks) per_image(b);
  });
}

int64_t in_image(const Pool2dShape& s) { return s.in_h * s.in_w * s.channels; }
int64_t out_image(const Pool2dShape& s) { return s.out_h * s.out_w * s.channels; }

}  // namespace

void max_pool2d_forward(float* out, int32_t* argmax, const float* x, const Pool2dShape& s) {
  if (const conv_simd::Loops* loops = conv_simd::loops()) {
    return for_each_image(s, [&](int64_t b) {
      loops->max_pool_forward_image(out + b * out_image(s), argmax + b * out_image(s), x + b * in_image(s), s);
    });
  }
  for_each_image(s, [&](int64_t b) {
    const float* xb = x + b * in_image(s);
    for (int64_t oy = 0; oy < s.out_h; oy++) {
      for (int64_t ox = 0; ox < s.out_w; ox++) {
        const Window w = window(s, oy, ox);
        const int64_t o = b * out_image(s) + (oy * s.out_w + ox) * s.channels;
        float* __restrict best = out + o;
        int32_t* __restrict arg = argmax + o;
        // Channels innermost (contiguous in NHWC): the first cell, then a compare per later cell;
        // a strict > keeps the first maximum in (ky, kx) order, as the twin does.
        const int64_t first = (w.y0 * s.in_w + w.x0) * s.channels;
        for (int64_t c = 0; c < s.channels; c++) {
          best[c] = xb[first + c];
          arg[c] = static_cast<int32_t>(first + c);
        }
        for (int64_t iy = w.y0; iy < w.y1; iy++) {
          for (int64_t ix = w.x0; ix < w.x1; ix++) {
            const int64_t cell = (iy * s.in_w + ix) * s.channels;
            if (cell == first) continue;
            const float* __restrict v = xb + cell;
            const auto base = static_cast<int32_t>(cell);
            // Branch-free selects, so the channel loop vectorizes.
            for (int64_t c = 0; c < s.channels; c++) {
              const bool greater = v[c] > best[c];
              arg[c] = greater ? base + static_cast<int32_t>(c) : arg[c];
              best[c] = greater ? v[c] : best[c];
            }
          }
        }
      }
    }
  });
}

void max_pool2d_backward(float* dx, const float* dy, const int32_t* argmax, const Pool2dShape& s, bool overwrite) {
  const conv_simd::Loops* loops = conv_simd::loops();
  // Windows that tile the image from its corner (the usual 2×2 pool): with overwrite, each cell is
  // written once (conv_simd.h).
  const bool tiled = overwrite && loops && s.stride_h == s.k_h && s.stride_w == s.k_w && s.pad_top == 0 &&
                     s.pad_left == 0 && s.out_h * s.k_h <= s.in_h && s.out_w * s.k_w <= s.in_w;
  for_each_image(s, [&](int64_t b) {
    float* dxb = dx + b * in_image(s);
    const float* dyb = dy + b * out_image(s);
    const int32_t* argb = argmax + b * out_image(s);
    if (tiled && loops->max_pool_backward_tiled_image(dxb, dyb, argb, s)) return;
    if (overwrite) std::fill(dxb, dxb + in_image(s), 0.0f);
    if (loops && loops->max_pool_backward_image) return loops->max_pool_backward_image(dxb, dyb, argb, s);
    // An index outside the image is skipped: the tape interpreter hands over whatever an int32
    // scratch buffer holds, and a hand-made tape may pair this with another kernel's indices.
    const uint64_t cells = static_cast<uint64_t>(in_image(s));
    for (int64_t i = 0; i < out_image(s); i++) {
      const int32_t j = argb[i];
      if (static_cast<uint64_t>(static_cast<int64_t>(j)) < cells) dxb[j] += dyb[i];
    }
  });
}

void avg_pool2d_forward(float* out, const float* x, const Pool2dShape& s) {
  for_each_image(s, [&](int64_t b) {
    const float* xb = x + b * in_image(s);
    for (int64_t oy = 0; oy < s.out_h; oy++) {
      for (int64_t ox = 0; ox < s.out_w; ox++) {
        const Window w = window(s, oy, ox);
        const float count = static_cast<float>((w.y1 - w.y0) * (w.x1 - w.x0));
        float* o = out + b * out_image(s) + (oy * s.out_w + ox) * s.channels;
        for (int64_t c = 0; c < s.channels; c++) {
          float sum = 0;
          for (int64_t iy = w.y0; iy < w.y1; iy++)
            for (int64_t ix = w.x0; ix < w.x1; ix++) sum += xb[(iy * s.in_w + ix) * s.channels + c];
          o[c] = sum / count;
        }
      }
    }
  });
}

void avg_pool2d_backward(float* dx, const float* dy, const Pool2dShape& s) {
  for_each_image(s, [&](int64_t b) {
    float* dxb = dx + b * in_image(s);
    for (int64_t oy = 0; oy < s.out_h; oy++) {
      for (int64_t ox = 0; ox < s.out_w; ox++) {
        const Window w = window(s, oy, ox);
        const float count = static_cast<float>((w.y1 - w.y0) * (w.x1 - w.x0));
        const float* g = dy + b * out_image(s) + (oy * s.out_w + ox) * s.channels;
        for (int64_t iy = w.y0; iy < w.y1; iy++)
          for (int64_t ix = w.x0; ix < w.x1; ix++)
            for (int64_t c = 0; c < s.channels; c++) dxb[(iy * s.in_w + ix) * s.channels + c] += g[c] / count;
      }
    }
  });
}

}  // namespace nativenn
