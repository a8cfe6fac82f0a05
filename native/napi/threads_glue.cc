// Glue for the thread pool size: setNumThreads(n) with n an integer 1..256, getNumThreads().
#include "kernels/threads.h"
#include "napi/args.h"
#include "napi/register.h"

namespace nativenn::glue {
namespace {

Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  Args a(info, "setNumThreads");
  a.count(1);
  uint64_t n = a.size(0, "n");
  if (n < 1 || n > static_cast<uint64_t>(kMaxThreads)) a.range_error("n must be an integer from 1 to 256");
  set_num_threads(static_cast<int>(n));
  return info.Env().Undefined();
}

Napi::Value GetNumThreads(const Napi::CallbackInfo& info) {
  Args a(info, "getNumThreads");
  a.count(0);
  return Napi::Number::New(info.Env(), get_num_threads());
}

// threadPoolJobs() -> the number of jobs split across threads so far (tests prove threading with it).
Napi::Value ThreadPoolJobs(const Napi::CallbackInfo& info) {
  Args a(info, "threadPoolJobs");
  a.count(0);
  return Napi::Number::New(info.Env(), static_cast<double>(parallel_jobs()));
}

}  // namespace

void RegisterThreads(Napi::Env env, Napi::Object exports) {
  exports.Set("setNumThreads", Napi::Function::New(env, SetNumThreads, "setNumThreads"));
  exports.Set("getNumThreads", Napi::Function::New(env, GetNumThreads, "getNumThreads"));
  exports.Set("threadPoolJobs", Napi::Function::New(env, ThreadPoolJobs, "threadPoolJobs"));
}

}  // namespace nativenn::glue
