// The weekly equations of docs/model.md §1 and §3.1–§3.5, §3.7, checked against
// values computed by hand from the formulas (written out next to each check).
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

#include "cathedral/model/accounting.hpp"
#include "cathedral/model/broad_layer.hpp"
#include "cathedral/model/key_layer.hpp"
#include "cathedral/model/market.hpp"
#include "cathedral/model/agreements.hpp"
#include "cathedral/model/events.hpp"
#include "cathedral/model/org_layer.hpp"
#include "cathedral/params.hpp"
#include "cathedral/model/units.hpp"
#include "cathedral/scenario.hpp"

namespace cathedral {
namespace {

constexpr double kTol = 1e-12;

// ---------------------------------------------------------------- §1 ------

TEST(Response, HillAtZeroIsZero) {
  EXPECT_EQ(hill(0.0, 2.0, 1.0), 0.0);
  EXPECT_EQ(hill(0.0, 2.0, 3.0), 0.0);
  EXPECT_EQ(hill(0.0, 0.5, 0.5), 0.0);
}

TEST(Response, HillConcaveShapeOne) {
  // x / (x + h)
  EXPECT_NEAR(hill(2.0, 2.0, 1.0), 0.5, kTol);
  EXPECT_NEAR(hill(6.0, 2.0, 1.0), 6.0 / 8.0, kTol);
  EXPECT_NEAR(hill(1.0, 3.0, 1.0), 0.25, kTol);
}

TEST(Response, HillShapeNotOne) {
  // x^c / (x^c + h^c)
  EXPECT_NEAR(hill(1.0, 2.0, 2.0), 1.0 / (1.0 + 4.0), kTol);        // 0.2
  EXPECT_NEAR(hill(4.0, 2.0, 3.0), 64.0 / (64.0 + 8.0), kTol);      // 8/9
  EXPECT_NEAR(hill(3.0, 3.0, 2.7), 0.5, kTol);                      // x = h: always 1/2
  EXPECT_NEAR(hill(4.0, 1.0, 0.5), 2.0 / (2.0 + 1.0), kTol);        // sqrt: 2/3
  // S-shaped: below the half point a shape > 1 responds less than shape 1.
  EXPECT_LT(hill(1.0, 2.0, 3.0), hill(1.0, 2.0, 1.0));
  EXPECT_NEAR(hill(1.0, 2.0, 3.0), 1.0 / 9.0, kTol);
}

TEST(Response, ClipAndLogistic) {
  EXPECT_EQ(clip(1.5, 0.0, 1.0), 1.0);
  EXPECT_EQ(clip(-0.5, 0.0, 1.0), 0.0);
  EXPECT_EQ(clip(0.25, 0.0, 1.0), 0.25);
  EXPECT_EQ(clip(-1.5, -1.0, 1.0), -1.0);
  // the edge cases of x < lo ? lo : (x > hi ? hi : x), bit for bit
  auto bits = [](double x) { return std::bit_cast<std::uint64_t>(x); };
  EXPECT_EQ(bits(clip(-0.0, 0.0, 1.0)), bits(-0.0));  // -0 is not below +0
  EXPECT_EQ(bits(clip(0.0, -1.0, 1.0)), bits(0.0));
  EXPECT_EQ(clip(1.0, 0.0, 1.0), 1.0);
  EXPECT_EQ(clip(std::numeric_limits<double>::infinity(), -1.0, 1.0), 1.0);
  EXPECT_EQ(clip(-std::numeric_limits<double>::infinity(), -1.0, 1.0), -1.0);
  EXPECT_TRUE(std::isnan(clip(std::numeric_limits<double>::quiet_NaN(), 0.0, 1.0)));
  EXPECT_EQ(select(true, 2.0, 3.0), 2.0);
  EXPECT_EQ(select(false, 2.0, 3.0), 3.0);
  EXPECT_EQ(bits(select(false, 2.0, -0.0)), bits(-0.0));
  EXPECT_NEAR(logistic(0.0), 0.5, kTol);
  EXPECT_NEAR(logistic(std::log(3.0)), 0.75, kTol);  // 1 / (1 + 1/3)
  EXPECT_NEAR(logistic(-std::log(3.0)), 0.25, kTol);
}

// ------------------------------------------------------------- §3.3 key ---

TEST(KeyLayer, IntimacyAndSupportMatchHandComputed) {
  const Params p;  // defaults: gain .08, vti .5, decay .012, shelter .5, sgain .06, relax .01, affinity .3
  // I = .3, S = .2, stance = .1, r_s = .4, r_v = .25, O = .6
  const auto n = key_layer::step(p, {0.3, 0.2}, 0.1, 0.4, 0.25, 0.6);
  // I' = .3 + .08 (.4 + .5·.25)(1 − .3) − .012 (1 − .5·.6) .3 = .3 + .0294 − .00252
  EXPECT_NEAR(n.intimacy, 0.32688, kTol);
  // Ŝ = .1 + .3·.3·(1 − .1) = .181
  // S' = .2 + .06·.25·(.5 + .5·.3)(1 − .2) − .01 (.2 − .181) = .2 + .0078 − .00019
  EXPECT_NEAR(n.support, 0.20761, kTol);
}

TEST(KeyLayer, NegativeStanceWithoutEffort) {
  const Params p;
  // I = .8, S = −.4, stance = −.5, no effort, O = 0
  const auto n = key_layer::step(p, {0.8, -0.4}, -0.5, 0.0, 0.0, 0.0);
  // I' = .8 − .012·1·.8 = .7904
  EXPECT_NEAR(n.intimacy, 0.7904, kTol);
  // Ŝ = −.5 + .3·.8·1.5 = −.14; S' = −.4 − .01(−.4 + .14) = −.3974
  EXPECT_NEAR(n.support, -0.3974, kTol);
}

TEST(KeyLayer, OrgShelterSlowsDecay) {
  const Params p;
  // I = .5, O = 1: decay .012·(1 − .5)·.5 = .003
  EXPECT_NEAR(key_layer::step(p, {0.5, 0.0}, 0.0, 0.0, 0.0, 1.0).intimacy, 0.497, kTol);
  // O = 0: decay .012·.5 = .006
  EXPECT_NEAR(key_layer::step(p, {0.5, 0.0}, 0.0, 0.0, 0.0, 0.0).intimacy, 0.494, kTol);
}

TEST(KeyLayer, SupportTargetShat) {
  // With support_relax = 1 and no value work, S' = S − (S − Ŝ) = Ŝ.
  Params p;
  p.support_relax = 1.0;
  p.affinity = 0.3;
  // Ŝ = .2 + .3·.5·(1 − .2) = .32
  EXPECT_NEAR(key_layer::step(p, {0.5, -0.7}, 0.2, 0.0, 0.0, 0.0).support, 0.32, kTol);
  // Ŝ = −.6 + .3·1·1.6 = −.12
  EXPECT_NEAR(key_layer::step(p, {1.0, 0.9}, -0.6, 0.0, 0.0, 0.0).support, -0.12, kTol);
  // stance = 1: Ŝ = 1 whatever I
  EXPECT_NEAR(key_layer::step(p, {0.0, 0.0}, 1.0, 0.0, 0.0, 0.0).support, 1.0, kTol);
}

TEST(KeyLayer, ClipsToUnitAndSignedUnit) {
  Params p;
  p.intimacy_gain = 1.0;
  p.value_to_intimacy = 1.0;
  p.intimacy_decay = 0.0;
  p.support_gain = 1.0;
  // I' = .5 + 1·(1 + 1)·.5 = 1.5 → 1;  Ŝ = .3·.5 = .15;  S' = 0 + 1·1·.75·1 − .01(0 − .15) = .7515
  auto n = key_layer::step(p, {0.5, 0.0}, 0.0, 1.0, 1.0, 0.0);
  EXPECT_EQ(n.intimacy, 1.0);
  EXPECT_NEAR(n.support, 0.7515, kTol);
  // S = .9, I = 1: S' = .9 + 1·1·1·.1 − .01(.9 − .3) = .994; with support_gain 2: .9 + .2 − .006 = 1.094 → 1
  p.support_gain = 2.0;
  n = key_layer::step(p, {1.0, 0.9}, 0.0, 0.0, 1.0, 0.0);
  EXPECT_EQ(n.support, 1.0);

  Params q;
  q.intimacy_decay = 2.0;  // outside the valid domain, to reach the lower clip
  q.support_relax = 2.0;
  // I' = .5 − 2·.5 = −.5 → 0;  Ŝ = −1;  S' = 0 − 2(0 + 1) = −2 → −1
  n = key_layer::step(q, {0.5, 0.0}, -1.0, 0.0, 0.0, 0.0);
  EXPECT_EQ(n.intimacy, 0.0);
  EXPECT_EQ(n.support, -1.0);
}

TEST(KeyLayer, SteadyStateWithConstantEffort) {
  const Params p;
  const double rs = hill(3.0, p.social_half_hours, p.social_shape);  // 3/5
  const double rv = hill(4.5, p.value_half_hours, p.value_shape);    // 4.5/7.5 = .6
  const double O = 0.4, stance = -0.2;
  // Fixed point of I: a(1 − I) = b I, a = gain (r_s + vti r_v), b = decay (1 − shelter O)
  const double a = 0.08 * (0.6 + 0.5 * 0.6), b = 0.012 * (1.0 - 0.5 * 0.4);
  const double I_star = a / (a + b);
  // Fixed point of S at I*: c (1 − S) = relax (S − Ŝ), c = sgain r_v (.5 + .5 I*)
  const double S_hat = stance + 0.3 * I_star * (1.0 - stance);
  const double c = 0.06 * 0.6 * (0.5 + 0.5 * I_star);
  const double S_star = (c + 0.01 * S_hat) / (c + 0.01);
  key_layer::ContactState s{0.0, -0.9};
  for (int i = 0; i < 20000; ++i) s = key_layer::step(p, s, stance, rs, rv, O);
  EXPECT_NEAR(s.intimacy, I_star, kTol);
  EXPECT_NEAR(s.support, S_star, kTol);
}

TEST(KeyLayer, IntimacyDecaysGeometricallyWithoutEffort) {
  const Params p;
  // I_n = I_0 (1 − decay (1 − shelter O))^n
  key_layer::ContactState s{0.9, 0.0};
  for (int i = 0; i < 52; ++i) s = key_layer::step(p, s, 0.0, 0.0, 0.0, 0.2);
  EXPECT_NEAR(s.intimacy, 0.9 * std::pow(1.0 - 0.012 * 0.9, 52), kTol);
}

// ------------------------------------------------------------- §3.4 ------

TEST(Turnover, SuccessorStartsFromCoverageAndOrg) {
  const Params p;
  // I = .1 + .4·.5 = .3;  S = .2 + .6·.4·(1 − .2) = .392
  auto s = key_layer::successor(p, 0.2, 0.5, 0.4);
  EXPECT_NEAR(s.intimacy, 0.3, kTol);
  EXPECT_NEAR(s.support, 0.392, kTol);
  // stance −1, O = 1: S = −1 + .6·1·2 = .2;  C = 1: I = .5
  s = key_layer::successor(p, -1.0, 1.0, 1.0);
  EXPECT_NEAR(s.intimacy, 0.5, kTol);
  EXPECT_NEAR(s.support, 0.2, kTol);
  // nothing built: the successor starts at the base and the stance
  s = key_layer::successor(p, -0.3, 0.0, 0.0);
  EXPECT_NEAR(s.intimacy, 0.1, kTol);
  EXPECT_NEAR(s.support, -0.3, kTol);
}

// ------------------------------------------------------------ §3.3 broad --

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

// ------------------------------------------------------------- §3.2 ------

// Events held in weeks [from_week, to_week) at a constant rate, by the event clock.
int events_in(int from_week, int to_week, double rate) {
  double clock = 0.0;
  int n = 0;
  for (int t = 0; t < to_week; ++t) {
    const double next = events::advance_clock(clock, rate);
    if (t >= from_week) n += static_cast<int>(events::held(clock, next));
    clock = next;
  }
  return n;
}

TEST(Events, IntegerRatesGiveTheRateInEveryYear) {
  for (double rate : {0.0, 1.0, 2.0, 3.0, 12.0, 52.0, 104.0}) {
    EXPECT_EQ(events_in(0, 52, rate), static_cast<int>(rate)) << rate;
    EXPECT_EQ(events_in(52, 104, rate), static_cast<int>(rate)) << rate;
    EXPECT_EQ(events_in(0, 156, rate), 3 * static_cast<int>(rate)) << rate;
  }
}

TEST(Events, IntegerRatesHoldTheirEventsInTheVersion1Weeks) {
  // an integer rate b: c_t = (t+1)·b exactly, so the week's count is
  // ⌊(u+1)·b/52⌋ − ⌊u·b/52⌋ with u = t mod 52, as in version 1
  for (double rate : {1.0, 2.0, 3.0, 7.0, 52.0, 104.0}) {
    double clock = 0.0;
    for (int t = 0; t < 156; ++t) {
      const double next = events::advance_clock(clock, rate);
      const int u = t % 52;
      EXPECT_EQ(events::held(clock, next), std::floor((u + 1) * rate / 52.0) - std::floor(u * rate / 52.0)) << rate << " " << t;
      EXPECT_EQ(next, (t + 1) * rate);
      clock = next;
    }
  }
  // rate 2: one at u = 25 (26·2/52 = 1) and one at u = 51
  for (int t = 0; t < 104; ++t) EXPECT_EQ(events_in(t, t + 1, 2.0), (t % 52 == 25 || t % 52 == 51) ? 1 : 0) << t;
}

TEST(Events, NonIntegerRatesGiveTheirRateOnAverage) {
  // the clock runs across years: 1.5 a year gives 1, then 2 in the next year, 3 in two years
  EXPECT_EQ(events_in(0, 52, 1.5), 1);
  EXPECT_EQ(events_in(52, 104, 1.5), 2);
  EXPECT_EQ(events_in(0, 104, 1.5), 3);
  EXPECT_EQ(events_in(0, 52, 0.9), 0);
  EXPECT_EQ(events_in(0, 104, 0.9), 1);   // 0.9·104/52 = 1.8
  EXPECT_EQ(events_in(0, 520, 0.83), 8);  // ⌊8.3⌋ over ten years
  for (double rate : {0.3, 0.83, 1.7, 2.999, 7.3}) {
    const int years = 40;
    const int n = events_in(0, 52 * years, rate);
    EXPECT_LE(std::abs(n - rate * years), 1.0) << rate;  // never more than one event from b a year
  }
}

TEST(Events, AWeekHoldsAtMostTwoEventsAtRatesUpTo52) {
  for (double rate : {0.5, 13.7, 51.999, 52.0}) {
    ASSERT_TRUE(events::at_most_two(rate));
    double clock = 0.0;
    for (int t = 0; t < 520; ++t) {
      const double next = events::advance_clock(clock, rate);
      EXPECT_LE(events::held(clock, next), 2.0) << rate << " " << t;
      clock = next;
    }
  }
  EXPECT_FALSE(events::at_most_two(52.5));
}

TEST(Events, MeanFieldUsesTheExpectedCount) {
  EXPECT_EQ(events::expected(0.0), 0.0);
  EXPECT_EQ(events::expected(2.6), 2.6 / 52.0);
  // the org jump with a fractional count: (1 − jump·F·m)^(b/52)
  const Params p;
  const double O = org_layer::step<org_layer::Events::expected>(p, 0.2, 0.0, 0.0, 0.5, 1.0, 2.6 / 52.0, 0.0);
  const double drift = 0.2 - 0.005 * 0.2;
  EXPECT_NEAR(O, 1.0 - (1.0 - drift) * std::pow(1.0 - 0.12 * 0.5, 0.05), 1e-15);
  // 52 weeks of the expected count compound to one whole event's jump (no drift: decay 0)
  Params q;
  q.org_decay = 0.0;
  double x = 0.2;
  for (int t = 0; t < 52; ++t) x = org_layer::step<org_layer::Events::expected>(q, x, 0.0, 0.0, 0.5, 1.0, 1.0 / 52.0, 0.0);
  EXPECT_NEAR(x, 1.0 - 0.8 * (1.0 - 0.06), 1e-13);
  // a jump of 1 (keep 0): any event closes the gap; none leaves it
  Params r;
  r.benchmarking_jump = 1.0;
  EXPECT_EQ(org_layer::step<org_layer::Events::expected>(r, 0.2, 0.0, 0.0, 1.0, 1.0, 0.01, 0.0), 1.0);
  EXPECT_EQ(org_layer::step<org_layer::Events::expected>(r, 0.2, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0), org_layer::step(r, 0.2, 0.0, 0.0, 1.0, 1.0, 0, 0));
}

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

// ------------------------------------------------------------- §3.1 ------

TEST(Market, CycleStep) {
  const Params p;
  // x = .98·.1 + .03·1.5 = .143
  EXPECT_NEAR(market::cycle_step(p, 0.1, 1.5), 0.143, kTol);
  EXPECT_NEAR(market::cycle_step(p, 0.0, -2.0), -0.06, kTol);
}

TEST(Market, StrategyShift) {
  const Params p;
  EXPECT_NEAR(market::strategy_shift_probability(p), 1.0 - std::exp(-0.2 / 52.0), kTol);
  // F̄ + .3 ε, clipped
  EXPECT_NEAR(market::shifted_target(p, 0.5, 1.0), 0.8, kTol);
  EXPECT_NEAR(market::shifted_target(p, 0.5, -0.5), 0.35, kTol);
  EXPECT_EQ(market::shifted_target(p, 0.9, 2.0), 1.0);
  EXPECT_EQ(market::shifted_target(p, 0.1, -1.0), 0.0);
}

TEST(Market, FitStep) {
  const Params p;
  // F' = .4 + .02 (.8 − .4) + .01·.5 = .413
  EXPECT_NEAR(market::fit_step(p, 0.4, 0.8, 0.5), 0.413, kTol);
  // F' = .6 + .02 (.2 − .6) − .01·1 = .582
  EXPECT_NEAR(market::fit_step(p, 0.6, 0.2, -1.0), 0.582, kTol);
  EXPECT_EQ(market::fit_step(p, 0.999, 1.0, 5.0), 1.0);
  EXPECT_EQ(market::fit_step(p, 0.001, 0.0, -5.0), 0.0);
}

TEST(Market, WalletWeeklyFactor) {
  const Params p;  // wallet_fit_growth .2
  // g = .1 + .2 (.7 − .5) = .14: factor = 1.14^(1/52)
  const double f = market::wallet_weekly_factor(p, 0.1, 0.7);
  EXPECT_NEAR(f, std::pow(1.14, 1.0 / 52.0), kTol);
  EXPECT_NEAR(std::pow(f, 52.0), 1.14, 1e-12);
  // g = 0 + .2 (.3 − .5) = −.04
  EXPECT_NEAR(market::wallet_weekly_factor(p, 0.0, 0.3), std::pow(0.96, 1.0 / 52.0), kTol);
  // floor: g = −.98 + .2 (0 − .5) = −1.08 → −.99: factor .01^(1/52)
  EXPECT_NEAR(market::wallet_weekly_factor(p, -0.98, 0.0), std::pow(0.01, 1.0 / 52.0), kTol);
  EXPECT_GT(market::wallet_weekly_factor(p, -0.98, 0.0), 0.0);
  // exactly at the floor and above it
  Params q;
  q.wallet_fit_growth = 0.0;
  EXPECT_NEAR(market::wallet_weekly_factor(q, -0.99, 0.5), std::pow(0.01, 1.0 / 52.0), kTol);
  EXPECT_NEAR(market::wallet_weekly_factor(q, -0.5, 0.5), std::pow(0.5, 1.0 / 52.0), kTol);
}

// ------------------------------------------------------------- §3.7 ------

Costs distinct_costs() {
  Costs c;
  c.social_money_per_hour = 0.3;
  c.visit_hours = 2.5;
  c.visit_money = 0.07;
  c.service_money_per_hour = 0.11;
  c.benchmarking_exec_days = 1.5;
  c.benchmarking_hours = 16;
  c.benchmarking_money = 5;
  c.exec_visit_exec_days = 2.25;
  c.exec_visit_hours = 8;
  c.exec_visit_money = 20;
  c.agreement_exec_days = 3;
  c.agreement_hours = 40;
  c.agreement_money = 10;
  c.jic_setup_money = 500;
  c.jic_money_per_year = 312;
  c.jic_hours_per_week = 4;
  return c;
}

// The week from the allocation: the epoch's fixed part, then the week's events.
accounting::Week account_week(const Costs& c, const double* alloc, double n_bm, double n_ev, bool centre_runs,
                              bool centre_opens, bool agreement_signed) {
  return accounting::week(c, accounting::epoch_costs(c, alloc, centre_runs), n_bm, n_ev, centre_opens ? 1.0 : 0.0,
                          agreement_signed ? 1.0 : 0.0);
}

TEST(Accounting, EveryTermOfSpendHoursAndExecDays) {
  const Costs c = distinct_costs();
  double alloc[kNumAllocFields] = {};
  using F = AllocField;
  for (auto [f, v] : std::initializer_list<std::pair<F, double>>{
           {F::social_hours, 3}, {F::value_hours, 5}, {F::visits, 4}, {F::service_hours, 2},
           {F::benchmarking, 9}, {F::exec_visits, 7}, {F::pursue_agreement, 1}, {F::jic, 1}})
    alloc[static_cast<int>(f)] = v;
  // Plain week, nothing else: spend = 3·.3 + 4·.07 + 2·.11 = 1.4
  auto w = account_week(c, alloc, 0, 0, false, false, false);
  EXPECT_NEAR(w.spend, 0.9 + 0.28 + 0.22, kTol);
  // hours = 3 + 5 + 2 + 4·2.5 = 20
  EXPECT_NEAR(w.hours, 20.0, kTol);
  EXPECT_NEAR(w.exec_days, 0.0, kTol);

  // + 2 benchmarking meetings, 1 executive visit
  w = account_week(c, alloc, 2, 1, false, false, false);
  EXPECT_NEAR(w.spend, 1.4 + 2 * 5 + 20, kTol);
  EXPECT_NEAR(w.hours, 20.0 + 2 * 16 + 8, kTol);
  EXPECT_NEAR(w.exec_days, 2 * 1.5 + 2.25, kTol);

  // + a running centre: 312/52 = 6 money, 4 hours
  w = account_week(c, alloc, 0, 0, true, false, false);
  EXPECT_NEAR(w.spend, 1.4 + 6.0, kTol);
  EXPECT_NEAR(w.hours, 24.0, kTol);
  EXPECT_NEAR(w.exec_days, 0.0, kTol);

  // + its opening week: setup 500
  w = account_week(c, alloc, 0, 0, true, true, false);
  EXPECT_NEAR(w.spend, 1.4 + 6.0 + 500.0, kTol);
  EXPECT_NEAR(w.hours, 24.0, kTol);

  // + an agreement signed: 10 money, 40 hours, 3 exec days
  w = account_week(c, alloc, 0, 0, false, false, true);
  EXPECT_NEAR(w.spend, 1.4 + 10.0, kTol);
  EXPECT_NEAR(w.hours, 20.0 + 40.0, kTol);
  EXPECT_NEAR(w.exec_days, 3.0, kTol);

  // everything at once
  w = account_week(c, alloc, 1, 2, true, true, true);
  EXPECT_NEAR(w.spend, 1.4 + 5 + 40 + 6 + 500 + 10, kTol);
  EXPECT_NEAR(w.hours, 20.0 + 16 + 16 + 4 + 40, kTol);
  EXPECT_NEAR(w.exec_days, 1.5 + 4.5 + 3, kTol);
}

TEST(Accounting, ValueHoursCostHoursOnly) {
  const Costs c = distinct_costs();
  double alloc[kNumAllocFields] = {};
  alloc[static_cast<int>(AllocField::value_hours)] = 7;
  const auto w = account_week(c, alloc, 0, 0, false, false, false);
  EXPECT_EQ(w.spend, 0.0);
  EXPECT_NEAR(w.hours, 7.0, kTol);
}

TEST(Accounting, TeamCost) {
  Resources r;
  r.account_managers = 3;
  r.am_cost_per_year = 156;
  EXPECT_NEAR(accounting::team_cost_per_week(r), 9.0, kTol);  // 3·156/52
}

}  // namespace
}  // namespace cathedral
