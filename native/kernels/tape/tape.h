// The native tape executor: the compact form of a kernel tape (src/graph/tape.ts is the spec)
// and its interpreter. The glue (napi/tape_glue.cc) converts the JS tape once into a TapeSpec;
// validate_tape checks it completely, so the interpreter trusts it: a run is a switch over a
// vector of calls, with buffer pointers resolved once per run (arena base + offset, workspace
// base for batched buffers). No per-layer logic lives here: only kernels and their order.
//
// Memory: params and state belong to an Arena (shared by tapes on the same weights); grads,
// optimizer slots and the workspace (every batched buffer, alias-aware, sized for the largest
// row count asked for) belong to the TapeRunner. A step allocates nothing.
// Not thread-safe: one call at a time per runner and arena (the glue's busy guard).
#pragma once
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "kernels/batchnorm.h"
#include "kernels/conv.h"
#include "kernels/conv_pool.h"
#include "kernels/embedding.h"
#include "kernels/pad.h"
#include "kernels/pool.h"
#include "kernels/recurrent.h"
#include "kernels/upsampling.h"

namespace nativenn::tape {

enum class Role : uint8_t { kX, kY, kActivation, kGradient, kScratch, kParam, kGrad, kSlot, kState };
constexpr int kRoleCount = 9;
extern const char* const kRoleNames[kRoleCount];
inline bool batched(Role r) { return r <= Role::kScratch; }

// The kernels of KERNELS in tape.ts, in that order.
enum class Kernel : uint8_t {
  kGemm,
  kAddBias,
  kBiasActivation,
  kActivation,
  kActivationGrad,
  kSoftmax,
  kSoftmaxGrad,
  kDropout,
  kMul,
  kCopy,
  kFill,
  kColumnSums,
  kAxpy,
  kL1Grad,
  kRegularization,
  kLoss,
  kLossGrad,
  kSoftmaxXent,
  kSigmoidXent,
  kArgmaxAccuracy,
  kRowMeanMetric,
  kSgd,
  kMomentum,
  kAdam,
  kRmsprop,
  kAdagrad,
  kClipNorm,
  kClipValue,
  kConv2d,
  kConv2dGradInput,
  kConv2dGradFilter,
  kMaxPool2d,
  kMaxPool2dGrad,
  kAvgPool2d,
  kAvgPool2dGrad,
  kBatchNormTrain,
  kBatchNormInfer,
  kBatchNormGrad,
  kPad2d,
  kPad2dGrad,
  kEmbedding,
  kEmbeddingGrad,
  kRecurrent,
  kRecurrentGrad,
  kCopyColumns,
  kUpSampling2d,
  kUpSampling2dGrad,
  kGaussianNoise,
  kWeightedLoss,
  kWeightedLossGrad,
  kWeightedSoftmaxXent,
  kWeightedSigmoidXent,
  kConv2dReluPool,
  kConv2dReluPoolGrad
};
constexpr int kKernelCount = 54;
// Buffer arguments per call at most (batch normalization's training step has 8).
constexpr int kMaxArgs = 8;
// Attributes per call at most (the fused convolution + pooling's gradient has 18).
constexpr int kMaxAttrs = 18;

// Attribute kinds: what the glue reads from JS and which range the validator enforces.
enum class AttrKind : uint8_t {
  kSize,        // integer ≥ 0, or { rows: c }
  kDim,         // integer ≥ 0, never per row (an image geometry: height, stride, padding…)
  kNumber,      // finite
  kBool,        // boolean
  kRate,        // finite, in [0, 1)
  kSeed,        // integer in [0, 2^32)
  kActivation,  // a name of kActivationNames
  kLoss,        // a name of kLossNames
  kMetric,      // a name of kMetricNames
  kCell,        // a name of kRecurrentCellNames
};

// Which buffers an argument accepts (bit i: Role i), and whether it must be int32.
struct ArgInfo {
  const char* name;
  bool optional;  // may be -1
  uint16_t roles;
  bool int32;
};
struct AttrInfo {
  const char* name;
  AttrKind kind;
};
struct KernelInfo {
  const char* name;
  int arg_count;
  ArgInfo args[kMaxArgs];
  int attr_count;
  AttrInfo attrs[kMaxAttrs];
  bool returns;  // returns a number (may carry a result)
};
extern const KernelInfo kKernels[kKernelCount];

// Enum names crossing Node-API (tapeNames()): activations, losses and recurrent cells are the
// kernels' own tables (nativenn::kActivationNames, kLossNames, kRecurrentCellNames); row metrics
// in RowMetric order.
enum class RowMetric : uint8_t { kMse, kMae, kExact, kThreshold };
extern const char* const kMetricNames[4];
// The index of name in names[count], or -1.
int find_name(const char* const* names, int count, const std::string& name);

struct Size {
  int64_t value = 0;  // the number, or the per-row factor
  bool per_row = false;
  int64_t at(int64_t rows) const { return per_row ? value * rows : value; }
};

struct BufferSpec {
  std::string name;
  Role role = Role::kActivation;
  bool int32 = false;
  std::vector<int64_t> shape;  // -1: the batch dimension
  int64_t width = 0;
  int64_t offset = -1;
  int32_t alias = -1;
};

enum class Reduce : uint8_t { kMean, kSum, kOnce };
enum Pass : uint8_t { kTrain = 1, kEval = 2, kPredict = 4 };

// One call, attributes by position in the kernel's attribute list: sizes in size[], everything
// else (numbers, booleans as 0/1, enum codes, seeds) in value[].
struct Call {
  Kernel kernel = Kernel::kCopy;
  int32_t args[kMaxArgs] = {-1, -1, -1, -1, -1, -1, -1, -1};
  Size size[kMaxAttrs];  // kSize and kDim attributes
  double value[kMaxAttrs] = {};
  uint8_t passes = kTrain | kEval | kPredict;
  int32_t result = -1;  // index in results, or -1
  Reduce reduce = Reduce::kMean;
  double scale = 1.0;  // multiplies the value before it is reduced (a loss weight)
};

enum Section { kForward, kLossSection, kMetrics, kBackward, kUpdate, kSectionCount };
extern const char* const kSectionNames[kSectionCount];

struct TapeSpec {
  int64_t version = 0;
  std::vector<BufferSpec> buffers;
  int64_t params = 0, slot_count = 0, state = 0;
  int32_t x = -1, y = -1, output = -1;
  int64_t result_count = 0;
  std::vector<Call> sections[kSectionCount];
};

// Resolved sizes must stay inside int32 (the dropout hash and every index fit).
constexpr int64_t kMaxSize = 2147483647;

// Checks everything a run relies on except the row-dependent extents, which check_extents
// checks for a given row count. Returns "" or the message (a path such as "forward[2].args[1]").
std::string validate_tape(const TapeSpec& t);
// Every call's resolved sizes for `rows` rows within int32, and every extent it touches inside
// its buffers (batched: width·rows; arenas: width). An extent is a product of at most two sizes,
// each c or c·rows with c ≥ 0: convex and non-decreasing in rows, so extent − width·rows is
// largest at an end of [1, R]. Checks at 1 (validate_tape) and at R (before a run) cover every
// row count in between, and a workspace of R rows covers rows = 0 too.
std::string check_extents(const TapeSpec& t, int64_t rows);

struct Arena {
  std::vector<float> params, state;
};

// Bounds of the labels: sparse calls read targets as class indices below this (0: no sparse call).
// Per column of y: the classes its values index (0: not labels). Call on a validated tape.
std::vector<int64_t> sparse_column_classes(const TapeSpec& t);

// How a training call cuts its n indices into batches (src/graph/executor.ts batchBounds is the
// spec): the indices are consecutive epochs of epoch_rows each (the last may be partial), and each
// epoch is cut into batches of batch_size from its own start, so a batch never spans two epochs
// and one call can train several epochs. epoch_rows = n is one run of plain batches. Needs
// batch_size >= 1 and epoch_rows >= 1; every batch has at least one row.
struct BatchCut {
  int64_t n, batch_size, epoch_rows;
  int64_t per_epoch() const { return (epoch_rows - 1) / batch_size + 1; }
  int64_t count() const {
    const int64_t rest = n % epoch_rows;
    return n / epoch_rows * per_epoch() + (rest == 0 ? 0 : (rest - 1) / batch_size + 1);
  }
  // Index range [start(b), end(b)) of batch b < count().
  int64_t start(int64_t b) const { return b / per_epoch() * epoch_rows + b % per_epoch() * batch_size; }
  int64_t end(int64_t b) const {
    const int64_t epoch_end = std::min(n, (b / per_epoch() + 1) * epoch_rows);
    return std::min(start(b) + batch_size, epoch_end);
  }
};

class TapeRunner {
 public:
  // t must have passed validate_tape; slots holds slot_count·params values.
  TapeRunner(TapeSpec t, std::vector<float> slots);

  const TapeSpec& spec() const { return spec_; }
  std::vector<float>& slots() { return slots_; }
  const std::vector<float>& grads() const { return grads_; }
  int64_t x_width() const { return spec_.buffers[spec_.x].width; }
  int64_t y_width() const { return spec_.buffers[spec_.y].width; }
  int64_t output_width() const { return spec_.buffers[spec_.output].width; }
  int64_t result_count() const { return spec_.result_count; }
  const std::vector<int64_t>& column_classes() const { return classes_; }

  // Bytes the workspace needs for `rows` rows (-1 on overflow), and the name of its widest buffer.
  int64_t workspace_bytes(int64_t rows, std::string* largest, int64_t* largest_bytes = nullptr) const;
  // Sizes the workspace for at least `rows` rows (throws std::bad_alloc; then holds none).
  void reserve(int64_t rows);

  // x and y may point into JS memory only for the length of a synchronous call; train_batches
  // reads batch-ordered copies in place (every batch has ≥ 1 row, and validate_tape checked the
  // extents at 1 row, check_extents at the largest batch, so by convexity every batch's reads stay
  // inside its rows) or gathers each batch from copied tables; the others copy them into the
  // workspace.
  // Runs batches first … first+batches−1 of `cut`; steps step, step+1, …; results gets
  // batches·result_count values. Without `order`, x (x_width each) and y hold the rows in batch
  // order from index cut.start(first) on (batch b is rows [cut.start(b), cut.end(b)) shifted by
  // that); with it, x and y are tables and order[i] (i counted from cut.start(first)) names the
  // table row of index i, every one in range. Needs reserve(the largest batch) first.
  void train_batches(Arena& arena, const float* x, const float* y, const int32_t* order, const BatchCut& cut,
                     int64_t first, int64_t batches, int64_t step, double learning_rate, double* results);
  // out (rows, output_width) = forward('predict'), in chunks of chunk_rows() rows. predict and
  // evaluate need reserve(min(rows, chunk_rows())) first, gradients reserve(rows).
  void predict(Arena& arena, const float* x, int64_t rows, float* out);
  // results (result_count) of forward/loss/metrics('eval') over all rows, in chunks.
  void evaluate(Arena& arena, const float* x, const float* y, int64_t rows, double* results);
  // forward/loss/backward('train') at `step`; returns results[0]; grads() then holds the grads.
  double gradients(Arena& arena, const float* x, const float* y, int64_t rows, int64_t step);

  static constexpr int64_t kChunkRows = 1024;
  // predict/evaluate chunks are also bounded by bytes: wide rows (big images, a 2^24-unit layer)
  // run a few rows at a time instead of a fixed 1024.
  static constexpr int64_t kChunkBytes = int64_t{64} << 20;
  // Rows per predict/evaluate chunk: as many as fit kChunkBytes of workspace, 1 to kChunkRows.
  int64_t chunk_rows() const;

 private:
  void bind(Arena& arena);
  void run(Section s, Pass pass, int64_t rows, int64_t step, double lr, bool first_chunk);
  double call(const Call& c, int64_t rows, int64_t step, double lr);
  void finish(int64_t rows, double* results) const;

  TapeSpec spec_;
  std::vector<float> grads_, slots_;
  std::vector<int64_t> classes_;
  std::vector<int32_t> root_;  // per buffer: the buffer whose memory it uses
  int64_t xent_cols_ = 0;      // widest of those
  int64_t capacity_ = 0;       // rows the workspace holds
  std::vector<float> workspace_;
  std::vector<int32_t> int_workspace_;
  float* xent_scratch_ = nullptr;
  std::vector<double> norm_scratch_;       // batch normalization's per-channel sums (2·channels)
  std::vector<float*> f_;                  // per buffer: its memory (float32 buffers)
  std::vector<int32_t*> i_;                // per buffer: its memory (int32 buffers)
  std::vector<double> mean_, sum_, once_;  // per result: Σ value·rows, Σ value, Σ once terms
};

uint32_t dropout_seed(uint32_t layer_seed, int64_t step);

// The image geometry of a convolution call (conv2d*) or pooling call (*Pool2d*) for `rows` images:
// its dim attributes in kernel form, the output size as TensorFlow computes it (0 when the window
// does not fit the padded input). geometry.cc; validate_tape checks what the kernels assume.
bool is_conv(Kernel k);
bool is_pool(Kernel k);
Conv2dShape conv_shape(const Call& c, int64_t rows);
// conv2dReluPool / conv2dReluPoolGrad: the convolution's attributes, then poolH, poolW.
bool is_conv_pool(Kernel k);
ConvPoolShape conv_pool_shape(const Call& c, int64_t rows);
Pool2dShape pool_shape(const Call& c, int64_t rows);
Pad2dShape pad_shape(const Call& c, int64_t rows);
UpSampling2dShape up_sampling_shape(const Call& c, int64_t rows);
// The shape of a recurrent call (recurrent, recurrentGrad) for `rows` sequences.
bool is_recurrent(Kernel k);
RecurrentShape recurrent_shape(const Call& c, int64_t rows);
// Output cells along one axis: (in + before + after − (dilation·(k − 1) + 1)) / stride + 1, or 0.
int64_t window_count(int64_t in, int64_t k, int64_t stride, int64_t dilation, int64_t before, int64_t after);

}  // namespace nativenn::tape
