// One persistent thread pool for the kernels. Workers are created lazily, once, and then sleep
// between jobs: no thread is ever created per call. parallel_for runs tasks 0..n_tasks-1 on the
// pool and the calling thread, and returns when all are done.
//
// Safe with several JS threads (worker_threads) calling kernels at once: the pool serves one
// job at a time, and a caller that finds it busy (or a task that calls parallel_for again) runs
// its tasks serially on its own thread instead of waiting.
#pragma once
#include <cstdint>
#include <functional>
#include <type_traits>

namespace nativenn {

// Threads used by parallel_for, callers included: 1..kMaxThreads. Default: the hardware threads.
constexpr int kMaxThreads = 256;
void set_num_threads(int n);
int get_num_threads();
// How many jobs parallel_for has split across threads since the addon loaded (a test hook).
int64_t parallel_jobs();

// A non-owning callable reference: no allocation, one indirect call per task.
struct TaskRef {
  void (*call)(const void* ctx, int64_t task);
  const void* ctx;
};

// Runs fn(task) for every task in [0, n_tasks), spread over up to max_threads threads (and never
// more than get_num_threads()). Tasks may run in any order and concurrently.
void parallel_for_ref(int64_t n_tasks, TaskRef fn, int max_threads = kMaxThreads);

template <typename F>
void parallel_for(int64_t n_tasks, const F& fn, int max_threads = kMaxThreads) {
  TaskRef ref{[](const void* ctx, int64_t task) { (*static_cast<const F*>(ctx))(task); }, &fn};
  parallel_for_ref(n_tasks, ref, max_threads);
}

// The std::function form, for callers that already hold one.
inline void parallel_for(int64_t n_tasks, const std::function<void(int64_t)>& fn, int max_threads = kMaxThreads) {
  parallel_for<std::function<void(int64_t)>>(n_tasks, fn, max_threads);
}

}  // namespace nativenn
