// Golden fingerprints: the demo (examples/demo_portfolio.json, its own
// policy) in both modes with a fixed seed and replication count, every
// output hashed bit for bit and compared with values checked in here. Any
// change of any output bit fails, so no change of results goes unnoticed.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "cathedral/model/reference_step.hpp"
#include "cathedral/model.hpp"
#include "cathedral/policy.hpp"
#include "cathedral/runner.hpp"
#include "cathedral/scenario.hpp"
#include "conformance.hpp"

namespace cathedral::conformance {
namespace {

// FNV-1a over 64-bit words: each array's length, then its elements' bits.
class Fingerprint {
 public:
  template <class T>
  void add(const std::vector<T>& v) {
    word(v.size());
    for (const T& x : v) {
      std::uint64_t bits = 0;
      if constexpr (sizeof(T) == sizeof(std::uint64_t)) std::memcpy(&bits, &x, sizeof bits);
      else bits = static_cast<std::uint64_t>(x);
      word(bits);
    }
  }
  std::uint64_t value() const { return h_; }

 private:
  void word(std::uint64_t w) { h_ = (h_ ^ w) * 1099511628211ULL; }
  std::uint64_t h_ = 1469598103934665603ULL;
};

// Every output of a run.
std::uint64_t fingerprint_all(const RunResult& r) {
  Fingerprint f;
  f.add(r.portfolio);
  f.add(r.kpis);
  f.add(r.account_mean);
  f.add(r.account_var);
  f.add(r.grid_mean);
  f.add(r.tier_share);
  f.add(r.allocation_mean);
  f.add(r.scale);
  f.add(r.binding);
  f.add(r.infeasible);
  for (const auto& t : r.trajectories) f.add(t);
  return f.value();
}

// bench/bench_kernel.cpp's fingerprint line: portfolio, account_mean and grid_mean, element by element.
std::uint64_t fingerprint_bench(const RunResult& r) {
  std::uint64_t h = 1469598103934665603ULL;
  for (const std::vector<double>* v : {&r.portfolio, &r.account_mean, &r.grid_mean})
    for (double x : *v) {
      std::uint64_t b;
      std::memcpy(&b, &x, sizeof b);
      h = (h ^ b) * 1099511628211ULL;
    }
  return h;
}

std::string hex(std::uint64_t h) {
  char s[17];
  std::snprintf(s, sizeof s, "%016llx", static_cast<unsigned long long>(h));
  return s;
}

const char* const kHowToUpdate =
    "\nThe demo's outputs changed bit for bit. If the change is intended (a change of the model or of how "
    "outputs are computed), replace the expected value in tests/conformance/test_golden.cpp with the one "
    "printed above, and change docs/model.md in the same commit (raise its version if the model changed); "
    "otherwise the change broke the engine's results.";

struct Demo {
  Scenario scenario = load_scenario(CATHEDRAL_SOURCE_DIR "/examples/demo_portfolio.json");
  Model model = Model::build(scenario);
  std::shared_ptr<const Policy> policy = make_policy(*scenario.policy, model);
};

const Demo& demo() {
  static const Demo d;
  return d;
}

RunOptions demo_options(Mode mode, std::int64_t replications, bool trajectories) {
  RunOptions o;
  o.mode = mode;
  o.replications = replications;
  o.seed = 1;
  o.threads = 2;
  if (trajectories) o.keep_trajectories = all_metrics();
  return o;
}

// What bench_kernel prints for the demo (100 replications, seed 1; mean field: one).
TEST(GoldenFingerprints, BenchKernelLines) {
  const Demo& d = demo();
  EXPECT_EQ(hex(fingerprint_bench(run(d.model, *d.policy, demo_options(Mode::monte_carlo, 100, false)))),
            "cc04baaf65e83746")
      << kHowToUpdate;
  EXPECT_EQ(hex(fingerprint_bench(run(d.model, *d.policy, demo_options(Mode::mean_field, 1, false)))),
            "93bf6ee815483cc2")
      << kHowToUpdate;
}

// Every output, trajectories of every metric included; the reference step gives the same.
TEST(GoldenFingerprints, EveryOutputOfTheDemo) {
  const Demo& d = demo();
  struct Expected {
    Mode mode;
    std::int64_t replications;
    const char* fingerprint;
  };
  for (const Expected& e : {Expected{Mode::monte_carlo, 40, "65f7e5b700b9f533"},
                            Expected{Mode::mean_field, 1, "aa1c7902f27192c3"}}) {
    const RunOptions o = demo_options(e.mode, e.replications, true);
    const RunResult kernel = run(d.model, *d.policy, o);
    EXPECT_EQ(hex(fingerprint_all(kernel)), e.fingerprint)
        << (e.mode == Mode::monte_carlo ? "monte_carlo" : "mean_field") << kHowToUpdate;
    EXPECT_TRUE(same_bits(kernel, reference::reference_run(d.model, *d.policy, o)));
  }
}

}  // namespace
}  // namespace cathedral::conformance
