// Embedding lookup (twin: src/backend/js/embedding.ts): out (rows, dim) = table[ids[r]] with the
// table (vocab, dim) row-major and ids as floats (the model input). An id that is not an integer
// in [0, vocab) gives a zero row and no gradient: the model checks its inputs first (a clear
// error); this only keeps memory safe for whatever reaches the kernel.
#pragma once
#include <cstdint>

namespace nativenn {

void embedding_forward(float* out, const float* ids, const float* table, int64_t rows, int64_t dim, int64_t vocab);
// dtable (=, or with accumulate +=) the sum of dy rows into the rows of their ids, in row order.
void embedding_backward(float* dtable, const float* ids, const float* dy, int64_t rows, int64_t dim, int64_t vocab,
                        bool accumulate);

}  // namespace nativenn
