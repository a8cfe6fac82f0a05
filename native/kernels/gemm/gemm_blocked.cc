// The BLIS five loops (flame/blis docs/KernelsHowTo.md), row-major:
//   jc over NC columns of C    : pack a KC x NC block of op(b) into NR-column panels (L3)
//    pc over KC of the k dim   :   (first pc block applies beta, later ones add)
//     ic over MC rows of C     : pack an MC x KC block of op(a) into MR-row panels (L2)
//      jr over NR panels       : one packed B micro-panel stays in L1 ...
//       ir over MR panels      : ... while the micro-kernel streams A panels past it
// Transposes are absorbed by the packing (each operand is a strided view). A is packed only when
// it must be: the micro-kernel reads op(a) in place through its strides, which measured faster
// than packing for a plain A (its MR rows streamed by the prefetcher) and for a transposed A,
// unless the row stride aliases in the caches (see a_needs_packing). A plain B is read in place
// too when few rows of C reuse it (see b_reads_in_place). The micro-kernels compute edge tiles
// in place (exact rows, masked columns): no scratch tile, no padded copy of an unpacked A.
// The micro-kernel and its block sizes are chosen at run time: the best of the CPU path in use
// (see auto_kernel); tests force each with sgemm_use_kernel. A narrow C (n < m, its rows filling
// few of a vector's lanes: a 10-unit layer) is computed as Cᵀ = op(b)ᵀ·op(a)ᵀ by the kernel's
// transposed-store variant, with the same bits (see swap_narrow).
// Threads: with a small A, each task packs (or reads in place) and computes its own column
// panels; otherwise B is packed cooperatively (a plain B by rows of k, a transposed one by
// panels), then blocks of rows of equal height (and, for short wide C, of column panels) are handed
// out as tasks. A thread that packs A does so into thread-local memory.
// Every element of C is summed in the same order whichever task computes it: 1 and 2 threads
// give the same bits.
#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>

#include "kernels/cpu_path.h"
#include "kernels/gemm/gemm.h"
#include "kernels/gemm/gemm_internal.h"
#include "kernels/threads.h"

#ifndef NATIVENN_GEMM_THREAD_MIN_FMAS
#define NATIVENN_GEMM_THREAD_MIN_FMAS (1 << 22)  // ~40 us of work: below it a fork-join costs more than it saves
#endif

// x86 builds carry the AVX2 and AVX-512 kernels; NATIVENN_GEMM_GENERIC_ONLY leaves them out (to
// test the portable kernel alone on x86).
#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__)) && \
    !defined(NATIVENN_GEMM_GENERIC_ONLY)
#define NATIVENN_GEMM_X86 1
#else
#define NATIVENN_GEMM_X86 0
#endif
// The AVX-512 kernel's cache blocks (defines, to tune without editing).
#ifndef NATIVENN_GEMM_COLUMN_SPLIT_MAX
#define NATIVENN_GEMM_COLUMN_SPLIT_MAX (1 << 17)  // m * kc floats: an A block of 512 KiB, half the L2
#endif
#ifndef NATIVENN_GEMM_AVX512_MIN_FMAS
#define NATIVENN_GEMM_AVX512_MIN_FMAS 0  // see auto_kernel
#endif
#ifndef NATIVENN_GEMM_B_IN_PLACE_MAX_M
#define NATIVENN_GEMM_B_IN_PLACE_MAX_M 144  // rows of C up to which a plain B is not packed
#endif
#ifndef NATIVENN_GEMM_KC
#define NATIVENN_GEMM_KC 512
#endif
#ifndef NATIVENN_GEMM_MC
#define NATIVENN_GEMM_MC 168
#endif
#ifndef NATIVENN_GEMM_NC
#define NATIVENN_GEMM_NC 4064
#endif

namespace nativenn {
namespace gemm {
namespace {

// Element (i, j) of a strided matrix view; op(x) of a row-major x is a view with swapped strides.
struct View {
  const float* p;
  int64_t rs, cs;
  const float* at(int64_t i, int64_t j) const { return p + i * rs + j * cs; }
};

// The kernels this build has, best first. Block sizes are per kernel: see KernelInfo.
//   AVX2 6x16 (tuned on Zen 3): KC = 256 keeps a 16 KiB B panel in L1, MC = 168 a 168 KiB A block
//   in L2 (512 KiB), NC = 4080 a 4 MiB B block in L3.
//   AVX-512 14x32 (tuned on Zen 4, L1d 32 KiB, L2 1 MiB, L3 32 MiB): KC = 512 measured best of
//   128..1024 (fewer passes over C; the 64 KiB B panel streams from L2 fast enough for 28 FMAs
//   per k step), MC = 168 (a 336 KiB A block in L2), NC = 4064 (an 8 MiB B block in L3).
const KernelInfo kGeneric{"generic", ukernel_f32_generic, nullptr, nullptr, kGenericMR, kGenericNR, 256, 168, 4080};
#if NATIVENN_GEMM_X86
const KernelInfo kAvx2{
    "avx2", ukernel_f32_6x16_avx2, ukernel_f32_6x16_avx2_tc, pack_b_trans_avx2, kAvx2MR, kAvx2NR, 256, 168, 4080};
const KernelInfo kAvx512{"avx512",
                         ukernel_f32_14x32_avx512,
                         ukernel_f32_14x32_avx512_tc,
                         pack_b_trans_avx2,
                         kAvx512MR,
                         kAvx512NR,
                         NATIVENN_GEMM_KC,
                         NATIVENN_GEMM_MC,
                         NATIVENN_GEMM_NC};
#endif

static_assert(NATIVENN_GEMM_KC <= kMaxKC && NATIVENN_GEMM_MC % kAvx512MR == 0 && NATIVENN_GEMM_NC % kAvx512NR == 0,
              "AVX-512 cache blocks must hold whole register blocks");

// Whether the CPU runs the kernel (whatever the CPU path in use: sgemm_use_kernel forces any).
bool supported(const KernelInfo& K) {
#if NATIVENN_GEMM_X86
  if (&K == &kAvx512) return cpu_path_best() >= CpuPath::kAvx512;
  if (&K == &kAvx2) return cpu_path_best() >= CpuPath::kAvx2;
#endif
  return &K == &kGeneric;
}

const KernelInfo* const kKernels[] = {
#if NATIVENN_GEMM_X86
    &kAvx512, &kAvx2,
#endif
    &kGeneric};

// The kernel "auto" takes for a product of `fmas` multiply-adds: the best of the CPU path in use
// (cpu_path.h), except that below NATIVENN_GEMM_AVX512_MIN_FMAS the AVX-512 path takes the 6 x 16
// AVX2 kernel. That switch (2^22) was measured on Zen 4 when the 14 x 32 kernel still wasted the
// rows and columns of its edge tiles (32x64x64: 61 vs 53 GFLOP/s); its edge tiles are exact now,
// and on Sapphire Rapids (two 512-bit FMA pipes) AVX-512 wins at every size of the small-shape
// bench (32x64x64: 85 vs 62, the recurrent step 32x512x128: 82 vs 54), so it is 0. Not
// re-measured on Zen 4 since: build with -DNATIVENN_GEMM_AVX512_MIN_FMAS=4194304 to get it back.
const KernelInfo& auto_kernel(double fmas) {
#if NATIVENN_GEMM_X86
  const CpuPath path = cpu_path();
  if (path >= CpuPath::kAvx512 && fmas >= NATIVENN_GEMM_AVX512_MIN_FMAS) return kAvx512;
  if (path >= CpuPath::kAvx2) return kAvx2;
#else
  (void)fmas;
#endif
  return kGeneric;
}
std::atomic<const KernelInfo*> g_forced{nullptr};  // set by sgemm_use_kernel; null: by size

// A grow-only, 64-byte-aligned buffer per thread: packing never allocates in steady state.
class Scratch {
 public:
  ~Scratch() { std::free(data_); }
  float* get(int64_t floats) {
    size_t bytes = static_cast<size_t>(floats) * sizeof(float);
    if (bytes > capacity_) {
      std::free(data_);
      capacity_ = (bytes + 63) / 64 * 64;
      data_ = static_cast<float*>(std::aligned_alloc(64, capacity_));
      if (!data_) {
        capacity_ = 0;
        std::abort();  // out of memory for a few MiB of scratch: nothing sensible is left to do
      }
    }
    return data_;
  }

 private:
  float* data_ = nullptr;
  size_t capacity_ = 0;
};
thread_local Scratch tl_pack_a, tl_pack_b;

int64_t round_up(int64_t x, int64_t to) { return (x + to - 1) / to * to; }
int64_t ceil_div(int64_t x, int64_t y) { return (x + y - 1) / y; }

// A panel of mr <= kMR rows of a plain A: 16 columns (a cache line of each row) at a time through
// a small local block, so the writes are sequential and each row line is read once while it is hot
// (a row at a time wrote floats 56 bytes apart: 1 ns per float, 7% of n = 512). Zero-padded.
template <int kMR, bool kFull>
void pack_a_rows(const View& A, int64_t rows, int64_t kc, float* dst) {
  const int64_t mr = kFull ? kMR : rows;  // a constant for full panels: the copies unroll
  constexpr int kW = 16;
  float block[kMR][kW];
  for (int64_t i = mr; i < kMR; i++) std::fill(block[i], block[i] + kW, 0.0f);
  int64_t p = 0;
  for (; p + kW <= kc; p += kW, dst += kW * kMR) {
    for (int i = 0; i < mr; i++) {
#if defined(__GNUC__) || defined(__clang__)
      if (p + 4 * kW < kc) __builtin_prefetch(A.at(i, p + 4 * kW));  // measured: 5.2% -> 3.6% of n = 512
#endif
      std::memcpy(block[i], A.at(i, p), sizeof(block[i]));
    }
    for (int j = 0; j < kW; j++)
#pragma GCC unroll 16
      for (int i = 0; i < kMR; i++) dst[j * kMR + i] = block[i][j];
  }
  for (; p < kc; p++, dst += kMR)
    for (int i = 0; i < kMR; i++) dst[i] = i < mr ? *A.at(i, p) : 0.0f;
}

// Packs rows [0,mr) x cols [0,kc) of view A into one MR-row panel: dst[p*MR + i], zero-padded.
void pack_a_panel(const View& A, int64_t mr, int64_t kc, int64_t MR, float* dst) {
  if (A.cs == 1 && MR == kAvx512MR && mr == MR) return pack_a_rows<kAvx512MR, true>(A, mr, kc, dst);
  if (A.cs == 1 && MR == kAvx512MR) return pack_a_rows<kAvx512MR, false>(A, mr, kc, dst);
  if (A.cs == 1) {
    for (int64_t i = 0; i < mr; i++) {
      const float* src = A.at(i, 0);
      for (int64_t p = 0; p < kc; p++) dst[p * MR + i] = src[p];
    }
  } else {
    for (int64_t p = 0; p < kc; p++) {
      const float* src = A.at(0, p);
      for (int64_t i = 0; i < mr; i++) dst[p * MR + i] = src[i * A.rs];
    }
  }
  for (int64_t i = mr; i < MR; i++)
    for (int64_t p = 0; p < kc; p++) dst[p * MR + i] = 0.0f;
}

// One row of a full B panel: a fixed-size copy the compiler inlines (a libc memcpy call per 128
// bytes was 7% of n = 512).
inline void copy_b_row(const float* src, int64_t NR, float* dst) {
  if (NR == 32) {
    std::memcpy(dst, src, 32 * sizeof(float));
  } else if (NR == 16) {
    std::memcpy(dst, src, 16 * sizeof(float));
  } else {
    std::memcpy(dst, src, NR * sizeof(float));
  }
}

// Rows [p0,p1) of NR-column panels [panel_begin, panel_end) of a plain kc x nc view B (B.cs == 1):
// row by row, each source row read once, sequentially.
void pack_b_rows(const View& B, int64_t kc, int64_t nc, int64_t NR, int64_t p0, int64_t p1, int64_t panel_begin,
                 int64_t panel_end, float* dst) {
  const int64_t full_end = std::min(panel_end, nc / NR);  // panels with all NR columns
  for (int64_t p = p0; p < p1; p++) {
    const float* src = B.at(p, 0);
    for (int64_t q = panel_begin; q < full_end; q++) copy_b_row(src + q * NR, NR, dst + (q * kc + p) * NR);
    for (int64_t q = std::max(panel_begin, full_end); q < panel_end; q++) {
      float* dp = dst + (q * kc + p) * NR;
      const int64_t nr = nc - q * NR;
      for (int64_t j = 0; j < nr; j++) dp[j] = src[q * NR + j];
      for (int64_t j = nr; j < NR; j++) dp[j] = 0.0f;
    }
  }
}

// Packs NR-column panels [panel_begin, panel_end) of the kc x nc view B: panel q at dst + q*kc*NR.
// A plain B is walked row by row (each source row read once, sequentially).
void pack_b_panels(const KernelInfo& K, const View& B, int64_t kc, int64_t nc, int64_t panel_begin, int64_t panel_end,
                   float* dst) {
  const int64_t NR = K.nr;
  if (B.cs != 1 && B.rs == 1 && K.pack_b_trans)
    return K.pack_b_trans(B.p, B.cs, kc, nc, NR, panel_begin, panel_end, dst);
  if (B.cs == 1) return pack_b_rows(B, kc, nc, NR, 0, kc, panel_begin, panel_end, dst);
  for (int64_t q = panel_begin; q < panel_end; q++) {
    int64_t j0 = q * NR, nr = std::min(NR, nc - j0);
    float* d = dst + q * kc * NR;
    for (int64_t j = 0; j < nr; j++) {
      const float* src = B.at(0, j0 + j);
      for (int64_t p = 0; p < kc; p++) d[p * NR + j] = src[p * B.rs];
    }
    for (int64_t j = nr; j < NR; j++)
      for (int64_t p = 0; p < kc; p++) d[p * NR + j] = 0.0f;
  }
}

// Where the NR-column panels of the current kc x nc block of op(b) are: packed (panel q at
// p + q*kc*NR, rows NR apart) or read in place (panel q at p + q*NR, rows the caller's ldb apart).
struct BPanels {
  const float* p;
  int64_t panel_stride, rs;
  const float* at(int64_t q) const { return p + q * panel_stride; }
};

// How many sets of an 8-way cache with `sets` sets lines at a fixed stride of lda floats visit.
int64_t sets_visited(int64_t lda, int64_t sets) {
  if ((lda * 4) % 64 != 0) return sets;  // the rows walk across all sets
  int64_t stride_lines = lda * 4 / 64;
  while (sets > 1 && stride_lines % 2 == 0) {
    stride_lines /= 2;
    sets /= 2;
  }
  return sets;
}

// A transposed A is read one row of stored A per k step, lda apart: kc lines at a fixed stride.
// When the stride is a large power of two they crowd into a few sets of the L2 (512 KiB,
// 8-way, 1024 sets on Zen 3) and miss; then packing pays (measured at n = 1024: 65 vs 85
// GFLOP/s). When they share one or two sets of the L1 (lda a multiple of 512 floats: a
// recurrent layer's [batch, time, width] cache), each of the B panels that follow fetches them
// from L2 again; packing once pays from a few panels on (TN 128x512x64 lda 5120, best-of: AVX2
// 55 -> 69, AVX-512 108 -> 125 GFLOP/s; at lda 128 or 256 packing lost up to 2x). A plain A
// streams MR rows lda apart: six always fit the L1 (64 sets, 8-way), but 14 rows at lda = 1024
// share one set and thrash (AVX-512: 52 vs 90 GFLOP/s packed at n = 1024).
bool a_needs_packing(bool trans_a, int64_t lda, int64_t kc, int64_t mr, int64_t panels) {
  if (trans_a) return 8 * sets_visited(lda, 1024) < kc || (sets_visited(lda, 64) <= 2 && kc > 16 && panels > 2);
  return 8 * sets_visited(lda, 64) < mr + 2;  // +2: room for the B panel's lines
}

// A plain B is read in place (not packed) when few rows of C reuse each panel: packing then costs
// more than it saves (best-of GFLOP/s on Sapphire Rapids, AVX-512 / AVX2 path: 32x256x64 88 ->
// 105 / 56 -> 66, 32x10x64 38 -> 65 / 29 -> 45, 128x10x128 58 -> 66 / 42 -> 47). Not when its
// rows crowd into fewer than 32 sets of the L2 (ldb a multiple of 1024 floats): the panel's lines
// then evict each other between row tiles (ldb 2048: TN 64x256x32 on AVX2 55 -> 43).
bool b_reads_in_place(bool trans_b, int64_t m, int64_t ldb) {
  return !trans_b && m <= NATIVENN_GEMM_B_IN_PLACE_MAX_M && sets_visited(ldb, 1024) >= 32;
}

struct Problem {
  const KernelInfo& K;
  UKernel fn;  // K.fn, or K.fn_tc when C is transposed
  View A, B;
  float alpha, beta;
  float* c;
  int64_t ldc;
  int64_t c_rs, c_cs;  // element (i, j) of C at c[i*c_rs + j*c_cs]: (ldc, 1), or (1, ldc) transposed
  bool pack_a;
};

// Rows [i0,i1) x packed-B panels [q0,q1) of the current (jc, pc) block: the ic, jr and ir loops.
void compute_block(const Problem& P, int64_t jc, int64_t pc, int64_t kc, int64_t nc, float beta, const BPanels& pb,
                   int64_t i0, int64_t i1, int64_t q0, int64_t q1) {
  const int64_t MR = P.K.mr, NR = P.K.nr, MC = P.K.mc;
  const int64_t rows = i1 - i0;
  if (rows <= 0 || q0 >= q1) return;
  // Balanced MC blocks: e.g. 200 rows become 2 x 102 rather than 168 + 32.
  const int64_t mc_step = round_up(ceil_div(rows, ceil_div(rows, MC)), MR);
  for (int64_t ic = i0; ic < i1; ic += mc_step) {
    const int64_t mc = std::min(mc_step, i1 - ic);
    // Row tiles of balanced heights (32 rows: 11 + 11 + 10 rather than 14 + 14 + 4; 6 x 16:
    // 6 + 6 + 5 + 5 + 5 + 5 rather than 6 x 5 + 2): the same number of tiles, but no short last
    // tile, which has too few accumulators to hide the FMA latency (a 2-row AVX2 tile runs at
    // half speed). Every element of C is summed the same way whatever tile computes it, so the
    // bits do not change. A packed A holds tile t's rows in panel t (MR wide, zero-padded).
    const int64_t tiles = ceil_div(mc, MR), short_rows = mc / tiles, taller = mc % tiles;
    const float* pa = nullptr;
    if (P.pack_a) {
      float* buf = tl_pack_a.get(tiles * MR * kc);
      for (int64_t t = 0, ir = 0; t < tiles; t++) {
        const int64_t mr = short_rows + (t < taller ? 1 : 0);
        pack_a_panel(View{P.A.at(ic + ir, pc), P.A.rs, P.A.cs}, mr, kc, MR, buf + t * MR * kc);
        ir += mr;
      }
      pa = buf;
    }
    // Locals, not P's fields: the kernel calls would make the compiler load those again per tile.
    const UKernel fn = P.fn;
    const int64_t c_rs = P.c_rs, ldc = P.ldc, a_rs = P.A.rs, a_cs = P.A.cs;
    const float alpha = P.alpha;
    for (int64_t q = q0; q < q1; q++) {
      const int64_t nr = std::min(NR, nc - q * NR);
      const float* b = pb.at(q);
      float* c = P.c + ic * c_rs + (jc + q * NR) * P.c_cs;
      const float* a = pa ? pa : P.A.at(ic, pc);
      for (int64_t t = 0; t < tiles; t++) {
        const int64_t mr = short_rows + (t < taller ? 1 : 0);
        if (pa) {
          fn(kc, a, 1, MR, b, pb.rs, c, ldc, mr, nr, alpha, beta);
          a += MR * kc;
        } else {
          fn(kc, a, a_rs, a_cs, b, pb.rs, c, ldc, mr, nr, alpha, beta);
          a += mr * a_rs;
        }
        c += mr * c_rs;
      }
    }
  }
}

void scale_c(int64_t m, int64_t n, float beta, float* c, int64_t ldc) {
  for (int64_t i = 0; i < m; i++) {
    float* ci = c + i * ldc;
    if (beta == 0) {
      std::fill(ci, ci + n, 0.0f);
    } else if (beta != 1) {
      for (int64_t j = 0; j < n; j++) ci[j] *= beta;
    }
  }
}

// Whether to compute a narrow C as its transpose, Cᵀ = op(b)ᵀ·op(a)ᵀ (m and n swap roles; the
// kernel stores its tiles transposed, gemm_internal.h). A row of n columns takes ceil(n/V) vectors
// of V = NR/2 lanes: n = 10 fills 10 of 16 lanes on AVX2 and of 16 on AVX-512, and the FMAs of the
// other lanes are wasted; the m rows of Cᵀ's rows fill them better. Each element is still one FMA
// chain over k in the same order (a·b = b·a exactly) with the same alpha/beta arithmetic: the
// bits do not change. The swapped B is op(a)ᵀ: a transposed a is then a plain B, read in place,
// while a plain a must be packed transposed, which costs about what the narrow tiles waste unless
// they waste much. Measured on Zen 5 (1 thread, swapped/plain time, n < m <= 256, k = 10..256):
// transposed a, 0.2-0.9 for n <= 24 where the lane counts below say so (plain narrow tiles have
// few accumulators or masked stores), up to 1.15 at n = 15, k = 10 on AVX2 (hence 0.9 for small
// k) and for n around 31; plain a, 0.5-0.95 where the swap needs at most 0.7 of the vectors with
// m >= 32 and k >= 32, and up to 1.7 with m = 16 or k = 10.
// NATIVENN_GEMM_SWAP=0 or 1 (a define) turns it off, or on for every n < m, for experiments.
bool swap_narrow(const KernelInfo& K, bool trans_a, int64_t m, int64_t n, int64_t k) {
#if defined(NATIVENN_GEMM_SWAP)
  if (NATIVENN_GEMM_SWAP == 2) return K.fn_tc != nullptr;
#endif
  if (!K.fn_tc || n >= m) return false;
#if defined(NATIVENN_GEMM_SWAP)
  if (NATIVENN_GEMM_SWAP >= 0) return NATIVENN_GEMM_SWAP != 0;
#endif
  if (n > 24) return false;
  const int64_t V = K.nr / 2;
  const double plain = static_cast<double>(m) * ceil_div(n, V), swapped = static_cast<double>(n) * ceil_div(m, V);
  if (trans_a) return swapped <= (k >= 32 ? 1.0 : 0.9) * plain;
  return m >= 32 && k >= 32 && swapped <= 0.7 * plain;
}

// The five loops on kernel K's fn (C plain) or fn_tc (trans_c: the caller's C is the transpose
// of this product's, element (i, j) at c[j*ldc + i]).
void run(const KernelInfo& K, bool trans_c, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
         const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  const double fmas = static_cast<double>(m) * n * k;
  const int64_t MR = K.mr, NR = K.nr, KC = K.kc, NC = K.nc;
  const int threads = fmas >= NATIVENN_GEMM_THREAD_MIN_FMAS ? get_num_threads() : 1;
  const int64_t kc_step = ceil_div(k, ceil_div(k, KC));  // balanced: k = 300 gives 2 x 150
  Problem P{K,
            trans_c ? K.fn_tc : K.fn,
            trans_a ? View{a, 1, lda} : View{a, lda, 1},
            trans_b ? View{b, 1, ldb} : View{b, ldb, 1},
            alpha,
            beta,
            c,
            ldc,
            trans_c ? 1 : ldc,
            trans_c ? ldc : 1,
            a_needs_packing(trans_a, lda, kc_step, MR, ceil_div(std::min(n, NC), NR))};
  const bool b_in_place = b_reads_in_place(trans_b, m, ldb);

  for (int64_t jc = 0; jc < n; jc += NC) {
    const int64_t nc = std::min(NC, n - jc);
    const int64_t panels = ceil_div(nc, NR);
    for (int64_t pc = 0; pc < k; pc += kc_step) {
      const int64_t kc = std::min(kc_step, k - pc);
      const float beta_pc = pc == 0 ? beta : 1.0f;
      const View Bblock{P.B.at(pc, jc), P.B.rs, P.B.cs};
      const int64_t target = 4 * static_cast<int64_t>(threads);  // tasks: see below
      if (b_in_place) {
        const BPanels bp{Bblock.p, NR, Bblock.rs};
        if (threads <= 1) {
          compute_block(P, jc, pc, kc, nc, beta_pc, bp, 0, m, 0, panels);
        } else {
          const int64_t tasks = std::min(panels, target);
          parallel_for(tasks, [&](int64_t t) {
            compute_block(P, jc, pc, kc, nc, beta_pc, bp, 0, m, t * panels / tasks, (t + 1) * panels / tasks);
          });
        }
        continue;
      }
      const BPanels pb{tl_pack_b.get(panels * kc * NR), kc * NR, NR};
      float* const pbuf = const_cast<float*>(pb.p);
      if (threads <= 1) {
        pack_b_panels(K, Bblock, kc, nc, 0, panels, pbuf);
        compute_block(P, jc, pc, kc, nc, beta_pc, pb, 0, m, 0, panels);
        continue;
      }
      // Several tasks per thread, taken dynamically: a thread slowed by another process (the
      // cores are shared) does less of the work instead of holding everyone up.
      if (m * kc <= NATIVENN_GEMM_COLUMN_SPLIT_MAX && panels >= target) {
        // A small A (an MLP's batch x features) is shared by all; each task packs and uses only
        // its own B panels: one fork-join per block and no B line crosses between cores (2
        // threads, medians: 128x784x256 111 -> 150 GFLOP/s, 256^3 127 -> 167).
        parallel_for(target, [&](int64_t t) {
          const int64_t q0 = t * panels / target, q1 = (t + 1) * panels / target;
          pack_b_panels(K, Bblock, kc, nc, q0, q1, pbuf);
          compute_block(P, jc, pc, kc, nc, beta_pc, pb, 0, m, q0, q1);
        });
        continue;
      }
      if (Bblock.cs == 1) {
        // A plain B by rows: each task reads whole rows of B, contiguous memory the prefetchers
        // stream. By panels, a task read 4 lines of every 4 KiB row: at n = 1024 on 2 threads
        // (AVX-512, perf) that packing took 434 us of CPU per call against 245 us on 1 thread;
        // by rows ~330 us.
        const int64_t pack_tasks = std::min(kc, target);
        parallel_for(pack_tasks, [&](int64_t t) {
          pack_b_rows(Bblock, kc, nc, NR, t * kc / pack_tasks, (t + 1) * kc / pack_tasks, 0, panels, pbuf);
        });
      } else {
        const int64_t pack_tasks = std::min(panels, target), pack_per = ceil_div(panels, pack_tasks);
        parallel_for(pack_tasks, [&](int64_t t) {
          pack_b_panels(K, Bblock, kc, nc, std::min(panels, t * pack_per), std::min(panels, (t + 1) * pack_per), pbuf);
        });
      }
      // Rows first (each task then reads or packs A once); columns too when rows are few. Task r
      // gets rows [r·m/R, (r+1)·m/R), not whole MR tiles: compute_block cuts them into tiles of
      // balanced heights. At n = 1024 on AVX-512 that is 8 tasks of 128 rows (tiles of 13 and
      // 12); tasks of whole tiles were 9 or 10 tiles of 14 (73 tiles and one of 2 rows), so one
      // thread had ~3% more work in every block: the threads spun 342 -> 137 us of CPU per call
      // (perf, with the packing of B by rows).
      const int64_t row_tiles = ceil_div(m, MR);
      const int64_t row_tasks = std::min(row_tiles, target);
      const int64_t col_tasks = std::min(panels, ceil_div(target, row_tasks));
      parallel_for(row_tasks * col_tasks, [&](int64_t t) {
        const int64_t r = t / col_tasks, q = t % col_tasks;
        compute_block(P, jc, pc, kc, nc, beta_pc, pb, r * m / row_tasks, (r + 1) * m / row_tasks,
                      q * panels / col_tasks, (q + 1) * panels / col_tasks);
      });
    }
  }
}

}  // namespace
}  // namespace gemm

void sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
           const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  using namespace gemm;
  if (m <= 0 || n <= 0) return;
  if (alpha == 0 || k <= 0) return scale_c(m, n, beta, c, ldc);
  const KernelInfo* forced = g_forced.load(std::memory_order_relaxed);
  const KernelInfo& K = forced ? *forced : auto_kernel(static_cast<double>(m) * n * k);
  // Cᵀ (n x m) = op(b)ᵀ·op(a)ᵀ: op(b)ᵀ is b read with the other transpose, and so is op(a)ᵀ.
  if (swap_narrow(K, trans_a, m, n, k))
    return run(K, true, !trans_b, !trans_a, n, m, k, alpha, b, ldb, a, lda, beta, c, ldc);
  run(K, false, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

const char* sgemm_auto_kernel(int64_t m, int64_t n, int64_t k) {
  return gemm::auto_kernel(static_cast<double>(m) * n * k).name;
}

const char* sgemm_kernel() {
  const gemm::KernelInfo* forced = gemm::g_forced.load();
  return forced ? forced->name : "auto";
}

bool sgemm_use_kernel(const char* name) {
  using namespace gemm;
  if (std::strcmp(name, "auto") == 0) {
    g_forced.store(nullptr);
    return true;
  }
  for (const KernelInfo* K : kKernels) {
    if (std::strcmp(K->name, name) == 0 && supported(*K)) {
      g_forced.store(K);
      return true;
    }
  }
  return false;
}

}  // namespace nativenn
