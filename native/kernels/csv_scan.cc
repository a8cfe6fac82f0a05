#include "kernels/csv_scan.h"

namespace nativenn {
namespace {

constexpr uint8_t kLF = 10;
constexpr uint8_t kCR = 13;

// 10^0 … 10^22: exact doubles (Clinger's fast path, as in csv-number.ts).
constexpr double kPow10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                               1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

inline bool digit(uint8_t b, unsigned* d) {
  *d = static_cast<unsigned>(b) - '0';
  return *d <= 9;
}

// csv-number.ts's scanNumber: a plain decimal at buf[i …] read up to the first byte that cannot
// continue it (*stop, at most end). false where the twin gives NaN (no digits, more than 15
// significant digits, an exponent without digits or beyond ±22 after the fraction).
inline bool scan_number(const uint8_t* buf, int64_t i, int64_t end, double* out, int64_t* stop) {
  bool negative = false;
  if (i < end && buf[i] == '-') {
    negative = true;
    i++;
  } else if (i < end && buf[i] == '+') {
    i++;
  }
  uint64_t mantissa = 0;  // ≤ 15 digits: exact as a double
  int digits = 0;         // significant digits taken (leading zeros are not)
  int64_t exponent = 0;
  bool saw_digit = false;
  unsigned d;
  for (; i < end && digit(buf[i], &d); i++) {
    saw_digit = true;
    if (digits > 0 || d != 0) {
      if (digits == 15) return false;
      mantissa = mantissa * 10 + d;
      digits++;
    }
  }
  if (i < end && buf[i] == '.') {
    for (i++; i < end && digit(buf[i], &d); i++) {
      saw_digit = true;
      if (digits > 0 || d != 0) {
        if (digits == 15) return false;
        mantissa = mantissa * 10 + d;
        digits++;
      }
      exponent--;
    }
  }
  if (!saw_digit) return false;
  if (i < end && (buf[i] == 'e' || buf[i] == 'E')) {
    i++;
    bool exp_negative = false;
    if (i < end && buf[i] == '-') {
      exp_negative = true;
      i++;
    } else if (i < end && buf[i] == '+') {
      i++;
    }
    int64_t e = 0;
    const int64_t exp_start = i;
    for (; i < end && digit(buf[i], &d); i++) {
      if (e < 1000) e = e * 10 + d;  // the twin's cap: beyond it only the range check matters
    }
    if (i == exp_start) return false;
    exponent += exp_negative ? -e : e;
  }
  *stop = i;
  if (mantissa == 0) {
    *out = negative ? -0.0 : 0.0;
    return true;
  }
  const double m = static_cast<double>(mantissa);
  double value;
  if (exponent >= 0 && exponent <= 22) {
    value = m * kPow10[exponent];
  } else if (exponent < 0 && exponent >= -22) {
    value = m / kPow10[-exponent];
  } else {
    return false;
  }
  *out = negative ? -value : value;
  return true;
}

// One record of ncols plain numbers at buf[pos …] into row `row`; the index after its line end,
// or −1 when the record is not one for the fast path (values written so far are overwritten by
// whoever parses that row).
inline int64_t number_record(double* const* columns, const uint8_t* buf, int64_t len, int64_t pos, int64_t ncols,
                             uint8_t delimiter, int64_t row) {
  int64_t i = pos;
  for (int64_t c = 0; c < ncols; c++) {
    double v;
    int64_t j;
    if (!scan_number(buf, i, len, &v, &j) || j >= len) return -1;
    const uint8_t b = buf[j];
    columns[c][row] = v;
    if (c < ncols - 1) {
      if (b != delimiter) return -1;
      i = j + 1;
    } else if (b == delimiter) {
      return -1;  // more fields than columns: the TypeScript parser words it
    } else if (b == kLF) {
      return j + 1;
    } else if (b == kCR && j + 1 < len && buf[j + 1] == kLF) {
      return j + 2;
    } else {
      return -1;
    }
  }
  return -1;  // ncols == 0: not called so
}

}  // namespace

CsvScanEnd csv_scan_numbers(double* const* columns, int32_t* lines, const uint8_t* buf, int64_t len, int64_t start,
                            int64_t ncols, uint8_t delimiter, int64_t row, int64_t row_end, int64_t line) {
  int64_t pos = start;
  int64_t r = row;
  while (pos < len) {
    if (buf[pos] == kLF) {
      pos++;
      line++;
      continue;
    }
    if (buf[pos] == kCR && pos + 1 < len && buf[pos + 1] == kLF) {
      pos += 2;
      line++;
      continue;
    }
    if (r == row_end) break;
    const int64_t next = number_record(columns, buf, len, pos, ncols, delimiter, r);
    if (next < 0) break;
    lines[r++] = static_cast<int32_t>(static_cast<uint32_t>(line));
    line++;
    pos = next;
  }
  return {pos, r - row, line};
}

}  // namespace nativenn
