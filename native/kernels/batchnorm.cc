// Batch normalization loops; see batchnorm.h for the contract. Two passes over the rows per
// statistic (mean, then squared deviations): stable for large means, where E[x²] − E[x]² is not.
#include "kernels/batchnorm.h"

#include <algorithm>
#include <cmath>

namespace nativenn {
namespace {

float scale_of(const float* gamma, int64_t c) { return gamma ? gamma[c] : 1.0f; }
float shift_of(const float* beta, int64_t c) { return beta ? beta[c] : 0.0f; }

}  // namespace

void batch_norm_train(float* out, const float* x, const float* gamma, const float* beta, float* moving_mean,
                      float* moving_var, float* batch_mean, float* batch_invstd, int64_t rows, int64_t channels,
                      double epsilon, double momentum, double* scratch) {
  double* sum = scratch;
  double* sq = scratch + channels;
  std::fill(scratch, scratch + 2 * channels, 0.0);
  for (int64_t r = 0; r < rows; r++)
    for (int64_t c = 0; c < channels; c++) sum[c] += x[r * channels + c];
  const double n = rows > 0 ? static_cast<double>(rows) : 1.0;
  for (int64_t c = 0; c < channels; c++) sum[c] /= n;  // now the mean
  for (int64_t r = 0; r < rows; r++)
    for (int64_t c = 0; c < channels; c++) {
      const double d = x[r * channels + c] - sum[c];
      sq[c] += d * d;
    }
  for (int64_t c = 0; c < channels; c++) {
    const double var = sq[c] / n;
    batch_mean[c] = static_cast<float>(sum[c]);
    batch_invstd[c] = static_cast<float>(1.0 / std::sqrt(var + epsilon));
    moving_mean[c] = static_cast<float>(moving_mean[c] * momentum + sum[c] * (1 - momentum));
    moving_var[c] = static_cast<float>(moving_var[c] * momentum + var * (1 - momentum));
  }
  for (int64_t r = 0; r < rows; r++)
    for (int64_t c = 0; c < channels; c++) {
      const int64_t i = r * channels + c;
      out[i] = scale_of(gamma, c) * ((x[i] - batch_mean[c]) * batch_invstd[c]) + shift_of(beta, c);
    }
}

void batch_norm_infer(float* out, const float* x, const float* gamma, const float* beta, const float* moving_mean,
                      const float* moving_var, int64_t rows, int64_t channels, double epsilon, double* scratch) {
  double* scale = scratch;
  double* shift = scratch + channels;
  for (int64_t c = 0; c < channels; c++) {
    const double invstd = 1.0 / std::sqrt(static_cast<double>(moving_var[c]) + epsilon);
    scale[c] = static_cast<float>(scale_of(gamma, c) * invstd);
    shift[c] = static_cast<float>(shift_of(beta, c) - scale_of(gamma, c) * invstd * moving_mean[c]);
  }
  for (int64_t r = 0; r < rows; r++)
    for (int64_t c = 0; c < channels; c++)
      out[r * channels + c] = x[r * channels + c] * static_cast<float>(scale[c]) + static_cast<float>(shift[c]);
}

void batch_norm_backward(float* dx, float* dgamma, float* dbeta, const float* dy, const float* x, const float* gamma,
                         const float* batch_mean, const float* batch_invstd, int64_t rows, int64_t channels,
                         bool accumulate, double* scratch) {
  double* sum_dy = scratch;
  double* sum_dy_xhat = scratch + channels;
  std::fill(scratch, scratch + 2 * channels, 0.0);
  for (int64_t r = 0; r < rows; r++)
    for (int64_t c = 0; c < channels; c++) {
      const int64_t i = r * channels + c;
      const double xhat = (x[i] - batch_mean[c]) * static_cast<double>(batch_invstd[c]);
      sum_dy[c] += dy[i];
      sum_dy_xhat[c] += dy[i] * xhat;
    }
  for (int64_t c = 0; c < channels; c++) {
    if (dbeta) dbeta[c] = static_cast<float>(sum_dy[c]);
    if (dgamma) dgamma[c] = static_cast<float>(sum_dy_xhat[c]);
  }
  if (!dx) return;
  const double n = rows > 0 ? static_cast<double>(rows) : 1.0;
  for (int64_t r = 0; r < rows; r++)
    for (int64_t c = 0; c < channels; c++) {
      const int64_t i = r * channels + c;
      const double invstd = batch_invstd[c];
      const double xhat = (x[i] - batch_mean[c]) * invstd;
      // dx = γ·invstd/n · (n·dy − Σdy − x̂·Σdy·x̂)
      const double g = scale_of(gamma, c) * invstd / n * (n * dy[i] - sum_dy[c] - xhat * sum_dy_xhat[c]);
      dx[i] = static_cast<float>(accumulate ? dx[i] + g : g);
    }
}

}  // namespace nativenn
