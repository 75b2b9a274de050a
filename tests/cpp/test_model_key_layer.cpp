// docs/model.md §3.3 key layer, §3.4 turnover, §7 mean-field mixing (model/key_layer.hpp),
// checked against values computed by hand from the formulas.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>

#include "cathedral/elementary.hpp"
#include "cathedral/model/key_layer.hpp"
#include "cathedral/model/units.hpp"
#include "cathedral/params.hpp"

namespace cathedral {
namespace {

constexpr double kTol = 1e-12;

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

// ---------------------------------------------------- responses, §3.0 ----

TEST(KeyLayer, ContactHoursAndResponses) {
  // s_k = social_hours · φ_k
  EXPECT_EQ(key_layer::contact_hours(6.0, 0.25), 1.5);
  EXPECT_EQ(key_layer::contact_hours(6.0, 0.0), 0.0);
  const Params p;  // social: half 2, shape 1; value: half 3, shape 1
  EXPECT_NEAR(key_layer::social_response(p, 2.0), 0.5, kTol);   // 2/(2 + 2)
  EXPECT_NEAR(key_layer::value_response(p, 1.0), 0.25, kTol);   // 1/(1 + 3)
  EXPECT_EQ(key_layer::social_response(p, 0.0), 0.0);
  Params q;
  q.social_shape = 2.0;
  q.value_shape = 3.0;
  EXPECT_NEAR(key_layer::social_response(q, 1.0), 1.0 / 5.0, kTol);   // 1/(1 + 4)
  EXPECT_NEAR(key_layer::value_response(q, 6.0), 216.0 / 243.0, kTol);  // 216/(216 + 27)
}

TEST(KeyLayer, StepEqualsStepWithItsDrivesBitForBit) {
  // the kernel computes the drives once an epoch and the loss once a week
  const Params p;
  const auto bits = [](double x) { return std::bit_cast<std::uint64_t>(x); };
  for (double O : {0.0, 0.37, 1.0})
    for (double rs : {0.0, 0.41})
      for (double rv : {0.0, 0.77}) {
        const key_layer::ContactState c{0.31, -0.42};
        const auto a = key_layer::step(p, c, 0.2, rs, rv, O);
        const auto b = key_layer::step_with(p, c, 0.2, key_layer::intimacy_drive(p, rs, rv),
                                            key_layer::support_drive(p, rv), key_layer::intimacy_loss(p, O));
        EXPECT_EQ(bits(a.intimacy), bits(b.intimacy));
        EXPECT_EQ(bits(a.support), bits(b.support));
      }
  // the drives by hand: gain (r_s + vti r_v), sgain r_v, decay (1 − shelter O)
  EXPECT_NEAR(key_layer::intimacy_drive(p, 0.4, 0.2), 0.08 * (0.4 + 0.5 * 0.2), kTol);
  EXPECT_NEAR(key_layer::support_drive(p, 0.2), 0.06 * 0.2, kTol);
  EXPECT_NEAR(key_layer::intimacy_loss(p, 0.6), 0.012 * (1.0 - 0.5 * 0.6), kTol);
}

// ---------------------------------------------------- turnover, §3.4 §7 ---

TEST(Turnover, WeeklyProbability) {
  Params p;  // 0.12 a year
  EXPECT_NEAR(key_layer::turnover_probability(p), 1.0 - std::exp(-0.12 / 52.0), kTol);
  p.turnover_per_year = 0.0;
  EXPECT_EQ(key_layer::turnover_probability(p), 0.0);
  p.turnover_per_year = 52.0;  // one a week on average: 1 − e^−1
  EXPECT_NEAR(key_layer::turnover_probability(p), 1.0 - std::exp(-1.0), kTol);
  // 52 weeks at the weekly probability: the yearly survival e^−rate
  p.turnover_per_year = 0.3;
  EXPECT_NEAR(std::pow(1.0 - key_layer::turnover_probability(p), 52.0), std::exp(-0.3), 1e-12);
}

TEST(Turnover, MeanFieldMixesTheSuccessorInAtItsRate) {
  // x ← (1 − p) x + p x_successor
  const key_layer::ContactState c{0.8, -0.5}, s{0.2, 0.3};
  const auto m = key_layer::mix_successor(c, s, 0.1);
  EXPECT_NEAR(m.intimacy, 0.9 * 0.8 + 0.1 * 0.2, kTol);  // .74
  EXPECT_NEAR(m.support, 0.9 * -0.5 + 0.1 * 0.3, kTol);  // −.42
  // no turnover keeps the contact, certain turnover is the successor
  EXPECT_EQ(key_layer::mix_successor(c, s, 0.0).intimacy, 0.8);
  EXPECT_EQ(key_layer::mix_successor(c, s, 0.0).support, -0.5);
  EXPECT_EQ(key_layer::mix_successor(c, s, 1.0).intimacy, 0.2);
  EXPECT_EQ(key_layer::mix_successor(c, s, 1.0).support, 0.3);
}

}  // namespace
}  // namespace cathedral
