// The CSV fast path for rows of plain numbers (twin: src/data/csv-scan-numbers.ts, which is built
// on csv-number.ts's scanNumber and readCsvTable's per-record fast path). It parses the records at
// the front of a byte buffer whose every field is a plain decimal that csv-number.ts's fast path
// takes, and stops at the first record that is anything else (quotes, empty or text cells, too
// many or too few fields, a number beyond the fast path, a record not complete in the buffer):
// the TypeScript parser handles that one, with its own messages, and calls again.
#pragma once
#include <cstdint>

namespace nativenn {

struct CsvScanEnd {
  int64_t pos;   // where scanning stopped: a record start (or len)
  int64_t rows;  // records parsed: rows row … row + rows − 1
  int64_t line;  // the file line after them (blank lines counted)
};

// columns[c][r] (ncols arrays of ≥ row_end values) = the number in field c of record r;
// lines[r] = the line it is on (modulo 2^32, as an Int32Array stores it). From buf[start, len),
// blank lines (LF, CRLF) skipped and counted, rows row … at most row_end − 1. ncols ≥ 1.
CsvScanEnd csv_scan_numbers(double* const* columns, int32_t* lines, const uint8_t* buf, int64_t len, int64_t start,
                            int64_t ncols, uint8_t delimiter, int64_t row, int64_t row_end, int64_t line);

}  // namespace nativenn
