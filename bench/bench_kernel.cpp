// Throughput of the engine alone (no Python): account-weeks per second.
//   bench_kernel SCENARIO.json [replications] [threads] [monte_carlo|mean_field]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cstdint>
#include <string>

#include "cathedral/model.hpp"
#include "cathedral/policy.hpp"
#include "cathedral/runner.hpp"
#include "cathedral/scenario.hpp"

int main(int argc, char** argv) {
  using namespace cathedral;
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s SCENARIO.json [replications] [threads] [monte_carlo|mean_field]\n", argv[0]);
    return 2;
  }
  const Scenario s = load_scenario(argv[1]);
  RunOptions o;
  o.replications = argc > 2 ? std::atoll(argv[2]) : 100;
  o.threads = argc > 3 ? std::atoi(argv[3]) : 1;
  o.mode = (argc > 4 && std::string(argv[4]) == "mean_field") ? Mode::mean_field : Mode::monte_carlo;
  o.seed = 1;
  const Model m = Model::build(s);
  const auto policy = make_policy(*s.policy, m);
  const auto t0 = std::chrono::steady_clock::now();
  const RunResult r = run(m, *policy, o);
  const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double aw = static_cast<double>(r.replications) * m.horizon_weeks * m.n_accounts;
  std::printf("%lld replications x %d weeks x %d accounts (%zu contacts), %d threads: %.3f s, %.2f M account-weeks/s, %.2f M per thread\n",
              static_cast<long long>(r.replications), m.horizon_weeks, m.n_accounts, m.contact_ids.size(), o.threads, dt,
              aw / dt / 1e6, aw / dt / 1e6 / o.threads);
  // A bitwise fingerprint of the outputs, to check that a faster kernel computes the same thing.
  std::uint64_t h = 1469598103934665603ULL;
  auto mix = [&](const std::vector<double>& v) {
    for (double x : v) {
      std::uint64_t b;
      std::memcpy(&b, &x, sizeof b);
      h = (h ^ b) * 1099511628211ULL;
    }
  };
  mix(r.portfolio);
  mix(r.account_mean);
  mix(r.grid_mean);
  std::printf("fingerprint %016llx\n", static_cast<unsigned long long>(h));
  return 0;
}
