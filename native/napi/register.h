// One Register* function per glue file; addon.cc calls them all.
#pragma once
#include <napi.h>

namespace nativenn::glue {

void RegisterElementwise(Napi::Env env, Napi::Object exports);
void RegisterActivations(Napi::Env env, Napi::Object exports);
void RegisterLosses(Napi::Env env, Napi::Object exports);
void RegisterDropout(Napi::Env env, Napi::Object exports);
void RegisterGemm(Napi::Env env, Napi::Object exports);
void RegisterThreads(Napi::Env env, Napi::Object exports);
void RegisterOptim(Napi::Env env, Napi::Object exports);
void RegisterTape(Napi::Env env, Napi::Object exports);
void RegisterConv(Napi::Env env, Napi::Object exports);
void RegisterCpuPath(Napi::Env env, Napi::Object exports);
void RegisterCsvScan(Napi::Env env, Napi::Object exports);

}  // namespace nativenn::glue
