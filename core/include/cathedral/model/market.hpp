// Exogenous change (docs/model.md §3.1): market cycle, strategy shifts, fit, wallet.
#pragma once

#include "cathedral/elementary.hpp"
#include "cathedral/params.hpp"
#include "cathedral/model/units.hpp"

namespace cathedral::market {

// x_t = macro_persistence · x_{t−1} + macro_sd · ε; M_t = e^{x_t}.
inline double cycle_step(const Params& p, double x_prev, double eps) {
  return p.macro_persistence * x_prev + p.macro_sd * eps;
}

// M_t = e^{x_t} · Π factor over the market shocks in force (`shocks`, 1 without).
inline double level(double x, double shocks) { return shocks * elementary::exp(x); }

// Weekly probability of a strategy shift.
inline double strategy_shift_probability(const Params& p) {
  return 1.0 - elementary::exp(-p.strategy_shifts_per_year / 52.0);
}

// F̄ ← clip(F̄ + strategy_shift_sd · ε, 0, 1).
inline double shifted_target(const Params& p, double fit_target, double eps) {
  return clip(fit_target + p.strategy_shift_sd * eps, 0.0, 1.0);
}

// F ← clip(F + fit_reversion · (F̄ − F) + fit_noise · ε, 0, 1).
inline double fit_step(const Params& p, double F, double fit_target, double eps) {
  return clip(F + p.fit_reversion * (fit_target - F) + p.fit_noise * eps, 0.0, 1.0);
}

// W_t = W_{t−1} · (1 + g)^(1/52), g = max(wallet_growth + wallet_fit_growth · (F − 0.5), −0.99).
// Branch-free, for the engine's vector loop: (1 + g)^(1/52) = e^(log(1 + g)/52).
inline double wallet_weekly_factor(const Params& p, double wallet_growth, double F) {
  const double g_raw = wallet_growth + p.wallet_fit_growth * (F - 0.5);
  const double g = g_raw > -0.99 ? g_raw : -0.99;
  return elementary::exp(elementary::log(1.0 + g) / 52.0);
}

// W_0 = wallet (week 0 keeps it); W_t = W_{t−1} · (1 + g)^(1/52) for t ≥ 1, F this week's fit.
inline double wallet_step(const Params& p, double W, double wallet_growth, double F, int week) {
  const double grown = W * wallet_weekly_factor(p, wallet_growth, F);
  return week >= 1 ? grown : W;
}

}  // namespace cathedral::market
