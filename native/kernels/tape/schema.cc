// The kernel table of src/graph/tape.ts (KERNELS) with what the validator needs on top: which
// buffer roles each argument accepts and the kind of each attribute. Written arguments take
// batched buffers, grads or state (never x, y, params or slots, which only optimizers write).
#include <string>

#include "kernels/tape/tape.h"

namespace nativenn::tape {
namespace {

constexpr uint16_t bit(Role r) { return static_cast<uint16_t>(1u << static_cast<int>(r)); }
constexpr uint16_t kBatchedOut = bit(Role::kActivation) | bit(Role::kGradient) | bit(Role::kScratch);
constexpr uint16_t kOut = kBatchedOut | bit(Role::kGrad) | bit(Role::kState);
constexpr uint16_t kIn = kOut | bit(Role::kX) | bit(Role::kY) | bit(Role::kParam);

constexpr ArgInfo in(const char* name) { return {name, false, kIn, false}; }
constexpr ArgInfo out(const char* name) { return {name, false, kOut, false}; }
constexpr ArgInfo out_opt(const char* name) { return {name, true, kOut, false}; }
constexpr ArgInfo in_opt(const char* name) { return {name, true, kIn, false}; }
constexpr ArgInfo index_scratch(const char* name) { return {name, false, bit(Role::kScratch), true}; }
constexpr ArgInfo scratch(const char* name) { return {name, false, bit(Role::kScratch), false}; }
constexpr ArgInfo state(const char* name) { return {name, false, bit(Role::kState), false}; }
constexpr ArgInfo param(const char* name) { return {name, false, bit(Role::kParam), false}; }
constexpr ArgInfo grad(const char* name) { return {name, false, bit(Role::kGrad), false}; }
constexpr ArgInfo slot(const char* name) { return {name, false, bit(Role::kSlot), false}; }

constexpr AttrInfo size(const char* name) { return {name, AttrKind::kSize}; }
constexpr AttrInfo dim(const char* name) { return {name, AttrKind::kDim}; }
constexpr AttrInfo number(const char* name) { return {name, AttrKind::kNumber}; }
constexpr AttrInfo boolean(const char* name) { return {name, AttrKind::kBool}; }
constexpr AttrInfo fn{"fn", AttrKind::kActivation};
constexpr AttrInfo activation(const char* name) { return {name, AttrKind::kActivation}; }

}  // namespace

const char* const kRoleNames[kRoleCount] = {"x",     "y",    "activation", "gradient", "scratch",
                                            "param", "grad", "slot",       "state"};
const char* const kMetricNames[4] = {"mse", "mae", "exact", "threshold"};
const char* const kSectionNames[kSectionCount] = {"forward", "loss", "metrics", "backward", "update"};

// The image geometry of the convolution and pooling calls (see kernels/conv.h, pool.h); the
// gradients add `accumulate` (false: the output is overwritten, true: added to).
#define CONV_ATTRS                                                                                           \
  {                                                                                                          \
    size("rows"), dim("inH"), dim("inW"), dim("inC"), dim("outC"), dim("kH"), dim("kW"), dim("strideH"),     \
        dim("strideW"), dim("dilationH"), dim("dilationW"), dim("padTop"), dim("padBottom"), dim("padLeft"), \
        dim("padRight")                                                                                      \
  }
#define CONV_GRAD_ATTRS                                                                                      \
  {                                                                                                          \
    size("rows"), dim("inH"), dim("inW"), dim("inC"), dim("outC"), dim("kH"), dim("kW"), dim("strideH"),     \
        dim("strideW"), dim("dilationH"), dim("dilationW"), dim("padTop"), dim("padBottom"), dim("padLeft"), \
        dim("padRight"), boolean("accumulate")                                                               \
  }
#define CONV_FILTER_GRAD_ATTRS                                                                               \
  {                                                                                                          \
    size("rows"), dim("inH"), dim("inW"), dim("inC"), dim("outC"), dim("kH"), dim("kW"), dim("strideH"),     \
        dim("strideW"), dim("dilationH"), dim("dilationW"), dim("padTop"), dim("padBottom"), dim("padLeft"), \
        dim("padRight"), boolean("accumulate"), boolean("columnsReady")                                      \
  }
#define CONV_POOL_ATTRS                                                                                                \
  size("rows"), dim("inH"), dim("inW"), dim("inC"), dim("outC"), dim("kH"), dim("kW"), dim("strideH"), dim("strideW"), \
      dim("dilationH"), dim("dilationW"), dim("padTop"), dim("padBottom"), dim("padLeft"), dim("padRight"),            \
      dim("poolH"), dim("poolW")
#define POOL_ATTRS                                                                                               \
  {                                                                                                              \
    size("rows"), dim("inH"), dim("inW"), dim("channels"), dim("kH"), dim("kW"), dim("strideH"), dim("strideW"), \
        dim("padTop"), dim("padBottom"), dim("padLeft"), dim("padRight")                                         \
  }
#define POOL_GRAD_ATTRS                                                                                          \
  {                                                                                                              \
    size("rows"), dim("inH"), dim("inW"), dim("channels"), dim("kH"), dim("kW"), dim("strideH"), dim("strideW"), \
        dim("padTop"), dim("padBottom"), dim("padLeft"), dim("padRight"), boolean("accumulate")                  \
  }

#define PAD_ATTRS                                                                                           \
  {                                                                                                         \
    size("rows"), dim("inH"), dim("inW"), dim("channels"), dim("padTop"), dim("padBottom"), dim("padLeft"), \
        dim("padRight")                                                                                     \
  }

#define UPSAMPLE_ATTRS \
  { size("rows"), dim("inH"), dim("inW"), dim("channels"), dim("sizeH"), dim("sizeW"), boolean("bilinear") }

// The recurrent calls (kernels/recurrent.h): time and units are dims, rows the sequences.
#define RECURRENT_ATTRS                                                                         \
  size("rows"), dim("time"), dim("units"), {"cell", AttrKind::kCell}, activation("activation"), \
      activation("recurrentActivation"), boolean("goBackwards"), boolean("sequences")

const KernelInfo kKernels[kKernelCount] = {
    {"gemm",
     3,
     {in("a"), in("b"), out("c")},
     7,
     {boolean("transA"), boolean("transB"), size("m"), size("n"), size("k"), number("alpha"), number("beta")},
     false},
    {"addBias", 2, {out("out"), in("bias")}, 2, {size("rows"), size("cols")}, false},
    {"biasActivation",
     3,
     {out("out"), out("z"), in_opt("bias")},
     4,
     {size("rows"), size("cols"), fn, number("alpha")},
     false},
    {"activation", 2, {out("out"), in("x")}, 3, {size("n"), fn, number("alpha")}, false},
    {"activationGrad", 4, {out("dx"), in("dy"), in("x"), in("y")}, 3, {size("n"), fn, number("alpha")}, false},
    {"softmax", 2, {out("out"), in("x")}, 2, {size("rows"), size("cols")}, false},
    {"softmaxGrad", 3, {out("dx"), in("dy"), in("y")}, 2, {size("rows"), size("cols")}, false},
    {"dropout",
     3,
     {out("out"), out("mask"), in("x")},
     3,
     {size("n"), {"rate", AttrKind::kRate}, {"seed", AttrKind::kSeed}},
     false},
    {"mul", 3, {out("out"), in("a"), in("b")}, 1, {size("n")}, false},
    {"copy", 2, {out("out"), in("x")}, 1, {size("n")}, false},
    {"fill", 1, {out("out")}, 2, {size("n"), number("value")}, false},
    {"columnSums", 2, {out("out"), in("x")}, 2, {size("rows"), size("cols")}, false},
    {"axpy", 2, {out("y"), in("x")}, 2, {size("n"), number("alpha")}, false},
    {"l1Grad", 2, {out("g"), in("w")}, 2, {size("n"), number("l1")}, false},
    {"regularization", 1, {in("w")}, 3, {size("n"), number("l1"), number("l2")}, true},
    {"loss", 2, {in("pred"), in("target")}, 3, {size("rows"), size("cols"), {"loss", AttrKind::kLoss}}, true},
    {"lossGrad",
     3,
     {out("grad"), in("pred"), in("target")},
     3,
     {size("rows"), size("cols"), {"loss", AttrKind::kLoss}},
     false},
    {"softmaxXent",
     4,
     {out("probs"), out_opt("grad"), in("logits"), in("target")},
     3,
     {size("rows"), size("cols"), boolean("sparse")},
     true},
    {"sigmoidXent",
     4,
     {out("probs"), out_opt("grad"), in("logits"), in("target")},
     2,
     {size("rows"), size("cols")},
     true},
    {"argmaxAccuracy",
     4,
     {in("pred"), in("target"), index_scratch("argPred"), index_scratch("argTrue")},
     3,
     {size("rows"), size("cols"), boolean("sparse")},
     true},
    {"rowMeanMetric",
     2,
     {in("pred"), in("target")},
     5,
     {size("rows"), size("cols"), {"metric", AttrKind::kMetric}, number("threshold"), boolean("sparse")},
     true},
    {"sgd", 2, {param("param"), grad("grad")}, 1, {size("n")}, false},
    {"momentum",
     3,
     {param("param"), grad("grad"), slot("velocity")},
     3,
     {size("n"), number("momentum"), boolean("nesterov")},
     false},
    {"adam",
     4,
     {param("param"), grad("grad"), slot("m"), slot("v")},
     5,
     {size("n"), number("beta1"), number("beta2"), number("epsilon"), number("weightDecay")},
     false},
    {"rmsprop",
     4,
     {param("param"), grad("grad"), slot("meanSquare"), slot("mom")},
     4,
     {size("n"), number("rho"), number("momentum"), number("epsilon")},
     false},
    {"adagrad", 3, {param("param"), grad("grad"), slot("accumulator")}, 2, {size("n"), number("epsilon")}, false},
    {"clipNorm", 1, {grad("g")}, 2, {size("n"), number("maxNorm")}, false},
    {"clipValue", 1, {grad("g")}, 2, {size("n"), number("value")}, false},
    {"conv2d", 4, {out("out"), in("x"), in("filter"), scratch("col")}, 15, CONV_ATTRS, false},
    {"conv2dGradInput", 4, {out("dx"), in("dy"), in("filter"), scratch("col")}, 16, CONV_GRAD_ATTRS, false},
    {"conv2dGradFilter", 4, {out("dfilter"), in("x"), in("dy"), scratch("col")}, 17, CONV_FILTER_GRAD_ATTRS, false},
    {"maxPool2d", 3, {out("out"), index_scratch("argmax"), in("x")}, 12, POOL_ATTRS, false},
    {"maxPool2dGrad", 3, {out("dx"), in("dy"), index_scratch("argmax")}, 13, POOL_GRAD_ATTRS, false},
    {"avgPool2d", 2, {out("out"), in("x")}, 12, POOL_ATTRS, false},
    {"avgPool2dGrad", 2, {out("dx"), in("dy")}, 13, POOL_GRAD_ATTRS, false},
    {"batchNormTrain",
     8,
     {out("out"), in("x"), in_opt("gamma"), in_opt("beta"), state("movingMean"), state("movingVariance"),
      state("batchMean"), state("batchInvStd")},
     4,
     {size("rows"), dim("channels"), number("epsilon"), number("momentum")},
     false},
    {"batchNormInfer",
     6,
     {out("out"), in("x"), in_opt("gamma"), in_opt("beta"), in("movingMean"), in("movingVariance")},
     3,
     {size("rows"), dim("channels"), number("epsilon")},
     false},
    {"batchNormGrad",
     8,
     {out_opt("dx"), out_opt("dgamma"), out_opt("dbeta"), in("dy"), in("x"), in_opt("gamma"), in("batchMean"),
      in("batchInvStd")},
     3,
     {size("rows"), dim("channels"), boolean("accumulate")},
     false},
    {"pad2d", 2, {out("out"), in("x")}, 8, PAD_ATTRS, false},
    {"pad2dGrad",
     2,
     {out("dx"), in("dy")},
     9,
     {size("rows"), dim("inH"), dim("inW"), dim("channels"), dim("padTop"), dim("padBottom"), dim("padLeft"),
      dim("padRight"), boolean("accumulate")},
     false},
    {"embedding", 3, {out("out"), in("ids"), in("table")}, 3, {size("rows"), dim("dim"), dim("vocab")}, false},
    {"embeddingGrad",
     3,
     {out("dtable"), in("ids"), in("dy")},
     4,
     {size("rows"), dim("dim"), dim("vocab"), boolean("accumulate")},
     false},
    {"recurrent",
     5,
     {out("out"), out("cache"), in("xProj"), in("kernel"), in_opt("recurrentBias")},
     8,
     {RECURRENT_ATTRS},
     false},
    {"recurrentGrad",
     7,
     {out("dxProj"), out("dkernel"), out_opt("dRecurrentBias"), in("dy"), in("cache"), in("kernel"), scratch("carry")},
     9,
     {RECURRENT_ATTRS, boolean("accumulate")},
     false},
    {"copyColumns",
     2,
     {out("out"), in("x")},
     7,
     {size("rows"), dim("n"), dim("xCols"), dim("xOffset"), dim("outCols"), dim("outOffset"), boolean("accumulate")},
     false},
    {"upSampling2d", 2, {out("out"), in("x")}, 7, UPSAMPLE_ATTRS, false},
    {"upSampling2dGrad",
     2,
     {out("dx"), in("dy")},
     8,
     {size("rows"), dim("inH"), dim("inW"), dim("channels"), dim("sizeH"), dim("sizeW"), boolean("bilinear"),
      boolean("accumulate")},
     false},
    {"gaussianNoise", 2, {out("out"), in("x")}, 3, {size("n"), number("stddev"), {"seed", AttrKind::kSeed}}, false},
    {"weightedLoss",
     3,
     {in("pred"), in("target"), in("weights")},
     3,
     {size("rows"), size("cols"), {"loss", AttrKind::kLoss}},
     true},
    {"weightedLossGrad",
     4,
     {out("grad"), in("pred"), in("target"), in("weights")},
     3,
     {size("rows"), size("cols"), {"loss", AttrKind::kLoss}},
     false},
    {"weightedSoftmaxXent",
     5,
     {out("probs"), out_opt("grad"), in("logits"), in("target"), in("weights")},
     3,
     {size("rows"), size("cols"), boolean("sparse")},
     true},
    {"weightedSigmoidXent",
     5,
     {out("probs"), out_opt("grad"), in("logits"), in("target"), in("weights")},
     2,
     {size("rows"), size("cols")},
     true},
    {"conv2dReluPool",
     6,
     {out("out"), index_scratch("argmax"), in("x"), in("filter"), in_opt("bias"), scratch("scratch")},
     17,
     {CONV_POOL_ATTRS},
     false},
    {"conv2dReluPoolGrad",
     6,
     {out("dfilter"), out_opt("dbias"), in("x"), in("dy"), in("y"), index_scratch("argmax")},
     18,
     {CONV_POOL_ATTRS, boolean("accumulate")},
     false},
};

int find_name(const char* const* names, int count, const std::string& name) {
  for (int i = 0; i < count; i++)
    if (name == names[i]) return i;
  return -1;
}

uint32_t dropout_seed(uint32_t layer_seed, int64_t step) {
  uint32_t h = layer_seed ^ (static_cast<uint32_t>(step + 1) * 0x27d4eb2du);
  h = (h ^ (h >> 15)) * 0x85ebca6bu;
  h ^= h >> 13;
  return h & 0x7fffffffu;
}

}  // namespace nativenn::tape
