// Convolution, pooling, padding, up-sampling and recurrent calls as kernel shapes (tape.h). Attribute order:
// see schema.cc (CONV_ATTRS, POOL_ATTRS, RECURRENT_ATTRS): rows first, then the dims.
#include "kernels/tape/tape.h"

namespace nativenn::tape {

bool is_conv(Kernel k) {
  return k == Kernel::kConv2d || k == Kernel::kConv2dGradInput || k == Kernel::kConv2dGradFilter;
}
bool is_pool(Kernel k) {
  return k == Kernel::kMaxPool2d || k == Kernel::kMaxPool2dGrad || k == Kernel::kAvgPool2d ||
         k == Kernel::kAvgPool2dGrad;
}

int64_t window_count(int64_t in, int64_t k, int64_t stride, int64_t dilation, int64_t before, int64_t after) {
  // Every term ≤ 2^31 (validated dims): no overflow in int64.
  const int64_t effective = dilation * (k - 1) + 1, padded = in + before + after;
  if (stride < 1 || k < 1 || dilation < 1 || padded < effective) return 0;
  return (padded - effective) / stride + 1;
}

Conv2dShape conv_shape(const Call& c, int64_t rows) {
  auto d = [&](int i) { return c.size[i].value; };
  Conv2dShape s{};
  s.batch = c.size[0].at(rows);
  s.in_h = d(1), s.in_w = d(2), s.in_c = d(3), s.out_c = d(4);
  s.k_h = d(5), s.k_w = d(6), s.stride_h = d(7), s.stride_w = d(8), s.dilation_h = d(9), s.dilation_w = d(10);
  s.pad_top = d(11), s.pad_left = d(13);
  s.out_h = window_count(s.in_h, s.k_h, s.stride_h, s.dilation_h, d(11), d(12));
  s.out_w = window_count(s.in_w, s.k_w, s.stride_w, s.dilation_w, d(13), d(14));
  return s;
}

bool is_conv_pool(Kernel k) { return k == Kernel::kConv2dReluPool || k == Kernel::kConv2dReluPoolGrad; }

ConvPoolShape conv_pool_shape(const Call& c, int64_t rows) {
  ConvPoolShape s{};
  s.conv = conv_shape(c, rows);
  s.pool_h = c.size[15].value, s.pool_w = c.size[16].value;
  s.out_h = s.pool_h > 0 ? s.conv.out_h / s.pool_h : 0;
  s.out_w = s.pool_w > 0 ? s.conv.out_w / s.pool_w : 0;
  return s;
}

Pool2dShape pool_shape(const Call& c, int64_t rows) {
  auto d = [&](int i) { return c.size[i].value; };
  Pool2dShape s{};
  s.batch = c.size[0].at(rows);
  s.in_h = d(1), s.in_w = d(2), s.channels = d(3), s.k_h = d(4), s.k_w = d(5), s.stride_h = d(6), s.stride_w = d(7);
  s.pad_top = d(8), s.pad_left = d(10);
  s.out_h = window_count(s.in_h, s.k_h, s.stride_h, 1, d(8), d(9));
  s.out_w = window_count(s.in_w, s.k_w, s.stride_w, 1, d(10), d(11));
  return s;
}

Pad2dShape pad_shape(const Call& c, int64_t rows) {
  auto d = [&](int i) { return c.size[i].value; };
  return {c.size[0].at(rows), d(1), d(2), d(3), d(4), d(5), d(6), d(7)};
}

UpSampling2dShape up_sampling_shape(const Call& c, int64_t rows) {
  auto d = [&](int i) { return c.size[i].value; };
  return {c.size[0].at(rows), d(1), d(2), d(3), d(4), d(5), c.value[6] != 0};
}

bool is_recurrent(Kernel k) { return k == Kernel::kRecurrent || k == Kernel::kRecurrentGrad; }

// Attribute order (RECURRENT_ATTRS): rows, time, units, cell, activation, recurrentActivation,
// goBackwards, sequences.
RecurrentShape recurrent_shape(const Call& c, int64_t rows) {
  RecurrentShape s{};
  s.rows = c.size[0].at(rows);
  s.time = c.size[1].value;
  s.units = c.size[2].value;
  s.cell = static_cast<RecurrentCell>(static_cast<int>(c.value[3]));
  s.activation = static_cast<Activation>(static_cast<int>(c.value[4]));
  s.recurrent_activation = static_cast<Activation>(static_cast<int>(c.value[5]));
  s.go_backwards = c.value[6] != 0;
  s.sequences = c.value[7] != 0;
  return s;
}

}  // namespace nativenn::tape
