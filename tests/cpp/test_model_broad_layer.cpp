// docs/model.md §3.3 broad layer (model/broad_layer.hpp), checked against values
// computed by hand from the formulas.
#include <gtest/gtest.h>

#include <cmath>

#include "cathedral/model/broad_layer.hpp"
#include "cathedral/params.hpp"

namespace cathedral {
namespace {

constexpr double kTol = 1e-12;

TEST(BroadLayer, ResponsesScaleWithStaff) {
  const Params p;
  // half = visit_half_per_100_staff · staff/100 = 2 for 200 staff: 3/(3 + 2)
  EXPECT_NEAR(broad_layer::visit_response(p, 3.0, 200.0), 0.6, kTol);
  EXPECT_NEAR(broad_layer::visit_response(p, 1.0, 100.0), 0.5, kTol);
  EXPECT_EQ(broad_layer::visit_response(p, 0.0, 100.0), 0.0);
  Params q;
  q.visit_shape = 2.0;
  EXPECT_NEAR(broad_layer::visit_response(q, 3.0, 200.0), 9.0 / 13.0, kTol);
  // service: 2/(2 + 2)
  EXPECT_NEAR(broad_layer::service_response(p, 2.0), 0.5, kTol);
  EXPECT_NEAR(broad_layer::service_response(p, 6.0), 0.75, kTol);
}

TEST(BroadLayer, CoverageMatchesHandComputed) {
  const Params p;
  // C' = .3 + .05·.6·(1 − .3) − .015·.3 = .3 + .021 − .0045
  EXPECT_NEAR(broad_layer::coverage_step(p, 0.3, 0.6), 0.3165, kTol);
  // without visits: C' = .8 (1 − .015)
  EXPECT_NEAR(broad_layer::coverage_step(p, 0.8, 0.0), 0.788, kTol);
}

TEST(BroadLayer, CoverageClips) {
  Params p;
  p.coverage_gain = 3.0;  // outside the valid domain, to reach the clip
  p.coverage_decay = 0.0;
  EXPECT_EQ(broad_layer::coverage_step(p, 0.5, 1.0), 1.0);  // .5 + 1.5
  Params q;
  q.coverage_decay = 2.0;
  EXPECT_EQ(broad_layer::coverage_step(q, 0.5, 0.0), 0.0);  // .5 − 1
}

TEST(BroadLayer, SatisfactionTargetAndStep) {
  const Params p;
  // Q* = .3 + .7 (.4·.5 + .6·.5) = .65
  EXPECT_NEAR(broad_layer::satisfaction_target(p, 0.5, 0.5), 0.65, kTol);
  // Q* = .3 + .7 (.4·1 + .6·0) = .58
  EXPECT_NEAR(broad_layer::satisfaction_target(p, 1.0, 0.0), 0.58, kTol);
  // Q' = .5 + .05 (.65 − .5) = .5075
  EXPECT_NEAR(broad_layer::satisfaction_step(p, 0.5, 0.5, 0.5), 0.5075, kTol);
  // nothing done: Q drifts down to the floor .3: Q' = .9 + .05 (.3 − .9) = .87
  EXPECT_NEAR(broad_layer::satisfaction_step(p, 0.9, 0.0, 0.0), 0.87, kTol);
}

TEST(BroadLayer, CoverageSteadyState) {
  const Params p;
  for (double rb : {0.1, 0.6, 1.0}) {
    double C = 0.05;
    for (int i = 0; i < 5000; ++i) C = broad_layer::coverage_step(p, C, rb);
    // C* = g r / (g r + d)
    EXPECT_NEAR(C, 0.05 * rb / (0.05 * rb + 0.015), kTol) << "r_b = " << rb;
  }
}

TEST(BroadLayer, SatisfactionConvergesToTarget) {
  const Params p;
  const double C = 0.7, ru = 0.4;
  double Q = 0.95;
  for (int i = 0; i < 5000; ++i) Q = broad_layer::satisfaction_step(p, Q, C, ru);
  // Q* = .3 + .7 (.4·.7 + .6·.4) = .3 + .7·.52 = .664
  EXPECT_NEAR(Q, 0.664, kTol);
}

}  // namespace
}  // namespace cathedral
