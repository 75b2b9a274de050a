// Opportunities and decisions (docs/model.md §3.6).
#pragma once

#include <span>
#include <vector>

#include "cathedral/elementary.hpp"
#include "cathedral/params.hpp"
#include "cathedral/response.hpp"

namespace cathedral::pipeline {

// A deal in the pipeline. Monte Carlo: count = 1 and value = size; its two
// decision draws are made when it is seen, so a deal keeps its luck whatever
// happens to the others (common random numbers). Mean field: count and value
// are expectations.
struct Deal {
  double value;
  double count;
  double u_award;  // direct-award draw
  double u_win;    // tender draw
  int account;     // index of the account
};

// The account's indices of the week.
struct Indices {
  double support;        // K = Σ w_k S_k
  double intimacy;       // Ī = Σ w_k I_k
  double tech_lead;      // T
  double discovery;      // ν
};

inline double tech_lead(const Params& p, double C, bool jic) {
  const double T = p.tech_from_coverage * C + p.tech_from_jic * (jic ? 1.0 : 0.0);
  return T < 1.0 ? T : 1.0;
}

inline double discovery(const Params& p, double C, double intimacy) {
  return p.discovery_base +
         (1.0 - p.discovery_base) * (1.0 - (1.0 - C) * (1.0 - p.discovery_from_intimacy * intimacy));
}

// Seen project arrivals per week: W · M · ν / (52 · d̄).
inline double project_rate(double W, double M, double nu, double mean_deal) {
  return W * M * nu / (52.0 * mean_deal);
}

// Dug deals per week: dig_wallet_share · W / (52 · dig_deal_fraction · d̄) · r_b · C.
inline double dig_rate(const Params& p, double W, double mean_deal, double r_visits, double C) {
  return p.dig_wallet_share * W / (52.0 * p.dig_deal_fraction * mean_deal) * r_visits * C;
}

// Tender win probability.
inline double win_probability(const Params& p, const Indices& x, double O, double F, double Q,
                              double competitor) {
  return logistic(p.win_intercept + p.win_support * x.support + p.win_tech * x.tech_lead +
                  p.win_org * O + p.win_fit * (F - 0.5) + p.win_satisfaction * (Q - 0.5) -
                  p.win_competitor * competitor);
}

inline double margin(const Params& p, double T) { return p.base_margin + p.tech_premium * T; }

// Deal size multiplier: LogNormal(−σ²/2, σ) from a standard normal draw (mean 1).
inline double size_factor(const Params& p, double z) {
  const double s = p.deal_size_sigma;
  return elementary::exp(-0.5 * s * s + s * z);
}

// The open deals of all accounts of a replication, by decision week: every
// deal waits in the list of its week, in the order it was seen. Deciding a
// week reads one contiguous list, whatever the number of accounts.
class Pipeline {
 public:
  // Empty, for decision weeks 0 … horizon_weeks − 1 (storage is kept).
  void reset(int horizon_weeks) {
    if (static_cast<int>(due_.size()) != horizon_weeks) due_.resize(static_cast<std::size_t>(horizon_weeks));
    for (auto& week : due_) week.clear();
  }
  // A deal decided in `week`, which must be in [0, horizon_weeks).
  void add(int week, const Deal& d) { due_[static_cast<std::size_t>(week)].push_back(d); }
  // The deals decided in `week`, in the order they were added.
  const std::vector<Deal>& due(int week) const { return due_[static_cast<std::size_t>(week)]; }
  // Forget the deals of a decided week.
  void close(int week) { due_[static_cast<std::size_t>(week)].clear(); }
  // Adds the value of every open deal to value[account], in decision-week order.
  void add_open_value(std::span<double> value) const {
    for (const auto& week : due_)
      for (const Deal& d : week) value[static_cast<std::size_t>(d.account)] += d.value;
  }

 private:
  std::vector<std::vector<Deal>> due_;
};

}  // namespace cathedral::pipeline
