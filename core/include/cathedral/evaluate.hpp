// Batch evaluation of candidate allocations, for optimisers and studies
// that try many plans of one scenario: every candidate is run from the same
// initial state with the same streams (common random numbers), its
// allocations used as given at each decision epoch — no policy, and no §4
// fit: the caller keeps its candidates within the resources (or studies what
// happens when they are not). Accounts interact only through the resources
// and the market, so in mean field each account's objective depends on its
// own allocation alone: one candidate that perturbs a lever at every account
// gives that lever's partial derivative for all of them.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "cathedral/model.hpp"
#include "cathedral/replication.hpp"
#include "cathedral/runner.hpp"

namespace cathedral {

struct EvaluateOptions {
  Mode mode = Mode::mean_field;
  std::int64_t replications = 1;  // monte_carlo; mean_field runs one
  std::uint64_t seed = 0;
  int threads = 0;                // 0: all hardware threads; results are identical at any count
  int metric = metric::contribution;  // a flow metric: the objective is Σ_t week_weights[t] · flow_t
  // one weight per week of the horizon: a discount factor, 0 past an objective's horizon
  std::vector<double> week_weights;
  void validate(const Model& m) const;  // throws std::invalid_argument
};

struct EvaluateResult {
  std::int64_t candidates = 0, replications = 0;
  int n_accounts = 0;
  // candidates × accounts: each account's weighted flow, mean over the replications
  std::vector<double> account_objective;
  // candidates × replications: the weighted flow summed over the accounts (the
  // team cost not included: it is the same for every candidate)
  std::vector<double> replication_objective;
};

// allocations: candidates × epochs × accounts × kNumAllocFields; focus: φ per
// contact as Policy::contact_focus (empty: the influence weights).
EvaluateResult evaluate(const Model& model, std::span<const double> allocations, std::int64_t candidates,
                        const std::vector<double>& focus, const EvaluateOptions& options,
                        const RunMonitor& monitor = {});

}  // namespace cathedral
