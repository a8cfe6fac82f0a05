// Glue for the CSV number-record scanner: unpack, check, call (twin: src/data/csv-scan-numbers.ts).
#include <cstdint>
#include <string>
#include <vector>

#include "kernels/csv_encode.h"
#include "kernels/csv_scan.h"
#include "napi/args.h"
#include "napi/register.h"

namespace nativenn::glue {
namespace {

// More columns than a record of the longest length (16 MiB, csv-chunks.ts) can hold.
constexpr uint32_t kMaxColumns = 1u << 23;
constexpr double kMaxLine = 9007199254740991.0;  // Number.MAX_SAFE_INTEGER

// The element pointer and length of a typed array of the given type (null when it is empty).
template <typename T>
T* typed_array(const Args& a, Napi::Value v, napi_typedarray_type type, const std::string& name, const char* type_name,
               uint64_t* length) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != type)
    a.type_error(name + " must be a " + type_name);
  napi_typedarray_type actual;
  size_t count, offset;
  void* data = nullptr;
  napi_value buffer;
  if (napi_get_typedarray_info(a.env(), v, &actual, &count, &data, &buffer, &offset) != napi_ok)
    a.type_error(name + " has no accessible memory");
  *length = count;
  return count == 0 ? nullptr : static_cast<T*>(data);
}

// csvScanNumbers(columns: Float64Array[], lines: Int32Array, buf: Uint8Array, start, delimiter,
//                row, rowEnd, line) -> [pos, rows, line]
Napi::Value CsvScanNumbers(const Napi::CallbackInfo& info) {
  Args a(info, "csvScanNumbers");
  a.count(8);
  if (!info[0].IsArray()) a.type_error("columns must be an array of Float64Array");
  auto list = info[0].As<Napi::Array>();
  const uint32_t ncols = list.Length();
  if (ncols == 0 || ncols > kMaxColumns) a.range_error("columns must hold 1 to 2^23 arrays");
  const uint64_t start = a.size(3, "start");
  const uint64_t delimiter = a.size(4, "delimiter");
  if (delimiter > 255) a.range_error("delimiter must be a byte (0 to 255)");
  const uint64_t row = a.size(5, "row");
  const uint64_t row_end = a.size(6, "rowEnd");
  if (row > row_end) a.range_error("row must be at most rowEnd");
  const double line = a.number(7, "line");
  if (!(line >= 0 && line <= kMaxLine) || static_cast<double>(static_cast<int64_t>(line)) != line)
    a.range_error("line must be an integer from 0 to 2^53 − 1");
  // Take every element first (a getter is JS and could detach a buffer whose pointer was already
  // taken), then the pointers, checking each: the kernel writes rows row … rowEnd − 1 of every one.
  std::vector<Napi::Value> values(ncols);
  for (uint32_t c = 0; c < ncols; c++) values[c] = list.Get(c);
  uint64_t buf_length = 0;
  const uint8_t* buf = typed_array<uint8_t>(a, info[2], napi_uint8_array, "buf", "Uint8Array", &buf_length);
  if (start > buf_length) a.range_error("start must be at most buf's length");
  uint64_t lines_length = 0;
  int32_t* lines = typed_array<int32_t>(a, info[1], napi_int32_array, "lines", "Int32Array", &lines_length);
  if (lines_length < row_end) a.range_error("lines is too short: needs rowEnd elements");
  std::vector<double*> columns(ncols);
  for (uint32_t c = 0; c < ncols; c++) {
    uint64_t length = 0;
    const std::string name = "columns[" + std::to_string(c) + "]";
    columns[c] = typed_array<double>(a, values[c], napi_float64_array, name, "Float64Array", &length);
    if (length < row_end) a.range_error(name + " is too short: needs rowEnd elements");
  }
  CsvScanEnd end =
      csv_scan_numbers(columns.data(), lines, buf, static_cast<int64_t>(buf_length), static_cast<int64_t>(start), ncols,
                       static_cast<uint8_t>(delimiter), static_cast<int64_t>(row), static_cast<int64_t>(row_end),
                       static_cast<int64_t>(line));
  Napi::Array out = Napi::Array::New(info.Env(), 3);
  out.Set(0u, Napi::Number::New(info.Env(), static_cast<double>(end.pos)));
  out.Set(1u, Napi::Number::New(info.Env(), static_cast<double>(end.rows)));
  out.Set(2u, Napi::Number::New(info.Env(), static_cast<double>(end.line)));
  return out;
}

// csvEncodeNumbers(out: Float32Array, columns: Float64Array[], rows: Int32Array,
//                  scale: Float64Array | null, offset: Float64Array | null) -> index or -1
Napi::Value CsvEncodeNumbers(const Napi::CallbackInfo& info) {
  Args a(info, "csvEncodeNumbers");
  a.count(5);
  if (!info[1].IsArray()) a.type_error("columns must be an array of Float64Array");
  auto list = info[1].As<Napi::Array>();
  const uint32_t ncols = list.Length();
  if (ncols == 0 || ncols > kMaxColumns) a.range_error("columns must hold 1 to 2^23 arrays");
  const bool scaled = !info[3].IsNull();
  if (scaled == info[4].IsNull()) a.type_error("scale and offset must both be Float64Array or both null");
  // Every element first (a getter is JS and could detach a buffer whose pointer was taken), then
  // the pointers, each checked: rows index every column, out holds rows × columns values.
  std::vector<Napi::Value> values(ncols);
  for (uint32_t c = 0; c < ncols; c++) values[c] = list.Get(c);
  uint64_t n = 0;
  const int32_t* js_rows = typed_array<int32_t>(a, info[2], napi_int32_array, "rows", "Int32Array", &n);
  // Row indices address memory: check and use a copy, never the JS array (a SharedArrayBuffer's
  // values may change between the check and the read).
  const std::vector<int32_t> rows(js_rows, js_rows + n);
  std::vector<const double*> columns(ncols);
  uint64_t shortest = UINT64_MAX;
  for (uint32_t c = 0; c < ncols; c++) {
    uint64_t length = 0;
    columns[c] = typed_array<double>(a, values[c], napi_float64_array, "columns[" + std::to_string(c) + "]",
                                     "Float64Array", &length);
    if (length < shortest) shortest = length;
  }
  for (uint64_t i = 0; i < n; i++) {
    if (rows[i] < 0 || static_cast<uint64_t>(rows[i]) >= shortest)
      a.range_error("rows[" + std::to_string(i) + "] must index every column (0 to " + std::to_string(shortest) +
                    " − 1), got " + std::to_string(rows[i]));
  }
  const double* scale = nullptr;
  const double* offset = nullptr;
  if (scaled) {
    uint64_t length = 0;
    scale = typed_array<double>(a, info[3], napi_float64_array, "scale", "Float64Array", &length);
    if (length < ncols) a.range_error("scale must hold a value per column");
    offset = typed_array<double>(a, info[4], napi_float64_array, "offset", "Float64Array", &length);
    if (length < ncols) a.range_error("offset must hold a value per column");
  }
  uint64_t out_length = 0;
  float* out = typed_array<float>(a, info[0], napi_float32_array, "out", "Float32Array", &out_length);
  if (out_length < n * ncols) a.range_error("out is too short: needs rows.length × columns.length elements");
  const int64_t bad =
      n == 0 ? -1 : csv_encode_numbers(out, columns.data(), rows.data(), static_cast<int64_t>(n), ncols, scale, offset);
  return Napi::Number::New(info.Env(), static_cast<double>(bad));
}

// csvShuffleRows(out: Float32Array, buf: Float32Array, input: Float32Array, slots: Int32Array, width)
Napi::Value CsvShuffleRows(const Napi::CallbackInfo& info) {
  Args a(info, "csvShuffleRows");
  a.count(5);
  const uint64_t width = a.size(4, "width");
  if (width < 1 || width > (1u << 30)) a.range_error("width must be an integer from 1 to 2^30");
  uint64_t n = 0;
  const int32_t* js_slots = typed_array<int32_t>(a, info[3], napi_int32_array, "slots", "Int32Array", &n);
  const std::vector<int32_t> slots(js_slots, js_slots + n);  // checked and used as a copy, as rows above
  uint64_t buf_length = 0;
  float* buf = typed_array<float>(a, info[1], napi_float32_array, "buf", "Float32Array", &buf_length);
  const uint64_t capacity = buf_length / width;
  for (uint64_t i = 0; i < n; i++) {
    if (slots[i] < 0 || static_cast<uint64_t>(slots[i]) >= capacity)
      a.range_error("slots[" + std::to_string(i) + "] must be a row of buf (0 to " + std::to_string(capacity) +
                    " − 1), got " + std::to_string(slots[i]));
  }
  uint64_t out_length = 0;
  float* out = typed_array<float>(a, info[0], napi_float32_array, "out", "Float32Array", &out_length);
  uint64_t in_length = 0;
  const float* in = typed_array<float>(a, info[2], napi_float32_array, "input", "Float32Array", &in_length);
  if (out_length / width < n) a.range_error("out is too short: needs slots.length rows");
  if (in_length / width < n) a.range_error("input is too short: needs slots.length rows");
  if (n > 0) csv_shuffle_rows(out, buf, in, slots.data(), static_cast<int64_t>(n), static_cast<int64_t>(width));
  return info.Env().Undefined();
}

}  // namespace

void RegisterCsvScan(Napi::Env env, Napi::Object exports) {
  exports.Set("csvScanNumbers", Napi::Function::New(env, CsvScanNumbers, "csvScanNumbers"));
  exports.Set("csvEncodeNumbers", Napi::Function::New(env, CsvEncodeNumbers, "csvEncodeNumbers"));
  exports.Set("csvShuffleRows", Napi::Function::New(env, CsvShuffleRows, "csvShuffleRows"));
}

}  // namespace nativenn::glue
