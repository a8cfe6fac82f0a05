// Gaussian noise with a counter-based stream (twin: src/backend/js/noise.ts): value i depends only
// on (seed, i). The uniforms are bit-identical to the twin's; the normal goes through std::log and
// std::cos, which may differ from V8's Math.log / Math.cos in the last bit of a double — invisible
// once rounded to float32 but for rare ties.
#pragma once
#include <cstdint>

namespace nativenn {

// Standard normal value i of stream seed: Box–Muller over the hashes of 2i and 2i + 1.
double gaussian_at(uint32_t seed, uint32_t i);
// out = x + stddev · gaussian_at(seed, i), i < n ≤ 2^31 − 1. out may alias x.
void gaussian_noise_forward(float* out, const float* x, int64_t n, double stddev, uint32_t seed);

}  // namespace nativenn
