// Argument unpacking for the N-API glue. Every getter checks type and range and throws a
// JS TypeError/RangeError naming the function and the argument (NAPI_CPP_EXCEPTIONS turns the
// C++ throw into a JS exception), so no kernel ever sees a bad size or a short buffer.
// Modelled on better-sqlite3's src/util/macros.cpp. The TS layer checks first with the same
// rules (src/backend/check.ts); these checks exist so the addon is safe when called directly.
#pragma once
#include <napi.h>

#include <cmath>
#include <cstdint>
#include <string>

namespace nativenn::glue {

constexpr double kMaxSize = 2147483647.0;  // sizes fit in int32, products in uint64

// A class label stored as a float: an integer in [0, classes). Labels index memory in the
// kernels, so callers check a native copy (never the JS array, which another thread may change
// between the check and the read when it lives on a SharedArrayBuffer) and pass that copy on.
inline bool IsClassIndex(float t, int64_t classes) {
  return t >= 0 && static_cast<double>(t) < static_cast<double>(classes) && std::floor(t) == t;
}

class Args {
 public:
  Args(const Napi::CallbackInfo& info, const char* fn) : info_(info), fn_(fn) {}

  Napi::Env env() const { return info_.Env(); }

  void count(size_t expected) const {
    if (info_.Length() != expected)
      type_error("expected " + std::to_string(expected) + " arguments, got " + std::to_string(info_.Length()));
  }

  double number(size_t i, const char* name) const {
    if (!info_[i].IsNumber()) type_error(std::string(name) + " must be a number");
    return info_[i].As<Napi::Number>().DoubleValue();
  }

  double finite(size_t i, const char* name) const {
    double v = number(i, name);
    if (!std::isfinite(v)) range_error(std::string(name) + " must be finite");
    return v;
  }

  // A non-negative integer no larger than kMaxSize.
  uint64_t size(size_t i, const char* name) const {
    double v = number(i, name);
    if (!(v >= 0 && v <= kMaxSize) || std::floor(v) != v)
      range_error(std::string(name) + " must be an integer from 0 to 2147483647");
    return static_cast<uint64_t>(v);
  }

  bool boolean(size_t i, const char* name) const {
    if (!info_[i].IsBoolean()) type_error(std::string(name) + " must be a boolean");
    return info_[i].As<Napi::Boolean>().Value();
  }

  // An enum passed by name: its index in names[0..count), or a RangeError listing the names.
  int name(size_t i, const char* arg, const char* const* names, int count) const {
    if (!info_[i].IsString()) type_error(std::string(arg) + " must be a string (a name)");
    const std::string v = info_[i].As<Napi::String>().Utf8Value();
    std::string valid;
    for (int k = 0; k < count; k++) {
      if (v == names[k]) return k;
      valid += (k ? ", " : "") + std::string(names[k]);
    }
    range_error("unknown " + std::string(arg) + " \"" + v.substr(0, 64) + "\"; valid: " + valid);
  }

  float* f32(size_t i, const char* name, uint64_t min_length) const {
    return typed<float>(i, name, napi_float32_array, "Float32Array", min_length);
  }

  int32_t* i32(size_t i, const char* name, uint64_t min_length) const {
    return typed<int32_t>(i, name, napi_int32_array, "Int32Array", min_length);
  }

  // A row-major matrix of rows x cols with leading dimension ld (checked: ld >= max(1, cols)).
  float* matrix(size_t i, const char* name, uint64_t rows, uint64_t cols, uint64_t ld, const char* ld_name) const {
    uint64_t min_ld = cols > 1 ? cols : 1;
    if (ld < min_ld) range_error(std::string(ld_name) + " must be at least the row length of " + name);
    uint64_t needed = (rows == 0 || cols == 0) ? 0 : (rows - 1) * ld + cols;
    return f32(i, name, needed);
  }

  [[noreturn]] void type_error(const std::string& what) const {
    throw Napi::TypeError::New(env(), std::string(fn_) + ": " + what);
  }
  [[noreturn]] void range_error(const std::string& what) const {
    throw Napi::RangeError::New(env(), std::string(fn_) + ": " + what);
  }

 private:
  template <typename T>
  T* typed(size_t i, const char* name, napi_typedarray_type type, const char* type_name, uint64_t min_length) const {
    Napi::Value v = info_[i];
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != type)
      type_error(std::string(name) + " must be a " + type_name);
    auto array = v.As<Napi::TypedArray>();
    uint64_t length = array.ElementLength();
    if (length < min_length)
      range_error(std::string(name) + " is too short: needs " + std::to_string(min_length) + " elements, got " +
                  std::to_string(length));
    if (length == 0) return nullptr;
    // The element pointer straight from napi_get_typedarray_info: array.ArrayBuffer().Data()
    // fails with a plain Error when the buffer is a SharedArrayBuffer, which JS accepts.
    napi_typedarray_type actual;
    size_t count, offset;
    void* data = nullptr;
    napi_value buffer;
    napi_status status = napi_get_typedarray_info(env(), v, &actual, &count, &data, &buffer, &offset);
    if (status != napi_ok || data == nullptr) type_error(std::string(name) + " has no accessible memory");
    return static_cast<T*>(data);
  }

  const Napi::CallbackInfo& info_;
  const char* fn_;
};

}  // namespace nativenn::glue
