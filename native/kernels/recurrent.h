// Recurrent layers over whole sequences (twin: src/backend/js/recurrent.ts, the specification of
// the cells, gate orders and cache layout). Keras/TensorFlow.js cells:
//   simple:        h = act(xW + b + h₋·U)
//   lstm (i f c o): i, f, o = ract(…), g = act(…); c = f·c₋ + i·g; h = o·act(c)
//   gru (z r h):   z, r = ract(x_zr + h₋·U_zr); hh = act(x_h + (r·h₋)·U_h)
//   gruResetAfter: m = h₋·U + b_rec; z, r = ract(x_zr + m_zr); hh = act(x_h + r·m_h)
// and for both GRUs h = z·h₋ + (1 − z)·hh. The state starts at zero.
//
// xProj (rows, time, gates·units) is the input projection of every step, in input order;
// goBackwards processes the steps last to first and the outputs come in processing order.
// cache (rows, time, cacheWidth) holds per row and processing step what backward needs, h first:
//   simple: h (= post), pre | lstm: h, c, pre (4), post (4) | gru*: h, pre (3), post (3), m
// so h of every row at one step is a matrix of row stride time·cacheWidth, the recurrent GEMMs'
// operand. carry (rows, 6·units) is backward's scratch. No allocation: everything lives in the
// buffers passed in.
#pragma once
#include <cstdint>

#include "kernels/activations.h"

namespace nativenn {

// Codes are the index in RECURRENT_CELLS of src/backend/js/recurrent.ts.
enum class RecurrentCell : int { kSimple, kLstm, kGru, kGruResetAfter };
constexpr int kRecurrentCellCount = 4;
// The names that cross Node-API, in enum order.
extern const char* const kRecurrentCellNames[kRecurrentCellCount];

struct RecurrentShape {
  int64_t rows, time, units;
  RecurrentCell cell;
  Activation activation, recurrent_activation;
  bool go_backwards, sequences;
};

// Gates per cell: xProj and the recurrent kernel are gates·units wide.
inline int64_t recurrent_gates(RecurrentCell cell) {
  return cell == RecurrentCell::kSimple ? 1 : cell == RecurrentCell::kLstm ? 4 : 3;
}
// Floats of cache per row and step, in units.
inline int64_t recurrent_cache_units(RecurrentCell cell) {
  return cell == RecurrentCell::kSimple ? 2 : cell == RecurrentCell::kLstm ? 10 : 8;
}
// Floats of carry per row, in units.
constexpr int64_t kRecurrentCarryUnits = 6;

// out (rows, time, units) when sequences, else (rows, units) = the recurrence over xProj with the
// recurrent kernel (units, gates·units) and, for gruResetAfter only, recurrentBias (gates·units;
// may be null); cache as above.
void recurrent_forward(float* out, float* cache, const float* x_proj, const float* kernel, const float* recurrent_bias,
                       const RecurrentShape& s);

// dxProj (rows, time, gates·units; every value written), dkernel (units, gates·units) and, for
// gruResetAfter, dRecurrentBias (gates·units; may be null) = (or with accumulate +=) the gradients
// given dy (shaped like out) and the cache of the forward call.
void recurrent_backward(float* dx_proj, float* dkernel, float* drecurrent_bias, const float* dy, const float* cache,
                        const float* kernel, float* carry, const RecurrentShape& s, bool accumulate);

}  // namespace nativenn
