// im2col/col2im + sgemm convolution; see conv.h for the contract.
#include "kernels/conv.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "kernels/conv_simd.h"
#include "kernels/conv_winograd.h"
#include "kernels/cpu_path.h"
#include "kernels/gemm/gemm.h"
#include "kernels/thread_scratch.h"
#include "kernels/threads.h"

namespace nativenn {
namespace {

int64_t patch_size(const Conv2dShape& s) { return s.k_h * s.k_w * s.in_c; }

// col (outH·outW, kH·kW·inC) of one image: row p = (oy, ox) holds the patch under output p,
// in the filter's (ky, kx, c) order; padding cells are 0.
void im2col(float* col, const float* x, const Conv2dShape& s) {
  const int64_t k = patch_size(s);
  if (k == 0) return;  // no channels or taps: the columns are empty (and x may be null)
  // Without dilation the taps of one kernel row are contiguous in x (kW·inC floats), so a row
  // that lies inside the image is one copy (a conv over a 1-channel image copies 1 float per tap
  // otherwise).
  const bool rows_contiguous = s.dilation_w == 1;
  const int64_t row_len = s.k_w * s.in_c;
  for (int64_t oy = 0; oy < s.out_h; oy++) {
    for (int64_t ox = 0; ox < s.out_w; ox++) {
      float* row = col + (oy * s.out_w + ox) * k;
      const int64_t ix0 = ox * s.stride_w - s.pad_left;
      const bool inside_w = rows_contiguous && ix0 >= 0 && ix0 + s.k_w <= s.in_w;
      for (int64_t ky = 0; ky < s.k_h; ky++) {
        const int64_t iy = oy * s.stride_h - s.pad_top + ky * s.dilation_h;
        float* dst_row = row + ky * row_len;
        if (iy < 0 || iy >= s.in_h) {
          std::fill(dst_row, dst_row + row_len, 0.0f);
          continue;
        }
        if (inside_w) {
          const float* src = x + (iy * s.in_w + ix0) * s.in_c;
          std::memcpy(dst_row, src, sizeof(float) * row_len);
          continue;
        }
        for (int64_t kx = 0; kx < s.k_w; kx++) {
          const int64_t ix = ix0 + kx * s.dilation_w;
          float* dst = dst_row + kx * s.in_c;
          if (ix < 0 || ix >= s.in_w) {
            std::fill(dst, dst + s.in_c, 0.0f);
          } else {
            const float* src = x + (iy * s.in_w + ix) * s.in_c;
            std::memcpy(dst, src, sizeof(float) * s.in_c);
          }
        }
      }
    }
  }
}

// dx (one image) += the columns scattered back where im2col gathered them from.
void col2im_add(float* dx, const float* col, const Conv2dShape& s) {
  if (const conv_simd::Loops* loops = conv_simd::loops()) return loops->col2im_add_image(dx, col, s);
  const int64_t k = patch_size(s);
  for (int64_t oy = 0; oy < s.out_h; oy++) {
    for (int64_t ox = 0; ox < s.out_w; ox++) {
      const float* row = col + (oy * s.out_w + ox) * k;
      for (int64_t ky = 0; ky < s.k_h; ky++) {
        const int64_t iy = oy * s.stride_h - s.pad_top + ky * s.dilation_h;
        if (iy < 0 || iy >= s.in_h) continue;
        for (int64_t kx = 0; kx < s.k_w; kx++) {
          const int64_t ix = ox * s.stride_w - s.pad_left + kx * s.dilation_w;
          if (ix < 0 || ix >= s.in_w) continue;
          const float* src = row + (ky * s.k_w + kx) * s.in_c;
          float* dst = dx + (iy * s.in_w + ix) * s.in_c;
          for (int64_t c = 0; c < s.in_c; c++) dst[c] += src[c];
        }
      }
    }
  }
}

// Runs per_image(b, col) for every image, over as many tasks as the workspace has column slots
// (and threads allow). Each image is computed by one task alone: the result is the same bits
// for any split.
template <typename F>
void for_each_image(const Conv2dShape& s, float* workspace, int64_t workspace_len, const F& per_image) {
  const int64_t col = conv2d_column_size(s);
  int64_t slots = col > 0 ? workspace_len / col : s.batch;
  slots = std::max<int64_t>(1, std::min<int64_t>({slots, s.batch, get_num_threads()}));
  parallel_for(slots, [&](int64_t t) {
    for (int64_t b = t; b < s.batch; b += slots) per_image(b, workspace + t * col);
  });
}

// Whole-batch forms, used when the workspace holds every image's columns: im2col of all images
// (split over the pool by image), then one GEMM over batch·pixels rows, which the GEMM splits
// over output tiles — never over the summed dimension — so results do not depend on the thread
// count. Small images make per-image GEMMs (121×64×288) pay their packing again and again; one
// (7744×64×288) amortizes it and gives the pool enough rows to share.
// Images per chunk whose columns fill about 1 MiB: half an L2 cache (Zen 3 has 512 KiB, Zen 4
// 1 MiB, Sapphire Rapids 2 MiB), with GEMMs still large (the bench's second layer: 8 images,
// 968 × 288 × 64).
int64_t chunk_images(const Conv2dShape& s) {
  constexpr int64_t kChunkFloats = 256 * 1024;
  return std::max<int64_t>(1, kChunkFloats / std::max<int64_t>(1, conv2d_column_size(s)));
}

bool whole_batch(const Conv2dShape& s, int64_t workspace_len) {
  const int64_t col = conv2d_column_size(s);
  return col > 0 && s.batch > 1 && workspace_len / col >= s.batch;
}

// The columns of `images` images from x on, split over the pool by image.
void im2col_images(float* col, const float* x, int64_t images, const Conv2dShape& s) {
  const int64_t per_col = conv2d_column_size(s), per_x = s.in_h * s.in_w * s.in_c;
  const int64_t tasks = std::min<int64_t>(images, 4 * static_cast<int64_t>(get_num_threads()));
  parallel_for(tasks, [&](int64_t t) {
    for (int64_t b = t; b < images; b += tasks) im2col(col + b * per_col, x + b * per_x, s);
  });
}

// The transposed filter gradient's buffer (a few hundred KiB at most for usual layers).
struct TransposedScratch;

// The direct loops (conv_simd.h) for small patches on the SIMD paths; null: im2col and GEMM. The
// forward and the filter gradient decide alike, so columns_ready never names columns the forward
// did not write.
const conv_simd::Loops* direct(const Conv2dShape& s) {
  const conv_simd::Loops* loops = conv_simd::loops();
  const int64_t k = patch_size(s);
  if (!loops || k < 1 || k > conv_simd::kMaxDirectPatch || s.out_c < 1) return nullptr;
  // An empty image (all padding) has no x to point into; im2col's zero fill handles it.
  if (s.in_h < 1 || s.in_w < 1) return nullptr;
  // Tap offsets are int32 within one image.
  if (s.in_h * s.in_w * s.in_c > INT32_MAX) return nullptr;
  return loops;
}

// out = conv(x, filter) by output rows: every output is computed alone, so any split gives the
// same bits.
void direct_forward(const conv_simd::Loops& loops, float* out, const float* x, const float* filter,
                    const Conv2dShape& s) {
  const int64_t rows = s.batch * s.out_h;
  const int64_t tasks = std::min<int64_t>(rows, 4 * static_cast<int64_t>(get_num_threads()));
  parallel_for(tasks, [&](int64_t t) {
    for (int64_t r = t * rows / tasks, end = (t + 1) * rows / tasks; r < end;) {
      const int64_t b = r / s.out_h, oy0 = r % s.out_h, oy1 = std::min(s.out_h, oy0 + end - r);
      loops.direct_forward_rows(out, x, filter, s, b, oy0, oy1);
      r += oy1 - oy0;
    }
  });
}

// dfilter += Σ patch ⊗ dy, split over groups of channel blocks, and over taps when the channels
// alone leave threads idle (a 32-filter layer is one block on AVX-512). Any split gives the same
// bits.
void direct_filter(const conv_simd::Loops& loops, float* dfilter, const float* x, const float* dy,
                   const Conv2dShape& s) {
  const int64_t k = patch_size(s), step = loops.filter_channels;
  const int64_t channel_blocks = (s.out_c + step - 1) / step;
  const int64_t threads = get_num_threads();
  const int64_t groups = std::min(channel_blocks, threads);
  const int64_t tap_blocks = std::min(k, (threads + groups - 1) / groups);
  parallel_for(groups * tap_blocks, [&](int64_t t) {
    const int64_t q = t / tap_blocks, r = t % tap_blocks;
    loops.direct_filter_block(dfilter, x, dy, s, r * k / tap_blocks, (r + 1) * k / tap_blocks,
                              q * channel_blocks / groups * step,
                              std::min(s.out_c, (q + 1) * channel_blocks / groups * step));
  });
}

}  // namespace

namespace conv_simd {

const Loops* loops() {
#if defined(__x86_64__) || defined(__i386__)
  const CpuPath path = cpu_path();
  if (path >= CpuPath::kAvx512) return &avx512::kLoops;
  if (path >= CpuPath::kAvx2) return &avx2::kLoops;
#endif
  return nullptr;
}

}  // namespace conv_simd

int64_t conv2d_column_size(const Conv2dShape& s) { return s.out_h * s.out_w * patch_size(s); }

void conv2d_forward(float* out, const float* x, const float* filter, float* workspace, int64_t workspace_len,
                    const Conv2dShape& s) {
  const int64_t pixels = s.out_h * s.out_w, k = patch_size(s);
  const int64_t ldk = std::max<int64_t>(1, k), ldo = std::max<int64_t>(1, s.out_c);
  if (const conv_simd::Loops* loops = direct(s)) return direct_forward(*loops, out, x, filter, s);
  if (const int m = conv2d_winograd_tile(s, false);
      m != 0 && conv2d_winograd_forward(out, x, filter, workspace, workspace_len, s, m))
    return;
  if (whole_batch(s, workspace_len)) {
    im2col_images(workspace, x, s.batch, s);
    // out (batch·pixels, outC) = col (batch·pixels, k) · filter (k, outC). (Chunks of images, to
    // read the columns back from the L2 cache, measured no faster.)
    sgemm(false, false, s.batch * pixels, s.out_c, k, 1.0f, workspace, ldk, filter, ldo, 0.0f, out, ldo);
    return;
  }
  for_each_image(s, workspace, workspace_len, [&](int64_t b, float* col) {
    im2col(col, x + b * s.in_h * s.in_w * s.in_c, s);
    // out_b (pixels, outC) = col (pixels, k) · filter (k, outC)
    sgemm(false, false, pixels, s.out_c, k, 1.0f, col, ldk, filter, ldo, 0.0f, out + b * pixels * s.out_c, ldo);
  });
}

void conv2d_backward_data(float* dx, const float* dy, const float* filter, float* workspace, int64_t workspace_len,
                          const Conv2dShape& s, bool overwrite) {
  const int64_t pixels = s.out_h * s.out_w, k = patch_size(s);
  const int64_t per_x = s.in_h * s.in_w * s.in_c;
  if (k == 0) {
    if (overwrite) std::fill(dx, dx + s.batch * per_x, 0.0f);
    return;
  }
  // dx of image b, zeroed first when overwriting, for col2im_add.
  const auto image_dx = [&](int64_t b) {
    float* d = dx + b * per_x;
    if (overwrite) std::fill(d, d + per_x, 0.0f);
    return d;
  };
  if (const int m = conv2d_winograd_tile(s, true);
      m != 0 && conv2d_winograd_backward_data(dx, dy, filter, workspace, workspace_len, s, m, overwrite))
    return;
  const int64_t ldo = std::max<int64_t>(1, s.out_c);
  if (whole_batch(s, workspace_len)) {
    // col (images·pixels, k) = dy (images·pixels, outC) · filterᵀ (outC, k), then col2im by image,
    // a chunk of images at a time: the chunk's columns are still in the L2 cache when col2im reads
    // them (the whole batch's, 8.9 MB for the bench's second layer, were not). Every column is
    // the same sum for any chunk (the GEMM splits the rows only).
    const int64_t per_col = conv2d_column_size(s);
    const int64_t chunk = chunk_images(s);
    for (int64_t b0 = 0; b0 < s.batch; b0 += chunk) {
      const int64_t n = std::min(chunk, s.batch - b0);
      float* col = workspace + b0 * per_col;
      sgemm(false, true, n * pixels, k, s.out_c, 1.0f, dy + b0 * pixels * s.out_c, ldo, filter, ldo, 0.0f, col, k);
      const int64_t tasks = std::min<int64_t>(n, 4 * static_cast<int64_t>(get_num_threads()));
      parallel_for(tasks, [&](int64_t t) {
        for (int64_t b = t; b < n; b += tasks) col2im_add(image_dx(b0 + b), col + b * per_col, s);
      });
    }
    return;
  }
  for_each_image(s, workspace, workspace_len, [&](int64_t b, float* col) {
    // col (pixels, k) = dy_b (pixels, outC) · filterᵀ (outC, k)
    sgemm(false, true, pixels, k, s.out_c, 1.0f, dy + b * pixels * s.out_c, ldo, filter, ldo, 0.0f, col, k);
    col2im_add(image_dx(b), col, s);
  });
}

void conv2d_backward_filter(float* dfilter, const float* x, const float* dy, float* workspace, int64_t workspace_len,
                            const Conv2dShape& s, bool columns_ready) {
  const int64_t pixels = s.out_h * s.out_w, k = patch_size(s);
  if (k == 0 || s.out_c == 0) return;
  if (const conv_simd::Loops* loops = direct(s)) return direct_filter(*loops, dfilter, x, dy, s);
  if (const int m = conv2d_winograd_tile(s, false)) {
    if (conv2d_winograd_backward_filter(dfilter, x, dy, workspace, workspace_len, s, m)) return;
    columns_ready = false;  // a Winograd forward wrote no columns (and its V and M may be in the workspace)
  }
  if (whole_batch(s, workspace_len)) {
    if (!columns_ready) im2col_images(workspace, x, s.batch, s);
    // dfilterᵀ (outC, k) = dyᵀ (outC, batch·pixels) · col (batch·pixels, k), then added transposed:
    // the GEMM then reads dy in place and packs the columns as its B, which measured faster than
    // packing colᵀ as its A (7744 × 288 columns, 64 filters: 73 vs 44–54 GFLOP/s).
    if (float* t = thread_scratch<TransposedScratch>(k * s.out_c)) {
      sgemm(true, false, s.out_c, k, s.batch * pixels, 1.0f, dy, s.out_c, workspace, k, 0.0f, t, k);
      for (int64_t j = 0; j < k; j++)
        for (int64_t o = 0; o < s.out_c; o++) dfilter[j * s.out_c + o] += t[o * k + j];
      return;
    }
    // dfilter (k, outC) += colᵀ (k, batch·pixels) · dy (batch·pixels, outC)
    sgemm(true, false, k, s.out_c, s.batch * pixels, 1.0f, workspace, k, dy, s.out_c, 1.0f, dfilter, s.out_c);
    return;
  }
  for (int64_t b = 0; b < s.batch; b++) {  // in order: the sum over images is the same for any thread count
    im2col(workspace, x + b * s.in_h * s.in_w * s.in_c, s);
    // dfilter (k, outC) += colᵀ (k, pixels) · dy_b (pixels, outC)
    sgemm(true, false, k, s.out_c, pixels, 1.0f, workspace, k, dy + b * pixels * s.out_c, s.out_c, 1.0f, dfilter,
          s.out_c);
  }
}

}  // namespace nativenn
