// Winograd F(2×2, 3×3) convolution; see conv_winograd.h.
#include "kernels/conv_winograd.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>

#include "kernels/conv_simd.h"
#include "kernels/gemm/gemm.h"
#include "kernels/thread_scratch.h"
#include "kernels/threads.h"

namespace nativenn {
namespace {

// Channels from which Winograd wins (bench/conv-winograd.js, Zen 5, 1 thread, batch 64 of 13×13
// and 16 of 28×28): at 8 channels im2col is faster (forward 0.6–0.75×); 16→16 over 13×13 loses
// (0.8×) while 16→32 and 32→16 win or tie, and every pair from 24→24 on wins (1.2–3×). So both
// sides at least 16 and together at least 48.
constexpr int64_t kWinogradMinChannels = 16;
constexpr int64_t kWinogradMinChannelSum = 48;
// Tiles of a chunk: V and M of about 512 KiB (half the 1 MiB L2 of a Zen 4 or 5 core; 64–256K
// floats measured alike on the bench's layer), at least kMinTiles.
constexpr int64_t kChunkFloats = 128 * 1024;
constexpr int64_t kMinTiles = 8;
// Tiles of a filter-gradient chunk: V and W of about 1 MiB (128–512K floats measured alike on the
// bench's layer); its GEMMs sum over the chunk's tiles, so larger chunks pack each z_ξ less often.
constexpr int64_t kGradChunkFloats = 256 * 1024;
// Channels transformed at a time (the stack arrays of the tile transforms).
constexpr int64_t kBlock = 64;

std::atomic<int> g_mode{0};

int64_t tile_floats(const Conv2dShape& s) { return 16 * (s.in_c + s.out_c); }

// The transformed filter (16·inC·outC floats, twice that for backward-data).
struct FilterScratch;
// The filter gradient's sums z (16·inC·outC floats).
struct FilterGradientScratch;

// The plain loops of conv_simd::Loops::winograd_filter: u (16, inC, outC), u[ξ][c][o] =
// (G g Gᵀ)[ξ] for the taps g[ky][kx] = filter[ky][kx][c][o].
void filter_plain(float* u, const float* filter, int64_t in_c, int64_t out_c) {
  const int64_t taps = in_c * out_c;  // floats between filter taps, and between u's matrices
  for (int64_t c = 0; c < in_c; c++) {
    const float* g = filter + c * out_c;
    float* uc = u + c * out_c;
    for (int64_t o = 0; o < out_c; o++) {
      const float* q = g + o;
      const float g00 = q[0], g01 = q[taps], g02 = q[2 * taps], g10 = q[3 * taps], g11 = q[4 * taps], g12 = q[5 * taps],
                  g20 = q[6 * taps], g21 = q[7 * taps], g22 = q[8 * taps];
      // G g: rows r0..r3 of 3 taps
      const float r00 = g00, r01 = g01, r02 = g02;
      const float r10 = 0.5f * (g00 + g10 + g20), r11 = 0.5f * (g01 + g11 + g21), r12 = 0.5f * (g02 + g12 + g22);
      const float r20 = 0.5f * (g00 - g10 + g20), r21 = 0.5f * (g01 - g11 + g21), r22 = 0.5f * (g02 - g12 + g22);
      const float r30 = g20, r31 = g21, r32 = g22;
      float* d = uc + o;
      // (G g) Gᵀ, row by row
      d[0] = r00, d[taps] = 0.5f * (r00 + r01 + r02), d[2 * taps] = 0.5f * (r00 - r01 + r02), d[3 * taps] = r02;
      d[4 * taps] = r10, d[5 * taps] = 0.5f * (r10 + r11 + r12), d[6 * taps] = 0.5f * (r10 - r11 + r12);
      d[7 * taps] = r12;
      d[8 * taps] = r20, d[9 * taps] = 0.5f * (r20 + r21 + r22), d[10 * taps] = 0.5f * (r20 - r21 + r22);
      d[11 * taps] = r22;
      d[12 * taps] = r30, d[13 * taps] = 0.5f * (r30 + r31 + r32), d[14 * taps] = 0.5f * (r30 - r31 + r32);
      d[15 * taps] = r32;
    }
  }
}

struct Plan {
  int64_t batch, h, w, cin, cout, pad_top, pad_left, out_h, out_w;
  int64_t tiles_w, tiles_per_image;
};

// The plain loops of conv_simd::Loops::winograd_input_tile: v[ξ·vs + c] = (Bᵀ d B)[ξ] for c < n,
// d[k] the channels of window cell k (4×4, row-major).
void input_tile_plain(float* v, int64_t vs, const float* const* d, int64_t n) {
  for (int64_t c = 0; c < n; c++) {
    float t[16];  // Bᵀ d
    for (int j = 0; j < 4; j++) {
      const float d0 = d[j][c], d1 = d[4 + j][c], d2 = d[8 + j][c], d3 = d[12 + j][c];
      t[j] = d0 - d2;
      t[4 + j] = d1 + d2;
      t[8 + j] = d2 - d1;
      t[12 + j] = d1 - d3;
    }
    for (int i = 0; i < 4; i++) {  // (Bᵀ d) B
      const float* r = t + 4 * i;
      v[(4 * i + 0) * vs + c] = r[0] - r[2];
      v[(4 * i + 1) * vs + c] = r[1] + r[2];
      v[(4 * i + 2) * vs + c] = r[2] - r[1];
      v[(4 * i + 3) * vs + c] = r[1] - r[3];
    }
  }
}

// The plain loops of conv_simd::Loops::winograd_output_tile: the 2×2 cells q[k] (row-major; add:
// added to, else overwritten) = (Aᵀ m A)[k] for the n channels m[ξ·ms + o].
void output_tile_plain(float* const* q, const float* m, int64_t ms, int64_t n, bool add) {
  for (int64_t o = 0; o < n; o++) {
    float t[8];  // Aᵀ m
    for (int j = 0; j < 4; j++) {
      const float m0 = m[j * ms + o], m1 = m[(4 + j) * ms + o], m2 = m[(8 + j) * ms + o], m3 = m[(12 + j) * ms + o];
      t[j] = m0 + m1 + m2;
      t[4 + j] = m1 - m2 - m3;
    }
    for (int i = 0; i < 2; i++) {  // (Aᵀ m) A
      const float* r = t + 4 * i;
      const float y[2] = {r[0] + r[1] + r[2], r[1] - r[2] - r[3]};
      for (int j = 0; j < 2; j++) q[2 * i + j][o] = add ? q[2 * i + j][o] + y[j] : y[j];
    }
  }
}

// The plain loops of conv_simd::Loops::winograd_grad_tile: w[ξ·ws + o] = (A q Aᵀ)[ξ] for o < n,
// q[k] the n channels of the output gradient's 2×2 cell k (row-major), A = [1 0; 1 1; 1 −1; 0 −1].
void grad_tile_plain(float* w, int64_t ws, const float* const* q, int64_t n) {
  for (int64_t o = 0; o < n; o++) {
    const float q0 = q[0][o], q1 = q[1][o], q2 = q[2][o], q3 = q[3][o];
    const float r[8] = {q0, q1, q0 + q2, q1 + q3, q0 - q2, q1 - q3, 0.0f - q2, 0.0f - q3};  // A q
    for (int i = 0; i < 4; i++) {  // (A q) Aᵀ
      const float a = r[2 * i], b = r[2 * i + 1];
      w[(4 * i + 0) * ws + o] = a;
      w[(4 * i + 1) * ws + o] = a + b;
      w[(4 * i + 2) * ws + o] = a - b;
      w[(4 * i + 3) * ws + o] = 0.0f - b;
    }
  }
}

// The transforms of the CPU path in use: the SIMD loops, or the plain ones.
struct Transforms {
  void (*filter)(float* u, const float* filter, int64_t in_c, int64_t out_c);
  void (*input)(float* v, int64_t vs, const float* const* d, int64_t n);
  void (*output)(float* const* q, const float* m, int64_t ms, int64_t n, bool add);
  void (*grad)(float* w, int64_t ws, const float* const* q, int64_t n);
};
Transforms transforms() {
  if (const conv_simd::Loops* loops = conv_simd::loops())
    return {loops->winograd_filter, loops->winograd_input_tile, loops->winograd_output_tile,
            loops->winograd_grad_tile};
  return {filter_plain, input_tile_plain, output_tile_plain, grad_tile_plain};
}

// v[ξ·vs + c] = (Bᵀ d B)[ξ] for the 4×4×cin window at (iy0, ix0) of image xb; cells outside read 0.
void input_tile(const Transforms& tr, float* v, int64_t vs, const float* xb, const Plan& p, int64_t iy0, int64_t ix0) {
  alignas(64) static const float kZeros[kBlock] = {};
  for (int64_t c0 = 0; c0 < p.cin; c0 += kBlock) {
    const float* d[16];
    for (int i = 0; i < 4; i++)
      for (int j = 0; j < 4; j++) {
        const int64_t iy = iy0 + i, ix = ix0 + j;
        const bool in = iy >= 0 && iy < p.h && ix >= 0 && ix < p.w;
        d[4 * i + j] = in ? xb + (iy * p.w + ix) * p.cin + c0 : kZeros;
      }
    tr.input(v + c0, vs, d, std::min(kBlock, p.cin - c0));
  }
}

// The 2×2×cout outputs at (oy0, ox0) of image yb (+)= Aᵀ m A, m[ξ][o] = m[ξ·ms + o]; cells past
// the image are not written.
void output_tile(const Transforms& tr, float* yb, const float* m, int64_t ms, const Plan& p, int64_t oy0, int64_t ox0,
                 bool add) {
  alignas(64) float sink[kBlock] = {};  // where the cells past the image go (edge tiles)
  for (int64_t o0 = 0; o0 < p.cout; o0 += kBlock) {
    float* q[4];
    for (int i = 0; i < 2; i++)
      for (int j = 0; j < 2; j++) {
        const bool in = oy0 + i < p.out_h && ox0 + j < p.out_w;
        q[2 * i + j] = in ? yb + ((oy0 + i) * p.out_w + ox0 + j) * p.cout + o0 : sink;
      }
    tr.output(q, m + o0, ms, std::min(kBlock, p.cout - o0), add);
  }
}

// Tiles [t0, t0 + n) of the batch (image-major, then row-major within an image), with buf holding
// n·tile_floats floats: V (16, n, cin), then M (16, n, cout).
void run_chunk(float* out, const float* x, const float* u, float* buf, const Plan& p, int64_t t0, int64_t n, bool add) {
  const Transforms tr = transforms();
  float* v = buf;
  float* m = buf + 16 * n * p.cin;
  const int64_t per_x = p.h * p.w * p.cin, per_out = p.out_h * p.out_w * p.cout;
  for (int64_t i = 0; i < n; i++) {
    const int64_t g = t0 + i, b = g / p.tiles_per_image, r = g % p.tiles_per_image;
    const int64_t ty = r / p.tiles_w, tx = r % p.tiles_w;
    input_tile(tr, v + i * p.cin, n * p.cin, x + b * per_x, p, 2 * ty - p.pad_top, 2 * tx - p.pad_left);
  }
  // M_ξ (n, cout) = V_ξ (n, cin) · U_ξ (cin, cout). (A tile-major V and M, each tile's 16 rows
  // together, made the transforms' writes sequential but the GEMMs' strided: measured slower.)
  for (int x = 0; x < 16; x++)
    sgemm(false, false, n, p.cout, p.cin, 1.0f, v + x * n * p.cin, p.cin, u + x * p.cin * p.cout, p.cout, 0.0f,
          m + x * n * p.cout, p.cout);
  for (int64_t i = 0; i < n; i++) {
    const int64_t g = t0 + i, b = g / p.tiles_per_image, r = g % p.tiles_per_image;
    const int64_t ty = r / p.tiles_w, tx = r % p.tiles_w;
    output_tile(tr, out + b * per_out, m + i * p.cout, n * p.cout, p, 2 * ty, 2 * tx, add);
  }
}

// Every tile of the batch, in chunks of a fixed size (by the shape and the workspace, never the
// thread count) spread over the pool; a task runs its chunks' GEMMs on its own thread.
void run(float* out, const float* x, const float* u, float* workspace, int64_t workspace_len, const Plan& p, bool add) {
  const int64_t per_tile = 16 * (p.cin + p.cout);
  const int64_t total = p.batch * p.tiles_per_image;
  if (total == 0) return;
  const int64_t fit = workspace_len / per_tile;  // ≥ kMinTiles or all of an image: see applies()
  const int64_t chunk = std::min({std::max(kMinTiles, kChunkFloats / per_tile), fit, total});
  const int64_t chunks = (total + chunk - 1) / chunk;
  const int64_t slots = std::min<int64_t>({fit / chunk, chunks, get_num_threads()});
  parallel_for(slots, [&](int64_t t) {
    float* buf = workspace + t * chunk * per_tile;
    for (int64_t c = t; c < chunks; c += slots)
      run_chunk(out, x, u, buf, p, c * chunk, std::min(chunk, total - c * chunk), add);
  });
}

// w[ξ·ws + o] = (A q Aᵀ)[ξ] for the 2×2×cout output gradient at (oy0, ox0) of image dyb; cells
// past the image read 0.
void grad_tile(const Transforms& tr, float* w, int64_t ws, const float* dyb, const Plan& p, int64_t oy0,
               int64_t ox0) {
  alignas(64) static const float kZeros[kBlock] = {};
  for (int64_t o0 = 0; o0 < p.cout; o0 += kBlock) {
    const float* q[4];
    for (int i = 0; i < 2; i++)
      for (int j = 0; j < 2; j++) {
        const bool in = oy0 + i < p.out_h && ox0 + j < p.out_w;
        q[2 * i + j] = in ? dyb + ((oy0 + i) * p.out_w + ox0 + j) * p.cout + o0 : kZeros;
      }
    tr.grad(w + o0, ws, q, std::min(kBlock, p.cout - o0));
  }
}

// z (16, cout, cin) = Σ over every tile of the batch of W_ξᵀ V_ξ, chunk after chunk in order (the
// chunk size a function of the shape and the workspace). Each chunk's tiles are transformed over
// the pool (each tile alone), then its 16 GEMMs run over the pool by ξ, each adding to its own
// z_ξ: every element is summed in the same order for any thread count.
void filter_sums(float* z, const float* x, const float* dy, float* workspace, int64_t workspace_len, const Plan& p) {
  const Transforms tr = transforms();
  const int64_t per_tile = 16 * (p.cin + p.cout), total = p.batch * p.tiles_per_image;
  const int64_t chunk = std::min({std::max(kMinTiles, kGradChunkFloats / per_tile), workspace_len / per_tile, total});
  const int64_t per_x = p.h * p.w * p.cin, per_dy = p.out_h * p.out_w * p.cout;
  const int64_t threads = get_num_threads();
  for (int64_t t0 = 0; t0 < total; t0 += chunk) {
    const int64_t n = std::min(chunk, total - t0);
    float* v = workspace;
    float* w = workspace + 16 * n * p.cin;
    const int64_t tasks = std::min(n, threads);
    parallel_for(tasks, [&](int64_t task) {
      for (int64_t i = task * n / tasks, end = (task + 1) * n / tasks; i < end; i++) {
        const int64_t g = t0 + i, b = g / p.tiles_per_image, r = g % p.tiles_per_image;
        const int64_t ty = r / p.tiles_w, tx = r % p.tiles_w;
        input_tile(tr, v + i * p.cin, n * p.cin, x + b * per_x, p, 2 * ty - p.pad_top, 2 * tx - p.pad_left);
        grad_tile(tr, w + i * p.cout, n * p.cout, dy + b * per_dy, p, 2 * ty, 2 * tx);
      }
    });
    // z_ξ (cout, cin) (+)= W_ξᵀ (cout, n) · V_ξ (n, cin): cout rows fill the micro-kernels' row
    // tiles better than cin (64 = 10·6 + 4 rows on AVX2, where 32 left 2)
    const float beta = t0 == 0 ? 0.0f : 1.0f;
    const int64_t gemm_tasks = std::min<int64_t>(16, threads);
    parallel_for(gemm_tasks, [&](int64_t task) {
      for (int64_t xi = task; xi < 16; xi += gemm_tasks)
        sgemm(true, false, p.cout, p.cin, n, 1.0f, w + xi * n * p.cout, p.cout, v + xi * n * p.cin, p.cin, beta,
              z + xi * p.cin * p.cout, p.cin);
    });
  }
}

// dfilter[ky][kx][c][o] += (Gᵀ z G)[ky][kx], z_ξ[o][c] = z[ξ·cin·cout + o·cin + c], G as in
// filter_plain: Gᵀ = [1 ½ ½ 0; 0 ½ −½ 0; 0 ½ ½ 1].
void add_filter_gradient(float* dfilter, const float* z, int64_t in_c, int64_t out_c) {
  const int64_t taps = in_c * out_c;
  for (int64_t c = 0; c < in_c; c++) {
    for (int64_t o = 0; o < out_c; o++) {
      const float* zc = z + o * in_c + c;
      float t[12];  // Gᵀ z: 3 rows of 4
      for (int j = 0; j < 4; j++) {
        const float z0 = zc[j * taps], z1 = zc[(4 + j) * taps], z2 = zc[(8 + j) * taps], z3 = zc[(12 + j) * taps];
        t[j] = z0 + 0.5f * (z1 + z2);
        t[4 + j] = 0.5f * (z1 - z2);
        t[8 + j] = 0.5f * (z1 + z2) + z3;
      }
      float* d = dfilter + c * out_c + o;
      for (int i = 0; i < 3; i++) {  // (Gᵀ z) G
        const float* r = t + 4 * i;
        d[(3 * i + 0) * taps] += r[0] + 0.5f * (r[1] + r[2]);
        d[(3 * i + 1) * taps] += 0.5f * (r[1] - r[2]);
        d[(3 * i + 2) * taps] += 0.5f * (r[1] + r[2]) + r[3];
      }
    }
  }
}

Plan plan(int64_t batch, int64_t h, int64_t w, int64_t cin, int64_t cout, int64_t pad_top, int64_t pad_left,
          int64_t out_h, int64_t out_w) {
  Plan p{batch, h, w, cin, cout, pad_top, pad_left, out_h, out_w, (out_w + 1) / 2, 0};
  p.tiles_per_image = (out_h + 1) / 2 * p.tiles_w;
  return p;
}

}  // namespace

void conv2d_winograd_mode(int mode) { g_mode.store(mode); }
int conv2d_winograd_mode() { return g_mode.load(); }

bool conv2d_winograd_applies(const Conv2dShape& s) {
  const int mode = g_mode.load();
  if (mode == 1) return false;
  if (s.k_h != 3 || s.k_w != 3 || s.stride_h != 1 || s.stride_w != 1 || s.dilation_h != 1 || s.dilation_w != 1)
    return false;
  if (s.in_c < 1 || s.out_c < 1 || s.in_h < 1 || s.in_w < 1 || s.out_h < 1 || s.out_w < 1) return false;
  if (mode != 2 && (std::min(s.in_c, s.out_c) < kWinogradMinChannels || s.in_c + s.out_c < kWinogradMinChannelSum))
    return false;
  // One column slot (conv2d_column_size: the least workspace) must hold kMinTiles tiles' V and M,
  // or every tile of the larger of an image and its input (backward-data tiles the input).
  const int64_t per_image = std::max((s.out_h + 1) / 2 * ((s.out_w + 1) / 2), (s.in_h + 1) / 2 * ((s.in_w + 1) / 2));
  return std::min(kMinTiles, per_image) * tile_floats(s) <= conv2d_column_size(s);
}

bool conv2d_winograd_forward(float* out, const float* x, const float* filter, float* workspace, int64_t workspace_len,
                             const Conv2dShape& s) {
  if (workspace_len < tile_floats(s)) return false;  // below conv.h's contract: im2col's checks apply
  float* u = thread_scratch<FilterScratch>(16 * s.in_c * s.out_c);
  if (!u) return false;
  transforms().filter(u, filter, s.in_c, s.out_c);
  run(out, x, u, workspace, workspace_len,
      plan(s.batch, s.in_h, s.in_w, s.in_c, s.out_c, s.pad_top, s.pad_left, s.out_h, s.out_w), false);
  return true;
}

bool conv2d_winograd_backward_data(float* dx, const float* dy, const float* filter, float* workspace,
                                   int64_t workspace_len, const Conv2dShape& s, bool overwrite) {
  // The transformed filter turned 180° with its channels swapped: since G J = P G, with J the 3×3
  // reversal and P the swap of rows 0 and 3, G (J g J) Gᵀ = P (G g Gᵀ) P, so U'_ξ for ξ = (i, j)
  // is U_(p(i), p(j)) transposed, p = (3 1 2 0). Stored (outC, inC) for plain GEMMs: packing a
  // transposed B in every chunk's GEMMs measured 8% slower.
  if (workspace_len < tile_floats(s)) return false;  // below conv.h's contract: im2col's checks apply
  const int64_t taps = s.in_c * s.out_c;
  float* u = thread_scratch<FilterScratch>(32 * taps);
  if (!u) return false;
  float* turned = u + 16 * taps;
  transforms().filter(u, filter, s.in_c, s.out_c);
  static constexpr int kTurn[4] = {3, 1, 2, 0};
  for (int x = 0; x < 16; x++) {
    const float* src = u + (4 * kTurn[x / 4] + kTurn[x % 4]) * taps;
    float* dst = turned + x * taps;
    for (int64_t o = 0; o < s.out_c; o++)
      for (int64_t c = 0; c < s.in_c; c++) dst[o * s.in_c + c] = src[c * s.out_c + o];
  }
  // dx[iy] = Σ_ky dy[iy + padTop − ky] · f[ky] = Σ_k' dy[iy − (2 − padTop) + k'] · f[2 − k']
  run(dx, dy, turned, workspace, workspace_len,
      plan(s.batch, s.out_h, s.out_w, s.out_c, s.in_c, 2 - s.pad_top, 2 - s.pad_left, s.in_h, s.in_w), !overwrite);
  return true;
}

bool conv2d_winograd_backward_filter(float* dfilter, const float* x, const float* dy, float* workspace,
                                     int64_t workspace_len, const Conv2dShape& s) {
  if (workspace_len < tile_floats(s)) return false;  // below conv.h's contract: im2col's checks apply
  float* z = thread_scratch<FilterGradientScratch>(16 * s.in_c * s.out_c);
  if (!z) return false;
  const Plan p = plan(s.batch, s.in_h, s.in_w, s.in_c, s.out_c, s.pad_top, s.pad_left, s.out_h, s.out_w);
  if (p.batch * p.tiles_per_image == 0) return true;  // no output: nothing to add
  filter_sums(z, x, dy, workspace, workspace_len, p);
  add_filter_gradient(dfilter, z, s.in_c, s.out_c);
  return true;
}

}  // namespace nativenn
