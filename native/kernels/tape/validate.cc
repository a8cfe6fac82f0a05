// The tape validator: after validate_tape and check_extents(rows), every pointer the
// interpreter forms for up to `rows` rows stays inside its buffer. The glue has already checked
// JS types (numbers are numbers, names are known); this checks values, ids, roles and bounds.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <string>

#include "kernels/tape/tape.h"

namespace nativenn::tape {
namespace {

std::string at(Section s, size_t i) { return std::string(kSectionNames[s]) + "[" + std::to_string(i) + "]"; }
std::string buffer_path(size_t i) { return "buffers[" + std::to_string(i) + "]"; }

bool is_integer(double v, double lo, double hi) { return v >= lo && v <= hi && std::floor(v) == v; }

// The sparse flag of a call: its targets are class indices (rows values, read as indices).
bool sparse_call(const Call& c) {
  switch (c.kernel) {
    case Kernel::kLoss:
    case Kernel::kLossGrad:
    case Kernel::kWeightedLoss:
    case Kernel::kWeightedLossGrad:
      return static_cast<int>(c.value[2]) == 4;  // sparseCategoricalCrossentropy
    case Kernel::kSoftmaxXent:
    case Kernel::kWeightedSoftmaxXent:
    case Kernel::kArgmaxAccuracy:
      return c.value[2] != 0;
    case Kernel::kRowMeanMetric:
      return c.value[4] != 0;
    default:
      return false;
  }
}

// The position of the target argument of a call with targets, or -1.
int target_arg(Kernel k) {
  switch (k) {
    case Kernel::kLoss:
    case Kernel::kWeightedLoss:
    case Kernel::kArgmaxAccuracy:
    case Kernel::kRowMeanMetric:
      return 1;
    case Kernel::kLossGrad:
    case Kernel::kWeightedLossGrad:
      return 2;
    case Kernel::kSoftmaxXent:
    case Kernel::kSigmoidXent:
    case Kernel::kWeightedSoftmaxXent:
    case Kernel::kWeightedSigmoidXent:
      return 3;
    default:
      return -1;
  }
}

// Whether a kernel's attribute 1 is 'cols' (rows, cols kernels): it must be a number ≥ 1.
constexpr int64_t kAllColumns = -1, kNotLabels = -2;

// Where the targets of sparse call c (section s, index i) come from: y itself (kAllColumns), or
// one column of y copied into a buffer that nothing else writes: the only other calls naming the
// buffer read it as sparse targets, and its one copyColumns (every row, one column, no
// accumulation) runs earlier in the loss section in every pass the call runs (a model with
// several outputs). kNotLabels otherwise: the kernels would index with unchecked values.
int64_t sparse_target_column(const TapeSpec& t, const Call& c, int s, size_t i) {
  const int32_t id = c.args[target_arg(c.kernel)];
  if (id == t.y) return kAllColumns;
  int64_t column = kNotLabels;
  for (int cs = 0; cs < kSectionCount; cs++)
    for (size_t ci = 0; ci < t.sections[cs].size(); ci++) {
      const Call& other = t.sections[cs][ci];
      const KernelInfo& info = kKernels[static_cast<int>(other.kernel)];
      for (int a = 0; a < info.arg_count; a++) {
        if (other.args[a] != id) continue;
        if (sparse_call(other) && a == target_arg(other.kernel)) continue;
        const bool copy = other.kernel == Kernel::kCopyColumns && a == 0 && other.args[1] == t.y &&
                          cs == kLossSection && other.size[0].per_row && other.size[0].value == 1 &&
                          other.size[1].value == 1 && other.size[4].value == 1 && other.size[5].value == 0 &&
                          other.value[6] == 0;
        if (!copy || column != kNotLabels) return kNotLabels;
        const bool before = s > kLossSection || (s == kLossSection && ci < i);
        // The loss and metrics sections run in train and eval passes only.
        if (!before || (c.passes & ~other.passes & (kTrain | kEval)) != 0) return kNotLabels;
        column = other.size[3].value;
      }
    }
  return column;
}

bool has_cols(Kernel k) {
  const KernelInfo& info = kKernels[static_cast<int>(k)];
  return info.attr_count >= 2 && std::string(info.attrs[1].name) == "cols";
}

std::string check_buffers(const TapeSpec& t) {
  const int64_t arena[kRoleCount] = {0, 0, 0, 0, 0, t.params, t.params, t.params * t.slot_count, t.state};
  for (size_t i = 0; i < t.buffers.size(); i++) {
    const BufferSpec& b = t.buffers[i];
    const std::string path = buffer_path(i) + " (" + b.name + ")";
    if (b.int32 && b.role != Role::kScratch) return path + ": only scratch buffers may be int32";
    if (b.width < 0 || b.width > kMaxSize) return path + ".width must be an integer from 0 to 2147483647";
    // shape: the batch dimension first (-1) for batched roles, none otherwise; the rest multiply to width.
    const bool is_batched = batched(b.role);
    if (is_batched && (b.shape.empty() || b.shape[0] != -1))
      return path + ".shape must start with -1 (the batch dimension)";
    int64_t product = 1;
    for (size_t d = is_batched ? 1 : 0; d < b.shape.size(); d++) {
      if (b.shape[d] < 0 || b.shape[d] > kMaxSize) return path + ".shape[" + std::to_string(d) + "] is out of range";
      product = product * b.shape[d];
      if (product > kMaxSize) return path + ".shape has more than 2147483647 values";
    }
    if (product != b.width) return path + ".width must be the product of its shape, " + std::to_string(product);
    if (is_batched) {
      if (b.offset != -1) return path + ".offset must be -1 (a batched buffer)";
    } else {
      const int64_t size = arena[static_cast<int>(b.role)];
      if (b.offset < 0 || b.offset > size || b.width > size - b.offset)
        return path + ": offset " + std::to_string(b.offset) + " + width " + std::to_string(b.width) +
               " is outside its arena of " + std::to_string(size) + " elements";
    }
    if (b.alias != -1) {
      if (b.alias < 0 || static_cast<size_t>(b.alias) >= i) return path + ".alias must be -1 or an earlier buffer id";
      const BufferSpec& a = t.buffers[b.alias];
      if (a.role != b.role || a.width != b.width || a.int32 != b.int32)
        return path + ".alias must name a buffer of the same role, dtype and width";
      if (b.role == Role::kX || b.role == Role::kY) return path + ": x and y buffers cannot alias";
      if (!is_batched && a.offset != b.offset) return path + ".offset must equal the offset of the buffer it aliases";
    }
  }
  return "";
}

std::string check_io(const TapeSpec& t) {
  const int64_t n = static_cast<int64_t>(t.buffers.size());
  struct {
    const char* name;
    int32_t id;
  } io[3] = {{"x", t.x}, {"y", t.y}, {"output", t.output}};
  for (auto& e : io) {
    if (e.id < 0 || e.id >= n) return std::string(e.name) + " must be a buffer id from 0 to " + std::to_string(n - 1);
    const BufferSpec& b = t.buffers[e.id];
    if (!batched(b.role) || b.int32) return std::string(e.name) + " must be a batched float32 buffer";
  }
  if (t.buffers[t.x].role != Role::kX || t.buffers[t.x].width < 1) return "x must be an 'x' buffer of width ≥ 1";
  if (t.buffers[t.y].role != Role::kY || t.buffers[t.y].width < 1) return "y must be a 'y' buffer of width ≥ 1";
  return "";
}

std::string check_attrs(const Call& c, const std::string& path) {
  const KernelInfo& info = kKernels[static_cast<int>(c.kernel)];
  for (int a = 0; a < info.attr_count; a++) {
    const std::string attr = path + ".attrs." + info.attrs[a].name;
    const double v = c.value[a];
    switch (info.attrs[a].kind) {
      case AttrKind::kSize:
        if (c.size[a].value < 0 || c.size[a].value > kMaxSize)
          return attr + " must be an integer from 0 to 2147483647 (or { rows: that })";
        break;
      case AttrKind::kDim:
        if (c.size[a].per_row || c.size[a].value < 0 || c.size[a].value > kMaxSize)
          return attr + " must be an integer from 0 to 2147483647";
        break;
      case AttrKind::kNumber:
        if (!std::isfinite(v)) return attr + " must be finite";
        break;
      case AttrKind::kRate:
        if (!(v >= 0 && v < 1)) return attr + " must be in [0, 1)";
        break;
      case AttrKind::kSeed:
        if (!is_integer(v, 0, 4294967295.0)) return attr + " must be an integer from 0 to 4294967295";
        break;
      case AttrKind::kBool:
        if (v != 0 && v != 1) return attr + " must be a boolean";
        break;
      case AttrKind::kActivation:
        if (!is_integer(v, 0, kActivationCount - 1)) return attr + " must be an activation name";
        break;
      case AttrKind::kLoss:
        if (!is_integer(v, 0, 4)) return attr + " must be a loss name";
        break;
      case AttrKind::kMetric:
        if (!is_integer(v, 0, 3)) return attr + " must be a metric name";
        break;
      case AttrKind::kCell:
        if (!is_integer(v, 0, kRecurrentCellCount - 1)) return attr + " must be a recurrent cell name";
        break;
    }
  }
  if (has_cols(c.kernel) && (c.size[1].per_row || c.size[1].value < 1))
    return path + ".attrs.cols must be a number ≥ 1";
  return "";
}

// What the convolution and pooling kernels assume of their geometry: sizes and steps ≥ 1, the
// window fits the padded input, and (pooling) every window holds a real cell, so a max always
// has an argmax inside its image.
std::string check_geometry(const Call& c, const std::string& path) {
  const std::string attrs = path + ".attrs";
  if (is_conv(c.kernel)) {
    const Conv2dShape s = conv_shape(c, 1);
    for (int a = 1; a <= 10; a++)
      if (c.size[a].value < 1) return attrs + "." + kKernels[static_cast<int>(c.kernel)].attrs[a].name + " must be ≥ 1";
    if (s.out_h < 1 || s.out_w < 1) return attrs + ": the kernel is larger than the padded input";
  } else if (is_conv_pool(c.kernel)) {
    const ConvPoolShape s = conv_pool_shape(c, 1);
    for (int a : {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 15, 16})
      if (c.size[a].value < 1) return attrs + "." + kKernels[static_cast<int>(c.kernel)].attrs[a].name + " must be ≥ 1";
    // Dims ≤ 2^31 each: kH·kW ≤ 2^62, then one more product checked.
    if (s.conv.k_h * s.conv.k_w > kConvPoolMaxPatch || s.conv.k_h * s.conv.k_w * s.conv.in_c > kConvPoolMaxPatch)
      return attrs + ": the patch kH·kW·inC must be at most " + std::to_string(kConvPoolMaxPatch);
    if (s.conv.out_h < 1 || s.conv.out_w < 1) return attrs + ": the kernel is larger than the padded input";
    if (s.out_h < 1 || s.out_w < 1) return attrs + ": the pool window is larger than the convolution's output";
  } else if (c.kernel == Kernel::kBatchNormTrain || c.kernel == Kernel::kBatchNormInfer ||
             c.kernel == Kernel::kBatchNormGrad) {
    if (c.size[1].value < 1) return attrs + ".channels must be ≥ 1";
    if (c.kernel != Kernel::kBatchNormGrad && !(c.value[2] > 0)) return attrs + ".epsilon must be > 0";
  } else if (c.kernel == Kernel::kClipNorm || c.kernel == Kernel::kClipValue) {
    if (!(c.value[1] > 0)) return attrs + "." + kKernels[static_cast<int>(c.kernel)].attrs[1].name + " must be > 0";
  } else if (c.kernel == Kernel::kCopyColumns) {
    // Each row's n columns must lie inside the row on both sides (dims ≤ 2^31: no overflow).
    if (c.size[3].value + c.size[1].value > c.size[2].value) return attrs + ".xOffset + n must be ≤ xCols";
    if (c.size[5].value + c.size[1].value > c.size[4].value) return attrs + ".outOffset + n must be ≤ outCols";
  } else if (is_recurrent(c.kernel)) {
    // The kernels step through time and index units: both ≥ 1. Only gruResetAfter has a
    // recurrent bias (the other cells would ignore it: a tape naming one is wrong).
    const RecurrentShape s = recurrent_shape(c, 1);
    if (s.time < 1) return attrs + ".time must be ≥ 1";
    if (s.units < 1) return attrs + ".units must be ≥ 1";
    const int bias = c.kernel == Kernel::kRecurrent ? 4 : 2;
    if (c.args[bias] != -1 && s.cell != RecurrentCell::kGruResetAfter)
      return path + ".args[" + std::to_string(bias) + "] (" + kKernels[static_cast<int>(c.kernel)].args[bias].name +
             ") must be -1: only the gruResetAfter cell has a recurrent bias";
  } else if (c.kernel == Kernel::kUpSampling2d || c.kernel == Kernel::kUpSampling2dGrad) {
    // The bilinear taps clamp to the last cell: every axis needs one; factors of 0 make no image.
    for (int a = 1; a <= 5; a++)
      if (c.size[a].value < 1) return attrs + "." + kKernels[static_cast<int>(c.kernel)].attrs[a].name + " must be ≥ 1";
  } else if (c.kernel == Kernel::kGaussianNoise) {
    if (!(c.value[1] >= 0)) return attrs + ".stddev must be ≥ 0";
  } else if (is_pool(c.kernel)) {
    const Pool2dShape s = pool_shape(c, 1);
    for (int a = 1; a <= 7; a++)
      if (c.size[a].value < 1) return attrs + "." + kKernels[static_cast<int>(c.kernel)].attrs[a].name + " must be ≥ 1";
    const int64_t pad_bottom = c.size[9].value, pad_right = c.size[11].value;
    if (s.pad_top >= s.k_h || pad_bottom >= s.k_h || s.pad_left >= s.k_w || pad_right >= s.k_w)
      return attrs + ": padding must be smaller than the pool window";
    if (s.out_h < 1 || s.out_w < 1) return attrs + ": the pool window is larger than the padded input";
    // The last window starts inside the image (the first does: padding < window).
    if ((s.out_h - 1) * s.stride_h - s.pad_top >= s.in_h || (s.out_w - 1) * s.stride_w - s.pad_left >= s.in_w)
      return attrs + ": a pool window covers only padding";
  }
  return "";
}

std::string check_call(const TapeSpec& t, const Call& c, int s, size_t i, const std::string& path) {
  if (static_cast<int>(c.kernel) >= kKernelCount) return path + ".kernel is unknown";
  const KernelInfo& info = kKernels[static_cast<int>(c.kernel)];
  const int64_t n = static_cast<int64_t>(t.buffers.size());
  for (int a = 0; a < kMaxArgs; a++) {
    const int32_t id = c.args[a];
    const std::string arg =
        path + ".args[" + std::to_string(a) + "] (" + (a < info.arg_count ? info.args[a].name : "") + ")";
    if (a >= info.arg_count) {
      if (id != -1) return path + ".args has too many entries";
      continue;
    }
    const ArgInfo& spec = info.args[a];
    if (id == -1 && spec.optional) continue;
    if (id < 0 || id >= n) return arg + " must be a buffer id from 0 to " + std::to_string(n - 1);
    const BufferSpec& b = t.buffers[id];
    if (!(spec.roles & (1u << static_cast<int>(b.role))))
      return arg + ": a buffer of role '" + kRoleNames[static_cast<int>(b.role)] + "' is not accepted here";
    if (b.int32 != spec.int32) return arg + " must be a " + (spec.int32 ? "int32" : "float32") + " buffer";
  }
  std::string bad = check_attrs(c, path);
  if (bad.empty()) bad = check_geometry(c, path);
  if (!bad.empty()) return bad;
  if (sparse_call(c) && sparse_target_column(t, c, s, i) == kNotLabels)
    return path +
           ": the targets of a sparse call must be the y buffer, or one column of y copied by a copyColumns of the "
           "loss section before it (they are read as class indices)";
  if (c.result != -1) {
    if (!info.returns) return path + ".result: kernel " + info.name + " returns no value";
    if (c.result < 0 || c.result >= t.result_count)
      return path + ".result.index must be from 0 to " + std::to_string(t.result_count - 1);
  }
  return "";
}

// A product of non-negative sizes, saturating at INT64_MAX (which no buffer holds).
int64_t product(std::initializer_list<int64_t> sizes) {
  int64_t p = 1;
  for (int64_t v : sizes)
    if (__builtin_mul_overflow(p, v, &p)) return INT64_MAX;
  return p;
}

// Elements each argument of c touches for `rows` rows; "" or why a size is out of range.
std::string extents(const Call& c, int64_t rows, int64_t ext[kMaxArgs]) {
  const KernelInfo& info = kKernels[static_cast<int>(c.kernel)];
  int64_t s[kMaxAttrs] = {};
  for (int a = 0; a < info.attr_count; a++) {
    if (info.attrs[a].kind != AttrKind::kSize) continue;
    s[a] = c.size[a].at(rows);  // ≤ 2^31 · 2^31: no overflow
    if (s[a] > kMaxSize)
      return std::string(".attrs.") + info.attrs[a].name + " is " + std::to_string(s[a]) + " for " +
             std::to_string(rows) + " rows: more than 2147483647";
  }
  const int64_t rc = s[0] * s[1], target = sparse_call(c) ? s[0] : rc;
  const int64_t n = s[0];
  auto set = [&](int64_t e0, int64_t e1, int64_t e2, int64_t e3) {
    ext[0] = e0;
    ext[1] = e1;
    ext[2] = e2;
    ext[3] = e3;
  };
  auto set_all = [&](std::initializer_list<int64_t> e) {
    int i = 0;
    for (int64_t v : e) ext[i++] = v;
  };
  switch (c.kernel) {
    case Kernel::kGemm:
      set(s[2] * s[4], s[4] * s[3], s[2] * s[3], 0);
      break;
    case Kernel::kAddBias:
      set(rc, s[1], 0, 0);
      break;
    case Kernel::kBiasActivation:
      set(rc, rc, s[1], 0);
      break;
    case Kernel::kSoftmax:
    case Kernel::kSoftmaxGrad:
    case Kernel::kSigmoidXent:
      set(rc, rc, rc, rc);
      break;
    case Kernel::kColumnSums:
      set(s[1], rc, 0, 0);
      break;
    case Kernel::kLoss:
    case Kernel::kRowMeanMetric:
      set(rc, target, 0, 0);
      break;
    case Kernel::kLossGrad:
      set(rc, rc, target, 0);
      break;
    case Kernel::kSoftmaxXent:
      set(rc, rc, rc, target);
      break;
    case Kernel::kArgmaxAccuracy:
      set(rc, target, s[0], s[0]);
      break;
    // The weighted losses read one weight per row.
    case Kernel::kWeightedLoss:
      set(rc, target, n, 0);
      break;
    case Kernel::kWeightedLossGrad:
      set(rc, rc, target, n);
      break;
    case Kernel::kWeightedSoftmaxXent:
      set_all({rc, rc, rc, target, n});
      break;
    case Kernel::kWeightedSigmoidXent:
      set_all({rc, rc, rc, rc, n});
      break;
    case Kernel::kConv2d:
    case Kernel::kConv2dGradInput:
    case Kernel::kConv2dGradFilter: {
      const Conv2dShape g = conv_shape(c, rows);
      const int64_t out = product({g.batch, g.out_h, g.out_w, g.out_c}),
                    in = product({g.batch, g.in_h, g.in_w, g.in_c});
      const int64_t filter = product({g.k_h, g.k_w, g.in_c, g.out_c});
      const int64_t col = product({g.batch, g.out_h, g.out_w, g.k_h, g.k_w, g.in_c});
      if (c.kernel == Kernel::kConv2d) set(out, in, filter, col);
      if (c.kernel == Kernel::kConv2dGradInput) set(in, out, filter, col);
      if (c.kernel == Kernel::kConv2dGradFilter) set(filter, in, out, col);
      break;
    }
    case Kernel::kConv2dReluPool:
    case Kernel::kConv2dReluPoolGrad: {
      const ConvPoolShape g = conv_pool_shape(c, rows);
      const int64_t out = product({g.conv.batch, g.out_h, g.out_w, g.conv.out_c});
      const int64_t in = product({g.conv.batch, g.conv.in_h, g.conv.in_w, g.conv.in_c});
      const int64_t filter = product({g.conv.k_h, g.conv.k_w, g.conv.in_c, g.conv.out_c});
      const int64_t scratch = product({g.conv.batch, g.pool_h, g.out_w, g.pool_w, g.conv.out_c});
      if (c.kernel == Kernel::kConv2dReluPool)
        set_all({out, out, in, filter, g.conv.out_c, scratch});
      else
        set_all({filter, g.conv.out_c, in, out, out, out});
      break;
    }
    case Kernel::kMaxPool2d:
    case Kernel::kMaxPool2dGrad:
    case Kernel::kAvgPool2d:
    case Kernel::kAvgPool2dGrad: {
      const Pool2dShape g = pool_shape(c, rows);
      const int64_t out = product({g.batch, g.out_h, g.out_w, g.channels});
      const int64_t in = product({g.batch, g.in_h, g.in_w, g.channels});
      if (c.kernel == Kernel::kMaxPool2d) set(out, out, in, 0);
      if (c.kernel == Kernel::kMaxPool2dGrad) set(in, out, out, 0);
      if (c.kernel == Kernel::kAvgPool2d) set(out, in, 0, 0);
      if (c.kernel == Kernel::kAvgPool2dGrad) set(in, out, 0, 0);
      break;
    }
    case Kernel::kBatchNormTrain:
    case Kernel::kBatchNormInfer:
    case Kernel::kBatchNormGrad: {
      const int64_t cells = product({s[0], c.size[1].value}), ch = c.size[1].value;
      if (c.kernel == Kernel::kBatchNormGrad)
        set_all({cells, ch, ch, cells, cells, ch, ch, ch});
      else
        set_all({cells, cells, ch, ch, ch, ch, ch, ch});
      break;
    }
    case Kernel::kEmbedding:
    case Kernel::kEmbeddingGrad: {
      const int64_t dim = c.size[1].value, table = product({c.size[2].value, dim});
      const int64_t out = product({s[0], dim});
      if (c.kernel == Kernel::kEmbedding)
        set(out, s[0], table, 0);
      else
        set(table, s[0], out, 0);
      break;
    }
    case Kernel::kCopyColumns:
      set(product({s[0], c.size[4].value}), product({s[0], c.size[2].value}), 0, 0);
      break;
    case Kernel::kRecurrent:
    case Kernel::kRecurrentGrad: {
      const RecurrentShape g = recurrent_shape(c, rows);
      const int64_t gates = recurrent_gates(g.cell);
      const int64_t out = product({g.rows, g.sequences ? g.time : 1, g.units});
      const int64_t cache = product({g.rows, g.time, recurrent_cache_units(g.cell), g.units});
      const int64_t x_proj = product({g.rows, g.time, gates, g.units});
      const int64_t kernel = product({g.units, gates, g.units}), bias = product({gates, g.units});
      if (c.kernel == Kernel::kRecurrent)
        set_all({out, cache, x_proj, kernel, bias});
      else
        set_all({x_proj, kernel, bias, out, cache, kernel, product({g.rows, kRecurrentCarryUnits, g.units})});
      break;
    }
    case Kernel::kPad2d:
    case Kernel::kPad2dGrad: {
      const Pad2dShape g = pad_shape(c, rows);
      const int64_t in = product({g.batch, g.in_h, g.in_w, g.channels});
      const int64_t out = product({g.batch, g.in_h + g.top + g.bottom, g.in_w + g.left + g.right, g.channels});
      if (c.kernel == Kernel::kPad2d)
        set(out, in, 0, 0);
      else
        set(in, out, 0, 0);
      break;
    }
    case Kernel::kUpSampling2d:
    case Kernel::kUpSampling2dGrad: {
      const UpSampling2dShape g = up_sampling_shape(c, rows);
      const int64_t in = product({g.batch, g.in_h, g.in_w, g.channels});
      const int64_t out = product({g.batch, g.in_h, g.size_h, g.in_w, g.size_w, g.channels});
      if (c.kernel == Kernel::kUpSampling2d)
        set(out, in, 0, 0);
      else
        set(in, out, 0, 0);
      break;
    }
    default:  // every other kernel touches n elements of each argument
      set(n, n, n, n);
      break;
  }
  return "";
}

}  // namespace

std::string validate_tape(const TapeSpec& t) {
  if (t.version != 1) return "version must be 1, got " + std::to_string(t.version);
  if (t.params < 0 || t.params > kMaxSize || t.state < 0 || t.state > kMaxSize || t.slot_count < 0 || t.slot_count > 16)
    return "arena sizes out of range";
  if (t.result_count < 0 || t.result_count > 4096) return "results must have at most 4096 names";
  std::string bad = check_buffers(t);
  if (bad.empty()) bad = check_io(t);
  for (int s = 0; s < kSectionCount && bad.empty(); s++)
    for (size_t i = 0; i < t.sections[s].size() && bad.empty(); i++)
      bad = check_call(t, t.sections[s][i], s, i, at(static_cast<Section>(s), i));
  if (bad.empty()) bad = check_extents(t, 1);
  return bad;
}

std::string check_extents(const TapeSpec& t, int64_t rows) {
  for (int s = 0; s < kSectionCount; s++) {
    for (size_t i = 0; i < t.sections[s].size(); i++) {
      const Call& c = t.sections[s][i];
      const KernelInfo& info = kKernels[static_cast<int>(c.kernel)];
      int64_t ext[kMaxArgs] = {};
      std::string bad = extents(c, rows, ext);
      if (!bad.empty()) return at(static_cast<Section>(s), i) + bad;
      for (int a = 0; a < info.arg_count; a++) {
        if (c.args[a] < 0) continue;
        const BufferSpec& b = t.buffers[c.args[a]];
        const int64_t capacity = batched(b.role) ? b.width * rows : b.width;
        if (ext[a] > capacity)
          return at(static_cast<Section>(s), i) + " (" + info.name + "): argument " + info.args[a].name + " touches " +
                 std::to_string(ext[a]) + " elements for " + std::to_string(rows) + " rows, but " + b.name + " holds " +
                 std::to_string(capacity);
      }
    }
  }
  return "";
}

std::vector<int64_t> sparse_column_classes(const TapeSpec& t) {
  std::vector<int64_t> classes(static_cast<size_t>(t.buffers[t.y].width), 0);
  auto narrow = [](int64_t& have, int64_t cols) { have = have == 0 ? cols : std::min(have, cols); };
  for (int s = 0; s < kSectionCount; s++)
    for (size_t i = 0; i < t.sections[s].size(); i++) {
      const Call& c = t.sections[s][i];
      if (!sparse_call(c)) continue;
      const int64_t column = sparse_target_column(t, c, s, i);
      if (column == kAllColumns)
        for (int64_t& have : classes) narrow(have, c.size[1].value);
      else if (column >= 0 && column < static_cast<int64_t>(classes.size()))
        narrow(classes[static_cast<size_t>(column)], c.size[1].value);
    }
  return classes;
}

}  // namespace nativenn::tape
