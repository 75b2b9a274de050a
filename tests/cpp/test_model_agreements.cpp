// docs/model.md §3.5: the cooperation agreement (model/agreements.hpp).
#include <gtest/gtest.h>

#include <cmath>

#include "cathedral/model/agreements.hpp"
#include "cathedral/params.hpp"

namespace cathedral {
namespace {

// ------------------------------------------------------------- §3.5 ------

TEST(Agreement, RunningAgreementCountsDown) {
  const Params p;
  double left = 3;
  EXPECT_FALSE(agreements::step(p, left, true, 0.9, 0.9));  // one runs: no signing
  EXPECT_EQ(left, 2);
  EXPECT_FALSE(agreements::step(p, left, false, 0.0, 0.0));
  EXPECT_EQ(left, 1);
}

TEST(Agreement, SignsWhenTheLastWeekEnds) {
  const Params p;
  double left = 1;  // loses its last week, then none runs: renewal possible this week
  EXPECT_TRUE(agreements::step(p, left, true, 0.5, 0.6));
  EXPECT_EQ(left, 104);
}

TEST(Agreement, NeedsPursueOrgAndFit) {
  Params p;
  p.agreement_weeks = 26;
  double left = 0;
  EXPECT_FALSE(agreements::step(p, left, false, 0.9, 0.9));  // not pursued
  EXPECT_EQ(left, 0);
  EXPECT_FALSE(agreements::step(p, left, true, std::nextafter(0.5, 0.0), 0.9));  // O < min
  EXPECT_EQ(left, 0);
  EXPECT_FALSE(agreements::step(p, left, true, 0.9, std::nextafter(0.6, 0.0)));  // F < min
  EXPECT_EQ(left, 0);
  EXPECT_TRUE(agreements::step(p, left, true, 0.5, 0.6));  // thresholds are ≥
  EXPECT_EQ(left, 26);
  // custom thresholds
  p.agreement_min_org = 0.2;
  p.agreement_min_fit = 0.1;
  left = 0;
  EXPECT_TRUE(agreements::step(p, left, true, 0.2, 0.1));
  EXPECT_EQ(left, 26);
}

TEST(Agreement, FullCycleRenews) {
  Params p;
  p.agreement_weeks = 4;
  double left = 0;
  int signings = 0;
  for (int t = 0; t < 12; ++t) signings += agreements::step(p, left, true, 0.9, 0.9) ? 1 : 0;
  // signed in weeks 0, 4, 8: each runs 4 weeks (4, 3, 2, 1 left at the ends of its weeks)
  EXPECT_EQ(signings, 3);
  EXPECT_EQ(left, 1);
}

}  // namespace
}  // namespace cathedral
