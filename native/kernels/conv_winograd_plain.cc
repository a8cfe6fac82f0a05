// Plain Winograd tile transforms; see conv_winograd_plain.h.
#include "kernels/conv_winograd_plain.h"

#include <cstdint>

namespace nativenn::winograd_plain {

// F(2×2, 3×3)

void filter2(float* u, const float* filter, int64_t in_c, int64_t out_c) {
  const int64_t taps = in_c * out_c;  // floats between filter taps, and between u's matrices
  for (int64_t c = 0; c < in_c; c++) {
    const float* g = filter + c * out_c;
    float* uc = u + c * out_c;
    for (int64_t o = 0; o < out_c; o++) {
      const float* q = g + o;
      const float g00 = q[0], g01 = q[taps], g02 = q[2 * taps], g10 = q[3 * taps], g11 = q[4 * taps], g12 = q[5 * taps],
                  g20 = q[6 * taps], g21 = q[7 * taps], g22 = q[8 * taps];
      // G g: rows r0..r3 of 3 taps
      const float r00 = g00, r01 = g01, r02 = g02;
      const float r10 = 0.5f * (g00 + g10 + g20), r11 = 0.5f * (g01 + g11 + g21), r12 = 0.5f * (g02 + g12 + g22);
      const float r20 = 0.5f * (g00 - g10 + g20), r21 = 0.5f * (g01 - g11 + g21), r22 = 0.5f * (g02 - g12 + g22);
      const float r30 = g20, r31 = g21, r32 = g22;
      float* d = uc + o;
      // (G g) Gᵀ, row by row
      d[0] = r00, d[taps] = 0.5f * (r00 + r01 + r02), d[2 * taps] = 0.5f * (r00 - r01 + r02), d[3 * taps] = r02;
      d[4 * taps] = r10, d[5 * taps] = 0.5f * (r10 + r11 + r12), d[6 * taps] = 0.5f * (r10 - r11 + r12);
      d[7 * taps] = r12;
      d[8 * taps] = r20, d[9 * taps] = 0.5f * (r20 + r21 + r22), d[10 * taps] = 0.5f * (r20 - r21 + r22);
      d[11 * taps] = r22;
      d[12 * taps] = r30, d[13 * taps] = 0.5f * (r30 + r31 + r32), d[14 * taps] = 0.5f * (r30 - r31 + r32);
      d[15 * taps] = r32;
    }
  }
}

void input2(float* v, int64_t vs, const float* const* d, int64_t n) {
  for (int64_t c = 0; c < n; c++) {
    float t[16];  // Bᵀ d
    for (int j = 0; j < 4; j++) {
      const float d0 = d[j][c], d1 = d[4 + j][c], d2 = d[8 + j][c], d3 = d[12 + j][c];
      t[j] = d0 - d2;
      t[4 + j] = d1 + d2;
      t[8 + j] = d2 - d1;
      t[12 + j] = d1 - d3;
    }
    for (int i = 0; i < 4; i++) {  // (Bᵀ d) B
      const float* r = t + 4 * i;
      v[(4 * i + 0) * vs + c] = r[0] - r[2];
      v[(4 * i + 1) * vs + c] = r[1] + r[2];
      v[(4 * i + 2) * vs + c] = r[2] - r[1];
      v[(4 * i + 3) * vs + c] = r[1] - r[3];
    }
  }
}

void output2(float* const* q, const float* m, int64_t ms, int64_t n, bool add) {
  for (int64_t o = 0; o < n; o++) {
    float t[8];  // Aᵀ m
    for (int j = 0; j < 4; j++) {
      const float m0 = m[j * ms + o], m1 = m[(4 + j) * ms + o], m2 = m[(8 + j) * ms + o], m3 = m[(12 + j) * ms + o];
      t[j] = m0 + m1 + m2;
      t[4 + j] = m1 - m2 - m3;
    }
    for (int i = 0; i < 2; i++) {  // (Aᵀ m) A
      const float* r = t + 4 * i;
      const float y[2] = {r[0] + r[1] + r[2], r[1] - r[2] - r[3]};
      for (int j = 0; j < 2; j++) q[2 * i + j][o] = add ? q[2 * i + j][o] + y[j] : y[j];
    }
  }
}

void grad2(float* w, int64_t ws, const float* const* q, int64_t n) {
  for (int64_t o = 0; o < n; o++) {
    const float q0 = q[0][o], q1 = q[1][o], q2 = q[2][o], q3 = q[3][o];
    // A q, then (A q) Aᵀ row by row
    const float r[8] = {q0, q1, q0 + q2, q1 + q3, q0 - q2, q1 - q3, 0.0f - q2, 0.0f - q3};
    for (int i = 0; i < 4; i++) {
      const float a = r[2 * i], b = r[2 * i + 1];
      w[(4 * i + 0) * ws + o] = a;
      w[(4 * i + 1) * ws + o] = a + b;
      w[(4 * i + 2) * ws + o] = a - b;
      w[(4 * i + 3) * ws + o] = 0.0f - b;
    }
  }
}

// F(4×4, 3×3): each 1-D transform below is applied to the columns, then to the rows (both_ways).

namespace {

// Bᵀ x, Bᵀ = [4 0 −5 0 1 0; 0 −4 −4 1 1 0; 0 4 −4 −1 1 0; 0 −2 −1 2 1 0; 0 2 −1 −2 1 0; 0 4 0 −5 0 1]
void b6(float* t, const float* x) {
  const float a = x[4] - 4.0f * x[2], b = x[3] - 4.0f * x[1];
  const float c = x[4] - x[2], e = 2.0f * (x[3] - x[1]);
  t[0] = 4.0f * x[0] - 5.0f * x[2] + x[4];
  t[1] = a + b;
  t[2] = a - b;
  t[3] = c + e;
  t[4] = c - e;
  t[5] = 4.0f * x[1] - 5.0f * x[3] + x[5];
}

// Aᵀ x, Aᵀ = [1 1 1 1 1 0; 0 1 −1 2 −2 0; 0 1 1 4 4 0; 0 1 −1 8 −8 1]
void a4(float* y, const float* x) {
  const float s12 = x[1] + x[2], d12 = x[1] - x[2], s34 = x[3] + x[4], d34 = x[3] - x[4];
  y[0] = x[0] + s12 + s34;
  y[1] = d12 + 2.0f * d34;
  y[2] = s12 + 4.0f * s34;
  y[3] = d12 + 8.0f * d34 + x[5];
}

// G x, G = [¼ 0 0; −⅙ −⅙ −⅙; −⅙ ⅙ −⅙; 1/24 1/12 ⅙; 1/24 −1/12 ⅙; 0 0 1]
void g3(float* y, const float* x) {
  const float s = x[0] + x[2], p = x[0] * (1.0f / 24) + x[2] * (1.0f / 6), q = x[1] * (1.0f / 12);
  y[0] = 0.25f * x[0];
  y[1] = -(s + x[1]) * (1.0f / 6);
  y[2] = -(s - x[1]) * (1.0f / 6);
  y[3] = p + q;
  y[4] = p - q;
  y[5] = x[2];
}

// A x (the transpose of a4's matrix): 4 values to 6
void at4(float* y, const float* x) {
  const float e = x[0] + x[2], o = x[1] + x[3], e2 = x[0] + 4.0f * x[2], o2 = 2.0f * (x[1] + 4.0f * x[3]);
  y[0] = x[0];
  y[1] = e + o;
  y[2] = e - o;
  y[3] = e2 + o2;
  y[4] = e2 - o2;
  y[5] = x[3];
}

// y = T x Tᵀ for the 1-D transform t (kIn values to kOut): t on x's kIn columns, then on the rows.
// x is kIn × kIn and y kOut × kOut, row-major.
template <int kIn, int kOut>
void both_ways(float* y, const float* x, void (*t)(float*, const float*)) {
  float mid[kOut * kIn];  // T x
  for (int j = 0; j < kIn; j++) {
    float col[kIn], out[kOut];
    for (int i = 0; i < kIn; i++) col[i] = x[kIn * i + j];
    t(out, col);
    for (int i = 0; i < kOut; i++) mid[kIn * i + j] = out[i];
  }
  for (int i = 0; i < kOut; i++) t(y + kOut * i, mid + kIn * i);
}

}  // namespace

void filter4(float* u, const float* filter, int64_t in_c, int64_t out_c) {
  const int64_t taps = in_c * out_c;
  for (int64_t co = 0; co < taps; co++) {
    float g[9], y[36];
    for (int k = 0; k < 9; k++) g[k] = filter[k * taps + co];
    both_ways<3, 6>(y, g, g3);
    for (int xi = 0; xi < 36; xi++) u[xi * taps + co] = y[xi];
  }
}

void input4(float* v, int64_t vs, const float* const* d, int64_t n) {
  for (int64_t c = 0; c < n; c++) {
    float x[36], y[36];
    for (int k = 0; k < 36; k++) x[k] = d[k][c];
    both_ways<6, 6>(y, x, b6);
    for (int xi = 0; xi < 36; xi++) v[xi * vs + c] = y[xi];
  }
}

void output4(float* const* q, const float* m, int64_t ms, int64_t n, bool add) {
  for (int64_t o = 0; o < n; o++) {
    float x[36], y[16];
    for (int xi = 0; xi < 36; xi++) x[xi] = m[xi * ms + o];
    both_ways<6, 4>(y, x, a4);
    for (int k = 0; k < 16; k++) q[k][o] = add ? q[k][o] + y[k] : y[k];
  }
}

void grad4(float* w, int64_t ws, const float* const* q, int64_t n) {
  for (int64_t o = 0; o < n; o++) {
    float x[16], y[36];
    for (int k = 0; k < 16; k++) x[k] = q[k][o];
    both_ways<4, 6>(y, x, at4);
    for (int xi = 0; xi < 36; xi++) w[xi * ws + o] = y[xi];
  }
}

}  // namespace nativenn::winograd_plain
