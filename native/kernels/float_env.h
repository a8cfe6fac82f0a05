// Subnormal floats during training and inference: flushed to zero (FTZ, results) and read as
// zero (DAZ, inputs) for the length of a tape run, as TensorFlow's CPU executor does. A model
// trained for long grows confident: its wrong-class probabilities fall below 2^-126, and every
// operation that makes or reads such a float then takes a microcode assist on x86, tens of times
// slower (the digits MLP after ~1000 epochs: 5% of its softmax outputs subnormal, the step 1.2–1.4x
// slower). Values below 2^-126 change by less than 2^-126: no loss, gradient or weight moves by
// anything a float32 can see next to its neighbours.
// The mode is per thread: ScopedFlushDenormals sets it and restores the caller's on exit, and the
// thread pool (threads.cc) runs every task under its caller's mode, so 1 and 2 threads give the
// same bits. Off x86 these do nothing (arm64 handles subnormals at full speed).
#pragma once
#include <cstdint>

namespace nativenn {

// The calling thread's floating-point control word (x86: MXCSR; elsewhere 0), and setting it.
uint32_t float_env_get();
void float_env_set(uint32_t env);

class ScopedFlushDenormals {
 public:
  ScopedFlushDenormals();
  ~ScopedFlushDenormals();
  ScopedFlushDenormals(const ScopedFlushDenormals&) = delete;
  ScopedFlushDenormals& operator=(const ScopedFlushDenormals&) = delete;

 private:
  uint32_t saved_;
};

}  // namespace nativenn
