// docs/model.md §3.1: market cycle, strategy shifts, fit and wallet (model/market.hpp),
// checked against values computed by hand from the formulas.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>

#include "cathedral/elementary.hpp"
#include "cathedral/model/market.hpp"
#include "cathedral/params.hpp"

namespace cathedral {
namespace {

constexpr double kTol = 1e-12;

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

TEST(Market, LevelMultipliesTheShocks) {
  // M_t = e^{x_t} · Π factor
  EXPECT_EQ(market::level(0.0, 1.0), 1.0);
  EXPECT_NEAR(market::level(0.1, 1.0), std::exp(0.1), kTol);
  EXPECT_NEAR(market::level(-0.2, 0.6 * 1.7), std::exp(-0.2) * 1.02, kTol);
  EXPECT_EQ(market::level(0.0, 0.6), 0.6);  // mean field's M: the shocks alone
}

TEST(Market, WalletStepGrowsFromWeekOne) {
  const Params p;
  // W_0 is the scenario's wallet whatever the growth
  EXPECT_EQ(market::wallet_step(p, 1000.0, 0.3, 0.9, 0), 1000.0);
  // then W_t = W_{t−1} · (1 + g)^(1/52), g = .1 + .2 (.7 − .5) = .14
  EXPECT_NEAR(market::wallet_step(p, 1000.0, 0.1, 0.7, 1), 1000.0 * std::pow(1.14, 1.0 / 52.0), 1e-9);
  EXPECT_EQ(std::bit_cast<std::uint64_t>(market::wallet_step(p, 1000.0, 0.1, 0.7, 9)),
            std::bit_cast<std::uint64_t>(1000.0 * market::wallet_weekly_factor(p, 0.1, 0.7)));
  // a year of steps from week 1 on: the yearly growth
  double W = 500.0;
  for (int t = 1; t <= 52; ++t) W = market::wallet_step(p, W, 0.05, 0.5, t);
  EXPECT_NEAR(W, 500.0 * 1.05, 1e-9);
}

}  // namespace
}  // namespace cathedral
