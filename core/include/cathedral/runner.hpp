// The run loop: decision epochs, threads, and what a run returns.
//
// Replications are grouped into fixed blocks of kBlockReplications. A block
// is the unit of work for a thread and of accumulation: every mean is summed
// block by block in replication order and blocks are combined in block order,
// so the result does not depend on the number of threads (docs/model.md §10).
#pragma once

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "cathedral/metrics.hpp"
#include "cathedral/model.hpp"
#include "cathedral/policy.hpp"
#include "cathedral/replication.hpp"
#include "cathedral/resources.hpp"

namespace cathedral {

inline constexpr int kBlockReplications = 32;

struct RunOptions {
  std::int64_t replications = 1000;  // mean_field always runs one
  std::uint64_t seed = 0;
  Mode mode = Mode::monte_carlo;
  int threads = 0;                   // 0: all hardware threads
  std::vector<int> keep_trajectories;  // metrics whose full trajectories are kept
  bool strict = false;               // infeasible allocations raise
  ContactLayout contact_layout = ContactLayout::automatic;  // the same results either way (tests compare them)
  void validate() const;             // throws std::invalid_argument
};

// Called from the thread that started the run, about every 50 ms, with the
// share of work done; returning false cancels the run (RunCancelled).
using RunMonitor = std::function<bool(double fraction_done)>;

class RunCancelled : public std::runtime_error {
 public:
  RunCancelled() : std::runtime_error("run cancelled") {}
};

struct RunResult {
  std::int64_t replications = 0;
  int horizon_weeks = 0, n_accounts = 0, n_epochs = 0, decision_interval_weeks = 0;
  std::uint64_t seed = 0;
  Mode mode = Mode::monte_carlo;

  std::vector<double> portfolio;     // replications × weeks × kNumMetrics
  std::vector<std::string> kpi_names;
  std::vector<double> kpis;          // replications × kpi_names
  std::vector<double> account_mean;  // accounts × kNumMetrics: flows summed over the horizon, states at the end
  std::vector<double> account_var;   // sample variance over replications, same layout
  std::vector<double> grid_mean;     // weeks × accounts × 9: mean contacts per cell (end of week)
  std::vector<double> tier_share;    // epochs × accounts × 5 (S, A, B, C, cash_flow): share of replications
  std::vector<double> allocation_mean;  // epochs × accounts × kNumAllocFields, fitted, mean over replications
  std::vector<double> scale;            // replications × epochs: resource scale factor f
  std::vector<std::int8_t> binding;     // replications × epochs: Resource
  std::vector<std::uint8_t> infeasible; // replications × epochs
  std::vector<int> trajectory_metrics;
  std::vector<std::vector<double>> trajectories;  // per kept metric: replications × weeks × accounts
};

// A RunResult holding the run's description (sizes, seed, mode, kept metrics), no data yet:
// the one place that fills it, for the runner, the reference run and the batch entry points.
RunResult empty_result(const Model& model, const RunOptions& options, std::int64_t replications);

RunResult run(const Model& model, const Policy& policy, const RunOptions& options,
              const RunMonitor& monitor = {});

}  // namespace cathedral
