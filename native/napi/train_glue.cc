// Glue for the native training executor (kernels/train/network.h): unpack and check a plan
// description into a Network, and run it. The handle is a type-tagged External that owns the
// Network and a reference to every Float32Array of the plan (weights, biases, optimizer slots).
//
// The Network never points into JS memory: a reference does not stop JS from detaching a buffer
// (structuredClone/postMessage with transfer), which frees or moves its memory. So it works on
// native copies, refreshed from the JS arrays before every call and written back after a
// trainBatches that succeeded (a failed one changes no weight), and trainBatches copies the rows it
// trains on before queueing (JS may change indices or labels after their check while it runs).
//
// trainBatches runs all its batches in one Napi::AsyncWorker on the libuv pool: one N-API
// crossing per call however many batches, and the event loop stays free. While it runs the
// handle is busy: every other call on it throws (weights are being written off-thread).
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "kernels/activations.h"
#include "kernels/train/network.h"
#include "napi/args.h"
#include "napi/register.h"

namespace nativenn::glue {
namespace {

using train::LayerKind;
using train::Network;

// Distinguishes our Externals from any other (a foreign External would be a wild pointer).
constexpr napi_type_tag kNetworkTag = {0x6e6e7472616e6574ULL, 0x4e6574776f726b31ULL};

// A Float32Array of the plan and the native copy of it the Network works on.
struct Binding {
  Napi::ObjectReference array;
  std::vector<float> copy;
};
using Bindings = std::deque<Binding>;  // a deque: copies never move once the Network points at them

struct NetworkState {
  std::unique_ptr<Network> network;
  Bindings buffers;
  int64_t inputs = 0, outputs = 0;
  bool sparse = false;
  bool busy = false;
  // trainBatches' copies of its rows, reused call after call: the handle is busy while a worker
  // reads them, so no other call can touch them. Grown, never shrunk or zero-filled again:
  // a fresh zeroed 370 KB vector per call (digits epoch) cost more than the copy (page faults).
  std::vector<float> rows_x, rows_y;
};

// Grows v to at least n elements (existing ones are about to be overwritten).
float* AtLeast(std::vector<float>& v, size_t n) {
  if (v.size() < n) v.resize(n);
  return v.data();
}

// Reads properties of the plan description, naming the path in every error.
class PlanReader {
 public:
  PlanReader(Napi::Env env, const char* fn) : env_(env), fn_(fn) {}

  Napi::Object object(Napi::Value v, const std::string& path) const {
    if (!v.IsObject() || v.IsArray()) type_error(path + " must be an object");
    return v.As<Napi::Object>();
  }
  Napi::Array array(Napi::Value v, const std::string& path) const {
    if (!v.IsArray()) type_error(path + " must be an array");
    return v.As<Napi::Array>();
  }
  double finite(Napi::Object o, const char* key, const std::string& path) const {
    Napi::Value v = o.Get(key);
    if (!v.IsNumber()) type_error(path + "." + key + " must be a number");
    double d = v.As<Napi::Number>().DoubleValue();
    if (!std::isfinite(d)) range_error(path + "." + key + " must be finite");
    return d;
  }
  int64_t integer(Napi::Object o, const char* key, const std::string& path, double lo, double hi) const {
    return integer(o.Get(key), path + "." + key, lo, hi);
  }
  int64_t integer(Napi::Value v, const std::string& path, double lo, double hi) const {
    if (!v.IsNumber()) type_error(path + " must be a number");
    double d = v.As<Napi::Number>().DoubleValue();
    if (!(d >= lo && d <= hi) || std::floor(d) != d)
      range_error(path + " must be an integer from " + std::to_string(static_cast<int64_t>(lo)) + " to " +
                  std::to_string(static_cast<int64_t>(hi)));
    return static_cast<int64_t>(d);
  }
  bool boolean(Napi::Object o, const char* key, const std::string& path) const {
    Napi::Value v = o.Get(key);
    if (!v.IsBoolean()) type_error(path + "." + key + " must be a boolean");
    return v.As<Napi::Boolean>().Value();
  }
  // A Float32Array of exactly `length` elements: its elements, to use before any JS runs again.
  float* f32(Napi::Value v, const std::string& path, int64_t length) const {
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
      type_error(path + " must be a Float32Array");
    auto array = v.As<Napi::Float32Array>();
    if (static_cast<int64_t>(array.ElementLength()) != length)
      range_error(path + " must have " + std::to_string(length) + " elements, got " +
                  std::to_string(array.ElementLength()));
    return array.Data();
  }
  // The same, bound: returns a native copy (the Network's) and keeps the array's reference in `keep`.
  float* f32(Napi::Value v, const std::string& path, int64_t length, Bindings& keep) const {
    const float* data = f32(v, path, length);
    keep.push_back({Napi::Persistent(v.As<Napi::Object>()), std::vector<float>(data, data + length)});
    return keep.back().copy.data();
  }
  [[noreturn]] void type_error(const std::string& what) const {
    throw Napi::TypeError::New(env_, std::string(fn_) + ": " + what);
  }
  [[noreturn]] void range_error(const std::string& what) const {
    throw Napi::RangeError::New(env_, std::string(fn_) + ": " + what);
  }

 private:
  Napi::Env env_;
  const char* fn_;
};

constexpr double kMaxWidth = 1 << 24;  // widths and their products stay far inside int64

train::LayerSpec ReadLayer(const PlanReader& r, Napi::Object o, const std::string& path, int64_t width,
                           Bindings& keep) {
  train::LayerSpec l;
  l.kind = static_cast<LayerKind>(r.integer(o, "kind", path, 0, 2));
  l.inputs = width;
  if (l.kind == LayerKind::kDense) {
    if (r.integer(o, "inputs", path, 1, kMaxWidth) != width)
      r.range_error(path + ".inputs must be " + std::to_string(width) + " (the width before it)");
    l.units = r.integer(o, "units", path, 1, kMaxWidth);
    l.kernel = r.f32(o.Get("kernel"), path + ".kernel", l.inputs * l.units, keep);
    Napi::Value bias = o.Get("bias");
    if (!bias.IsNull()) l.bias = r.f32(bias, path + ".bias", l.units, keep);
    l.l1 = r.finite(o, "l1", path);
    l.l2 = r.finite(o, "l2", path);
    if (l.l1 < 0 || l.l2 < 0) r.range_error(path + ".l1 and .l2 must be >= 0");
  } else {
    l.units = r.integer(o, "size", path, 1, kMaxWidth);
    if (l.units != width) r.range_error(path + ".size must be " + std::to_string(width) + " (the width before it)");
  }
  if (l.kind == LayerKind::kDropout) {
    l.rate = r.finite(o, "rate", path);
    if (!(l.rate >= 0 && l.rate < 1)) r.range_error(path + ".rate must be in [0, 1)");
    l.seed = static_cast<uint32_t>(r.integer(o, "seed", path, 0, 4294967295.0));
  } else {
    l.activation = static_cast<int>(r.integer(o, "activation", path, 0, train::kPlanActivationCount - 1));
    l.alpha = r.finite(o, "alpha", path);
  }
  return l;
}

// createNetwork({ inputs, outputs, loss, metrics: [codes], layers: [{ kind, inputs, units,
//   kernel, bias, activation, alpha, l1, l2 } | { kind, size, activation, alpha } | { kind, size,
//   rate, seed }], optimizer: { kind, learningRate, beta1, beta2, epsilon, momentum, nesterov,
//   rho, weightDecay }, slots: [[Float32Array…] per param] }) -> handle.
// Codes: the index in the name lists of src/train/executor-native.ts.
Napi::Value CreateNetwork(const Napi::CallbackInfo& info) {
  Args a(info, "createNetwork");
  a.count(1);
  PlanReader r(info.Env(), "createNetwork");
  Napi::Object plan = r.object(info[0], "plan");
  auto state = std::make_unique<NetworkState>();
  train::NetworkSpec spec;
  spec.inputs = r.integer(plan, "inputs", "plan", 1, kMaxWidth);
  spec.outputs = r.integer(plan, "outputs", "plan", 1, kMaxWidth);
  spec.loss = static_cast<Loss>(r.integer(plan, "loss", "plan", 0, kLossCount - 1));
  Napi::Array metrics = r.array(plan.Get("metrics"), "plan.metrics");
  for (uint32_t i = 0; i < metrics.Length(); i++) {
    spec.metrics.push_back(static_cast<train::Metric>(
        r.integer(metrics.Get(i), "plan.metrics[" + std::to_string(i) + "]", 0, train::kMetricCount - 1)));
  }
  Napi::Array layers = r.array(plan.Get("layers"), "plan.layers");
  if (layers.Length() == 0) r.range_error("plan.layers must not be empty");
  int64_t width = spec.inputs;
  for (uint32_t i = 0; i < layers.Length(); i++) {
    std::string path = "plan.layers[" + std::to_string(i) + "]";
    train::LayerSpec l = ReadLayer(r, r.object(layers.Get(i), path), path, width, state->buffers);
    width = l.units;
    if (l.kind == LayerKind::kDense) {
      spec.params.push_back({l.kernel, l.inputs * l.units, {nullptr, nullptr}});
      if (l.bias) spec.params.push_back({l.bias, l.units, {nullptr, nullptr}});
    }
    spec.layers.push_back(l);
  }
  if (width != spec.outputs) r.range_error("plan.outputs must be " + std::to_string(width) + " (the last width)");

  Napi::Object opt = r.object(plan.Get("optimizer"), "plan.optimizer");
  auto& o = spec.optimizer;
  o.kind = static_cast<train::OptimizerKind>(r.integer(opt, "kind", "plan.optimizer", 0, train::kOptimizerCount - 1));
  o.learning_rate = r.finite(opt, "learningRate", "plan.optimizer");
  o.beta1 = r.finite(opt, "beta1", "plan.optimizer");
  o.beta2 = r.finite(opt, "beta2", "plan.optimizer");
  o.epsilon = r.finite(opt, "epsilon", "plan.optimizer");
  o.momentum = r.finite(opt, "momentum", "plan.optimizer");
  o.rho = r.finite(opt, "rho", "plan.optimizer");
  o.weight_decay = r.finite(opt, "weightDecay", "plan.optimizer");
  o.nesterov = r.boolean(opt, "nesterov", "plan.optimizer");
  static constexpr int kSlots[train::kOptimizerCount] = {0, 1, 2, 2, 2, 1};
  const int slot_count = kSlots[static_cast<int>(o.kind)];
  Napi::Array slots = r.array(plan.Get("slots"), "plan.slots");
  if (slots.Length() != spec.params.size())
    r.range_error("plan.slots must have one entry per param (" + std::to_string(spec.params.size()) + ")");
  for (uint32_t p = 0; p < slots.Length(); p++) {
    std::string path = "plan.slots[" + std::to_string(p) + "]";
    Napi::Array per_param = r.array(slots.Get(p), path);
    if (per_param.Length() != static_cast<uint32_t>(slot_count))
      r.range_error(path + " must hold " + std::to_string(slot_count) + " buffers for this optimizer");
    for (int s = 0; s < slot_count; s++)
      spec.params[p].slots[s] =
          r.f32(per_param.Get(s), path + "[" + std::to_string(s) + "]", spec.params[p].size, state->buffers);
  }
  state->inputs = spec.inputs;
  state->outputs = spec.outputs;
  state->sparse = spec.loss == Loss::kSparseCategoricalCrossentropy;
  state->network = std::make_unique<Network>(std::move(spec));
  auto handle =
      Napi::External<NetworkState>::New(info.Env(), state.release(), [](Napi::Env, NetworkState* s) { delete s; });
  handle.TypeTag(&kNetworkTag);
  return handle;
}

NetworkState* Handle(const Args& a, const Napi::CallbackInfo& info) {
  Napi::Value v = info[0];
  if (!v.IsExternal() || !v.As<Napi::External<NetworkState>>().CheckTypeTag(&kNetworkTag))
    a.type_error("handle must be a network handle from createNetwork");
  NetworkState* s = v.As<Napi::External<NetworkState>>().Data();
  if (!s->network) a.type_error("the network was disposed");
  if (s->busy) throw Napi::Error::New(info.Env(), "the network is busy: a trainBatches call on it is still running");
  return s;
}

// The elements of a bound JS array, or null if its buffer was detached or resized since.
float* Live(Napi::Env env, const Binding& b) {
  napi_typedarray_type type;
  size_t length = 0, offset = 0;
  void* data = nullptr;
  napi_value buffer;
  napi_status status = napi_get_typedarray_info(env, b.array.Value(), &type, &length, &data, &buffer, &offset);
  return status == napi_ok && data != nullptr && length == b.copy.size() ? static_cast<float*>(data) : nullptr;
}

// Checks that every bound array is still there, then copies JS -> native (to_js false) or back.
// Returns false, copying nothing, if one is gone.
bool Sync(Napi::Env env, NetworkState& s, bool to_js) {
  for (const Binding& b : s.buffers)
    if (!Live(env, b)) return false;
  for (Binding& b : s.buffers) {
    float* js = Live(env, b);
    if (to_js)
      std::memcpy(js, b.copy.data(), sizeof(float) * b.copy.size());
    else
      std::memcpy(b.copy.data(), js, sizeof(float) * b.copy.size());
  }
  return true;
}

constexpr const char* kDetached =
    ": a weight or optimizer buffer of this network was detached or resized (transferred?); build a new one";

// Before every call: the Network sees the weights as JS holds them now (setWeights writes there).
void PullWeights(const Args& a, NetworkState& s, const char* fn) {
  if (!Sync(a.env(), s, false)) throw Napi::Error::New(a.env(), std::string(fn) + kDetached);
}

// Targets of `rows` rows starting at row 0. Sparse class indices index memory in the kernels, so
// they are copied into `copy` first, and the copy is checked and used (the JS array may live on a
// SharedArrayBuffer that another thread writes between a check and a read).
const float* Targets(const Args& a, size_t i, const NetworkState& s, int64_t rows, std::vector<float>& copy) {
  const float* y = a.f32(i, "y", s.sparse ? rows : rows * s.outputs);
  if (!s.sparse) return y;
  copy.assign(y, y + rows);
  for (int64_t r = 0; r < rows; r++)
    if (!IsClassIndex(copy[r], s.outputs))
      a.range_error("y[" + std::to_string(r) + "] must be a class index from 0 to " + std::to_string(s.outputs - 1));
  return copy.data();
}

// The rows were checked when fit started, but JS may have written NaN or Infinity into them since
// (from another thread, on a SharedArrayBuffer): check the copy that is trained on, naming the row
// and column as fit does.
void CheckFiniteRow(const Args& a, const char* name, int64_t row, const float* values, int64_t n) {
  for (int64_t c = 0; c < n; c++) {
    if (std::isfinite(values[c])) continue;
    const char* v = std::isnan(values[c]) ? "NaN" : values[c] > 0 ? "Infinity" : "-Infinity";
    a.range_error(std::string(name) + " row " + std::to_string(row) + " holds " + v + " (column " + std::to_string(c) +
                  "); data must be finite (was it changed during fit?)");
  }
}

// The most workspace one call may allocate (setMemoryLimit): half the physical memory by default,
// so that a too-wide layer or batch is a RangeError up front, never a std::bad_alloc halfway or the
// OOM killer. One limit for the process (every worker_thread shares the memory).
double DefaultMemoryLimit() {
#if defined(_SC_PHYS_PAGES) && defined(_SC_PAGESIZE)
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  if (pages > 0 && page > 0) return static_cast<double>(pages) * static_cast<double>(page) / 2;
#endif
  return 4.0 * 1024 * 1024 * 1024;
}
std::atomic<double> memory_limit{DefaultMemoryLimit()};

std::string GiB(double bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f GiB", bytes / (1024.0 * 1024 * 1024));
  return text;
}

// Refuses, before anything is allocated, a call whose workspace for `rows` rows (plus `extra`
// bytes of copies) is above the limit, naming the layer that takes the most of it.
void CheckWorkspace(const Args& a, const NetworkState& s, int64_t rows, double extra, const char* what) {
  const train::WorkspaceSize w = s.network->workspace_per_row();
  const double need = w.bytes_per_row * static_cast<double>(rows) + extra, limit = memory_limit.load();
  if (need <= limit) return;
  static constexpr const char* kKinds[] = {"dense", "activation", "dropout"};
  const train::LayerSpec& l = s.network->layer(w.layer);
  a.range_error(std::string(what) + " of " + std::to_string(rows) + " rows needs " +
                std::to_string(static_cast<uint64_t>(need)) + " bytes (" + GiB(need) +
                ") of workspace, above the memory limit of " + std::to_string(static_cast<uint64_t>(limit)) +
                " bytes (" + GiB(limit) + "); most of it for layers[" + std::to_string(w.layer) + "] (" +
                kKinds[static_cast<int>(l.kind)] + ", " + std::to_string(l.units) +
                " units): " + std::to_string(static_cast<uint64_t>(w.layer_bytes_per_row * static_cast<double>(rows))) +
                " bytes. Use fewer rows per batch, or raise the limit with nn.setMemoryLimit(bytes)");
}

class TrainWorker : public Napi::AsyncWorker {
 public:
  TrainWorker(Napi::Env env, NetworkState* state, Napi::Value handle)
      : Napi::AsyncWorker(env, "nativenn:trainBatches"), deferred_(Napi::Promise::Deferred::New(env)), state_(state) {
    keep_.push_back(Napi::Persistent(handle.As<Napi::Object>()));
  }
  Napi::Promise Promise() const { return deferred_.Promise(); }

  // The rows of the batches, in batch order, copied (into the state's buffers): the worker reads
  // no JS memory.
  const float* x = nullptr;
  const float* y = nullptr;
  int64_t rows = 0;
  int64_t batch_size = 0, batches = 0, step = 0;
  std::vector<double> results;

  void Execute() override {
    try {
      state_->network->train_batches(x, y, nullptr, rows, batch_size, 0, batches, step, results.data());
    } catch (const std::exception& e) {
      SetError(e.what());
    }
  }
  void OnOK() override {
    state_->busy = false;
    if (!Sync(Env(), *state_, true)) {
      deferred_.Reject(Napi::Error::New(Env(), std::string("trainBatches") + kDetached).Value());
      return;
    }
    auto out = Napi::Float64Array::New(Env(), results.size());
    std::copy(results.begin(), results.end(), out.Data());
    deferred_.Resolve(out);
  }
  void OnError(const Napi::Error& e) override {
    state_->busy = false;
    deferred_.Reject(e.Value());
  }
  // When the environment is shutting down (a worker_thread terminated while this ran), no JS value
  // can be made and the promise can no longer settle: the base class would throw out of the libuv
  // callback (std::terminate). Swallow that and free the worker.
  void OnWorkComplete(Napi::Env env, napi_status status) override {
    try {
      Napi::AsyncWorker::OnWorkComplete(env, status);
      return;
    } catch (const Napi::Error&) {
    }
    state_->busy = false;
    Destroy();
  }

 private:
  Napi::Promise::Deferred deferred_;
  NetworkState* state_;
  std::vector<Napi::ObjectReference> keep_;  // the handle, until the work is done
};

// trainBatches(handle, x, y, indices, batchSize, firstBatch, lastBatch, step, learningRate) -> Promise<Float64Array>
Napi::Value TrainBatches(const Napi::CallbackInfo& info) {
  Args a(info, "trainBatches");
  a.count(9);
  NetworkState* s = Handle(a, info);
  const float* x = a.f32(1, "x", 0);
  const float* y = a.f32(2, "y", 0);
  const int32_t* indices = a.i32(3, "indices", 0);
  const int64_t n = info[3].As<Napi::Int32Array>().ElementLength();
  const int64_t x_rows = info[1].As<Napi::Float32Array>().ElementLength() / s->inputs;
  const int64_t y_rows = info[2].As<Napi::Float32Array>().ElementLength() / (s->sparse ? 1 : s->outputs);
  const int64_t batch_size = a.size(4, "batchSize");
  if (batch_size < 1) a.range_error("batchSize must be at least 1");
  const int64_t first = a.size(5, "firstBatch"), last = a.size(6, "lastBatch"), step = a.size(7, "step");
  const int64_t batches = (n + batch_size - 1) / batch_size;
  if (first > last || last > batches)
    a.range_error("need firstBatch <= lastBatch <= " + std::to_string(batches) + " (the number of batches)");
  const double lr = a.finite(8, "learningRate");
  const int64_t begin = first * batch_size, end = std::max(begin, std::min(last * batch_size, n));
  const int64_t in = s->inputs, y_width = s->sparse ? 1 : s->outputs;
  const double copies = static_cast<double>(end - begin) * static_cast<double>(in + y_width) * sizeof(float);
  CheckWorkspace(a, *s, std::min(batch_size, end - begin), copies, "a batch");
  std::unique_ptr<TrainWorker> worker(new TrainWorker(info.Env(), s, info[0]));
  float* rows_x = AtLeast(s->rows_x, (end - begin) * in);
  float* rows_y = AtLeast(s->rows_y, (end - begin) * y_width);
  worker->x = rows_x;
  worker->y = rows_y;
  worker->rows = end - begin;
  // Each index is read once; each row is copied, then the copy is checked (a label indexes memory
  // in the kernels; x and y may live on a SharedArrayBuffer that another thread writes meanwhile).
  for (int64_t i = begin; i < end; i++) {
    const int64_t row = indices[i], k = i - begin;
    if (row < 0 || row >= x_rows || row >= y_rows)
      a.range_error("indices[" + std::to_string(i) + "] is not a row of x and y");
    std::memcpy(rows_x + k * in, x + row * in, sizeof(float) * in);
    std::memcpy(rows_y + k * y_width, y + row * y_width, sizeof(float) * y_width);
    if (s->sparse && !IsClassIndex(rows_y[k], s->outputs))
      a.range_error("y[" + std::to_string(row) + "] must be a class index from 0 to " + std::to_string(s->outputs - 1));
    CheckFiniteRow(a, "x", row, rows_x + k * in, in);
    if (!s->sparse) CheckFiniteRow(a, "y", row, rows_y + k * y_width, y_width);
  }
  PullWeights(a, *s, "trainBatches");
  s->network->set_learning_rate(lr);
  worker->batch_size = batch_size;
  worker->batches = last - first;
  worker->step = step;
  worker->results.assign((last - first) * s->network->result_width(), 0.0);
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  worker.release();  // queued: the AsyncWorker deletes itself when done
  s->busy = true;    // only after Queue, which can throw: busy must not stick
  return promise;
}

// predict(handle, x, rows, out)
Napi::Value Predict(const Napi::CallbackInfo& info) {
  Args a(info, "predict");
  a.count(4);
  NetworkState* s = Handle(a, info);
  const uint64_t rows = a.size(2, "rows");
  const float* x = a.f32(1, "x", rows * s->inputs);
  float* out = a.f32(3, "out", rows * s->outputs);
  CheckWorkspace(a, *s, std::min<int64_t>(rows, s->network->eval_rows()), 0, "a predict chunk");
  PullWeights(a, *s, "predict");
  s->network->predict(x, rows, out);
  return info.Env().Undefined();
}

// evaluate(handle, x, y, rows) -> Float64Array [loss, ...metrics]
Napi::Value Evaluate(const Napi::CallbackInfo& info) {
  Args a(info, "evaluate");
  a.count(4);
  NetworkState* s = Handle(a, info);
  const uint64_t rows = a.size(3, "rows");
  const float* x = a.f32(1, "x", rows * s->inputs);
  std::vector<float> labels;
  const float* y = Targets(a, 2, *s, rows, labels);
  CheckWorkspace(a, *s, std::min<int64_t>(rows, s->network->eval_rows()), 0, "an evaluate chunk");
  auto out = Napi::Float64Array::New(info.Env(), s->network->result_width());
  PullWeights(a, *s, "evaluate");
  s->network->evaluate(x, y, rows, out.Data());
  return out;
}

// gradients(handle, x, y, rows, step, grads: Float32Array[]) -> loss
Napi::Value Gradients(const Napi::CallbackInfo& info) {
  Args a(info, "gradients");
  a.count(6);
  // Read the list first: reading its elements can run JS (getters) that could detach x or y, or
  // dispose or train the network. From Handle on, no JS runs until the call returns.
  PlanReader r(info.Env(), "gradients");
  Napi::Array list = r.array(info[5], "grads");
  std::vector<Napi::Value> items;
  for (uint32_t p = 0; p < list.Length(); p++) items.push_back(list.Get(p));
  NetworkState* s = Handle(a, info);
  const uint64_t rows = a.size(3, "rows");
  const float* x = a.f32(1, "x", rows * s->inputs);
  std::vector<float> labels;
  const float* y = Targets(a, 2, *s, rows, labels);
  const int64_t step = a.size(4, "step");
  const std::vector<int64_t> sizes = s->network->param_sizes();
  if (items.size() != sizes.size()) a.range_error("grads must have one Float32Array per param");
  std::vector<float*> grads;
  for (size_t p = 0; p < items.size(); p++)
    grads.push_back(r.f32(items[p], "grads[" + std::to_string(p) + "]", sizes[p]));
  CheckWorkspace(a, *s, rows, 0, "a gradients call");
  PullWeights(a, *s, "gradients");
  return Napi::Number::New(info.Env(), s->network->gradients(x, y, rows, step, grads.data()));
}

// disposeNetwork(handle): frees the workspace and releases the buffers now rather than at GC.
Napi::Value DisposeNetwork(const Napi::CallbackInfo& info) {
  Args a(info, "disposeNetwork");
  a.count(1);
  NetworkState* s = Handle(a, info);
  s->network.reset();
  s->buffers.clear();
  s->rows_x = std::vector<float>();
  s->rows_y = std::vector<float>();
  return info.Env().Undefined();
}

}  // namespace

// setMemoryLimit(bytes): the workspace limit of every network in the process.
Napi::Value SetMemoryLimit(const Napi::CallbackInfo& info) {
  Args a(info, "setMemoryLimit");
  a.count(1);
  const double bytes = a.finite(0, "bytes");
  if (!(bytes >= 1 && bytes <= 9007199254740991.0) || std::floor(bytes) != bytes)
    a.range_error("bytes must be an integer from 1 to 2^53 - 1");
  memory_limit.store(bytes);
  return info.Env().Undefined();
}

// getMemoryLimit() -> bytes
Napi::Value GetMemoryLimit(const Napi::CallbackInfo& info) {
  Args a(info, "getMemoryLimit");
  a.count(0);
  return Napi::Number::New(info.Env(), memory_limit.load());
}

void RegisterTrain(Napi::Env env, Napi::Object exports) {
  exports.Set("setMemoryLimit", Napi::Function::New(env, SetMemoryLimit, "setMemoryLimit"));
  exports.Set("getMemoryLimit", Napi::Function::New(env, GetMemoryLimit, "getMemoryLimit"));
  exports.Set("createNetwork", Napi::Function::New(env, CreateNetwork, "createNetwork"));
  exports.Set("trainBatches", Napi::Function::New(env, TrainBatches, "trainBatches"));
  exports.Set("predictNetwork", Napi::Function::New(env, Predict, "predictNetwork"));
  exports.Set("evaluateNetwork", Napi::Function::New(env, Evaluate, "evaluateNetwork"));
  exports.Set("networkGradients", Napi::Function::New(env, Gradients, "networkGradients"));
  exports.Set("disposeNetwork", Napi::Function::New(env, DisposeNetwork, "disposeNetwork"));
}

}  // namespace nativenn::glue
