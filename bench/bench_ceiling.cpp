// How much faster two threads can be than one on this machine, measured
// with work that shares nothing between threads, next to the engine's own
// speed-up (bench_kernel, bench_engine.py). Three kinds of work:
//   compute  exp and log over a 4 KB array (stays in the core's L1 cache):
//            chains of dependent operations, which leave the core's units
//            idle much of the time
//   busy     independent vector arithmetic over the same array, which keeps
//            the core's units busy (as the engine's vector loops do): where
//            two virtual CPUs share one physical core, this is what suffers
//   stream   passes over a per-thread array of `megabytes` (default 1.5, the
//            state of one 1,000-account replication: more than one core's L2)
// Each case runs one thread, then two threads with the same work each; the
// speed-up is 2 · t(1 thread) / t(2 threads), each the best of `repeats`
// runs (default 5).
//   bench_ceiling [repeats] [megabytes]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <thread>
#include <vector>

#include "cathedral/elementary.hpp"

namespace {

double seconds(const std::function<void()>& f) {
  const auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Runs work(thread) on `threads` threads at once and returns the wall time.
double run_threads(int threads, const std::function<void(int)>& work) {
  return seconds([&] {
    std::vector<std::thread> pool;
    for (int i = 0; i < threads; ++i) pool.emplace_back(work, i);
    for (auto& t : pool) t.join();
  });
}

volatile double sink;  // keeps the results alive

void compute(int) {
  std::vector<double> x(512);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = 0.001 * static_cast<double>(i);
  double acc = 0.0;
  for (int round = 0; round < 60000; ++round)
    for (double& v : x) {
      v = cathedral::elementary::log(1.0 + cathedral::elementary::exp(-v)) + 1e-3;
      acc += v;
    }
  sink = acc;
}

void busy(int) {
  std::vector<double> x(512, 1.0);
  for (int round = 0; round < 5000000; ++round)
    for (double& v : x) v = v * 0.999999 + 1e-9;  // independent elements, in L1: bound by the arithmetic units
  sink = x[0];
}

std::size_t stream_doubles = 0;

void stream(int) {
  std::vector<double> x(stream_doubles, 1.0);
  for (int round = 0; round < 15000; ++round)
    for (double& v : x) v = v * 0.999999 + 1e-9;  // independent elements: bound by the caches, not by latency
  sink = x[0];
}

}  // namespace

int main(int argc, char** argv) {
  const int repeats = argc > 1 ? std::atoi(argv[1]) : 5;
  const double megabytes = argc > 2 ? std::atof(argv[2]) : 1.5;
  stream_doubles = static_cast<std::size_t>(megabytes * 1024 * 1024 / sizeof(double));
  std::printf("hardware threads: %u\n", std::thread::hardware_concurrency());
  for (auto [name, work] : {std::pair{"compute", &compute}, std::pair{"busy", &busy}, std::pair{"stream", &stream}}) {
    double best1 = 1e300, best2 = 1e300;
    for (int r = 0; r < repeats; ++r) {  // alternating, so drift hits both alike
      best1 = std::min(best1, run_threads(1, work));
      best2 = std::min(best2, run_threads(2, work));
    }
    std::printf("%-8s 1 thread %.3f s, 2 threads %.3f s (the same work each): speed-up %.2fx\n", name, best1, best2,
                2.0 * best1 / best2);
  }
  return 0;
}
