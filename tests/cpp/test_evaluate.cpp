// The batch evaluator (cathedral/evaluate.hpp): the same runs as run() where a plan needs no fit,
// identical at any thread count, accounts independent in mean field, inputs refused by name.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <stdexcept>
#include <vector>

#include "cathedral/evaluate.hpp"
#include "scenario_fixtures.hpp"

namespace cathedral {
namespace {

using fixtures::json;
using fixtures::options;

// small_portfolio with resources that cannot bind, so run()'s fit leaves every plan alone
fixtures::Built unbounded() {
  json j = fixtures::small_portfolio();
  j["resources"]["account_managers"] = 1e6;
  j["resources"]["executive_days_per_year"] = 1e9;
  j["resources"]["budget_per_year"] = 1e12;
  return fixtures::build(j);
}

// the allocation run() used at each epoch (its mean over replications: the same in every one)
std::vector<double> decided(const fixtures::Built& b, Mode mode) {
  RunOptions o = options(1, 1, 1, mode);
  return run(b.model, *b.policy, o).allocation_mean;
}

EvaluateOptions weights_all(const Model& m, Mode mode, std::int64_t reps, int threads, int metric) {
  EvaluateOptions o;
  o.mode = mode;
  o.replications = reps;
  o.seed = 7;
  o.threads = threads;
  o.metric = metric;
  o.week_weights.assign(static_cast<std::size_t>(m.horizon_weeks), 1.0);
  return o;
}

TEST(Evaluate, MeanFieldEqualsRunAccountTotals) {
  const auto b = unbounded();
  const std::vector<double> alloc = decided(b, Mode::mean_field);
  const EvaluateResult e = evaluate(b.model, alloc, 1, {}, weights_all(b.model, Mode::mean_field, 1, 1, metric::revenue));
  const RunResult r = run(b.model, *b.policy, options(1, 7, 1, Mode::mean_field));
  for (int a = 0; a < b.model.n_accounts; ++a)
    EXPECT_EQ(e.account_objective[a], r.account_mean[static_cast<std::size_t>(a) * kNumMetrics + metric::revenue]) << a;
}

TEST(Evaluate, MonteCarloEqualsRunReplicationByReplication) {
  const auto b = unbounded();
  const std::vector<double> alloc = decided(b, Mode::monte_carlo);
  const EvaluateResult e = evaluate(b.model, alloc, 1, {}, weights_all(b.model, Mode::monte_carlo, 40, 2, metric::revenue));
  const RunResult r = run(b.model, *b.policy, options(40, 7, 2));
  for (int rep = 0; rep < 40; ++rep) {
    double total = 0.0;
    for (int t = 0; t < b.model.horizon_weeks; ++t)
      total += r.portfolio[(static_cast<std::size_t>(rep) * b.model.horizon_weeks + t) * kNumMetrics + metric::revenue];
    EXPECT_NEAR(e.replication_objective[rep], total, 1e-9 * std::max(1.0, std::fabs(total))) << rep;
  }
}

TEST(Evaluate, ThreadCountDoesNotChangeResults) {
  const auto b = unbounded();
  std::vector<double> alloc = decided(b, Mode::monte_carlo);
  std::vector<double> two = alloc;
  for (double& v : two) v *= 0.5;  // a second candidate: half of everything
  alloc.insert(alloc.end(), two.begin(), two.end());
  const auto one = evaluate(b.model, alloc, 2, {}, weights_all(b.model, Mode::monte_carlo, 70, 1, metric::contribution));
  const auto many = evaluate(b.model, alloc, 2, {}, weights_all(b.model, Mode::monte_carlo, 70, 5, metric::contribution));
  EXPECT_TRUE(fixtures::bits_equal(one.replication_objective, many.replication_objective));
  EXPECT_TRUE(fixtures::bits_equal(one.account_objective, many.account_objective));
}

TEST(Evaluate, MeanFieldAccountsAreIndependent) {
  // changing account 0's allocation changes account 0's objective only
  const auto b = unbounded();
  const std::vector<double> alloc = decided(b, Mode::mean_field);
  std::vector<double> both = alloc;
  std::vector<double> moved = alloc;
  for (int e = 0; e < b.model.n_epochs; ++e)
    moved[static_cast<std::size_t>(e) * b.model.n_accounts * kNumAllocFields + static_cast<int>(AllocField::value_hours)] += 2.0;
  both.insert(both.end(), moved.begin(), moved.end());
  const auto r = evaluate(b.model, both, 2, {}, weights_all(b.model, Mode::mean_field, 1, 1, metric::gross_profit));
  const int A = b.model.n_accounts;
  EXPECT_NE(r.account_objective[0], r.account_objective[A]);
  for (int a = 1; a < A; ++a) EXPECT_EQ(r.account_objective[a], r.account_objective[A + a]) << a;
}

TEST(Evaluate, BadInputIsNamed) {
  const auto b = unbounded();
  const std::vector<double> alloc = decided(b, Mode::mean_field);
  EvaluateOptions o = weights_all(b.model, Mode::mean_field, 1, 1, metric::revenue);
  o.week_weights.pop_back();
  EXPECT_THROW(evaluate(b.model, alloc, 1, {}, o), std::invalid_argument);
  o = weights_all(b.model, Mode::mean_field, 1, 1, metric::wallet);  // a state, not a flow
  EXPECT_THROW(evaluate(b.model, alloc, 1, {}, o), std::invalid_argument);
  o = weights_all(b.model, Mode::mean_field, 1, 1, metric::revenue);
  EXPECT_THROW(evaluate(b.model, alloc, 2, {}, o), std::invalid_argument);  // too few values for 2 candidates
}

}  // namespace
}  // namespace cathedral
