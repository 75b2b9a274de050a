// docs/model.md §3.6 opportunities and decisions (model/deals.hpp): indices, rates,
// win probability, margins, deal sizes, decision terms and what decided deals book.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "cathedral/model/deals.hpp"
#include "cathedral/params.hpp"
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

// ------------------------------------------------ deal sizes and counts --

TEST(Pipeline, DealSize) {
  const Params p;  // σ = .6, dig_deal_fraction .25
  // d̄ · e^(−σ²/2 + σ z), times dig_deal_fraction for a dug deal
  EXPECT_NEAR(deals::deal_size(p, 80.0, false, 0.5), 80.0 * std::exp(-0.18 + 0.3), 1e-12);
  EXPECT_NEAR(deals::deal_size(p, 80.0, true, 0.5), 20.0 * std::exp(-0.18 + 0.3), 1e-12);
  EXPECT_EQ(deals::deal_size(p, 80.0, false, -1.0), 80.0 * deals::size_factor(p, -1.0));
  Params q;
  q.deal_size_sigma = 0.0;
  EXPECT_EQ(deals::deal_size(q, 80.0, false, 2.0), 80.0);
  EXPECT_EQ(deals::deal_size(q, 80.0, true, 2.0), 20.0);
}

TEST(Pipeline, ExpectedCountAndValue) {
  const Params p;  // dig_deal_fraction .25
  // λ + μ deals; value λ d̄ + μ d̄ dig_deal_fraction
  EXPECT_EQ(deals::expected_count(0.3, 0.2), 0.5);
  EXPECT_EQ(deals::expected_count(0.0, 0.0), 0.0);
  EXPECT_NEAR(deals::expected_value(p, 100.0, 0.3, 0.2), 30.0 + 5.0, kTol);
  EXPECT_EQ(deals::expected_value(p, 100.0, 0.0, 0.0), 0.0);
  EXPECT_NEAR(deals::expected_value(p, 100.0, 0.0, 1.0), 25.0, kTol);
}

TEST(Pipeline, IndexTerm) {
  // K = Σ w_k S_k, one term a contact
  EXPECT_EQ(deals::index_term(0.25, -0.8), -0.2);
  EXPECT_EQ(deals::index_term(0.0, 0.7), 0.0);
}

// ------------------------------------------------------- the decisions --

TEST(Pipeline, CircledProbability) {
  const Params p;  // agreement_circled .5
  EXPECT_EQ(deals::circled_probability(p, 10.0, 0.2), 0.5);   // an agreement runs, K >= 0
  EXPECT_EQ(deals::circled_probability(p, 1.0, 0.0), 0.5);    // K = 0 counts
  EXPECT_EQ(deals::circled_probability(p, 10.0, -0.01), 0.0); // K < 0
  EXPECT_EQ(deals::circled_probability(p, 0.0, 0.9), 0.0);    // no agreement
  Params q;
  q.agreement_circled = 0.8;
  EXPECT_EQ(deals::circled_probability(q, 3.0, 0.1), 0.8);
}

TEST(Pipeline, DecisionTerms) {
  const Params p;
  // C .5, centre, K .4, Ī .3, O .2, F .7, Q .6, κ .5, an agreement running
  const deals::Terms t = deals::decision_terms(p, 0.5, true, 0.4, 0.3, 0.2, 0.7, 0.6, 0.5, 12.0);
  const double T = 0.6 * 0.5 + 0.4;  // .7
  // z = −.5 + 2.5·.4 + 1·.7 + 1·.2 + .5 (.7 − .5) + 1 (.6 − .5) − 1·.5 = 1.1
  EXPECT_NEAR(t.p_win, 1.0 / (1.0 + std::exp(-1.1)), kTol);
  EXPECT_NEAR(t.margin, 0.25 + 0.1 * T, kTol);
  EXPECT_EQ(t.p_circle, 0.5);
  // the same from the parts
  const deals::Indices idx{0.4, 0.3, deals::tech_lead(p, 0.5, true), deals::discovery(p, 0.5, 0.3)};
  EXPECT_EQ(t.p_win, deals::win_probability(p, idx, 0.2, 0.7, 0.6, 0.5));
  EXPECT_EQ(t.margin, deals::margin(p, idx.tech_lead));
  // no centre, negative support, no agreement
  const deals::Terms u = deals::decision_terms(p, 0.5, false, -0.2, 0.3, 0.2, 0.7, 0.6, 0.5, 0.0);
  // z = −.5 − .5 + .3 + .2 + .1 + .1 − .5 = −.8
  EXPECT_NEAR(u.p_win, 1.0 / (1.0 + std::exp(0.8)), kTol);
  EXPECT_NEAR(u.margin, 0.25 + 0.1 * 0.3, kTol);
  EXPECT_EQ(u.p_circle, 0.0);
}

TEST(Pipeline, BookOneDeal) {
  const Params p;  // agreement_premium .05
  const deals::Terms t{0.6, 0.3, 0.5};  // p_win, margin, p_circle
  // circled: u_award < p_circle, a win at margin + premium, whatever u_win
  deals::Booking b = deals::book(p, t, 100.0, 0.49, 0.99);
  EXPECT_EQ(b.wins, 1.0);
  EXPECT_EQ(b.direct_awards, 1.0);
  EXPECT_EQ(b.revenue, 100.0);
  EXPECT_NEAR(b.gross_profit, 35.0, kTol);
  // a tender won: u_win < p_win
  b = deals::book(p, t, 100.0, 0.5, 0.59);
  EXPECT_EQ(b.wins, 1.0);
  EXPECT_EQ(b.direct_awards, 0.0);
  EXPECT_EQ(b.revenue, 100.0);
  EXPECT_NEAR(b.gross_profit, 30.0, kTol);
  // lost: u_win >= p_win
  b = deals::book(p, t, 100.0, 0.5, 0.6);
  EXPECT_EQ(b.wins, 0.0);
  EXPECT_EQ(b.revenue, 0.0);
  EXPECT_EQ(b.gross_profit, 0.0);
  // without an agreement (p_circle 0) no draw circles the deal
  b = deals::book(p, {0.6, 0.3, 0.0}, 100.0, 0.0, 0.7);
  EXPECT_EQ(b.wins, 0.0);
  EXPECT_EQ(b.direct_awards, 0.0);
}

TEST(Pipeline, BookExpected) {
  const Params p;  // agreement_premium .05
  const deals::Terms t{0.6, 0.3, 0.5};
  // n = 2 deals worth 300: tender part (1 − .5)·.6 = .3
  const deals::Booking b = deals::book_expected(p, t, 300.0, 2.0);
  EXPECT_NEAR(b.wins, 2.0 * (0.5 + 0.3), kTol);
  EXPECT_NEAR(b.direct_awards, 1.0, kTol);
  EXPECT_NEAR(b.revenue, 300.0 * 0.8, kTol);
  EXPECT_NEAR(b.gross_profit, 300.0 * (0.5 * 0.35 + 0.3 * 0.3), kTol);
  // it is the mean of book() over the two uniform draws: sum over a fine grid
  const int n = 400;
  double wins = 0.0, direct = 0.0, revenue = 0.0, gp = 0.0;
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) {
      const deals::Booking one = deals::book(p, t, 150.0, (i + 0.5) / n, (j + 0.5) / n);
      wins += one.wins;
      direct += one.direct_awards;
      revenue += one.revenue;
      gp += one.gross_profit;
    }
  const double cells = static_cast<double>(n) * n;
  EXPECT_NEAR(2.0 * wins / cells, b.wins, 1e-12);
  EXPECT_NEAR(2.0 * direct / cells, b.direct_awards, 1e-12);
  EXPECT_NEAR(2.0 * revenue / cells, b.revenue, 1e-9);
  EXPECT_NEAR(2.0 * gp / cells, b.gross_profit, 1e-9);
}

}  // namespace
}  // namespace cathedral
