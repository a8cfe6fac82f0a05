// Module entry. NODE_API_MODULE registers a context-aware addon: it has no global JS state,
// so it loads in several worker_threads at once.
#include "napi/register.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  using namespace nativenn::glue;
  RegisterElementwise(env, exports);
  RegisterActivations(env, exports);
  RegisterLosses(env, exports);
  RegisterDropout(env, exports);
  RegisterGemm(env, exports);
  RegisterThreads(env, exports);
  RegisterOptim(env, exports);
  RegisterTape(env, exports);
  RegisterConv(env, exports);
  RegisterCpuPath(env, exports);
  RegisterCsvScan(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(nativenn, Init)
