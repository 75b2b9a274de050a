// docs/model.md §3.3 organisational layer (model/org_layer.hpp), checked against
// values computed by hand from the formulas.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>

#include "cathedral/model/org_layer.hpp"
#include "cathedral/params.hpp"

namespace cathedral {
namespace {

constexpr double kTol = 1e-12;

// -------------------------------------------------------------- §3.3 org --

TEST(OrgLayer, DriftWithoutEvents) {
  const Params p;
  // O° = .3 + .004·.5·.7 + .01·1·.8·.7 − .005·.3 = .3 + .0014 + .0056 − .0015 = .3055
  EXPECT_NEAR(org_layer::step(p, 0.3, 0.5, true, 0.8, 0.5, 0, 0), 0.3055, kTol);
  // no centre: .3 + .0014 − .0015 = .2999
  EXPECT_NEAR(org_layer::step(p, 0.3, 0.5, false, 0.8, 0.5, 0, 0), 0.2999, kTol);
}

TEST(OrgLayer, EventsJumpWithFitAndMatch) {
  const Params p;
  // O° = .3055 (above); keep_bm = 1 − .12·.8·.5 = .952; keep_ev = 1 − .06·.8·.5 = .976
  // O' = 1 − (1 − .3055)·.952²·.976
  const double expected = 1.0 - 0.6945 * 0.952 * 0.952 * 0.976;
  EXPECT_NEAR(org_layer::step(p, 0.3, 0.5, true, 0.8, 0.5, 2, 1), expected, kTol);
  EXPECT_NEAR(expected, 0.385678147072, 1e-12);
  // one benchmarking meeting, m = 1, F = 1, O = 0, C = 0: O' = .12
  EXPECT_NEAR(org_layer::step(p, 0.0, 0.0, false, 1.0, 1.0, 1, 0), 0.12, kTol);
  // one executive visit: .06; both: 1 − .88·.94 = .1728
  EXPECT_NEAR(org_layer::step(p, 0.0, 0.0, false, 1.0, 1.0, 0, 1), 0.06, kTol);
  EXPECT_NEAR(org_layer::step(p, 0.0, 0.0, false, 1.0, 1.0, 1, 1), 0.1728, kTol);
  // no fit or no match in stature: events do nothing
  EXPECT_EQ(org_layer::step(p, 0.0, 0.0, false, 0.0, 1.0, 3, 3), 0.0);
  EXPECT_EQ(org_layer::step(p, 0.0, 0.0, false, 1.0, 0.0, 3, 3), 0.0);
}

TEST(OrgLayer, Clips) {
  Params p;
  p.org_decay = 2.0;  // outside the valid domain: O° = .5 − 1 < 0
  EXPECT_EQ(org_layer::step(p, 0.5, 0.0, false, 0.5, 1.0, 0, 0), 0.0);
  Params q;
  q.exec_visit_jump = 1.5;  // keep = −.5: 1 − (1 − .2)(−.5) = 1.4 → 1
  EXPECT_EQ(org_layer::step(q, 0.2, 0.0, false, 1.0, 1.0, 0, 1), 1.0);
}

TEST(OrgLayer, SteadyStateFromCoverageAndCentre) {
  const Params p;
  // O* = (a C + j F) / (a C + j F + d)
  const double C = 0.8, F = 0.6;
  double O = 0.0;
  for (int i = 0; i < 20000; ++i) O = org_layer::step(p, O, C, true, F, 1.0, 0, 0);
  const double in = 0.004 * 0.8 + 0.01 * 0.6;
  EXPECT_NEAR(O, in / (in + 0.005), kTol);
}

TEST(OrgLayer, CentreOpensWhenNoneRanBefore) {
  EXPECT_TRUE(org_layer::centre_opens(true, false));
  EXPECT_FALSE(org_layer::centre_opens(true, true));    // kept running: no new setup
  EXPECT_FALSE(org_layer::centre_opens(false, false));
  EXPECT_FALSE(org_layer::centre_opens(false, true));   // closed
}

TEST(OrgLayer, AtMostTwoEventsGivesTheBitsOfTheLoop) {
  // the kernel's branch-free form for n <= 2 against n successive products
  const Params p;
  const auto bits = [](double x) { return std::bit_cast<std::uint64_t>(x); };
  for (double n_bm : {0.0, 1.0, 2.0})
    for (double n_ev : {0.0, 1.0, 2.0}) {
      EXPECT_EQ(bits(org_layer::step<org_layer::Events::at_most_two>(p, 0.3, 0.5, 1.0, 0.8, 0.7, n_bm, n_ev)),
                bits(org_layer::step<org_layer::Events::whole>(p, 0.3, 0.5, 1.0, 0.8, 0.7, n_bm, n_ev)))
          << n_bm << " " << n_ev;
      EXPECT_EQ(bits(org_layer::times_power_upto2(0.6, 0.93, n_bm)), bits(org_layer::times_power(0.6, 0.93, n_bm)));
    }
  // three meetings: three products
  EXPECT_NEAR(org_layer::times_power(0.5, 0.9, 3.0), 0.5 * 0.729, kTol);
  EXPECT_NEAR(org_layer::times_fractional_power(0.5, 0.9, 0.5), 0.5 * std::sqrt(0.9), kTol);
  EXPECT_EQ(org_layer::times_fractional_power(0.5, 0.0, 0.0), 0.5);  // 0^0 = 1
  EXPECT_EQ(org_layer::times_fractional_power(0.5, 0.0, 0.1), 0.0);
}

}  // namespace
}  // namespace cathedral
