// Shared by the blocked driver and the micro-kernels: the micro-kernel contract, each kernel's
// register block and the description the driver blocks by (KernelInfo, chosen at run time).
// Declarations and constants only: the AVX2/AVX-512 files are compiled with other flags, so no
// inline function defined here may end up in them (the linker could pick their copy for everyone).
#pragma once
#include <cstdint>

namespace nativenn::gemm {

// c (mr,nr), row stride ldc  =  alpha · A · B + beta · c   (beta == 0: c is not read)
//   1 <= mr <= MR, 1 <= nr <= NR: an edge tile is computed in place, and nothing outside the
//   mr x nr part of A, B or c is read or written.
//   A (mr,k): element (i,p) at a[i*rs_a + p*cs_a]  (packed panel: rs_a = 1, cs_a = MR;
//             unpacked op(a): the caller's strides)
//   B (k,nr): element (p,j) at b[p*rs_b + j]  (packed panel: rs_b = NR, zero-padded to NR
//             columns; a plain op(b) read in place: its row stride)
// A transposed-C variant (KernelInfo::fn_tc) stores the tile's element (i,j) at c[j*ldc + i]
// instead, with the same arithmetic per element (the driver's swap for narrow C, gemm_blocked.cc).
using UKernel = void (*)(int64_t k, const float* a, int64_t rs_a, int64_t cs_a, const float* b, int64_t rs_b, float* c,
                         int64_t ldc, int64_t mr, int64_t nr, float alpha, float beta);

// Register blocks (MR rows x NR columns of C per call).
constexpr int64_t kGenericMR = 6, kGenericNR = 16;  // 24 four-float vectors (arm64 has 32)
constexpr int64_t kAvx2MR = 6, kAvx2NR = 16;        // 12 ymm accumulators of 16
constexpr int64_t kAvx512MR = 14, kAvx512NR = 32;   // 28 zmm accumulators of 32
// Upper bounds over all kernels, for the driver's fixed-size edge buffers.
constexpr int64_t kMaxMR = 16, kMaxNR = 32, kMaxKC = 1024;

// What the driver needs to know about a micro-kernel: its tile and the cache blocks that suit it
// (BLIS naming): a KC x NR panel of packed B stays in L1 while MR x KC panels of A stream past
// it; an MC x KC block of A stays in L2; the packed KC x NC block of B stays in L3.
// Packs NR-column panels [panel_begin, panel_end) of a transposed kc x nc block of op(b) (element
// (p,j) at b[j*ldb + p]) as pack_b_panels does (panel q at dst + q*kc*NR, zero-padded).
using PackBTrans = void (*)(const float* b, int64_t ldb, int64_t kc, int64_t nc, int64_t NR, int64_t panel_begin,
                            int64_t panel_end, float* dst);

struct KernelInfo {
  const char* name;
  UKernel fn;
  UKernel fn_tc;            // fn storing the tile transposed; null: the kernel has none
  PackBTrans pack_b_trans;  // null: the portable loop
  int64_t mr, nr;           // mr <= kMaxMR, nr <= kMaxNR
  int64_t kc, mc, nc;       // kc <= kMaxKC, mc a multiple of mr, nc a multiple of nr
};

void ukernel_f32_generic(int64_t k, const float* a, int64_t rs_a, int64_t cs_a, const float* b, int64_t rs_b, float* c,
                         int64_t ldc, int64_t mr, int64_t nr, float alpha, float beta);
#if defined(__x86_64__) || defined(__i386__)
void ukernel_f32_6x16_avx2(int64_t k, const float* a, int64_t rs_a, int64_t cs_a, const float* b, int64_t rs_b,
                           float* c, int64_t ldc, int64_t mr, int64_t nr, float alpha, float beta);
void ukernel_f32_6x16_avx2_tc(int64_t k, const float* a, int64_t rs_a, int64_t cs_a, const float* b, int64_t rs_b,
                              float* c, int64_t ldc, int64_t mr, int64_t nr, float alpha, float beta);
void pack_b_trans_avx2(const float* b, int64_t ldb, int64_t kc, int64_t nc, int64_t NR, int64_t panel_begin,
                       int64_t panel_end, float* dst);  // NR a multiple of 8; in the AVX2 file
void ukernel_f32_14x32_avx512(int64_t k, const float* a, int64_t rs_a, int64_t cs_a, const float* b, int64_t rs_b,
                              float* c, int64_t ldc, int64_t mr, int64_t nr, float alpha, float beta);
void ukernel_f32_14x32_avx512_tc(int64_t k, const float* a, int64_t rs_a, int64_t cs_a, const float* b, int64_t rs_b,
                                 float* c, int64_t ldc, int64_t mr, int64_t nr, float alpha, float beta);
#endif

}  // namespace nativenn::gemm
