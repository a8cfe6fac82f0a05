// The instruction-set path the kernels take: the best the CPU and this build run, unless a caller
// (the NATIVENN_CPU environment variable, read by the TS loader) asks for a lower one, e.g. to
// measure the AVX2 path on an AVX-512 machine. Every run-time kernel choice (GEMM micro-kernel,
// the *_avx2.cc loops) reads it per call and takes the best kernel it has at or below it, so a
// change applies from the next kernel call on.
#pragma once

namespace nativenn {

enum class CpuPath : int { kPortable = 0, kAvx2 = 1, kAvx512 = 2 };

// The best path this build has and this CPU runs (AVX-512 means AVX-512F plus AVX2 and FMA).
CpuPath cpu_path_best();
// The path in use: cpu_path_best() unless set_cpu_path chose another.
CpuPath cpu_path();
// Switches to `path` and returns true if the CPU runs it (it is at most cpu_path_best());
// returns false and changes nothing otherwise, so no kernel can meet an illegal instruction.
bool set_cpu_path(CpuPath path);

const char* cpu_path_name(CpuPath path);  // "portable", "avx2", "avx512"

}  // namespace nativenn
