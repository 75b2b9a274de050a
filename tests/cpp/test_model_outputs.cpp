// docs/model.md §8 outputs and §10 the fixed order of sums (model/outputs.hpp).
#include <gtest/gtest.h>

#include <array>
#include <bit>
#include <cstdint>
#include <vector>

#include "cathedral/metrics.hpp"
#include "cathedral/model/outputs.hpp"

namespace cathedral {
namespace {

constexpr double kTol = 1e-12;

TEST(Outputs, OrderedSumInFourInterleavedSums) {
  EXPECT_EQ(outputs::ordered_sum(nullptr, 0), 0.0);
  const double one[] = {2.5};
  EXPECT_EQ(outputs::ordered_sum(one, 1), 2.5);
  // values whose sum depends on the order: 1e16 + 1 loses the 1, 1 + 1 does not
  // lanes: s0 = 1e16 + 1e16, s1 = 1 + 1, s2 = −1e16 + −1e16, s3 = 1 + 1 → (2e16 + 2) + (−2e16 + 2)
  const double x[] = {1e16, 1.0, -1e16, 1.0, 1e16, 1.0, -1e16, 1.0};
  const double s01 = (1e16 + 1e16) + (1.0 + 1.0), s23 = (-1e16 + -1e16) + (1.0 + 1.0);
  EXPECT_EQ(outputs::ordered_sum(x, 8), s01 + s23);
  double sequential = 0.0;
  for (double v : x) sequential += v;
  EXPECT_NE(outputs::ordered_sum(x, 8), sequential);  // the order is not the plain one
  // the last n mod 4 accounts go to sum 0: [a0..a3] then a4, a5 into s0
  const double y[] = {1e16, 3.0, 5.0, 7.0, -1e16, 1.0};
  const double s0 = (1e16 + -1e16) + 1.0;
  EXPECT_EQ(outputs::ordered_sum(y, 6), (s0 + 3.0) + (5.0 + 7.0));
}

TEST(Outputs, PortfolioRowSumsFlowsAveragesStatesSumsWallets) {
  std::array<double, kNumMetrics> row{};
  for (int i = 0; i < kNumMetrics; ++i) row[static_cast<std::size_t>(i)] = 10.0 * (i + 1);  // the sums over 4 accounts
  outputs::finish_portfolio_row(row.data(), 4, 3.0);
  EXPECT_EQ(row[metric::revenue], 10.0);
  EXPECT_EQ(row[metric::seen_deals], 50.0);
  EXPECT_EQ(row[metric::contribution], 100.0 - 3.0);  // less the team cost
  EXPECT_EQ(row[metric::cash_flow], 110.0 - 3.0);
  EXPECT_EQ(row[metric::spend], 70.0);                 // not the team cost
  EXPECT_EQ(row[metric::support], 120.0 / 4);          // states: means
  EXPECT_EQ(row[metric::agreement_weeks_left], 190.0 / 4);
  EXPECT_EQ(row[metric::wallet], 200.0);               // wallet: a sum
}

TEST(Outputs, MeanAndSampleVariance) {
  double sum = 0.0, sq = 0.0;
  for (double x : {2.0, 4.0, 9.0}) outputs::accumulate(sum, sq, x);
  EXPECT_EQ(sum, 15.0);
  EXPECT_EQ(sq, 101.0);
  EXPECT_EQ(outputs::mean(sum, 3.0), 5.0);
  // Σ (x − 5)² / 2 = (9 + 1 + 16) / 2 = 13
  EXPECT_NEAR(outputs::sample_variance(sum, sq, 3.0), 13.0, kTol);
  EXPECT_EQ(outputs::sample_variance(7.0, 49.0, 1.0), 0.0);  // one replication: 0
  // never negative from rounding: equal values
  double s = 0.0, q = 0.0;
  for (int i = 0; i < 3; ++i) outputs::accumulate(s, q, 0.1);
  EXPECT_GE(outputs::sample_variance(s, q, 3.0), 0.0);
  EXPECT_NEAR(outputs::sample_variance(s, q, 3.0), 0.0, 1e-15);
}

}  // namespace
}  // namespace cathedral
