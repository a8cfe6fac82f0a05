// Embedding loops; see embedding.h.
#include "kernels/embedding.h"

#include <algorithm>

namespace nativenn {
namespace {

// The row of id, or -1 when it is not an integer in [0, vocab) (NaN fails both compares).
int64_t row_of(float id, int64_t vocab) {
  if (!(id >= 0.0f && id < static_cast<float>(vocab))) return -1;
  const auto r = static_cast<int64_t>(id);
  return static_cast<float>(r) == id && r < vocab ? r : -1;
}

}  // namespace

void embedding_forward(float* out, const float* ids, const float* table, int64_t rows, int64_t dim, int64_t vocab) {
  for (int64_t r = 0; r < rows; r++) {
    const int64_t t = row_of(ids[r], vocab);
    float* dst = out + r * dim;
    if (t < 0)
      std::fill(dst, dst + dim, 0.0f);
    else
      std::copy(table + t * dim, table + (t + 1) * dim, dst);
  }
}

void embedding_backward(float* dtable, const float* ids, const float* dy, int64_t rows, int64_t dim, int64_t vocab,
                        bool accumulate) {
  if (!accumulate) std::fill(dtable, dtable + vocab * dim, 0.0f);
  for (int64_t r = 0; r < rows; r++) {
    const int64_t t = row_of(ids[r], vocab);
    if (t < 0) continue;
    float* dst = dtable + t * dim;
    const float* src = dy + r * dim;
    for (int64_t c = 0; c < dim; c++) dst[c] += src[c];
  }
}

}  // namespace nativenn
