// Losses, their gradients, and the fused softmax / sigmoid cross-entropies
// (twin: src/backend/js/losses.ts). Keras reduction: mean over rows of the per-row loss, which
// is the mean over columns (mse, binary cross-entropy) or the sum (categorical).
//
// Every kernel works on a range of rows [r0, r1) of a (rows, cols) problem, so a thread pool
// can split it; the *_sum kernels return the unnormalized partial sum (double) of that range
// and the caller adds the partials and divides by loss_denominator(). The whole-batch entry
// points below are the single-range calls.
#pragma once
#include <cstdint>

namespace nativenn {

// Codes are the index in LOSSES of src/backend/check.ts.
enum class Loss : int {
  kMeanSquaredError,
  kBinaryCrossentropy,
  kBinaryCrossentropyFromLogits,
  kCategoricalCrossentropy,
  kSparseCategoricalCrossentropy
};
constexpr int kLossCount = 5;
// The names that cross Node-API, in enum order (the TS lists in src/backend/check.ts match them).
extern const char* const kLossNames[kLossCount];

// Sparse targets are (rows) class indices stored as floats, integers in [0, cols), checked by
// the caller. Dense targets are (rows, cols) like pred.

// Sum of the per-element (per-row for sparse) losses over rows [r0, r1).
double loss_sum(Loss kind, const float* pred, const float* target, int64_t rows, int64_t cols, int64_t r0, int64_t r1);
// What loss_sum is divided by for the mean; 0 means the mean is 0 (empty batch).
double loss_denominator(Loss kind, int64_t rows, int64_t cols);
// The mean loss over the batch.
double loss_forward(Loss kind, const float* pred, const float* target, int64_t rows, int64_t cols);

// grad rows [r0, r1) of d(loss_forward)/d(pred), overwritten.
void loss_backward_rows(Loss kind, float* grad, const float* pred, const float* target, int64_t rows, int64_t cols,
                        int64_t r0, int64_t r1);
void loss_backward(Loss kind, float* grad, const float* pred, const float* target, int64_t rows, int64_t cols);

// Fused softmax + categorical cross-entropy over rows [r0, r1): probs = softmax(logits),
// grad = (probs·Σtarget − target)/rows; returns the partial loss sum (log-sum-exp, stable).
// probs may alias logits. If sparse, target holds (rows) class indices.
double softmax_cross_entropy_rows(float* probs, float* grad, const float* logits, const float* target, int64_t rows,
                                  int64_t cols, bool sparse, int64_t r0, int64_t r1);
// The whole batch: returns the mean loss.
double softmax_cross_entropy(float* probs, float* grad, const float* logits, const float* target, int64_t rows,
                             int64_t cols, bool sparse);

// Fused sigmoid + binary cross-entropy over elements [i0, i1) of count = rows·cols:
// probs = sigmoid(logits), grad = (probs − target)/count; returns the partial loss sum.
// probs may alias logits.
double sigmoid_cross_entropy_range(float* probs, float* grad, const float* logits, const float* target, int64_t count,
                                   int64_t i0, int64_t i1);
// The whole batch: returns the mean loss.
double sigmoid_cross_entropy(float* probs, float* grad, const float* logits, const float* target, int64_t rows,
                             int64_t cols);

// Sample weights (Keras SUM_OVER_BATCH_SIZE; twin: src/backend/js/weighted-losses.ts): the kernels
// above with row r's loss and gradient times weights[r] (rows values); the mean still divides by
// the rows (Σ_r w_r·loss_r / rows), not by the sum of the weights. With every weight 1 the
// gradients are the unweighted kernels' bit for bit (each row scaled after, one float rounding).
double weighted_loss_forward(Loss kind, const float* pred, const float* target, const float* weights, int64_t rows,
                             int64_t cols);
void weighted_loss_backward(Loss kind, float* grad, const float* pred, const float* target, const float* weights,
                            int64_t rows, int64_t cols);
// probs may alias logits.
double weighted_softmax_cross_entropy(float* probs, float* grad, const float* logits, const float* target,
                                      const float* weights, int64_t rows, int64_t cols, bool sparse);
double weighted_sigmoid_cross_entropy(float* probs, float* grad, const float* logits, const float* target,
                                      const float* weights, int64_t rows, int64_t cols);

}  // namespace nativenn
