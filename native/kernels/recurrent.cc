// The recurrence, step by step in processing order: one GEMM for the recurrent products of all
// rows (the h rows of the previous step, read in place from the cache, times the kernel), then
// per row the gates as contiguous blocks: the activations through activation_forward/backward
// (vectorized, per ISA), the rest in plain loops the compiler vectorizes. The twin computes the
// elementwise terms in double and rounds once; these loops work in float32, so results agree
// within float32 rounding. Every step does the same calls whatever the thread count (sgemm splits
// its output, never its sums), so results are bit-identical for any number of threads.
#include "kernels/recurrent.h"

#include <algorithm>

#include "kernels/gemm/gemm.h"

namespace nativenn {

const char* const kRecurrentCellNames[kRecurrentCellCount] = {"simple", "lstm", "gru", "gruResetAfter"};

namespace {

// Offsets in a cache record: the gates' pre-activations, their activations, and m (GRUs).
struct Layout {
  int64_t pre, post, m;
};
Layout layout(RecurrentCell cell, int64_t u) {
  if (cell == RecurrentCell::kSimple) return {u, 0, -1};
  if (cell == RecurrentCell::kLstm) return {2 * u, 6 * u, -1};
  return {u, 4 * u, 7 * u};
}

void add(float* y, const float* x, int64_t n) {
  for (int64_t i = 0; i < n; i++) y[i] += x[i];
}
void copy(float* y, const float* x, int64_t n) { std::copy(x, x + n, y); }

// The sizes and strides every step uses.
struct Dims {
  int64_t rows, time, u, g, cw, ld;  // g = gates·units, cw = cache width, ld = time·cw
  Layout at;
};
Dims dims(const RecurrentShape& s) {
  const int64_t u = s.units, cw = recurrent_cache_units(s.cell) * u;
  return {s.rows, s.time, u, recurrent_gates(s.cell) * u, cw, s.time * cw, layout(s.cell, u)};
}

bool is_gru(RecurrentCell cell) { return cell == RecurrentCell::kGru || cell == RecurrentCell::kGruResetAfter; }

// ---- forward, one row at one step. c: its cache record, hp: h₋ (null at the first step), x: its
// xProj slice. pre already holds the recurrent products (zero at the first step).

void simple_row(float* c, const float* x, const Dims& d, const RecurrentShape& s) {
  float* pre = c + d.at.pre;
  add(pre, x, d.u);
  activation_forward(s.activation, c, pre, d.u, 0);  // post is h
}

void lstm_row(float* c, const float* hp, const float* x, const Dims& d, const RecurrentShape& s) {
  const int64_t u = d.u;
  float* pre = c + d.at.pre;
  float* post = c + d.at.post;
  add(pre, x, 4 * u);
  activation_forward(s.recurrent_activation, post, pre, 2 * u, 0);              // i, f
  activation_forward(s.activation, post + 2 * u, pre + 2 * u, u, 0);            // g
  activation_forward(s.recurrent_activation, post + 3 * u, pre + 3 * u, u, 0);  // o
  const float *ig = post, *fg = post + u, *gg = post + 2 * u, *og = post + 3 * u;
  float* h = c;
  float* cell = c + u;
  if (hp) {
    const float* cp = hp + u;
    for (int64_t i = 0; i < u; i++) cell[i] = fg[i] * cp[i] + ig[i] * gg[i];
  } else {
    for (int64_t i = 0; i < u; i++) cell[i] = ig[i] * gg[i];
  }
  activation_forward(s.activation, h, cell, u, 0);
  for (int64_t i = 0; i < u; i++) h[i] *= og[i];
}

// z and r (and, resetAfter, hh's pre-activation); gru leaves m = r·h₋ for hh's GEMM.
void gru_gates_row(float* c, const float* hp, const float* x, const float* recurrent_bias, const Dims& d,
                   const RecurrentShape& s) {
  const int64_t u = d.u;
  float* pre = c + d.at.pre;
  float* post = c + d.at.post;
  float* m = c + d.at.m;
  const bool reset_after = s.cell == RecurrentCell::kGruResetAfter;
  if (reset_after) {
    if (recurrent_bias) add(pre, recurrent_bias, 3 * u);
    copy(m, pre + 2 * u, u);
  }
  add(pre, x, 2 * u);
  activation_forward(s.recurrent_activation, post, pre, 2 * u, 0);
  const float* r = post + u;
  if (reset_after) {
    for (int64_t i = 0; i < u; i++) pre[2 * u + i] = x[2 * u + i] + r[i] * m[i];
  } else if (hp) {
    for (int64_t i = 0; i < u; i++) m[i] = r[i] * hp[i];
  } else {
    std::fill(m, m + u, 0.0f);
  }
}

// hh = act(pre_h), h = z·h₋ + (1 − z)·hh.
void gru_state_row(float* c, const float* hp, const Dims& d, const RecurrentShape& s) {
  const int64_t u = d.u;
  float* post = c + d.at.post;
  activation_forward(s.activation, post + 2 * u, c + d.at.pre + 2 * u, u, 0);
  const float *z = post, *hh = post + 2 * u;
  float* h = c;
  if (hp) {
    for (int64_t i = 0; i < u; i++) h[i] = z[i] * hp[i] + (1 - z[i]) * hh[i];
  } else {
    for (int64_t i = 0; i < u; i++) h[i] = (1 - z[i]) * hh[i];
  }
}

}  // namespace

void recurrent_forward(float* out, float* cache, const float* x_proj, const float* kernel, const float* recurrent_bias,
                       const RecurrentShape& s) {
  const Dims d = dims(s);
  const int64_t u = d.u, g = d.g, ld = d.ld;
  // gru's hh product needs r·h₋, known only after z and r: its own GEMM below.
  const int64_t rec_cols = s.cell == RecurrentCell::kGru ? 2 * u : g;
  for (int64_t step = 0; step < d.time; step++) {
    const int64_t t = s.go_backwards ? d.time - 1 - step : step;
    float* cur = cache + step * d.cw;  // row b's record at cur + b·ld
    const float* prev = step > 0 ? cur - d.cw : nullptr;
    float* pre = cur + d.at.pre;
    if (prev) {
      sgemm(false, false, d.rows, rec_cols, u, 1.0f, prev, ld, kernel, g, 0.0f, pre, ld);
    } else {
      for (int64_t b = 0; b < d.rows; b++) std::fill(pre + b * ld, pre + b * ld + rec_cols, 0.0f);
    }
    for (int64_t b = 0; b < d.rows; b++) {
      float* c = cur + b * ld;
      const float* hp = prev ? prev + b * ld : nullptr;
      const float* x = x_proj + (b * d.time + t) * g;
      switch (s.cell) {
        case RecurrentCell::kSimple:
          simple_row(c, x, d, s);
          break;
        case RecurrentCell::kLstm:
          lstm_row(c, hp, x, d, s);
          break;
        case RecurrentCell::kGru:
          gru_gates_row(c, hp, x, nullptr, d, s);
          break;
        case RecurrentCell::kGruResetAfter:
          gru_gates_row(c, hp, x, recurrent_bias, d, s);
          gru_state_row(c, hp, d, s);
          break;
      }
    }
    if (s.cell == RecurrentCell::kGru) {
      sgemm(false, false, d.rows, u, u, 1.0f, cur + d.at.m, ld, kernel + 2 * u, g, 0.0f, pre + 2 * u, ld);
      for (int64_t b = 0; b < d.rows; b++) {
        float* c = cur + b * ld;
        add(c + d.at.pre + 2 * u, x_proj + (b * d.time + t) * g + 2 * u, u);
        gru_state_row(c, prev ? prev + b * ld : nullptr, d, s);
      }
    }
    for (int64_t b = 0; b < d.rows; b++) {
      const float* h = cur + b * ld;
      if (s.sequences)
        copy(out + (b * d.time + step) * u, h, u);
      else if (step == d.time - 1)
        copy(out + b * u, h, u);
    }
  }
}

namespace {

// ---- backward, one row at one step. dh (carry's first units) holds ∂/∂h of this step; dx the
// row's dxProj slice (written whole); k the row's carry.

void simple_grad_row(float* dx, const float* c, const float* dh, const Dims& d, const RecurrentShape& s) {
  activation_backward(s.activation, dx, dh, c + d.at.pre, c, d.u, 0);
}

// carry: dh, dc (flowing to the previous step), then act(c) and a temporary.
void lstm_grad_row(float* dx, const float* c, const float* hp, float* k, const Dims& d, const RecurrentShape& s) {
  const int64_t u = d.u;
  const float* pre = c + d.at.pre;
  const float* post = c + d.at.post;
  const float *ig = post, *fg = post + u, *gg = post + 2 * u, *og = post + 3 * u;
  const float* cell = c + u;
  float *dh = k, *dc = k + u, *tc = k + 2 * u, *t = k + 3 * u;
  activation_forward(s.activation, tc, cell, u, 0);
  for (int64_t i = 0; i < u; i++) t[i] = dh[i] * og[i];
  activation_backward(s.activation, t, t, cell, tc, u, 0);  // dh·o·act'(c)
  for (int64_t i = 0; i < u; i++) t[i] += dc[i];            // ∂/∂c of this step
  for (int64_t i = 0; i < u; i++) {
    dx[i] = t[i] * gg[i];
    dx[2 * u + i] = t[i] * ig[i];
    dx[3 * u + i] = dh[i] * tc[i];
    dc[i] = t[i] * fg[i];
  }
  if (hp) {
    for (int64_t i = 0; i < u; i++) dx[u + i] = t[i] * hp[u + i];
  } else {
    std::fill(dx + u, dx + 2 * u, 0.0f);
  }
  activation_backward(s.recurrent_activation, dx, dx, pre, post, 2 * u, 0);
  activation_backward(s.activation, dx + 2 * u, dx + 2 * u, pre + 2 * u, post + 2 * u, u, 0);
  activation_backward(s.recurrent_activation, dx + 3 * u, dx + 3 * u, pre + 3 * u, post + 3 * u, u, 0);
}

// carry: dh (becomes the direct path dh·z to h₋), then drec (3 units: the gradient of the
// recurrent products z, r, h) and dm (gru). dz, dhh and (resetAfter) dr; gru's dr waits for dm.
void gru_grad_row(float* dx, const float* c, const float* hp, float* k, const Dims& d, const RecurrentShape& s) {
  const int64_t u = d.u;
  const float* pre = c + d.at.pre;
  const float* post = c + d.at.post;
  const float *z = post, *r = post + u, *hh = post + 2 * u;
  float *dh = k, *drec = k + 2 * u;
  for (int64_t i = 0; i < u; i++) {
    const float hpi = hp ? hp[i] : 0.0f;
    dx[i] = dh[i] * (hpi - hh[i]);
    dx[2 * u + i] = dh[i] * (1 - z[i]);
    dh[i] *= z[i];
  }
  activation_backward(s.recurrent_activation, dx, dx, pre, post, u, 0);
  activation_backward(s.activation, dx + 2 * u, dx + 2 * u, pre + 2 * u, post + 2 * u, u, 0);
  copy(drec, dx, u);
  if (s.cell == RecurrentCell::kGruResetAfter) {
    const float* m = c + d.at.m;
    for (int64_t i = 0; i < u; i++) dx[u + i] = dx[2 * u + i] * m[i];
    activation_backward(s.recurrent_activation, dx + u, dx + u, pre + u, post + u, u, 0);
    copy(drec + u, dx + u, u);
    for (int64_t i = 0; i < u; i++) drec[2 * u + i] = dx[2 * u + i] * r[i];
  } else {
    copy(drec + 2 * u, dx + 2 * u, u);  // dm = dhh·U_hᵀ, by the caller's GEMM
  }
}

// gru: dr = dm·h₋ through ract; h₋ gets dm·r.
void gru_reset_grad_row(float* dx, const float* c, const float* hp, float* k, const Dims& d, const RecurrentShape& s) {
  const int64_t u = d.u;
  const float* r = c + d.at.post + u;
  float *dh = k, *drec = k + 2 * u;
  const float* dm = k + 5 * u;
  if (hp) {
    for (int64_t i = 0; i < u; i++) dx[u + i] = dm[i] * hp[i];
  } else {
    std::fill(dx + u, dx + 2 * u, 0.0f);
  }
  activation_backward(s.recurrent_activation, dx + u, dx + u, c + d.at.pre + u, c + d.at.post + u, u, 0);
  copy(drec + u, dx + u, u);
  for (int64_t i = 0; i < u; i++) dh[i] += dm[i] * r[i];
}

}  // namespace

void recurrent_backward(float* dx_proj, float* dkernel, float* drecurrent_bias, const float* dy, const float* cache,
                        const float* kernel, float* carry, const RecurrentShape& s, bool accumulate) {
  const Dims d = dims(s);
  const int64_t u = d.u, g = d.g, ld = d.ld, cr = kRecurrentCarryUnits * u;
  const bool gru = is_gru(s.cell);
  if (!accumulate && drecurrent_bias && s.cell == RecurrentCell::kGruResetAfter)
    std::fill(drecurrent_bias, drecurrent_bias + g, 0.0f);
  std::fill(carry, carry + d.rows * cr, 0.0f);  // nothing flows into the last step
  // The first dkernel GEMM overwrites (beta 0) unless accumulating; with one step there is none.
  float dkernel_beta = accumulate ? 1.0f : 0.0f;
  if (d.time < 2 && !accumulate) std::fill(dkernel, dkernel + u * g, 0.0f);
  for (int64_t step = d.time - 1; step >= 0; step--) {
    const int64_t t = s.go_backwards ? d.time - 1 - step : step;
    const float* cur = cache + step * d.cw;
    const float* prev = step > 0 ? cur - d.cw : nullptr;
    for (int64_t b = 0; b < d.rows; b++) {
      float* k = carry + b * cr;
      const float* dy_row = s.sequences ? dy + (b * d.time + step) * u : step == d.time - 1 ? dy + b * u : nullptr;
      if (dy_row) add(k, dy_row, u);
      float* dx = dx_proj + (b * d.time + t) * g;
      const float* c = cur + b * ld;
      const float* hp = prev ? prev + b * ld : nullptr;
      if (s.cell == RecurrentCell::kSimple)
        simple_grad_row(dx, c, k, d, s);
      else if (s.cell == RecurrentCell::kLstm)
        lstm_grad_row(dx, c, hp, k, d, s);
      else
        gru_grad_row(dx, c, hp, k, d, s);
    }
    if (s.cell == RecurrentCell::kGru) {
      // dm (carry + 5u) = dhh·U_hᵀ
      sgemm(false, true, d.rows, u, u, 1.0f, carry + 4 * u, cr, kernel + 2 * u, g, 0.0f, carry + 5 * u, cr);
      for (int64_t b = 0; b < d.rows; b++)
        gru_reset_grad_row(dx_proj + (b * d.time + t) * g, cur + b * ld, prev ? prev + b * ld : nullptr, carry + b * cr,
                           d, s);
    }
    // The gradient of the recurrent products: drec (GRUs) or this step's dxProj (the others).
    const float* dsrc = gru ? carry + 2 * u : dx_proj + t * g;
    const int64_t ldd = gru ? cr : d.time * g;
    if (drecurrent_bias && s.cell == RecurrentCell::kGruResetAfter)
      for (int64_t b = 0; b < d.rows; b++) add(drecurrent_bias, carry + b * cr + 2 * u, g);
    if (!prev) break;  // the first step: no h₋, nothing flows further
    // dkernel (+)= h₋ᵀ·drec (gru: its hh columns take mᵀ·dhh), dh₋ (+)= drec·kernelᵀ.
    if (s.cell == RecurrentCell::kGru) {
      sgemm(true, false, u, 2 * u, d.rows, 1.0f, prev, ld, dsrc, ldd, dkernel_beta, dkernel, g);
      sgemm(true, false, u, u, d.rows, 1.0f, cur + d.at.m, ld, dsrc + 2 * u, ldd, dkernel_beta, dkernel + 2 * u, g);
    } else {
      sgemm(true, false, u, g, d.rows, 1.0f, prev, ld, dsrc, ldd, dkernel_beta, dkernel, g);
    }
    dkernel_beta = 1.0f;
    const int64_t rec_cols = s.cell == RecurrentCell::kGru ? 2 * u : g;
    sgemm(false, true, d.rows, u, rec_cols, 1.0f, dsrc, ldd, kernel, g, gru ? 1.0f : 0.0f, carry, cr);
  }
}

}  // namespace nativenn
