// Batch runs (batch.hpp): a run in ranges of blocks combines into run()'s
// result bit for bit; points resolve, check and apply as a scenario file would;
// run_points measures what run() records.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "cathedral/batch.hpp"
#include "scenario_fixtures.hpp"

namespace cathedral {
namespace {

using fixtures::bits_equal;
using fixtures::options;
using fixtures::small_portfolio;

TEST(Batch, BlocksCombineIntoTheRunBitForBit) {
  const fixtures::Built b = fixtures::build(small_portfolio());
  RunOptions o = options(75, 3, 2);  // three blocks, the last one short
  o.keep_trajectories = {metric::revenue, metric::coverage};
  const RunResult want = run(b.model, *b.policy, o);
  std::vector<batch::BlockPart> parts;
  parts.push_back(batch::run_blocks(b.model, *b.policy, o, 2, 1));
  parts.push_back(batch::run_blocks(b.model, *b.policy, o, 0, 2));
  const RunResult got = batch::combine_blocks(b.model, o, std::move(parts));
  EXPECT_TRUE(bits_equal(got.portfolio, want.portfolio));
  EXPECT_TRUE(bits_equal(got.kpis, want.kpis));
  EXPECT_TRUE(bits_equal(got.account_mean, want.account_mean));
  EXPECT_TRUE(bits_equal(got.account_var, want.account_var));
  EXPECT_TRUE(bits_equal(got.allocation_mean, want.allocation_mean));
  EXPECT_TRUE(bits_equal(got.grid_mean, want.grid_mean));
  EXPECT_TRUE(bits_equal(got.tier_share, want.tier_share));
  EXPECT_TRUE(bits_equal(got.scale, want.scale));
  ASSERT_EQ(got.trajectories.size(), 2u);
  EXPECT_TRUE(bits_equal(got.trajectories[1], want.trajectories[1]));
  EXPECT_EQ(got.binding, want.binding);
  EXPECT_EQ(got.infeasible, want.infeasible);
}

TEST(Batch, PartsMustCoverEveryBlockOnce) {
  const fixtures::Built b = fixtures::build(small_portfolio());
  const RunOptions o = options(64, 1);
  std::vector<batch::BlockPart> parts;
  parts.push_back(batch::run_blocks(b.model, *b.policy, o, 0, 1));
  EXPECT_THROW(batch::combine_blocks(b.model, o, std::move(parts)), std::invalid_argument);
  EXPECT_THROW(batch::run_blocks(b.model, *b.policy, o, 1, 2), std::invalid_argument);
}

TEST(Batch, PathsResolveWithHints) {
  const Scenario s = scenario_from_json(small_portfolio());
  const batch::Edit e = batch::resolve(s, "accounts.wallet", "scale");
  EXPECT_EQ(e.target, batch::Edit::Target::accounts);
  const Bounds f = batch::value_bounds(s, e);  // wallet > 0: a factor > 0
  EXPECT_EQ(f.lo, 0.0);
  EXPECT_TRUE(f.lo_open);
  EXPECT_TRUE(std::isinf(f.hi));
  try {
    batch::resolve(s, "params.coverage_gian");
    FAIL();
  } catch (const std::invalid_argument& err) {
    EXPECT_NE(std::string(err.what()).find("did you mean \"coverage_gain\""), std::string::npos) << err.what();
  }
  EXPECT_THROW(batch::resolve(s, "params.sales_cycle_weeks", "scale"), std::invalid_argument);
  EXPECT_THROW(batch::resolve(s, "accounts[nope].fit"), std::invalid_argument);
  EXPECT_THROW(batch::resolve(s, "params"), std::invalid_argument);
}

TEST(Batch, ApplyChecksDomainsAndTheScenarioRules) {
  const Scenario base = scenario_from_json(small_portfolio());
  const std::vector<batch::Edit> edits{batch::resolve(base, "params.coverage_gain"),
                                       batch::resolve(base, "accounts.wallet", "scale")};
  const std::vector<double> ok{0.07, 2.0};
  const Scenario s = batch::point_scenario(base, edits, ok);
  EXPECT_EQ(s.params.coverage_gain, 0.07);
  EXPECT_EQ(s.accounts[1].wallet, 2.0 * base.accounts[1].wallet);
  const std::vector<double> keep{std::numeric_limits<double>::quiet_NaN(), 1.0};
  EXPECT_EQ(batch::point_scenario(base, edits, keep).params.coverage_gain, base.params.coverage_gain);
  const std::vector<double> bad{1.5, 1.0};
  EXPECT_THROW(batch::point_scenario(base, edits, bad), ScenarioError);
  const std::vector<batch::Edit> deals{batch::resolve(base, "params.deal_fraction")};
  const std::vector<double> tiny{1e-7};
  EXPECT_THROW(batch::point_scenario(base, deals, tiny), ScenarioError);  // the deal-flow rule
}

TEST(Batch, PointsMeasureWhatTheRunRecords) {
  const fixtures::Built b = fixtures::build(small_portfolio());
  const std::vector<batch::Edit> edits{batch::resolve(b.scenario, "params.coverage_gain")};
  const std::vector<double> values{std::numeric_limits<double>::quiet_NaN()};  // the scenario as it is
  batch::PointsOptions po;
  po.replications = 40;
  po.seed = 9;
  po.threads = 2;
  po.outcomes = {{batch::Outcome::Kind::metric, metric::revenue}};
  po.period_ends = {b.scenario.horizon_weeks};
  po.keep_replications = true;
  const batch::PointsResult r = batch::run_points(b.scenario, edits, values, 1, {*b.scenario.policy}, po);
  const RunResult want = run(b.model, *b.policy, options(40, 9));
  ASSERT_EQ(r.values.size(), 40u);
  const int H = b.scenario.horizon_weeks;
  double total = 0.0;
  for (int rep = 0; rep < 40; ++rep) {
    double s = 0.0;
    for (int t = 0; t < H; ++t) s += want.portfolio[(static_cast<std::size_t>(rep) * H + t) * kNumMetrics + metric::revenue];
    EXPECT_EQ(r.values[static_cast<std::size_t>(rep)], s) << rep;
    total += s;
  }
  EXPECT_EQ(r.blocks, 2);
  EXPECT_DOUBLE_EQ(r.sum[0] + r.sum[1], total);
  EXPECT_EQ(r.count[0] + r.count[1], 40);
}

}  // namespace
}  // namespace cathedral
