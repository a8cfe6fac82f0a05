// Glue for the native tape executor (kernels/tape/tape.h): arenas and tapes as type-tagged
// Externals, the JS tape read into a TapeSpec once (every JS type checked here; values, ids and
// bounds by validate_tape), and runs. The contract is /work/notes/native-tape-api.md; the tape
// format is src/graph/tape.ts.
//
// Safety: nothing native points into JS memory after the call that received it returns.
// Arenas, grads, slots and the workspace are native; tapeTrainBatches copies its rows (x and y,
// batch-ordered) on the main thread, checks the copy (indices as read, labels on the copy),
// checks every extent for its batch size and sizes the workspace (a RangeError past the memory
// limit, never a bad_alloc), and only then queues: a queued run cannot fail, so a run either
// completes or changes nothing. While it runs the tape and its arena are busy: every other call
// on either throws. Arena and tape state are shared_ptrs held by the handle and by a running
// worker, so a handle collected or an environment torn down mid-run frees nothing the worker uses.
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "kernels/activations.h"
#include "kernels/losses.h"
#include "kernels/tape/tape.h"
#include "napi/args.h"
#include "napi/register.h"

namespace nativenn::glue {
namespace {

using tape::Arena;
using tape::TapeRunner;
using tape::TapeSpec;

constexpr napi_type_tag kArenaTag = {0x6e6e746170656172ULL, 0x4172656e61763031ULL};
constexpr napi_type_tag kTapeTag = {0x6e6e746170657461ULL, 0x5461706576303031ULL};

// The most workspace (plus row copies) one call may allocate (nn.setMemoryLimit): half the physical
// memory by default, so that a too-wide layer or batch is a RangeError up front, never a
// std::bad_alloc halfway or the OOM killer. One limit for the process (worker_threads share memory).
int64_t DefaultMemoryLimit() {
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  if (pages > 0 && page > 0) return static_cast<int64_t>(pages) * page / 2;
  return int64_t{4} << 30;
}
std::atomic<int64_t> g_memory_limit{DefaultMemoryLimit()};

std::string GiB(int64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f GiB", static_cast<double>(bytes) / (1024.0 * 1024 * 1024));
  return text;
}

struct ArenaBox {
  Arena arena;
  bool busy = false, disposed = false;
};

struct TapeBox {
  std::unique_ptr<TapeRunner> runner;
  std::shared_ptr<ArenaBox> arena;
  bool busy = false;
  // The rows of a tapeTrainBatches call (grown, never shrunk: a fresh zeroed vector per call cost
  // more than the copy), and of tapeEvaluate/tapeGradients.
  std::vector<float> rows_x, rows_y;
  // A call that reads more rows than x has (several epochs) copies the rows it uses once, at their
  // own places, and its indices: the worker then gathers each batch (order is empty otherwise).
  std::vector<int32_t> order;
  std::vector<uint8_t> used;
};

template <typename T>
Napi::Value Wrap(Napi::Env env, std::shared_ptr<T> box, const napi_type_tag* tag) {
  auto handle = Napi::External<std::shared_ptr<T>>::New(env, new std::shared_ptr<T>(std::move(box)),
                                                        [](Napi::Env, std::shared_ptr<T>* p) { delete p; });
  handle.TypeTag(tag);
  return handle;
}

template <typename T>
std::shared_ptr<T> Unwrap(const Args& a, Napi::Value v, const napi_type_tag* tag, const char* what) {
  if (!v.IsExternal() || !v.As<Napi::External<std::shared_ptr<T>>>().CheckTypeTag(tag))
    a.type_error(std::string(what) + " must be a handle from create" + (tag == &kArenaTag ? "Arena" : "Tape"));
  return *v.As<Napi::External<std::shared_ptr<T>>>().Data();
}

std::shared_ptr<ArenaBox> GetArena(const Args& a, Napi::Value v) {
  auto box = Unwrap<ArenaBox>(a, v, &kArenaTag, "arena");
  if (box->disposed) a.type_error("the arena was disposed");
  if (box->busy) throw Napi::Error::New(a.env(), "busy: a tape on this arena is training");
  return box;
}

std::shared_ptr<TapeBox> GetTape(const Args& a, Napi::Value v) {
  auto box = Unwrap<TapeBox>(a, v, &kTapeTag, "tape");
  if (!box->runner) a.type_error("the tape was disposed");
  if (box->busy) throw Napi::Error::New(a.env(), "busy: this tape is training");
  if (box->arena->disposed) a.type_error("the arena of this tape was disposed");
  if (box->arena->busy) throw Napi::Error::New(a.env(), "busy: another tape on this tape's arena is training");
  return box;
}

// Reads the JS tape, naming the path in every error. JS types only; values are validate_tape's.
class TapeReader {
 public:
  explicit TapeReader(const Args& a) : a_(a) {}

  Napi::Object object(Napi::Value v, const std::string& path) const {
    if (!v.IsObject() || v.IsArray()) a_.type_error(path + " must be an object");
    return v.As<Napi::Object>();
  }
  Napi::Array array(Napi::Value v, const std::string& path, uint32_t max) const {
    if (!v.IsArray()) a_.type_error(path + " must be an array");
    Napi::Array arr = v.As<Napi::Array>();
    if (arr.Length() > max) a_.range_error(path + " has more than " + std::to_string(max) + " entries");
    return arr;
  }
  std::string string(Napi::Value v, const std::string& path) const {
    if (!v.IsString()) a_.type_error(path + " must be a string");
    return v.As<Napi::String>().Utf8Value();
  }
  double number(Napi::Value v, const std::string& path) const {
    if (!v.IsNumber()) a_.type_error(path + " must be a number");
    return v.As<Napi::Number>().DoubleValue();
  }
  int64_t integer(Napi::Value v, const std::string& path, double lo = -1, double hi = 9007199254740991.0) const {
    const double d = number(v, path);
    if (!(d >= lo && d <= hi) || std::floor(d) != d)
      a_.range_error(path + " must be an integer from " + std::to_string(static_cast<int64_t>(lo)) + " to " +
                     std::to_string(static_cast<int64_t>(hi)));
    return static_cast<int64_t>(d);
  }
  int name(Napi::Value v, const std::string& path, const char* const* names, int count) const {
    const std::string s = string(v, path);
    const int i = tape::find_name(names, count, s);
    if (i < 0) {
      std::string valid;
      for (int k = 0; k < count; k++) valid += (k ? ", " : "") + std::string(names[k]);
      a_.range_error(path + ": unknown name \"" + s + "\"; valid: " + valid);
    }
    return i;
  }

  tape::BufferSpec buffer(Napi::Value v, const std::string& path) const {
    Napi::Object o = object(v, path);
    tape::BufferSpec b;
    b.name = string(o.Get("name"), path + ".name");
    b.role = static_cast<tape::Role>(name(o.Get("role"), path + ".role", tape::kRoleNames, tape::kRoleCount));
    static const char* const kDtypes[2] = {"float32", "int32"};
    b.int32 = name(o.Get("dtype"), path + ".dtype", kDtypes, 2) == 1;
    Napi::Array shape = array(o.Get("shape"), path + ".shape", 64);
    for (uint32_t d = 0; d < shape.Length(); d++)
      b.shape.push_back(integer(shape.Get(d), path + ".shape[" + std::to_string(d) + "]"));
    b.width = integer(o.Get("width"), path + ".width");
    b.offset = integer(o.Get("offset"), path + ".offset");
    b.alias = static_cast<int32_t>(integer(o.Get("alias"), path + ".alias", -1, tape::kMaxSize));
    return b;
  }

  tape::Call call(Napi::Value v, const std::string& path) const {
    Napi::Object o = object(v, path);
    tape::Call c;
    const std::string kernel = string(o.Get("kernel"), path + ".kernel");
    int k = 0;
    while (k < tape::kKernelCount && kernel != tape::kKernels[k].name) k++;
    if (k == tape::kKernelCount) a_.range_error(path + ".kernel: unknown kernel \"" + kernel + "\"");
    c.kernel = static_cast<tape::Kernel>(k);
    const tape::KernelInfo& info = tape::kKernels[k];
    Napi::Array args = array(o.Get("args"), path + ".args", tape::kMaxArgs);
    if (args.Length() != static_cast<uint32_t>(info.arg_count))
      a_.range_error(path + ".args must have " + std::to_string(info.arg_count) + " entries for " + info.name);
    for (uint32_t i = 0; i < args.Length(); i++)
      c.args[i] =
          static_cast<int32_t>(integer(args.Get(i), path + ".args[" + std::to_string(i) + "]", -1, tape::kMaxSize));
    attrs(object(o.Get("attrs"), path + ".attrs"), path + ".attrs", info, c);
    Napi::Value when = o.Get("when");
    if (!when.IsUndefined()) {
      static const char* const kPasses[3] = {"train", "eval", "predict"};
      Napi::Array list = array(when, path + ".when", 3);
      c.passes = 0;
      for (uint32_t i = 0; i < list.Length(); i++)
        c.passes |=
            static_cast<uint8_t>(1u << name(list.Get(i), path + ".when[" + std::to_string(i) + "]", kPasses, 3));
    }
    Napi::Value result = o.Get("result");
    if (!result.IsUndefined()) {
      Napi::Object r = object(result, path + ".result");
      c.result = static_cast<int32_t>(integer(r.Get("index"), path + ".result.index", 0, 4095));
      static const char* const kReduce[3] = {"mean", "sum", "once"};
      c.reduce = static_cast<tape::Reduce>(name(r.Get("reduce"), path + ".result.reduce", kReduce, 3));
      Napi::Value scale = r.Get("scale");
      if (!scale.IsUndefined()) {
        c.scale = number(scale, path + ".result.scale");
        if (!std::isfinite(c.scale)) a_.range_error(path + ".result.scale must be a finite number");
      }
    }
    return c;
  }

 private:
  void attrs(Napi::Object o, const std::string& path, const tape::KernelInfo& info, tape::Call& c) const {
    Napi::Array keys = o.GetPropertyNames();
    for (uint32_t i = 0; i < keys.Length(); i++) {
      const std::string key = string(keys.Get(i), path + " key");
      bool known = false;
      for (int a = 0; a < info.attr_count; a++) known = known || key == info.attrs[a].name;
      if (!known) a_.range_error(path + "." + key + " is not an attribute of " + info.name);
    }
    for (int a = 0; a < info.attr_count; a++) {
      const std::string p = path + "." + info.attrs[a].name;
      Napi::Value v = o.Get(info.attrs[a].name);
      switch (info.attrs[a].kind) {
        case tape::AttrKind::kSize:
          if (v.IsObject() && !v.IsArray()) {
            c.size[a] = {integer(v.As<Napi::Object>().Get("rows"), p + ".rows", 0, tape::kMaxSize), true};
          } else {
            if (!v.IsNumber()) a_.type_error(p + " must be a number or { rows: number }");
            c.size[a] = {integer(v, p, 0, tape::kMaxSize), false};
          }
          break;
        case tape::AttrKind::kDim:
          if (!v.IsNumber()) a_.type_error(p + " must be a number");
          c.size[a] = {integer(v, p, 0, tape::kMaxSize), false};
          break;
        case tape::AttrKind::kNumber:
        case tape::AttrKind::kRate:
        case tape::AttrKind::kSeed:
          c.value[a] = number(v, p);
          break;
        case tape::AttrKind::kBool:
          if (!v.IsBoolean()) a_.type_error(p + " must be a boolean");
          c.value[a] = v.As<Napi::Boolean>().Value() ? 1 : 0;
          break;
        case tape::AttrKind::kActivation:
          c.value[a] = name(v, p, kActivationNames, kActivationCount);
          break;
        case tape::AttrKind::kLoss:
          c.value[a] = name(v, p, kLossNames, 5);
          break;
        case tape::AttrKind::kMetric:
          c.value[a] = name(v, p, tape::kMetricNames, 4);
          break;
        case tape::AttrKind::kCell:
          c.value[a] = name(v, p, kRecurrentCellNames, kRecurrentCellCount);
          break;
      }
    }
  }

  const Args& a_;
};

constexpr uint32_t kMaxEntries = 1u << 20;

TapeSpec ReadTape(const Args& a, Napi::Value v) {
  TapeReader r(a);
  Napi::Object o = r.object(v, "tape");
  TapeSpec t;
  t.version = r.integer(o.Get("version"), "tape.version");
  Napi::Array buffers = r.array(o.Get("buffers"), "tape.buffers", kMaxEntries);
  for (uint32_t i = 0; i < buffers.Length(); i++)
    t.buffers.push_back(r.buffer(buffers.Get(i), "tape.buffers[" + std::to_string(i) + "]"));
  Napi::Object arena = r.object(o.Get("arena"), "tape.arena");
  t.params = r.integer(arena.Get("params"), "tape.arena.params", 0, tape::kMaxSize);
  t.slot_count = r.integer(arena.Get("slotCount"), "tape.arena.slotCount", 0, 16);
  t.state = r.integer(arena.Get("state"), "tape.arena.state", 0, tape::kMaxSize);
  t.x = static_cast<int32_t>(r.integer(o.Get("x"), "tape.x", -1, tape::kMaxSize));
  t.y = static_cast<int32_t>(r.integer(o.Get("y"), "tape.y", -1, tape::kMaxSize));
  t.output = static_cast<int32_t>(r.integer(o.Get("output"), "tape.output", -1, tape::kMaxSize));
  Napi::Array results = r.array(o.Get("results"), "tape.results", 4096);
  for (uint32_t i = 0; i < results.Length(); i++) r.string(results.Get(i), "tape.results[" + std::to_string(i) + "]");
  t.result_count = results.Length();
  for (int s = 0; s < tape::kSectionCount; s++) {
    const std::string path = std::string("tape.") + tape::kSectionNames[s];
    Napi::Array calls = r.array(o.Get(tape::kSectionNames[s]), path, kMaxEntries);
    for (uint32_t i = 0; i < calls.Length(); i++)
      t.sections[s].push_back(r.call(calls.Get(i), path + "[" + std::to_string(i) + "]"));
  }
  return t;
}

Napi::Array Strings(Napi::Env env, const char* const* names, int count) {
  Napi::Array out = Napi::Array::New(env, count);
  for (int i = 0; i < count; i++) out.Set(i, names[i]);
  return out;
}

Napi::Value TapeKernels(const Napi::CallbackInfo& info) {
  Napi::Array out = Napi::Array::New(info.Env(), tape::kKernelCount);
  for (int i = 0; i < tape::kKernelCount; i++) out.Set(i, tape::kKernels[i].name);
  return out;
}

Napi::Value TapeNames(const Napi::CallbackInfo& info) {
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("activations", Strings(info.Env(), kActivationNames, kActivationCount));
  out.Set("losses", Strings(info.Env(), kLossNames, 5));
  out.Set("metrics", Strings(info.Env(), tape::kMetricNames, 4));
  out.Set("cells", Strings(info.Env(), kRecurrentCellNames, kRecurrentCellCount));
  return out;
}

// setMemoryLimit(bytes): the most one call's workspace and row copies may take.
Napi::Value SetMemoryLimit(const Napi::CallbackInfo& info) {
  Args a(info, "setMemoryLimit");
  a.count(1);
  const double bytes = a.finite(0, "bytes");
  if (!(bytes >= 1 && bytes <= 9007199254740991.0) || std::floor(bytes) != bytes)
    a.range_error("bytes must be a positive integer (at most 2^53 - 1)");
  g_memory_limit = static_cast<int64_t>(bytes);
  return info.Env().Undefined();
}

// getMemoryLimit() -> bytes
Napi::Value GetMemoryLimit(const Napi::CallbackInfo& info) {
  Args a(info, "getMemoryLimit");
  a.count(0);
  return Napi::Number::New(info.Env(), static_cast<double>(g_memory_limit.load()));
}

// createArena(params, state) -> arena
Napi::Value CreateArena(const Napi::CallbackInfo& info) {
  Args a(info, "createArena");
  a.count(2);
  const float* p = a.f32(0, "params", 0);
  const float* s = a.f32(1, "state", 0);
  const size_t np = info[0].As<Napi::Float32Array>().ElementLength(),
               ns = info[1].As<Napi::Float32Array>().ElementLength();
  if (np > static_cast<size_t>(tape::kMaxSize) || ns > static_cast<size_t>(tape::kMaxSize))
    a.range_error("params and state must have at most 2147483647 elements");
  auto box = std::make_shared<ArenaBox>();
  box->arena.params.assign(p, p + np);
  box->arena.state.assign(s, s + ns);
  return Wrap(info.Env(), std::move(box), &kArenaTag);
}

// arenaRead(arena, params, state) / arenaWrite(arena, params, state): exact lengths.
Napi::Value ArenaCopy(const Napi::CallbackInfo& info, const char* fn, bool to_js) {
  Args a(info, fn);
  a.count(3);
  auto box = GetArena(a, info[0]);
  Arena& arena = box->arena;
  float* p = a.f32(1, "params", arena.params.size());
  float* s = a.f32(2, "state", arena.state.size());
  if (info[1].As<Napi::Float32Array>().ElementLength() != arena.params.size())
    a.range_error("params must have " + std::to_string(arena.params.size()) + " elements (the arena's)");
  if (info[2].As<Napi::Float32Array>().ElementLength() != arena.state.size())
    a.range_error("state must have " + std::to_string(arena.state.size()) + " elements (the arena's)");
  if (to_js) {
    if (!arena.params.empty()) std::memcpy(p, arena.params.data(), sizeof(float) * arena.params.size());
    if (!arena.state.empty()) std::memcpy(s, arena.state.data(), sizeof(float) * arena.state.size());
  } else {
    if (!arena.params.empty()) std::memcpy(arena.params.data(), p, sizeof(float) * arena.params.size());
    if (!arena.state.empty()) std::memcpy(arena.state.data(), s, sizeof(float) * arena.state.size());
  }
  return info.Env().Undefined();
}
Napi::Value ArenaRead(const Napi::CallbackInfo& info) { return ArenaCopy(info, "arenaRead", true); }
Napi::Value ArenaWrite(const Napi::CallbackInfo& info) { return ArenaCopy(info, "arenaWrite", false); }

// createTape(tape, arena, slots) -> tape handle
Napi::Value CreateTape(const Napi::CallbackInfo& info) {
  Args a(info, "createTape");
  a.count(3);
  TapeSpec t = ReadTape(a, info[0]);  // runs JS (getters): everything below runs none
  auto arena = GetArena(a, info[1]);
  if (t.params != static_cast<int64_t>(arena->arena.params.size()) ||
      t.state != static_cast<int64_t>(arena->arena.state.size()))
    a.range_error("tape.arena.params and .state must equal the arena's sizes (" +
                  std::to_string(arena->arena.params.size()) + ", " + std::to_string(arena->arena.state.size()) + ")");
  const std::string bad = tape::validate_tape(t);
  if (!bad.empty()) a.range_error("tape." + bad);
  const int64_t slot_count = t.params * t.slot_count;
  const float* slots = a.f32(2, "slots", slot_count);
  if (static_cast<int64_t>(info[2].As<Napi::Float32Array>().ElementLength()) != slot_count)
    a.range_error("slots must have " + std::to_string(slot_count) + " elements (slotCount × params)");
  auto box = std::make_shared<TapeBox>();
  try {  // grads, slots and scratch sized by the tape: refuse, never abort, when they do not fit
    box->runner = std::make_unique<TapeRunner>(std::move(t), std::vector<float>(slots, slots + slot_count));
  } catch (const std::bad_alloc&) {
    a.range_error("the tape's gradients and optimizer state do not fit in memory");
  }
  box->arena = std::move(arena);
  return Wrap(info.Env(), std::move(box), &kTapeTag);
}

// tapeReadSlots(tape, slots) / tapeWriteSlots(tape, slots)
Napi::Value SlotsCopy(const Napi::CallbackInfo& info, const char* fn, bool to_js) {
  Args a(info, fn);
  a.count(2);
  auto box = GetTape(a, info[0]);
  std::vector<float>& slots = box->runner->slots();
  float* js = a.f32(1, "slots", slots.size());
  if (info[1].As<Napi::Float32Array>().ElementLength() != slots.size())
    a.range_error("slots must have " + std::to_string(slots.size()) + " elements (slotCount × params)");
  if (slots.empty()) return info.Env().Undefined();
  if (to_js)
    std::memcpy(js, slots.data(), sizeof(float) * slots.size());
  else
    std::memcpy(slots.data(), js, sizeof(float) * slots.size());
  return info.Env().Undefined();
}
Napi::Value TapeReadSlots(const Napi::CallbackInfo& info) { return SlotsCopy(info, "tapeReadSlots", true); }
Napi::Value TapeWriteSlots(const Napi::CallbackInfo& info) { return SlotsCopy(info, "tapeWriteSlots", false); }

// Bytes of `rows` rows of `width` floats, saturated (Prepare then refuses it).
int64_t RowBytes(int64_t rows, int64_t width) {
  int64_t bytes = 0;
  if (__builtin_mul_overflow(rows, width, &bytes) || __builtin_mul_overflow(bytes, int64_t{4}, &bytes))
    return INT64_MAX;
  return bytes;
}

// Checks the extents for `rows` rows and sizes the workspace (plus `extra` bytes the caller
// copies), refusing past the memory limit before anything is allocated, naming the buffer (and so
// the layer) that takes the most. `what` says which rows: "a batch of", "a predict chunk of", …
void Prepare(const Args& a, TapeRunner& runner, int64_t rows, int64_t extra, const char* what) {
  const std::string bad = tape::check_extents(runner.spec(), std::max<int64_t>(rows, 1));
  if (!bad.empty()) a.range_error("tape." + bad);
  std::string largest;
  int64_t largest_bytes = 0;
  int64_t bytes = runner.workspace_bytes(rows, &largest, &largest_bytes);
  const int64_t limit = g_memory_limit;
  const bool overflow = bytes < 0 || __builtin_add_overflow(bytes, extra, &bytes);
  if (overflow || bytes > limit)
    a.range_error(
        std::string(what) + " " + std::to_string(rows) + " rows needs " +
        (overflow ? std::string("more than 2^63 bytes") : std::to_string(bytes) + " bytes (" + GiB(bytes) + ")") +
        " of workspace, above the memory limit of " + std::to_string(limit) + " bytes (" + GiB(limit) +
        "); most of it for " + largest + " (" + std::to_string(largest_bytes) +
        " bytes). Use fewer rows per batch, or raise the limit with nn.setMemoryLimit(bytes)");
  try {
    runner.reserve(rows);
  } catch (const std::bad_alloc&) {
    a.range_error("could not allocate " + std::to_string(bytes) + " bytes for " + std::to_string(rows) + " rows");
  }
}

// Grows v to at least n elements (they are about to be overwritten).
float* AtLeast(const Args& a, std::vector<float>& v, int64_t n) {
  try {
    if (static_cast<int64_t>(v.size()) < n) v.resize(n);
  } catch (const std::bad_alloc&) {
    a.range_error("could not allocate " + std::to_string(n * 4) + " bytes for the rows");
  }
  return v.data();
}

// The rows were checked when fit started, but JS may have written NaN or Infinity into them since
// (another thread, a SharedArrayBuffer): check the copy that is trained on, naming row and column
// (CopyFinite below found one).
void CheckFinite(const Args& a, const char* name, int64_t row, const float* values, int64_t n) {
  for (int64_t c = 0; c < n; c++) {
    if (std::isfinite(values[c])) continue;
    const char* v = std::isnan(values[c]) ? "NaN" : values[c] > 0 ? "Infinity" : "-Infinity";
    a.range_error(std::string(name) + " row " + std::to_string(row) + " holds " + v + " (column " + std::to_string(c) +
                  "); data must be finite (was it changed during fit?)");
  }
}

// Copies n floats and says whether every one is finite. Each value is checked as it was copied
// (one load, stored and tested), so what is trained on is what was checked; integer ops only, so
// the loop vectorizes (a memcpy and a second pass per row took 2–3x as long on the digits rows).
bool CopyFinite(float* __restrict dst, const float* __restrict src, int64_t n) {
  uint32_t bad = 0;
  for (int64_t i = 0; i < n; i++) {
    uint32_t bits;
    std::memcpy(&bits, src + i, sizeof bits);
    std::memcpy(dst + i, &bits, sizeof bits);
    bad |= static_cast<uint32_t>((bits & 0x7f800000u) == 0x7f800000u);
  }
  return bad == 0;
}

constexpr int64_t kPrefetchRows = 8;

void Prefetch(const float* row, int64_t n) {
#if defined(__GNUC__) || defined(__clang__)
  for (int64_t i = 0; i < n; i += 16) __builtin_prefetch(row + i);
#else
  (void)row;
  (void)n;
#endif
}

// Whether any column of y is read as sparse labels (CheckLabels has something to check).
bool HasLabels(const TapeRunner& runner) {
  for (int64_t classes : runner.column_classes())
    if (classes != 0) return true;
  return false;
}

// Sparse labels (read as class indices) on our copy: integers in [0, classes).
void CheckLabels(const Args& a, const TapeRunner& runner, const float* y, int64_t k, int64_t row) {
  const std::vector<int64_t>& column_classes = runner.column_classes();
  const int64_t yw = runner.y_width();
  for (int64_t j = 0; j < yw; j++) {
    const int64_t classes = column_classes[static_cast<size_t>(j)];
    if (classes == 0) continue;
    const float v = y[k * yw + j];
    if (!(v >= 0 && v < classes && std::floor(v) == v))
      a.range_error("y[" + std::to_string(row * yw + j) + "] must be a class index from 0 to " +
                    std::to_string(classes - 1) + ", got " + std::to_string(v));
  }
}

int64_t AddBytes(int64_t a, int64_t b) {
  int64_t sum = 0;
  return __builtin_add_overflow(a, b, &sum) ? INT64_MAX : sum;
}

// Copies rows indices[begin, end) of x and y into the box's rows in that (batch) order, checking
// each index, each value's finiteness and the labels on the copy.
void GatherRows(const Args& a, TapeBox& box, const float* x, const float* y, const int32_t* indices, int64_t begin,
                int64_t end, int64_t x_rows, int64_t y_rows) {
  const TapeRunner& runner = *box.runner;
  const int64_t xw = runner.x_width(), yw = runner.y_width();
  float* rows_x = AtLeast(a, box.rows_x, (end - begin) * xw);
  float* rows_y = AtLeast(a, box.rows_y, (end - begin) * yw);
  box.order.clear();
  const bool labels = HasLabels(runner);
  for (int64_t i = begin; i < end; i++) {
    const int64_t row = indices[i], k = i - begin;
    if (row < 0 || row >= x_rows || row >= y_rows)
      a.range_error("indices[" + std::to_string(i) + "] = " + std::to_string(row) + " is not a row of x and y");
    // The rows come in shuffled order: fetch a few ahead (a row of 64 floats is 4 cache lines).
    if (i + kPrefetchRows < end) {
      const int64_t ahead = indices[i + kPrefetchRows];
      if (ahead >= 0 && ahead < x_rows && ahead < y_rows) {
        Prefetch(x + ahead * xw, xw);
        Prefetch(y + ahead * yw, yw);
      }
    }
    // Copy and check in one pass; only a row holding NaN/Infinity is walked again to name it.
    if (!CopyFinite(rows_x + k * xw, x + row * xw, xw)) CheckFinite(a, "x", row, rows_x + k * xw, xw);
    if (!CopyFinite(rows_y + k * yw, y + row * yw, yw)) CheckFinite(a, "y", row, rows_y + k * yw, yw);
    if (labels) CheckLabels(a, runner, rows_y, k, row);
  }
}

// For a call that reads more rows than the tables hold: copies its `n` indices (the call's, from
// index `begin` on) into box.order, checking the copy, then each row they use once, at its own
// place in box.rows_x / rows_y, checked as GatherRows checks; the worker gathers each batch.
void CopyUsedRows(const Args& a, TapeBox& box, const float* x, const float* y, const int32_t* indices, int64_t n,
                  int64_t table_rows, int64_t begin) {
  const TapeRunner& runner = *box.runner;
  const int64_t xw = runner.x_width(), yw = runner.y_width();
  try {
    box.order.assign(indices, indices + n);
    box.used.assign(table_rows, 0);
  } catch (const std::bad_alloc&) {
    a.range_error("could not allocate " + std::to_string(n * 4 + table_rows) + " bytes for the indices");
  }
  for (int64_t i = 0; i < n; i++) {
    const int64_t row = box.order[i];
    if (row < 0 || row >= table_rows)
      a.range_error("indices[" + std::to_string(begin + i) + "] = " + std::to_string(row) + " is not a row of x and y");
    box.used[row] = 1;
  }
  float* rows_x = AtLeast(a, box.rows_x, table_rows * xw);
  float* rows_y = AtLeast(a, box.rows_y, table_rows * yw);
  const bool labels = HasLabels(runner);
  for (int64_t row = 0; row < table_rows; row++) {
    if (!box.used[row]) continue;
    bool finite = CopyFinite(rows_x + row * xw, x + row * xw, xw);
    finite = CopyFinite(rows_y + row * yw, y + row * yw, yw) && finite;
    if (!finite) {
      CheckFinite(a, "x", row, rows_x + row * xw, xw);
      CheckFinite(a, "y", row, rows_y + row * yw, yw);
    }
    if (labels) CheckLabels(a, runner, rows_y, row, row);
  }
}

class TrainWorker : public Napi::AsyncWorker {
 public:
  TrainWorker(Napi::Env env, std::shared_ptr<TapeBox> box)
      : Napi::AsyncWorker(env, "nativenn:tapeTrainBatches"),
        deferred_(Napi::Promise::Deferred::New(env)),
        box_(std::move(box)),
        arena_(box_->arena) {}
  Napi::Promise Promise() const { return deferred_.Promise(); }

  tape::BatchCut cut{0, 1, 1};
  int64_t first = 0, batches = 0, step = 0;
  double learning_rate = 0;
  std::vector<double> results;

  void Execute() override {
    try {
      box_->runner->train_batches(arena_->arena, box_->rows_x.data(), box_->rows_y.data(),
                                  box_->order.empty() ? nullptr : box_->order.data(), cut, first, batches, step,
                                  learning_rate, results.data());
    } catch (const std::exception& e) {
      SetError(e.what());  // unreachable after validation; kept so nothing escapes the thread
    }
  }
  void OnOK() override {
    Release();
    auto out = Napi::Float64Array::New(Env(), results.size());
    std::copy(results.begin(), results.end(), out.Data());
    deferred_.Resolve(out);
  }
  void OnError(const Napi::Error& e) override {
    Release();
    deferred_.Reject(e.Value());
  }
  // When the environment is shutting down (a worker_thread terminated while this ran), no JS
  // value can be made and the promise can no longer settle: the base class would throw out of
  // the libuv callback (std::terminate). Swallow that and free the worker.
  void OnWorkComplete(Napi::Env env, napi_status status) override {
    try {
      Napi::AsyncWorker::OnWorkComplete(env, status);
      return;
    } catch (const Napi::Error&) {
    }
    Release();
    Destroy();
  }

 private:
  void Release() {
    box_->busy = false;
    arena_->busy = false;
  }
  Napi::Promise::Deferred deferred_;
  std::shared_ptr<TapeBox> box_;
  std::shared_ptr<ArenaBox> arena_;
};

// tapeTrainBatches(tape, x, y, indices, batchSize, firstBatch, lastBatch, step, learningRate[, epochRows])
//   -> Promise<Float64Array> ((lastBatch − firstBatch) · results.length)
// indices are epochs of epochRows rows (default: all of them, one epoch), each cut into batches
// from its own start (tape::BatchCut), so one call can train several small epochs.
Napi::Value TapeTrainBatches(const Napi::CallbackInfo& info) {
  Args a(info, "tapeTrainBatches");
  if (info.Length() != 9 && info.Length() != 10)
    a.type_error("expected 9 or 10 arguments, got " + std::to_string(info.Length()));
  auto box = GetTape(a, info[0]);
  TapeRunner& runner = *box->runner;
  const float* x = a.f32(1, "x", 0);
  const float* y = a.f32(2, "y", 0);
  const int32_t* indices = a.i32(3, "indices", 0);
  const int64_t n = info[3].As<Napi::Int32Array>().ElementLength();
  const int64_t xw = runner.x_width(), yw = runner.y_width();
  const int64_t x_rows = info[1].As<Napi::Float32Array>().ElementLength() / xw;
  const int64_t y_rows = info[2].As<Napi::Float32Array>().ElementLength() / yw;
  const int64_t batch_size = a.size(4, "batchSize");
  if (batch_size < 1) a.range_error("batchSize must be at least 1");
  const int64_t first = a.size(5, "firstBatch"), last = a.size(6, "lastBatch"), step = a.size(7, "step");
  const double lr = a.finite(8, "learningRate");
  const int64_t epoch_rows = info.Length() == 10 ? a.size(9, "epochRows") : std::max<int64_t>(n, 1);
  if (epoch_rows < 1) a.range_error("epochRows must be at least 1");
  const tape::BatchCut cut{n, batch_size, epoch_rows};
  const int64_t batches = cut.count();
  if (first > last || last > batches)
    a.range_error("need firstBatch <= lastBatch <= " + std::to_string(batches) + " (the number of batches)");
  const int64_t begin = first < last ? cut.start(first) : 0, end = first < last ? cut.end(last - 1) : 0;
  const int64_t rows = end - begin, table_rows = std::min(x_rows, y_rows);
  const int64_t largest_batch = std::min({batch_size, epoch_rows, rows});
  if (rows > table_rows) {
    // Several epochs: each row the indices use is copied and checked once (not once per use).
    Prepare(a, runner, largest_batch, AddBytes(RowBytes(table_rows, xw + yw), RowBytes(rows + table_rows, 1)),
            "a batch of");
    CopyUsedRows(a, *box, x, y, indices + begin, rows, table_rows, begin);
  } else {
    Prepare(a, runner, largest_batch, RowBytes(rows, xw + yw), "a batch of");
    GatherRows(a, *box, x, y, indices, begin, end, x_rows, y_rows);
  }
  std::unique_ptr<TrainWorker> worker(new TrainWorker(info.Env(), box));
  worker->cut = cut;
  worker->first = first;
  worker->batches = last - first;
  worker->step = step;
  worker->learning_rate = lr;
  worker->results.assign((last - first) * runner.result_count(), 0.0);
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  worker.release();  // queued: the AsyncWorker deletes itself when done
  box->busy = true;  // only after Queue, which can throw: busy must not stick
  box->arena->busy = true;
  return promise;
}

// tapePredict(tape, x, rows, out): out (rows × width(output)) = forward('predict').
Napi::Value TapePredict(const Napi::CallbackInfo& info) {
  Args a(info, "tapePredict");
  a.count(4);
  auto box = GetTape(a, info[0]);
  TapeRunner& runner = *box->runner;
  const int64_t rows = a.size(2, "rows");
  const float* x = a.f32(1, "x", rows * runner.x_width());
  float* out = a.f32(3, "out", rows * runner.output_width());
  Prepare(a, runner, std::min(rows, runner.chunk_rows()), 0, "a predict chunk of");
  runner.predict(box->arena->arena, x, rows, out);
  return info.Env().Undefined();
}

// Copies `rows` rows of y into the tape's buffer and checks the labels there.
const float* CopyTargets(const Args& a, TapeBox& box, size_t i, int64_t rows) {
  const int64_t yw = box.runner->y_width();
  const float* y = a.f32(i, "y", rows * yw);
  float* copy = AtLeast(a, box.rows_y, rows * yw);
  if (rows > 0) std::memcpy(copy, y, sizeof(float) * rows * yw);
  for (int64_t r = 0; r < rows; r++) CheckLabels(a, *box.runner, copy, r, r);
  return copy;
}

// tapeEvaluate(tape, x, y, rows) -> Float64Array (results.length)
Napi::Value TapeEvaluate(const Napi::CallbackInfo& info) {
  Args a(info, "tapeEvaluate");
  a.count(4);
  auto box = GetTape(a, info[0]);
  TapeRunner& runner = *box->runner;
  const int64_t rows = a.size(3, "rows");
  const float* x = a.f32(1, "x", rows * runner.x_width());
  Prepare(a, runner, std::min(rows, runner.chunk_rows()), RowBytes(rows, runner.y_width()), "an evaluate chunk of");
  const float* y = CopyTargets(a, *box, 2, rows);
  auto out = Napi::Float64Array::New(info.Env(), runner.result_count());
  runner.evaluate(box->arena->arena, x, y, rows, out.Data());
  return out;
}

// tapeGradients(tape, x, y, rows, step, grads) -> results[0] (the loss); grads = the grad arena.
Napi::Value TapeGradients(const Napi::CallbackInfo& info) {
  Args a(info, "tapeGradients");
  a.count(6);
  auto box = GetTape(a, info[0]);
  TapeRunner& runner = *box->runner;
  const int64_t rows = a.size(3, "rows"), step = a.size(4, "step");
  const int64_t xw = runner.x_width();
  const float* x = a.f32(1, "x", rows * xw);
  const int64_t params = runner.spec().params;
  float* grads = a.f32(5, "grads", params);
  if (static_cast<int64_t>(info[5].As<Napi::Float32Array>().ElementLength()) != params)
    a.range_error("grads must have " + std::to_string(params) + " elements (the arena's params)");
  Prepare(a, runner, rows, RowBytes(rows, runner.y_width()), "a gradients call of");
  const float* y = CopyTargets(a, *box, 2, rows);
  const double loss = runner.gradients(box->arena->arena, x, y, rows, step);
  if (params > 0) std::memcpy(grads, runner.grads().data(), sizeof(float) * params);
  return Napi::Number::New(info.Env(), loss);
}

// disposeTape(tape) / disposeArena(arena): free now rather than at GC; refused while busy.
Napi::Value DisposeTape(const Napi::CallbackInfo& info) {
  Args a(info, "disposeTape");
  a.count(1);
  auto box = Unwrap<TapeBox>(a, info[0], &kTapeTag, "tape");
  if (!box->runner) a.type_error("the tape was disposed");
  if (box->busy) throw Napi::Error::New(a.env(), "busy: this tape is training");
  box->runner.reset();
  box->rows_x = std::vector<float>();
  box->rows_y = std::vector<float>();
  return info.Env().Undefined();
}

Napi::Value DisposeArena(const Napi::CallbackInfo& info) {
  Args a(info, "disposeArena");
  a.count(1);
  auto box = GetArena(a, info[0]);
  box->disposed = true;
  box->arena.params = std::vector<float>();
  box->arena.state = std::vector<float>();
  return info.Env().Undefined();
}

}  // namespace

void RegisterTape(Napi::Env env, Napi::Object exports) {
  const struct {
    const char* name;
    Napi::Value (*fn)(const Napi::CallbackInfo&);
  } functions[] = {
      {"tapeKernels", TapeKernels},       {"tapeNames", TapeNames},           {"setMemoryLimit", SetMemoryLimit},
      {"getMemoryLimit", GetMemoryLimit}, {"createArena", CreateArena},       {"arenaRead", ArenaRead},
      {"arenaWrite", ArenaWrite},         {"disposeArena", DisposeArena},     {"createTape", CreateTape},
      {"tapeReadSlots", TapeReadSlots},   {"tapeWriteSlots", TapeWriteSlots}, {"tapeTrainBatches", TapeTrainBatches},
      {"tapePredict", TapePredict},       {"tapeEvaluate", TapeEvaluate},     {"tapeGradients", TapeGradients},
      {"disposeTape", DisposeTape},
  };
  for (const auto& f : functions) exports.Set(f.name, Napi::Function::New(env, f.fn, f.name));
}

}  // namespace nativenn::glue
