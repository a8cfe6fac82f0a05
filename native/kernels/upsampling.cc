// Up-sampling loops; see upsampling.h.
#include "kernels/upsampling.h"

#include <algorithm>

namespace nativenn {
namespace {

// The input cells and weight output coordinate o reads along an axis of in cells, factor size.
struct Tap {
  int64_t lo, hi;
  double frac;
};

Tap tap(int64_t o, int64_t in, int64_t size, bool bilinear) {
  const int64_t lo = o / size;
  if (!bilinear) return {lo, lo, 0.0};
  const double frac = static_cast<double>(o % size) / static_cast<double>(size);
  return {lo, std::min(in - 1, frac > 0 ? lo + 1 : lo), frac};
}

}  // namespace

void up_sampling2d_forward(float* out, const float* x, const UpSampling2dShape& s) {
  const int64_t c = s.channels, out_h = s.in_h * s.size_h, out_w = s.in_w * s.size_w;
  float* o = out;
  for (int64_t b = 0; b < s.batch; b++) {
    const float* image = x + b * s.in_h * s.in_w * c;
    for (int64_t y = 0; y < out_h; y++) {
      const Tap r = tap(y, s.in_h, s.size_h, s.bilinear);
      for (int64_t xx = 0; xx < out_w; xx++) {
        const Tap q = tap(xx, s.in_w, s.size_w, s.bilinear);
        const float* ll = image + (r.lo * s.in_w + q.lo) * c;
        const float* lh = image + (r.lo * s.in_w + q.hi) * c;
        const float* hl = image + (r.hi * s.in_w + q.lo) * c;
        const float* hh = image + (r.hi * s.in_w + q.hi) * c;
        if (!s.bilinear) {
          std::copy(ll, ll + c, o);
          o += c;
          continue;
        }
        for (int64_t ch = 0; ch < c; ch++) {
          const double top = ll[ch] + (static_cast<double>(lh[ch]) - ll[ch]) * q.frac;
          const double bottom = hl[ch] + (static_cast<double>(hh[ch]) - hl[ch]) * q.frac;
          *o++ = static_cast<float>(top + (bottom - top) * r.frac);
        }
      }
    }
  }
}

void up_sampling2d_backward(float* dx, const float* dy, const UpSampling2dShape& s, bool accumulate) {
  const int64_t c = s.channels, out_h = s.in_h * s.size_h, out_w = s.in_w * s.size_w;
  const int64_t image_size = s.in_h * s.in_w * c;
  if (!accumulate) std::fill(dx, dx + s.batch * image_size, 0.0f);
  auto add = [](float* cell, double v) { *cell = static_cast<float>(*cell + v); };
  const float* g = dy;
  for (int64_t b = 0; b < s.batch; b++) {
    float* image = dx + b * image_size;
    for (int64_t y = 0; y < out_h; y++) {
      const Tap r = tap(y, s.in_h, s.size_h, s.bilinear);
      for (int64_t xx = 0; xx < out_w; xx++) {
        const Tap q = tap(xx, s.in_w, s.size_w, s.bilinear);
        float* ll = image + (r.lo * s.in_w + q.lo) * c;
        float* lh = image + (r.lo * s.in_w + q.hi) * c;
        float* hl = image + (r.hi * s.in_w + q.lo) * c;
        float* hh = image + (r.hi * s.in_w + q.hi) * c;
        for (int64_t ch = 0; ch < c; ch++, g++) {
          if (!s.bilinear) {
            ll[ch] += *g;
            continue;
          }
          const double v = *g;
          add(ll + ch, v * (1 - r.frac) * (1 - q.frac));
          add(lh + ch, v * (1 - r.frac) * q.frac);
          add(hl + ch, v * r.frac * (1 - q.frac));
          add(hh + ch, v * r.frac * q.frac);
        }
      }
    }
  }
}

}  // namespace nativenn
