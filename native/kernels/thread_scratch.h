// A grow-only float buffer per thread and per Tag (one type per call site, so that two kernels
// never share one): no allocation per step once it has grown. Returns null if it cannot grow (the
// caller falls back or reports), never a buffer shorter than asked for.
#pragma once
#include <cstdint>
#include <cstdlib>

namespace nativenn {

template <typename Tag>
float* thread_scratch(int64_t floats) {
  struct Buffer {
    float* data = nullptr;
    int64_t size = 0;
    ~Buffer() { std::free(data); }
  };
  thread_local Buffer buffer;
  if (floats > buffer.size) {
    float* grown = static_cast<float*>(std::malloc(static_cast<size_t>(floats) * sizeof(float)));
    if (!grown) return nullptr;
    std::free(buffer.data);
    buffer.data = grown;
    buffer.size = floats;
  }
  return buffer.data;
}

}  // namespace nativenn
