// docs/model.md §3.2 (version 2): the events of the week from the event clocks
// (model/events.hpp), and mean field's expected counts in the organisational jump.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>

#include "cathedral/model/events.hpp"
#include "cathedral/model/org_layer.hpp"
#include "cathedral/params.hpp"

namespace cathedral {
namespace {

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

}  // namespace
}  // namespace cathedral
