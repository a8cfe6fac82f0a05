#include "kernels/threads.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "kernels/float_env.h"

namespace nativenn {
namespace {

// How long a worker waits for the next job, and the caller for the workers, spinning before it
// sleeps. Waking a sleeping thread (futex) costs tens of microseconds here, which back-to-back
// GEMMs of a training step felt: 2 threads at 128x784x256 went 137 -> 160 GFLOP/s, 256^3
// 150 -> 173, when spinning ~1 ms instead of ~20 us. The cost: an idle worker burns up to 1 ms
// of CPU after its last job.
constexpr auto kSpin = std::chrono::microseconds(1000);

inline void cpu_relax() {
#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
  __builtin_ia32_pause();
#elif defined(__aarch64__) && (defined(__GNUC__) || defined(__clang__))
  asm volatile("yield");
#endif
}

// Spins until done() or kSpin has passed; returns done().
template <typename Done>
bool spin_until(const Done& done) {
  const auto deadline = std::chrono::steady_clock::now() + kSpin;
  for (;;) {
    for (int i = 0; i < 64; i++) {
      if (done()) return true;
      cpu_relax();
    }
    if (std::chrono::steady_clock::now() >= deadline) return done();
  }
}

int default_threads() {
  unsigned hw = std::thread::hardware_concurrency();
  return static_cast<int>(std::clamp<unsigned>(hw, 1, kMaxThreads));
}

// The pool. A job is published under `mutex_` with a new generation number; workers whose index
// is below the job's worker count join it (see run) and take tasks from an atomic counter, then
// report done. The caller takes tasks too, closes the job to late joiners, then waits (spinning
// briefly: jobs are short) for the workers that joined.
class Pool {
 public:
  ~Pool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    for (auto& t : threads_) t.join();
  }

  std::atomic<int> num_threads{default_threads()};

  // Claims the pool for one job; false if another caller (or this one, nested) holds it.
  bool try_acquire() {
    bool expected = false;
    return busy_.compare_exchange_strong(expected, true, std::memory_order_acquire);
  }
  void release() { busy_.store(false, std::memory_order_release); }

  // Runs one job with up to `workers` pool threads plus the caller. Only called while acquired.
  // A worker takes part only if it joins before the caller has run out of tasks and closed the
  // job; the caller then waits for the joined ones alone. So a worker that was notified but is
  // not running (the OS gave its core to another process) never holds the caller up: measured
  // on a loaded 2-core machine, waiting for such a worker made 2 threads ~6x slower than 1.
  void run(int64_t n_tasks, TaskRef fn, int workers) {
    workers = ensure_workers(workers);
    next_task_.store(0, std::memory_order_relaxed);
    finished_.store(0, std::memory_order_relaxed);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      job_ = fn;
      job_tasks_ = n_tasks;
      job_workers_ = workers;
      job_env_ = float_env_get();  // tasks run under the caller's float mode (float_env.h)
      const uint64_t gen = generation_.fetch_add(1, std::memory_order_release) + 1;
      ticket_.store(gen << 32, std::memory_order_release);
    }
    wake_.notify_all();
    take_tasks();
    // seq_cst here and in the worker's finish: each side's write then read of the other's
    // counter must not both miss (store-buffer pattern), or the last notify could be lost.
    const uint64_t joined = ticket_.fetch_or(kClosed) & kJoinedMask;
    auto all_done = [&] { return static_cast<uint64_t>(finished_.load()) == joined; };
    if (!spin_until(all_done)) {
      std::unique_lock<std::mutex> lock(mutex_);
      done_.wait(lock, all_done);
    }
  }

 private:
  // ticket_: the job's generation (high 32 bits), closed (bit 31), workers joined (low bits).
  static constexpr uint64_t kClosed = uint64_t{1} << 31;
  static constexpr uint64_t kJoinedMask = kClosed - 1;

  // Joins job `gen` if it is still the open one; a joined worker's tasks are waited for.
  bool join(uint64_t gen) {
    uint64_t t = ticket_.load(std::memory_order_acquire);
    for (;;) {
      if ((t >> 32) != (gen & 0xffffffffu) || (t & kClosed)) return false;
      if (ticket_.compare_exchange_weak(t, t + 1, std::memory_order_acq_rel, std::memory_order_acquire)) return true;
    }
  }

  void take_tasks() {
    for (;;) {
      int64_t t = next_task_.fetch_add(1, std::memory_order_relaxed);
      if (t >= job_tasks_) return;
      job_.call(job_.ctx, t);
    }
  }

  // Starts missing workers; returns how many exist (fewer if the OS refuses a thread).
  int ensure_workers(int workers) {
    try {
      while (static_cast<int>(threads_.size()) < workers) {
        // The worker starts from the current generation, so it cannot miss the job about to
        // be published even if it first runs after the publication.
        int index = static_cast<int>(threads_.size());
        uint64_t seen = generation_.load(std::memory_order_acquire);
        threads_.emplace_back([this, index, seen] { worker_loop(index, seen); });
      }
    } catch (const std::exception&) {
    }
    return std::min(workers, static_cast<int>(threads_.size()));
  }

  void worker_loop(int index, uint64_t seen) {
    for (;;) {
      // Spin a little before sleeping: back-to-back jobs (GEMM's blocks) then start at once.
      spin_until([&] { return generation_.load(std::memory_order_acquire) != seen; });
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return stopping_ || generation_.load(std::memory_order_acquire) != seen; });
        if (stopping_) return;
        seen = generation_.load(std::memory_order_acquire);
        if (index >= job_workers_) continue;
      }
      if (!join(seen)) continue;  // the caller already ran every task and closed the job
      // The caller's float mode (written with the job, before it was published).
      const uint32_t own_env = float_env_get(), env = job_env_;
      if (env != own_env) float_env_set(env);
      take_tasks();
      if (env != own_env) float_env_set(own_env);
      const uint64_t done = static_cast<uint64_t>(finished_.fetch_add(1)) + 1;
      const uint64_t t = ticket_.load();
      if ((t & kClosed) && (t & kJoinedMask) == done) {
        std::lock_guard<std::mutex> lock(mutex_);  // pairs with the caller's wait predicate
        done_.notify_one();
      }
    }
  }

  std::atomic<bool> busy_{false};
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  std::vector<std::thread> threads_;
  std::atomic<uint64_t> generation_{0};
  bool stopping_ = false;
  TaskRef job_{nullptr, nullptr};
  int64_t job_tasks_ = 0;
  int job_workers_ = 0;
  uint32_t job_env_ = 0;
  std::atomic<int64_t> next_task_{0};
  std::atomic<uint64_t> ticket_{0};
  std::atomic<int> finished_{0};
};

Pool& pool() {
  // Leaked on purpose: joining threads from a static destructor at process exit can deadlock
  // (the addon may be unloaded while a worker is parked); the OS reclaims them.
  static Pool* p = new Pool();
  return *p;
}

void run_serially(int64_t n_tasks, TaskRef fn) {
  for (int64_t t = 0; t < n_tasks; t++) fn.call(fn.ctx, t);
}

}  // namespace

namespace {
// Jobs handed to the pool (split across threads), for tests that must prove a run was threaded.
std::atomic<int64_t> g_parallel_jobs{0};
}  // namespace

int64_t parallel_jobs() { return g_parallel_jobs.load(std::memory_order_relaxed); }

void set_num_threads(int n) { pool().num_threads.store(std::clamp(n, 1, kMaxThreads)); }

int get_num_threads() { return pool().num_threads.load(); }

void parallel_for_ref(int64_t n_tasks, TaskRef fn, int max_threads) {
  if (n_tasks <= 0) return;
  int64_t threads = std::min<int64_t>({n_tasks, get_num_threads(), std::max(max_threads, 1)});
  Pool& p = pool();
  if (threads <= 1 || !p.try_acquire()) return run_serially(n_tasks, fn);
  g_parallel_jobs.fetch_add(1, std::memory_order_relaxed);
  p.run(n_tasks, fn, static_cast<int>(threads) - 1);
  p.release();
}

}  // namespace nativenn
