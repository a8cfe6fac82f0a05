// Inverted dropout with a counter-based mask (twin: src/backend/js/dropout.ts). Element i is
// kept iff hash(seed, i) ≥ rate, so the mask depends only on (seed, i), never on call order or
// thread count; a range [i0, i1) uses the global indices i.
#pragma once
#include <cstdint>

namespace nativenn {

// 32-bit hash of (seed, i): the murmur3 finalizer, bit-identical to dropoutHash in the twin.
inline uint32_t dropout_hash(uint32_t seed, uint32_t i) {
  uint32_t h = (i * 0x9e3779b9u) ^ seed;
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h;
}

// Elements [i0, i1) of: mask[i] = 0 with probability rate else 1/(1 − rate), out = x · mask.
// rate in [0, 1), n ≤ 2^31 − 1 (checked by the caller). out may alias x.
void dropout_forward_range(float* out, float* mask, const float* x, double rate, uint32_t seed, int64_t i0, int64_t i1);
void dropout_forward(float* out, float* mask, const float* x, int64_t n, double rate, uint32_t seed);

}  // namespace nativenn
