// Winograd F(2×2, 3×3) and F(4×4, 3×3) convolution; see conv_winograd.h.
#include "kernels/conv_winograd.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>

#include "kernels/conv_simd.h"
#include "kernels/conv_winograd_plain.h"
#include "kernels/gemm/gemm.h"
#include "kernels/thread_scratch.h"
#include "kernels/threads.h"

namespace nativenn {
namespace {

// Channels from which Winograd wins (bench/conv-winograd.js, Zen 5, 1 thread, AVX2 and AVX-512
// paths, batch 64 of 13×13 and 16 of 28×28). F(2×2): at 8 channels im2col is faster (0.25–0.85×);
// 16→16 loses (0.4–0.8×) while 16→32 and 32→16 win or tie, and every pair from 24→24 on wins. So
// both sides at least 16 and together at least 48. F(4×4) wins from 16→16 on in every direction
// (1.2–2.2×; 8→8 and 8→16 lose some), so there both sides at least 16 suffice.
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

// One algorithm F(m×m, 3×3): output tiles of m×m, transformed tiles of α×α (α = m + 2), and the
// tile transforms of the CPU path in use (conv_winograd_plain.h has their contracts).
struct Algorithm {
  int m;
  void (*filter)(float* u, const float* filter, int64_t in_c, int64_t out_c);
  void (*input)(float* v, int64_t vs, const float* const* d, int64_t n);
  void (*output)(float* const* q, const float* m, int64_t ms, int64_t n, bool add);
  void (*grad)(float* w, int64_t ws, const float* const* q, int64_t n);
  const float (*g)[3];  // G (α × 3), for the filter gradient's Gᵀ z G
  int alpha() const { return m + 2; }
  int cells() const { return alpha() * alpha(); }  // α², the cells ξ of a transformed tile
};

constexpr float kG2[4][3] = {{1, 0, 0}, {0.5f, 0.5f, 0.5f}, {0.5f, -0.5f, 0.5f}, {0, 0, 1}};
constexpr float kG4[6][3] = {{0.25f, 0, 0},
                             {-1.0f / 6, -1.0f / 6, -1.0f / 6},
                             {-1.0f / 6, 1.0f / 6, -1.0f / 6},
                             {1.0f / 24, 1.0f / 12, 1.0f / 6},
                             {1.0f / 24, -1.0f / 12, 1.0f / 6},
                             {0, 0, 1}};

Algorithm algorithm(int m) {
  namespace plain = winograd_plain;
  const conv_simd::Loops* l = conv_simd::loops();
  if (m == 4 && l)
    return {4, l->winograd4_filter, l->winograd4_input_tile, l->winograd4_output_tile, l->winograd4_grad_tile, kG4};
  if (m == 4) return {4, plain::filter4, plain::input4, plain::output4, plain::grad4, kG4};
  if (l) return {2, l->winograd_filter, l->winograd_input_tile, l->winograd_output_tile, l->winograd_grad_tile, kG2};
  return {2, plain::filter2, plain::input2, plain::output2, plain::grad2, kG2};
}

int64_t tile_floats(const Conv2dShape& s, int m) { return (m + 2) * (m + 2) * (s.in_c + s.out_c); }  // α²·(inC + outC)
int64_t tiles(int64_t h, int64_t w, int m) { return (h + m - 1) / m * ((w + m - 1) / m); }

// One column slot (conv2d_column_size: the least workspace conv.h allows) holds a useful chunk of
// F(m×m) tiles: kMinTiles, or every tile of an image of h×w outputs.
bool fits(const Conv2dShape& s, int64_t h, int64_t w, int m) {
  return std::min(kMinTiles, tiles(h, w, m)) * tile_floats(s, m) <= conv2d_column_size(s);
}

// The tile size for h×w outputs of this shape (the forward's output, or backward-data's input):
// F(4×4) where it multiplies less (α²·tiles: 324 against 576 for 11×11 outputs, 576 against 784
// for 13×13) and fits the workspace, else F(2×2). Its transforms cost more per output, but it
// measured faster wherever it multiplies less (bench/conv-winograd.js, AVX2 and AVX-512, 1 thread:
// outputs 4×4 to 28×28, 16 to 64 channels: 0.3–0.97× F(2×2)'s time, the least gain on 13×13
// backward-data). Modes 2 and 3 force one (F(4×4) where it fits). A function of the shape alone.
int tile_size(const Conv2dShape& s, int64_t h, int64_t w) {
  const int mode = g_mode.load();
  if (mode == 2 || !fits(s, h, w, 4)) return 2;
  if (mode == 3) return 4;
  return 36 * tiles(h, w, 4) < 16 * tiles(h, w, 2) ? 4 : 2;
}

// The transformed filter (α²·inC·outC floats; backward-data's also holds the turned filter).
struct FilterScratch;
// The filter gradient's sums z (α²·inC·outC floats).
struct FilterGradientScratch;

struct Plan {
  Algorithm al;
  int64_t batch, h, w, cin, cout, pad_top, pad_left, out_h, out_w;
  int64_t tiles_w, tiles_per_image;
};

Plan plan(const Algorithm& al, int64_t batch, int64_t h, int64_t w, int64_t cin, int64_t cout, int64_t pad_top,
          int64_t pad_left, int64_t out_h, int64_t out_w) {
  Plan p{al, batch, h, w, cin, cout, pad_top, pad_left, out_h, out_w, (out_w + al.m - 1) / al.m, 0};
  p.tiles_per_image = (out_h + al.m - 1) / al.m * p.tiles_w;
  return p;
}

// cells[e·i + j] = the channels from c0 on of cell (y0 + i, x0 + j) of an h×w image of c
// channels, or `outside` for cells outside the image: the window of a tile transform.
template <typename T>
void window_cells(T** cells, int e, T* image, int64_t h, int64_t w, int64_t c, int64_t c0, int64_t y0, int64_t x0,
                  T* outside) {
  for (int i = 0; i < e; i++)
    for (int j = 0; j < e; j++) {
      const int64_t y = y0 + i, x = x0 + j;
      cells[e * i + j] = y >= 0 && y < h && x >= 0 && x < w ? image + (y * w + x) * c + c0 : outside;
    }
}

// v[ξ·vs + c] = (Bᵀ d B)[ξ] for the α×α×cin window at (iy0, ix0) of image xb; cells outside read 0.
void input_tile(float* v, int64_t vs, const float* xb, const Plan& p, int64_t iy0, int64_t ix0) {
  alignas(64) static const float kZeros[kBlock] = {};
  for (int64_t c0 = 0; c0 < p.cin; c0 += kBlock) {
    const float* d[36];
    window_cells(d, p.al.alpha(), xb, p.h, p.w, p.cin, c0, iy0, ix0, kZeros);
    p.al.input(v + c0, vs, d, std::min(kBlock, p.cin - c0));
  }
}

// The m×m×cout outputs at (oy0, ox0) of image yb (+)= Aᵀ m A, m[ξ][o] = m[ξ·ms + o]; cells past
// the image are not written.
void output_tile(float* yb, const float* m, int64_t ms, const Plan& p, int64_t oy0, int64_t ox0, bool add) {
  alignas(64) float sink[kBlock] = {};  // where the cells past the image go (edge tiles)
  for (int64_t o0 = 0; o0 < p.cout; o0 += kBlock) {
    float* q[16];
    window_cells(q, p.al.m, yb, p.out_h, p.out_w, p.cout, o0, oy0, ox0, sink);
    p.al.output(q, m + o0, ms, std::min(kBlock, p.cout - o0), add);
  }
}

// w[ξ·ws + o] = (A q Aᵀ)[ξ] for the m×m×cout output gradient at (oy0, ox0) of image dyb; cells
// past the image read 0.
void grad_tile(float* w, int64_t ws, const float* dyb, const Plan& p, int64_t oy0, int64_t ox0) {
  alignas(64) static const float kZeros[kBlock] = {};
  for (int64_t o0 = 0; o0 < p.cout; o0 += kBlock) {
    const float* q[16];
    window_cells(q, p.al.m, dyb, p.out_h, p.out_w, p.cout, o0, oy0, ox0, kZeros);
    p.al.grad(w + o0, ws, q, std::min(kBlock, p.cout - o0));
  }
}

// Tile g of the batch (image-major, then row-major within an image): its image and its corner in
// tile units.
struct TileAt {
  int64_t b, ty, tx;
};
TileAt tile_at(const Plan& p, int64_t g) {
  const int64_t r = g % p.tiles_per_image;
  return {g / p.tiles_per_image, r / p.tiles_w, r % p.tiles_w};
}

// Tiles [t0, t0 + n) of the batch, with buf holding n·α²·(cin + cout) floats: V (α², n, cin), then
// M (α², n, cout).
void run_chunk(float* out, const float* x, const float* u, float* buf, const Plan& p, int64_t t0, int64_t n, bool add) {
  const int64_t xis = p.al.cells(), e = p.al.m;
  float* v = buf;
  float* m = buf + xis * n * p.cin;
  const int64_t per_x = p.h * p.w * p.cin, per_out = p.out_h * p.out_w * p.cout;
  for (int64_t i = 0; i < n; i++) {
    const TileAt t = tile_at(p, t0 + i);
    input_tile(v + i * p.cin, n * p.cin, x + t.b * per_x, p, e * t.ty - p.pad_top, e * t.tx - p.pad_left);
  }
  // M_ξ (n, cout) = V_ξ (n, cin) · U_ξ (cin, cout). (A tile-major V and M, each tile's α² rows
  // together, made the transforms' writes sequential but the GEMMs' strided: measured slower.)
  for (int64_t xi = 0; xi < xis; xi++)
    sgemm(false, false, n, p.cout, p.cin, 1.0f, v + xi * n * p.cin, p.cin, u + xi * p.cin * p.cout, p.cout, 0.0f,
          m + xi * n * p.cout, p.cout);
  for (int64_t i = 0; i < n; i++) {
    const TileAt t = tile_at(p, t0 + i);
    output_tile(out + t.b * per_out, m + i * p.cout, n * p.cout, p, e * t.ty, e * t.tx, add);
  }
}

// Every tile of the batch, in chunks of a fixed size (by the shape and the workspace, never the
// thread count) spread over the pool; a task runs its chunks' GEMMs on its own thread.
void run(float* out, const float* x, const float* u, float* workspace, int64_t workspace_len, const Plan& p, bool add) {
  const int64_t per_tile = p.al.cells() * (p.cin + p.cout);
  const int64_t total = p.batch * p.tiles_per_image;
  if (total == 0) return;
  const int64_t fit = workspace_len / per_tile;  // ≥ kMinTiles or all of an image: see fits()
  const int64_t chunk = std::min({std::max(kMinTiles, kChunkFloats / per_tile), fit, total});
  const int64_t chunks = (total + chunk - 1) / chunk;
  const int64_t slots = std::min<int64_t>({fit / chunk, chunks, get_num_threads()});
  parallel_for(slots, [&](int64_t t) {
    float* buf = workspace + t * chunk * per_tile;
    for (int64_t c = t; c < chunks; c += slots)
      run_chunk(out, x, u, buf, p, c * chunk, std::min(chunk, total - c * chunk), add);
  });
}

// z (α², cout, cin) = Σ over every tile of the batch of W_ξᵀ V_ξ, chunk after chunk in order (the
// chunk size a function of the shape and the workspace). Each chunk's tiles are transformed over
// the pool (each tile alone), then its α² GEMMs run over the pool by ξ, each adding to its own
// z_ξ: every element is summed in the same order for any thread count.
void filter_sums(float* z, const float* x, const float* dy, float* workspace, int64_t workspace_len, const Plan& p) {
  const int64_t xis = p.al.cells(), e = p.al.m;
  const int64_t per_tile = xis * (p.cin + p.cout), total = p.batch * p.tiles_per_image;
  const int64_t chunk = std::min({std::max(kMinTiles, kGradChunkFloats / per_tile), workspace_len / per_tile, total});
  const int64_t per_x = p.h * p.w * p.cin, per_dy = p.out_h * p.out_w * p.cout;
  const int64_t threads = get_num_threads();
  for (int64_t t0 = 0; t0 < total; t0 += chunk) {
    const int64_t n = std::min(chunk, total - t0);
    float* v = workspace;
    float* w = workspace + xis * n * p.cin;
    const int64_t tasks = std::min(n, threads);
    parallel_for(tasks, [&](int64_t task) {
      for (int64_t i = task * n / tasks, end = (task + 1) * n / tasks; i < end; i++) {
        const TileAt t = tile_at(p, t0 + i);
        input_tile(v + i * p.cin, n * p.cin, x + t.b * per_x, p, e * t.ty - p.pad_top, e * t.tx - p.pad_left);
        grad_tile(w + i * p.cout, n * p.cout, dy + t.b * per_dy, p, e * t.ty, e * t.tx);
      }
    });
    // z_ξ (cout, cin) (+)= W_ξᵀ (cout, n) · V_ξ (n, cin): cout rows fill the micro-kernels' row
    // tiles better than cin (64 = 10·6 + 4 rows on AVX2, where 32 left 2)
    const float beta = t0 == 0 ? 0.0f : 1.0f;
    const int64_t gemm_tasks = std::min(xis, threads);
    parallel_for(gemm_tasks, [&](int64_t task) {
      for (int64_t xi = task; xi < xis; xi += gemm_tasks)
        sgemm(true, false, p.cout, p.cin, n, 1.0f, w + xi * n * p.cout, p.cout, v + xi * n * p.cin, p.cin, beta,
              z + xi * p.cin * p.cout, p.cin);
    });
  }
}

// dfilter[ky][kx][c][o] += (Gᵀ z G)[ky][kx], z_ξ[o][c] = z[ξ·cin·cout + o·cin + c]; blocks of
// kLanes input channels at a time, so the inner loops run over contiguous c. Zero entries of G are
// skipped (0·∞ would make a NaN of an infinite sum).
void add_filter_gradient(float* dfilter, const float* z, const Algorithm& al, int64_t in_c, int64_t out_c) {
  constexpr int64_t kLanes = 16;
  const int64_t taps = in_c * out_c;
  const int a = al.alpha();
  for (int64_t o = 0; o < out_c; o++) {
    for (int64_t c0 = 0; c0 < in_c; c0 += kLanes) {
      const int64_t n = std::min(kLanes, in_c - c0);
      const float* zo = z + o * in_c + c0;
      float t[3 * 6][kLanes] = {};  // Gᵀ z: 3 rows of α
      for (int k = 0; k < 3; k++)
        for (int i = 0; i < a; i++) {
          const float g = al.g[i][k];
          if (g == 0) continue;
          for (int j = 0; j < a; j++)
            for (int64_t c = 0; c < n; c++) t[a * k + j][c] += g * zo[(a * i + j) * taps + c];
        }
      for (int k = 0; k < 3; k++)
        for (int l = 0; l < 3; l++) {  // (Gᵀ z) G
          float sum[kLanes] = {};
          for (int j = 0; j < a; j++) {
            const float g = al.g[j][l];
            if (g == 0) continue;
            for (int64_t c = 0; c < n; c++) sum[c] += t[a * k + j][c] * g;
          }
          float* d = dfilter + (3 * k + l) * taps + c0 * out_c + o;
          for (int64_t c = 0; c < n; c++) d[c * out_c] += sum[c];
        }
    }
  }
}

}  // namespace

void conv2d_winograd_mode(int mode) { g_mode.store(mode); }
int conv2d_winograd_mode() { return g_mode.load(); }

int conv2d_winograd_tile(const Conv2dShape& s, bool backward_data) {
  const int mode = g_mode.load();
  if (mode == 1) return 0;
  if (s.k_h != 3 || s.k_w != 3 || s.stride_h != 1 || s.stride_w != 1 || s.dilation_h != 1 || s.dilation_w != 1)
    return 0;
  if (s.in_c < 1 || s.out_c < 1 || s.in_h < 1 || s.in_w < 1 || s.out_h < 1 || s.out_w < 1) return 0;
  // F(2×2) fits both directions (backward-data tiles the input): the larger tiles are a choice.
  if (!fits(s, s.out_h, s.out_w, 2) || !fits(s, s.in_h, s.in_w, 2)) return 0;
  const int m = backward_data ? tile_size(s, s.in_h, s.in_w) : tile_size(s, s.out_h, s.out_w);
  if (mode != 0) return m;
  if (std::min(s.in_c, s.out_c) < kWinogradMinChannels) return 0;
  return s.in_c + s.out_c >= kWinogradMinChannelSum || m == 4 ? m : 0;
}

bool conv2d_winograd_forward(float* out, const float* x, const float* filter, float* workspace, int64_t workspace_len,
                             const Conv2dShape& s, int m) {
  const Algorithm al = algorithm(m);
  if (workspace_len < tile_floats(s, al.m)) return false;  // below conv.h's contract: im2col's checks apply
  float* u = thread_scratch<FilterScratch>(al.cells() * s.in_c * s.out_c);
  if (!u) return false;
  al.filter(u, filter, s.in_c, s.out_c);
  run(out, x, u, workspace, workspace_len,
      plan(al, s.batch, s.in_h, s.in_w, s.in_c, s.out_c, s.pad_top, s.pad_left, s.out_h, s.out_w), false);
  return true;
}

bool conv2d_winograd_backward_data(float* dx, const float* dy, const float* filter, float* workspace,
                                   int64_t workspace_len, const Conv2dShape& s, int m, bool overwrite) {
  // The forward of dy with the filter turned 180° and its channels swapped: turned[ky][kx][o][c] =
  // filter[2 − ky][2 − kx][c][o], transformed as a filter from outC to inC channels, so the GEMMs
  // read U' (outC, inC) plainly (packing a transposed B in every chunk's GEMMs measured 8% slower).
  const Algorithm al = algorithm(m);
  if (workspace_len < tile_floats(s, al.m)) return false;  // below conv.h's contract: im2col's checks apply
  const int64_t taps = s.in_c * s.out_c;
  float* u = thread_scratch<FilterScratch>((al.cells() + 9) * taps);
  if (!u) return false;
  float* turned = u + al.cells() * taps;
  for (int k = 0; k < 9; k++) {
    const float* src = filter + (8 - k) * taps;
    float* dst = turned + k * taps;
    for (int64_t c = 0; c < s.in_c; c++)
      for (int64_t o = 0; o < s.out_c; o++) dst[o * s.in_c + c] = src[c * s.out_c + o];
  }
  al.filter(u, turned, s.out_c, s.in_c);
  // dx[iy] = Σ_ky dy[iy + padTop − ky] · f[ky] = Σ_k' dy[iy − (2 − padTop) + k'] · f[2 − k']
  run(dx, dy, u, workspace, workspace_len,
      plan(al, s.batch, s.out_h, s.out_w, s.out_c, s.in_c, 2 - s.pad_top, 2 - s.pad_left, s.in_h, s.in_w), !overwrite);
  return true;
}

bool conv2d_winograd_backward_filter(float* dfilter, const float* x, const float* dy, float* workspace,
                                     int64_t workspace_len, const Conv2dShape& s, int m) {
  const Algorithm al = algorithm(m);
  if (workspace_len < tile_floats(s, al.m)) return false;  // below conv.h's contract: im2col's checks apply
  float* z = thread_scratch<FilterGradientScratch>(al.cells() * s.in_c * s.out_c);
  if (!z) return false;
  const Plan p = plan(al, s.batch, s.in_h, s.in_w, s.in_c, s.out_c, s.pad_top, s.pad_left, s.out_h, s.out_w);
  if (p.batch * p.tiles_per_image == 0) return true;  // no output: nothing to add
  filter_sums(z, x, dy, workspace, workspace_len, p);
  add_filter_gradient(dfilter, z, al, s.in_c, s.out_c);
  return true;
}

}  // namespace nativenn
