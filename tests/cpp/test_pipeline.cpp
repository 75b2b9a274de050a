// Opportunities and decisions (docs/model.md §3.6): indices, rates, win
// probability, margins, deal sizes and the order book.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "cathedral/params.hpp"
#include "cathedral/model/deals.hpp"
#include "cathedral/pipeline.hpp"
#include "cathedral/random.hpp"

namespace cathedral {
namespace {

constexpr double kTol = 1e-12;

TEST(Pipeline, TechLead) {
  const Params p;  // tech_from_coverage .6, tech_from_jic .4
  EXPECT_NEAR(deals::tech_lead(p, 0.5, false), 0.3, kTol);   // .6·.5
  EXPECT_NEAR(deals::tech_lead(p, 0.5, true), 0.7, kTol);    // .3 + .4
  EXPECT_NEAR(deals::tech_lead(p, 0.9, true), 0.94, kTol);   // .54 + .4
  EXPECT_EQ(deals::tech_lead(p, 0.0, false), 0.0);
  EXPECT_EQ(deals::tech_lead(p, 1.0, true), 1.0);            // exactly 1
  Params q;
  q.tech_from_jic = 0.8;
  EXPECT_EQ(deals::tech_lead(q, 0.9, true), 1.0);            // min(1, 1.34)
  q.tech_from_coverage = 1.0;
  EXPECT_EQ(deals::tech_lead(q, 0.5, true), 1.0);            // min(1, 1.3)
}

TEST(Pipeline, Discovery) {
  const Params p;  // base .4, from_intimacy .5
  // ν = .4 + .6 (1 − (1 − .3)(1 − .5·.6)) = .4 + .6·(1 − .49) = .706
  EXPECT_NEAR(deals::discovery(p, 0.3, 0.6), 0.706, kTol);
  EXPECT_NEAR(deals::discovery(p, 0.0, 0.0), 0.4, kTol);
  EXPECT_NEAR(deals::discovery(p, 1.0, 0.0), 1.0, kTol);
  // C = 0, Ī = 1: .4 + .6·.5 = .7
  EXPECT_NEAR(deals::discovery(p, 0.0, 1.0), 0.7, kTol);
}

TEST(Pipeline, ProjectRate) {
  // W M ν / (52 d̄) = 1040·1.1·.5 / 520 = 1.1
  EXPECT_NEAR(deals::project_rate(1040.0, 1.1, 0.5, 10.0), 1.1, kTol);
  EXPECT_EQ(deals::project_rate(1040.0, 1.0, 0.0, 10.0), 0.0);
}

TEST(Pipeline, DigRate) {
  const Params p;  // dig_wallet_share .15, dig_deal_fraction .25
  // .15·1040 / (52·.25·10) · .5 · .4 = 1.2 · .2 = .24
  EXPECT_NEAR(deals::dig_rate(p, 1040.0, 10.0, 0.5, 0.4), 0.24, kTol);
  EXPECT_EQ(deals::dig_rate(p, 1040.0, 10.0, 0.0, 0.4), 0.0);  // no visits
  EXPECT_EQ(deals::dig_rate(p, 1040.0, 10.0, 0.5, 0.0), 0.0);  // no coverage
}

TEST(Pipeline, WinProbability) {
  const Params p;
  const deals::Indices x{0.4, 0.9, 0.3, 0.7};  // K, Ī (unused), T, ν (unused)
  // z = −.5 + 2.5·.4 + 1·.3 + 1·.2 + .5 (.7 − .5) + 1 (.6 − .5) − 1·.5 = .7
  EXPECT_NEAR(deals::win_probability(p, x, 0.2, 0.7, 0.6, 0.5), 1.0 / (1.0 + std::exp(-0.7)), kTol);
  // neutral account: z = −.5 + 0 + 0 + 0 + 0 + 0 − .5 = −1
  const deals::Indices zero{0.0, 0.0, 0.0, 0.0};
  EXPECT_NEAR(deals::win_probability(p, zero, 0.0, 0.5, 0.5, 0.5), 1.0 / (1.0 + std::exp(1.0)), kTol);
  // every coefficient counts: custom weights
  Params q;
  q.win_intercept = 0.1;
  q.win_support = 1.0;
  q.win_tech = 2.0;
  q.win_org = 3.0;
  q.win_fit = 4.0;
  q.win_satisfaction = 5.0;
  q.win_competitor = 6.0;
  const deals::Indices y{-0.2, 0.0, 0.5, 0.0};
  // z = .1 − .2 + 1 + 3·.1 + 4·(.3 − .5) + 5·(.4 − .5) − 6·.25 = .1 −.2 +1 +.3 −.8 −.5 −1.5 = −1.6
  EXPECT_NEAR(deals::win_probability(q, y, 0.1, 0.3, 0.4, 0.25), 1.0 / (1.0 + std::exp(1.6)), kTol);
}

TEST(Pipeline, Margin) {
  const Params p;
  EXPECT_NEAR(deals::margin(p, 0.3), 0.28, kTol);  // .25 + .1·.3
  EXPECT_NEAR(deals::margin(p, 0.0), 0.25, kTol);
  EXPECT_NEAR(deals::margin(p, 1.0), 0.35, kTol);
}

TEST(Pipeline, SizeFactorValues) {
  const Params p;  // σ = .6
  // exp(−σ²/2 + σ z)
  EXPECT_NEAR(deals::size_factor(p, 0.0), std::exp(-0.18), kTol);
  EXPECT_NEAR(deals::size_factor(p, 1.0), std::exp(0.42), kTol);
  EXPECT_NEAR(deals::size_factor(p, -2.0), std::exp(-1.38), kTol);
  Params q;
  q.deal_size_sigma = 0.0;
  EXPECT_EQ(deals::size_factor(q, 1.7), 1.0);
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
      sum += w * deals::size_factor(p, z) * std::exp(-0.5 * z * z);
    }
    EXPECT_NEAR(sum * h / std::sqrt(2.0 * M_PI), 1.0, 1e-10) << sigma;
  }
  // and with the engine's own normal draws: SE = sqrt((e^{σ²} − 1)/N)
  const Params p;
  Stream s(stream_key(3, 0, 0, Purpose::sizes));
  const int N = 400000;
  double sum = 0.0;
  for (int i = 0; i < N; ++i) sum += deals::size_factor(p, s.normal());
  const double se = std::sqrt((std::exp(0.36) - 1.0) / N);
  EXPECT_NEAR(sum / N, 1.0, 5.0 * se);
}

pipeline::Deal deal(double value, int account) { return {value, 1.0, 0.0, 0.0, account}; }

std::vector<double> values(const std::vector<pipeline::Deal>& deals) {
  std::vector<double> out;
  for (const pipeline::Deal& d : deals) out.push_back(d.value);
  return out;
}

std::vector<double> open_value(const pipeline::Pipeline& p, int accounts) {
  std::vector<double> v(static_cast<std::size_t>(accounts), 0.0);
  p.add_open_value(v);
  return v;
}

TEST(PipelineBook, DealsWaitInTheirWeekInOrderSeen) {
  pipeline::Pipeline p;
  p.reset(10);
  p.add(5, deal(5, 0));
  p.add(3, deal(3, 1));
  p.add(7, deal(7, 0));
  p.add(3, deal(3.5, 0));  // same week as an earlier one: after it
  p.add(1, deal(1, 1));
  EXPECT_EQ(open_value(p, 2), (std::vector<double>{5 + 7 + 3.5, 3 + 1}));
  EXPECT_TRUE(p.due(0).empty());
  EXPECT_EQ(values(p.due(1)), (std::vector<double>{1}));
  EXPECT_EQ(values(p.due(3)), (std::vector<double>{3, 3.5}));
  EXPECT_EQ(p.due(3)[0].account, 1);
  EXPECT_EQ(p.due(3)[1].account, 0);
  p.close(1);
  p.close(3);
  EXPECT_EQ(open_value(p, 2), (std::vector<double>{12.0, 0.0}));
  EXPECT_TRUE(p.due(3).empty());
  // deals can still be added to a week after others were closed
  p.add(3, deal(4, 1));
  EXPECT_EQ(values(p.due(3)), (std::vector<double>{4}));
}

TEST(PipelineBook, ResetEmptiesAndResizes) {
  pipeline::Pipeline p;
  p.reset(4);
  p.add(2, deal(1, 0));
  p.reset(4);
  EXPECT_EQ(open_value(p, 1), (std::vector<double>{0.0}));
  EXPECT_TRUE(p.due(2).empty());
  p.reset(8);
  p.add(7, deal(2, 0));
  EXPECT_EQ(values(p.due(7)), (std::vector<double>{2}));
}

TEST(PipelineBook, ManyDealsComeOutInTheirWeek) {
  // Add weeks in a scrambled order, decide week by week: every deal comes out
  // exactly in its week, in the order added, and the open value is the rest.
  pipeline::Pipeline p;
  p.reset(100);
  std::vector<int> weeks;
  for (int i = 0; i < 300; ++i) weeks.push_back((i * 37) % 100);
  double open = 0.0;
  for (int i = 0; i < 300; ++i) {
    p.add(weeks[i], deal(1000.0 + i, i % 3));
    open += 1000.0 + i;
  }
  for (int t = 0; t < 100; ++t) {
    if (t < 60) {  // interleave newly seen deals due later, as the engine does
      p.add(t + 16, deal(0.5, 0));
      open += 0.5;
    }
    std::vector<double> expected;
    for (int i = 0; i < 300; ++i)
      if (weeks[i] == t) expected.push_back(1000.0 + i);
    std::vector<double> got;
    for (const pipeline::Deal& d : p.due(t)) {
      if (d.value != 0.5) got.push_back(d.value);
      open -= d.value;
    }
    p.close(t);
    EXPECT_EQ(got, expected) << "week " << t;
    const std::vector<double> v = open_value(p, 3);
    EXPECT_NEAR(v[0] + v[1] + v[2], open, 1e-9) << "week " << t;
  }
}

}  // namespace
}  // namespace cathedral
