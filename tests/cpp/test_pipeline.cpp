// Opportunities and decisions (MODEL.md §3.6): indices, rates, win
// probability, margins, deal sizes and the order book.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "cathedral/params.hpp"
#include "cathedral/pipeline.hpp"
#include "cathedral/random.hpp"

namespace cathedral {
namespace {

constexpr double kTol = 1e-12;

TEST(Pipeline, TechLead) {
  const Params p;  // tech_from_coverage .6, tech_from_jic .4
  EXPECT_NEAR(pipeline::tech_lead(p, 0.5, false), 0.3, kTol);   // .6·.5
  EXPECT_NEAR(pipeline::tech_lead(p, 0.5, true), 0.7, kTol);    // .3 + .4
  EXPECT_NEAR(pipeline::tech_lead(p, 0.9, true), 0.94, kTol);   // .54 + .4
  EXPECT_EQ(pipeline::tech_lead(p, 0.0, false), 0.0);
  EXPECT_EQ(pipeline::tech_lead(p, 1.0, true), 1.0);            // exactly 1
  Params q;
  q.tech_from_jic = 0.8;
  EXPECT_EQ(pipeline::tech_lead(q, 0.9, true), 1.0);            // min(1, 1.34)
  q.tech_from_coverage = 1.0;
  EXPECT_EQ(pipeline::tech_lead(q, 0.5, true), 1.0);            // min(1, 1.3)
}

TEST(Pipeline, Discovery) {
  const Params p;  // base .4, from_intimacy .5
  // ν = .4 + .6 (1 − (1 − .3)(1 − .5·.6)) = .4 + .6·(1 − .49) = .706
  EXPECT_NEAR(pipeline::discovery(p, 0.3, 0.6), 0.706, kTol);
  EXPECT_NEAR(pipeline::discovery(p, 0.0, 0.0), 0.4, kTol);
  EXPECT_NEAR(pipeline::discovery(p, 1.0, 0.0), 1.0, kTol);
  // C = 0, Ī = 1: .4 + .6·.5 = .7
  EXPECT_NEAR(pipeline::discovery(p, 0.0, 1.0), 0.7, kTol);
}

TEST(Pipeline, ProjectRate) {
  // W M ν / (52 d̄) = 1040·1.1·.5 / 520 = 1.1
  EXPECT_NEAR(pipeline::project_rate(1040.0, 1.1, 0.5, 10.0), 1.1, kTol);
  EXPECT_EQ(pipeline::project_rate(1040.0, 1.0, 0.0, 10.0), 0.0);
}

TEST(Pipeline, DigRate) {
  const Params p;  // dig_wallet_share .15, dig_deal_fraction .25
  // .15·1040 / (52·.25·10) · .5 · .4 = 1.2 · .2 = .24
  EXPECT_NEAR(pipeline::dig_rate(p, 1040.0, 10.0, 0.5, 0.4), 0.24, kTol);
  EXPECT_EQ(pipeline::dig_rate(p, 1040.0, 10.0, 0.0, 0.4), 0.0);  // no visits
  EXPECT_EQ(pipeline::dig_rate(p, 1040.0, 10.0, 0.5, 0.0), 0.0);  // no coverage
}

TEST(Pipeline, WinProbability) {
  const Params p;
  const pipeline::Indices x{0.4, 0.9, 0.3, 0.7};  // K, Ī (unused), T, ν (unused)
  // z = −.5 + 2.5·.4 + 1·.3 + 1·.2 + .5 (.7 − .5) + 1 (.6 − .5) − 1·.5 = .7
  EXPECT_NEAR(pipeline::win_probability(p, x, 0.2, 0.7, 0.6, 0.5), 1.0 / (1.0 + std::exp(-0.7)), kTol);
  // neutral account: z = −.5 + 0 + 0 + 0 + 0 + 0 − .5 = −1
  const pipeline::Indices zero{0.0, 0.0, 0.0, 0.0};
  EXPECT_NEAR(pipeline::win_probability(p, zero, 0.0, 0.5, 0.5, 0.5), 1.0 / (1.0 + std::exp(1.0)), kTol);
  // every coefficient counts: custom weights
  Params q;
  q.win_intercept = 0.1;
  q.win_support = 1.0;
  q.win_tech = 2.0;
  q.win_org = 3.0;
  q.win_fit = 4.0;
  q.win_satisfaction = 5.0;
  q.win_competitor = 6.0;
  const pipeline::Indices y{-0.2, 0.0, 0.5, 0.0};
  // z = .1 − .2 + 1 + 3·.1 + 4·(.3 − .5) + 5·(.4 − .5) − 6·.25 = .1 −.2 +1 +.3 −.8 −.5 −1.5 = −1.6
  EXPECT_NEAR(pipeline::win_probability(q, y, 0.1, 0.3, 0.4, 0.25), 1.0 / (1.0 + std::exp(1.6)), kTol);
}

TEST(Pipeline, Margin) {
  const Params p;
  EXPECT_NEAR(pipeline::margin(p, 0.3), 0.28, kTol);  // .25 + .1·.3
  EXPECT_NEAR(pipeline::margin(p, 0.0), 0.25, kTol);
  EXPECT_NEAR(pipeline::margin(p, 1.0), 0.35, kTol);
}

TEST(Pipeline, SizeFactorValues) {
  const Params p;  // σ = .6
  // exp(−σ²/2 + σ z)
  EXPECT_NEAR(pipeline::size_factor(p, 0.0), std::exp(-0.18), kTol);
  EXPECT_NEAR(pipeline::size_factor(p, 1.0), std::exp(0.42), kTol);
  EXPECT_NEAR(pipeline::size_factor(p, -2.0), std::exp(-1.38), kTol);
  Params q;
  q.deal_size_sigma = 0.0;
  EXPECT_EQ(pipeline::size_factor(q, 1.7), 1.0);
}

TEST(Pipeline, SizeFactorHasMeanOne) {
  // E[exp(−σ²/2 + σ Z)] = 1: integrate against the normal density (trapezoid
  // over [−14, 14], step 1e-3: error far below 1e-10 for this smooth integrand).
  for (double sigma : {0.3, 0.6, 1.0}) {
    Params p;
    p.deal_size_sigma = sigma;
    const double h = 1e-3;
    double sum = 0.0;
    for (int i = -14000; i <= 14000; ++i) {
      const double z = i * h;
      const double w = (i == -14000 || i == 14000) ? 0.5 : 1.0;
      sum += w * pipeline::size_factor(p, z) * std::exp(-0.5 * z * z);
    }
    EXPECT_NEAR(sum * h / std::sqrt(2.0 * M_PI), 1.0, 1e-10) << sigma;
  }
  // and with the engine's own normal draws: SE = sqrt((e^{σ²} − 1)/N)
  const Params p;
  Stream s(stream_key(3, 0, 0, Purpose::sizes));
  const int N = 400000;
  double sum = 0.0;
  for (int i = 0; i < N; ++i) sum += pipeline::size_factor(p, s.normal());
  const double se = std::sqrt((std::exp(0.36) - 1.0) / N);
  EXPECT_NEAR(sum / N, 1.0, 5.0 * se);
}

pipeline::Deal deal(double value, int week) { return {value, 1.0, 0.0, 0.0, week}; }

std::vector<double> decide(pipeline::Book& b, int week) {
  std::vector<double> out;
  b.decide_due(week, [&](const pipeline::Deal& d) {
    EXPECT_LE(d.decision_week, week);
    out.push_back(d.value);
  });
  return out;
}

TEST(Book, OrdersOutOfOrderAdds) {
  pipeline::Book b;
  b.add(deal(5, 5));
  b.add(deal(3, 3));
  b.add(deal(7, 7));
  b.add(deal(3.5, 3));  // same week as an earlier one: after it
  b.add(deal(1, 1));
  EXPECT_EQ(b.open_value(), 5 + 3 + 7 + 3.5 + 1);
  EXPECT_FALSE(b.has_due(0));
  EXPECT_TRUE(decide(b, 0).empty());
  EXPECT_TRUE(b.has_due(1));
  EXPECT_EQ(decide(b, 1), (std::vector<double>{1}));
  EXPECT_EQ(decide(b, 2), (std::vector<double>{}));
  EXPECT_EQ(decide(b, 3), (std::vector<double>{3, 3.5}));
  EXPECT_EQ(b.open_value(), 12.0);
  // a deal due earlier than what remains goes to the front
  b.add(deal(4, 4));
  EXPECT_EQ(decide(b, 4), (std::vector<double>{4}));
  EXPECT_EQ(decide(b, 6), (std::vector<double>{5}));
  EXPECT_EQ(b.open_value(), 7.0);
  EXPECT_EQ(decide(b, 100), (std::vector<double>{7}));
  EXPECT_EQ(b.open_value(), 0.0);
  EXPECT_FALSE(b.has_due(1000));
}

TEST(Book, OverdueDealsAreDecidedAtOnce) {
  pipeline::Book b;
  b.add(deal(1, 2));
  b.add(deal(2, 4));
  b.add(deal(3, 9));
  EXPECT_EQ(decide(b, 5), (std::vector<double>{1, 2}));
}

TEST(Book, ManyDealsKeepOrderAcrossCompaction) {
  // Add weeks in a scrambled order, decide week by week: every deal comes out
  // exactly in its week and the open value is always the sum of the rest.
  pipeline::Book b;
  std::vector<int> weeks;
  for (int i = 0; i < 300; ++i) weeks.push_back((i * 37) % 100);
  for (int i = 0; i < 300; ++i) b.add(deal(1000.0 + i, weeks[i]));
  double open = 0.0;
  for (int i = 0; i < 300; ++i) open += 1000.0 + i;
  for (int t = 0; t < 100; ++t) {
    // interleave newly seen deals due later, as the runner does
    if (t < 60) {
      b.add(deal(0.5, t + 16));
      open += 0.5;
    }
    std::vector<double> expected;
    for (int i = 0; i < 300; ++i)
      if (weeks[i] == t) expected.push_back(1000.0 + i);  // listed in insertion order within a week
    std::vector<double> got;
    b.decide_due(t, [&](const pipeline::Deal& d) {
      EXPECT_EQ(d.decision_week, t);
      if (d.value != 0.5) got.push_back(d.value);
      open -= d.value;
    });
    EXPECT_EQ(got, expected) << "week " << t;
    EXPECT_NEAR(b.open_value(), open, 1e-9) << "week " << t;
  }
}

TEST(Book, ClearEmpties) {
  pipeline::Book b;
  b.add(deal(1, 1));
  b.clear();
  EXPECT_EQ(b.open_value(), 0.0);
  EXPECT_FALSE(b.has_due(10));
}

}  // namespace
}  // namespace cathedral
