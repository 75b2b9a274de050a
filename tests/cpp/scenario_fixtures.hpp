// Shared helpers for the engine tests: building scenarios from JSON, running
// them, indexing results, and comparing floating-point vectors bit for bit.
#pragma once

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cathedral/metrics.hpp"
#include "cathedral/model.hpp"
#include "cathedral/policy.hpp"
#include "cathedral/runner.hpp"
#include "cathedral/scenario.hpp"

namespace cathedral::fixtures {

using json = nlohmann::json;

// A scenario, its model and its policy, built the way the front ends do.
struct Built {
  Scenario scenario;
  Model model;
  std::shared_ptr<const Policy> policy;
};

inline Built build(const json& j) {
  Built b;
  b.scenario = scenario_from_json(j);
  b.model = Model::build(b.scenario);
  if (b.scenario.policy) b.policy = make_policy(*b.scenario.policy, b.model);
  return b;
}

inline RunResult run_json(const json& j, const RunOptions& o) {
  Built b = build(j);
  return run(b.model, *b.policy, o);
}

inline RunOptions options(std::int64_t reps, std::uint64_t seed, int threads = 1, Mode mode = Mode::monte_carlo) {
  RunOptions o;
  o.replications = reps;
  o.seed = seed;
  o.threads = threads;
  o.mode = mode;
  return o;
}

inline std::vector<int> all_metrics() {
  std::vector<int> v;
  for (int i = 0; i < kNumMetrics; ++i) v.push_back(i);
  return v;
}

// portfolio[r][t][metric]
inline double pf(const RunResult& r, std::int64_t rep, int week, int metric) {
  return r.portfolio[(static_cast<std::size_t>(rep) * r.horizon_weeks + week) * kNumMetrics + metric];
}

// account_mean[a][metric]
inline double am(const RunResult& r, int account, int metric) {
  return r.account_mean[static_cast<std::size_t>(account) * kNumMetrics + metric];
}

// trajectory of a kept metric: [rep][week][account]
inline double traj(const RunResult& r, int metric, std::int64_t rep, int week, int account) {
  for (std::size_t i = 0; i < r.trajectory_metrics.size(); ++i)
    if (r.trajectory_metrics[i] == metric)
      return r.trajectories[i][(static_cast<std::size_t>(rep) * r.horizon_weeks + week) * r.n_accounts + account];
  ADD_FAILURE() << "metric " << metric << " was not kept";
  return std::nan("");
}

inline double kpi(const RunResult& r, std::int64_t rep, const std::string& name) {
  for (std::size_t i = 0; i < r.kpi_names.size(); ++i)
    if (r.kpi_names[i] == name) return r.kpis[static_cast<std::size_t>(rep) * r.kpi_names.size() + i];
  ADD_FAILURE() << "no KPI " << name;
  return std::nan("");
}

inline bool same_bits(double a, double b) { return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b); }

// Bit-for-bit equality of two vectors (NaNs included); reports the first difference.
template <class T>
::testing::AssertionResult bits_equal(const std::vector<T>& a, const std::vector<T>& b) {
  if (a.size() != b.size())
    return ::testing::AssertionFailure() << "sizes differ: " << a.size() << " vs " << b.size();
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::memcmp(&a[i], &b[i], sizeof(T)) != 0)
      return ::testing::AssertionFailure() << "first difference at index " << i << ": " << +a[i] << " vs " << +b[i];
  }
  return ::testing::AssertionSuccess();
}

// Every output of two runs, bit for bit.
inline void expect_identical(const RunResult& a, const RunResult& b) {
  EXPECT_EQ(a.replications, b.replications);
  EXPECT_TRUE(bits_equal(a.portfolio, b.portfolio)) << "portfolio";
  EXPECT_TRUE(bits_equal(a.kpis, b.kpis)) << "kpis";
  EXPECT_EQ(a.kpi_names, b.kpi_names);
  EXPECT_TRUE(bits_equal(a.account_mean, b.account_mean)) << "account_mean";
  EXPECT_TRUE(bits_equal(a.account_var, b.account_var)) << "account_var";
  EXPECT_TRUE(bits_equal(a.grid_mean, b.grid_mean)) << "grid_mean";
  EXPECT_TRUE(bits_equal(a.tier_share, b.tier_share)) << "tier_share";
  EXPECT_TRUE(bits_equal(a.allocation_mean, b.allocation_mean)) << "allocation_mean";
  EXPECT_TRUE(bits_equal(a.scale, b.scale)) << "scale";
  EXPECT_TRUE(bits_equal(a.binding, b.binding)) << "binding";
  EXPECT_TRUE(bits_equal(a.infeasible, b.infeasible)) << "infeasible";
  ASSERT_EQ(a.trajectories.size(), b.trajectories.size());
  for (std::size_t i = 0; i < a.trajectories.size(); ++i)
    EXPECT_TRUE(bits_equal(a.trajectories[i], b.trajectories[i])) << "trajectory " << i;
}

// A small portfolio: four accounts of different sizes, tiers and states,
// a few contacts, resources that never bind, a static plan.
inline json small_portfolio() {
  return json::parse(R"({
    "name": "small",
    "horizon_weeks": 78,
    "decision_interval_weeks": 13,
    "seed": 5,
    "accounts": [
      {"id": "alpha", "wallet": 2000, "wallet_growth": 0.05, "staff": 150, "fit": 0.8,
       "coverage": 0.3, "org": 0.55, "satisfaction": 0.6,
       "contacts": [
         {"id": "ceo", "role": "decision_maker", "influence": 2, "intimacy": 0.4, "support": 0.3, "stance": 0.1},
         {"id": "cto", "role": "technical", "influence": 1, "intimacy": 0.2, "support": -0.1, "stance": -0.2}]},
      {"id": "beta", "wallet": 800, "fit": 0.55, "coverage": 0.1,
       "contacts": [{"id": "buyer", "role": "procurement", "intimacy": 0.1, "support": 0.0}]},
      {"id": "gamma", "wallet": 1200, "fit": 0.3, "competitor_strength": 0.8, "fit_target": 0.5,
       "contacts": [
         {"id": "a", "intimacy": 0.7, "support": 0.5, "stance": 0.3},
         {"id": "b", "intimacy": 0.5, "support": -0.6, "stance": -0.5},
         {"id": "c", "influence": 0.5}]},
      {"id": "delta", "wallet": 500, "fit": 0.65, "jic": true, "agreement_weeks_left": 30,
       "org": 0.3, "coverage": 0.5}
    ],
    "resources": {"account_managers": 3, "executive_days_per_year": 1000, "budget_per_year": 1000000},
    "policy": {"type": "static",
               "default": {"social_hours": 2, "value_hours": 3, "visits": 2, "service_hours": 1,
                           "benchmarking": 2, "exec_visits": 2, "pursue_agreement": true},
               "accounts": {"delta": {"jic": true}}}
  })");
}

}  // namespace cathedral::fixtures
