// ParallelRun: a task loop over a fixed pool of threads, watched by the
// calling thread (progress, Ctrl-C via the monitor). Shared by the run loop
// (runner.cpp) and the batch evaluator (evaluate.cpp).
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "cathedral/runner.hpp"

namespace cathedral {

// Runs `task(i, thread)` for i in [0, n) on `threads` threads while the
// calling thread watches `monitor`. The first exception wins and stops the rest.
// Tasks should poll cancelled() in long loops: Ctrl-C waits for them.
class ParallelRun {
 public:
  ParallelRun(int threads, const RunMonitor& monitor, std::atomic<std::int64_t>& progress, std::int64_t total)
      : threads_(threads), monitor_(monitor), progress_(progress), total_(total) {}

  template <class Task>
  void operator()(std::int64_t n, Task&& task) {
    std::atomic<std::int64_t> next{0};
    std::mutex mu;
    std::condition_variable done;
    std::exception_ptr error;
    const int nthreads = static_cast<int>(std::min<std::int64_t>(threads_, std::max<std::int64_t>(n, 1)));
    int running = nthreads;  // guarded by mu
    // Workers wait at a gate until every thread is created: when the system
    // refuses one (an address-space limit), the last few started are sent
    // home before they run, so the rest find memory for what a thread first
    // allocates (glibc aborts when a thread's dynamic TLS cannot be had).
    bool gate_open = false;  // all threads created; guarded by mu
    bool work_open = false;  // the threads sent home are joined; guarded by mu
    int allowed = nthreads;  // workers w < allowed run tasks; guarded by mu
    auto worker = [&](int w) {
      {
        std::unique_lock<std::mutex> lock(mu);
        done.wait(lock, [&] { return gate_open; });
        if (w >= allowed) {
          --running;
          return;
        }
        done.wait(lock, [&] { return work_open; });
      }
      try {
        for (;;) {
          if (cancelled_.load(std::memory_order_relaxed)) break;
          const std::int64_t i = next.fetch_add(1);
          if (i >= n) break;
          task(i, w);
        }
      } catch (...) {
        std::lock_guard<std::mutex> lock(mu);
        if (!error) error = std::current_exception();
        cancelled_ = true;
      }
      std::lock_guard<std::mutex> lock(mu);
      if (--running == 0) done.notify_all();
    };
    std::vector<std::thread> pool;
    pool.reserve(static_cast<std::size_t>(nthreads));
    for (int w = 0; w < nthreads; ++w) {
      // A thread that cannot start (EAGAIN under a process-count or
      // address-space limit) must not end the process: the run goes on with
      // the threads started (results do not depend on their number); with
      // none, it fails before anything ran.
      try {
        pool.emplace_back(worker, w);
      } catch (const std::exception& e) {
        if (w == 0) throw std::runtime_error(std::string("threads: cannot start a worker thread (") + e.what() + ")");
        std::lock_guard<std::mutex> lock(mu);
        running -= nthreads - w;
        allowed = std::max(1, w - kHeadroomThreads);
        break;
      }
    }
    {
      std::lock_guard<std::mutex> lock(mu);
      gate_open = true;
      started_ = std::min(allowed, static_cast<int>(pool.size()));
    }
    done.notify_all();
    // the threads sent home give their stacks back before the others start work
    for (std::size_t w = static_cast<std::size_t>(started_); w < pool.size(); ++w) pool[w].join();
    pool.resize(static_cast<std::size_t>(started_));
    {
      std::lock_guard<std::mutex> lock(mu);
      work_open = true;
    }
    done.notify_all();
    {
      std::unique_lock<std::mutex> lock(mu);
      while (running > 0) {
        done.wait_for(lock, std::chrono::milliseconds(50));
        if (running > 0 && monitor_ && !cancelled_) {
          lock.unlock();
          const bool go_on = monitor_(static_cast<double>(progress_.load()) / static_cast<double>(total_));
          lock.lock();
          if (!go_on) {
            cancelled_ = true;
            user_cancel_ = true;
          }
        }
      }
    }
    for (auto& t : pool) t.join();
    if (error) std::rethrow_exception(error);
    if (user_cancel_) throw RunCancelled();
  }
  bool cancelled() const { return cancelled_.load(std::memory_order_relaxed); }
  // Worker threads started by the last call: fewer than asked when the system refused some.
  int threads_started() const { return started_; }

 private:
  int threads_;
  const RunMonitor& monitor_;
  std::atomic<std::int64_t>& progress_;
  std::int64_t total_;
  std::atomic<bool> cancelled_{false};
  bool user_cancel_ = false;
  int started_ = 0;
  // threads given back after a refusal: their stacks (8 MiB each, beyond glibc's cache of
  // 40 MiB) leave room for what the others allocate
  static constexpr int kHeadroomThreads = 16;
};

}  // namespace cathedral
