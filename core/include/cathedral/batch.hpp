// Batch runs for experiments (cathedral.experiments) and for spreading one run
// over machines:
//   - run_points: many variants of a scenario (points: values of uncertain
//     inputs) under several plans in one call on the engine's threads, each
//     run's outcomes reduced at the source to sums per block of replications;
//   - run_blocks / combine_blocks: a run's replications a range of blocks at a
//     time, combined into exactly what run() returns.
//
// Both follow run()'s rules (runner.hpp, docs/model.md §10): replication r
// draws the streams of (seed, r); sums run in replication order within a
// block of kBlockReplications and blocks are combined in block order, so where
// and on how many threads a block runs does not change a bit.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "cathedral/params.hpp"
#include "cathedral/runner.hpp"
#include "cathedral/scenario.hpp"

namespace cathedral::batch {

// ---- uncertain inputs ----------------------------------------------------------

// Where a point's value goes: a field of params, costs or resources, a field
// of every account (set, scaled or shifted) or of one account.
struct Edit {
  enum class Target { params, costs, resources, accounts, account };
  enum class How { set, scale, shift };
  Target target = Target::params;
  How how = How::set;
  std::string field;  // the field's name in its table
  int account = -1;   // Target::account: its index in the scenario
  std::string path;   // as written, for messages
};

// "params.coverage_gain", "costs.visit_money", "resources.budget_per_year",
// "accounts.wallet" (with how "set", "scale" or "shift"), "accounts[acc-01].fit".
// Throws std::invalid_argument naming the path, with a did-you-mean hint.
Edit resolve(const Scenario& s, const std::string& path, const std::string& how = "set");

// The values an edit may take: for set, the field's domain; for scale and
// shift, the factors or shifts that keep every account's field in it.
Bounds value_bounds(const Scenario& s, const Edit& e);

// Writes one point's values into `s` (NaN leaves a field as it is). A value
// outside its domain throws ScenarioError naming the field by its path.
void apply(Scenario& s, const std::vector<Edit>& edits, std::span<const double> values);

// ---- many points -----------------------------------------------------------------

// What is measured of a run: a metric per period (flows summed over the
// period's weeks, states at its last week; portfolio-wide as in §8), or a
// KPI of §8 (one period: the horizon).
struct Outcome {
  enum class Kind { metric, kpi };
  Kind kind = Kind::metric;
  int index = 0;  // metric::Id or a KPI's position in kpi_names(horizon)
};

struct PointsOptions {
  std::int64_t replications = 100;  // mean_field runs one
  std::uint64_t seed = 0;
  Mode mode = Mode::monte_carlo;
  int threads = 0;  // 0: all hardware threads
  std::vector<Outcome> outcomes;
  std::vector<int> period_ends;  // period p is weeks [period_ends[p-1], period_ends[p]); the last is the horizon
  // the blocks of replications to run: [first_block, first_block + n_blocks); n_blocks < 0: to the end
  std::int64_t first_block = 0, n_blocks = -1;
  bool keep_replications = false;  // also every replication's values
};

struct PointsResult {
  std::int64_t points = 0, plans = 0, blocks = 0, replications = 0;  // blocks and replications run
  std::int64_t outcomes = 0, periods = 0;
  // points × plans × blocks × outcomes × periods: over the block's
  // replications in order, the sum and sum of squares of the values that are
  // not NaN, and their count
  std::vector<double> sum, sum_sq;
  std::vector<std::int32_t> count;
  // points × plans × replications × outcomes × periods, when kept
  std::vector<double> values;
};

// Every point applied to a copy of `base` and checked first (nothing runs if
// one fails: ScenarioError names the point); then each point under each plan.
// `values` is points × edits. Plans are built-in policy specs.
PointsResult run_points(const Scenario& base, const std::vector<Edit>& edits, std::span<const double> values,
                        std::int64_t n_points, const std::vector<PolicySpec>& plans, const PointsOptions& options,
                        const RunMonitor& monitor = {});

// The variant of `base` at one point, checked as a scenario file is.
Scenario point_scenario(const Scenario& base, const std::vector<Edit>& edits, std::span<const double> values);

// ---- one run in blocks -----------------------------------------------------------

// What a range of blocks of a run yields; combine_blocks adds the parts.
struct BlockPart {
  std::int64_t first_block = 0, n_blocks = 0, first_replication = 0, replications = 0;
  std::vector<double> portfolio;  // replications × weeks × kNumMetrics
  std::vector<double> scale;      // replications × epochs
  std::vector<std::int8_t> binding;
  std::vector<std::uint8_t> infeasible;
  std::vector<std::vector<double>> trajectories;  // per kept metric: replications × weeks × accounts
  // per block, in block order: sums over its replications
  std::vector<double> account_sum, account_sq;  // n_blocks × accounts × kNumMetrics
  std::vector<double> allocation_sum;           // n_blocks × epochs × accounts × kNumAllocFields
  // integer tallies over the part (exact in any order)
  std::vector<std::int32_t> grid;   // weeks × accounts × 9
  std::vector<std::int32_t> tiers;  // epochs × accounts × 5
};

// Blocks [first_block, first_block + n_blocks) of the run run(model, policy,
// options) would do. The policy must decide replications independently (a
// built-in policy).
BlockPart run_blocks(const Model& model, const Policy& policy, const RunOptions& options, std::int64_t first_block,
                     std::int64_t n_blocks, const RunMonitor& monitor = {});

// The parts of a run, in any order, covering every block once: the RunResult
// of run(model, policy, options), bit for bit.
RunResult combine_blocks(const Model& model, const RunOptions& options, std::vector<BlockPart>&& parts);

}  // namespace cathedral::batch
