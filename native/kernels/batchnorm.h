// Batch normalization over the last axis (twin: src/backend/js/batchnorm.ts). x is (rows,
// channels) row-major: every position of every image is a row (NHWC flattened), so the
// statistics of channel c are over all rows. TensorFlow.js conventions: the batch variance is
// biased (divides by rows) in the output and in the moving average, which is
// moving = moving·momentum + batch·(1 − momentum). gamma/beta may be null (scale/center off:
// 1 and 0). Sums run in double, by channel, in row order: the same bits for any thread count.
// scratch: 2·channels doubles of the caller's (the tape runner sizes it once), so a step allocates
// nothing.
#pragma once
#include <cstdint>

namespace nativenn {

// Training: mean/invstd of the batch into batch_mean/batch_invstd (channels each), out =
// gamma·(x − mean)·invstd + beta, and the moving statistics updated. out may be x.
void batch_norm_train(float* out, const float* x, const float* gamma, const float* beta, float* moving_mean,
                      float* moving_var, float* batch_mean, float* batch_invstd, int64_t rows, int64_t channels,
                      double epsilon, double momentum, double* scratch);
// Inference: out = gamma·(x − moving_mean)/sqrt(moving_var + epsilon) + beta. out may be x.
void batch_norm_infer(float* out, const float* x, const float* gamma, const float* beta, const float* moving_mean,
                      const float* moving_var, int64_t rows, int64_t channels, double epsilon, double* scratch);
// Gradients of batch_norm_train given dy: dgamma and dbeta overwritten (when not null), dx
// overwritten or, with accumulate, added to. Uses the batch statistics the forward saved.
void batch_norm_backward(float* dx, float* dgamma, float* dbeta, const float* dy, const float* x, const float* gamma,
                         const float* batch_mean, const float* batch_invstd, int64_t rows, int64_t channels,
                         bool accumulate, double* scratch);

}  // namespace nativenn
