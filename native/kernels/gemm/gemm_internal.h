// Shared by the blocked driver and the micro-kernels: block sizes and the micro-kernel contract.
// Declarations and constants only: the AVX2 file is compiled with other flags, so no inline
// function defined here may end up in it (the linker could pick its AVX2 copy for everyone).
#pragma once
#include <cstdint>

namespace nativenn::gemm {

// Register block: the micro-kernel computes an MR x NR tile of C (6 x 16: 12 ymm accumulators).
constexpr int64_t MR = 6;
constexpr int64_t NR = 16;
// Cache blocks (BLIS naming), for Zen 3 (L1d 32 KiB, L2 512 KiB, L3 32 MiB shared):
//   KC: a KC x NR panel of packed B (16 KiB at 256) plus an MR x KC panel of A stay in L1;
//   MC: the packed MC x KC block of A (~170 KiB) stays in L2;
//   NC: the packed KC x NC block of B (~4 MiB) stays in L3.
#ifndef NATIVENN_GEMM_KC
#define NATIVENN_GEMM_KC 256
#endif
#ifndef NATIVENN_GEMM_MC
#define NATIVENN_GEMM_MC 168
#endif
#ifndef NATIVENN_GEMM_NC
#define NATIVENN_GEMM_NC 4080
#endif
constexpr int64_t KC = NATIVENN_GEMM_KC;
constexpr int64_t MC = NATIVENN_GEMM_MC;  // a multiple of MR
constexpr int64_t NC = NATIVENN_GEMM_NC;  // a multiple of NR
static_assert(MC % MR == 0 && NC % NR == 0, "cache blocks must hold whole register blocks");

// c (MR,NR), row stride ldc  =  alpha · A · B + beta · c   (beta == 0: c is not read)
//   A (MR,k): element (i,p) at a[i*rs_a + p*cs_a]  (packed panel: rs_a = 1, cs_a = MR;
//             unpacked op(a): the caller's strides)
//   B (k,NR): packed panel, element (p,j) at b[p*NR + j], 32-byte aligned
using UKernel = void (*)(int64_t k, const float* a, int64_t rs_a, int64_t cs_a, const float* b, float* c, int64_t ldc,
                         float alpha, float beta);

void ukernel_f32_generic(int64_t k, const float* a, int64_t rs_a, int64_t cs_a, const float* b, float* c, int64_t ldc,
                         float alpha, float beta);
#if defined(__x86_64__) || defined(__i386__)
void ukernel_f32_6x16_avx2(int64_t k, const float* a, int64_t rs_a, int64_t cs_a, const float* b, float* c, int64_t ldc,
                           float alpha, float beta);
#endif

}  // namespace nativenn::gemm
