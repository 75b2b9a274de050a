// Opportunities and decisions (MODEL.md §3.6).
#pragma once

#include <algorithm>
#include <cmath>
#include <vector>

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
  int decision_week;
};

// The account's indices of the week.
struct Indices {
  double support;        // K = Σ w_k S_k
  double intimacy;       // Ī = Σ w_k I_k
  double tech_lead;      // T
  double discovery;      // ν
};

inline double tech_lead(const Params& p, double C, bool jic) {
  return std::fmin(1.0, p.tech_from_coverage * C + p.tech_from_jic * (jic ? 1.0 : 0.0));
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
  return std::exp(-0.5 * s * s + s * z);
}

// Open deals of one account, in order of decision week.
class Book {
 public:
  void clear() {
    deals_.clear();
    head_ = 0;
    next_due_ = kNever;
  }
  void add(const Deal& d) {
    if (deals_.size() == head_ || deals_.back().decision_week <= d.decision_week) {
      deals_.push_back(d);
    } else {  // listed deals can be due later than newly seen ones
      auto at = std::upper_bound(deals_.begin() + static_cast<long>(head_), deals_.end(), d,
                                 [](const Deal& a, const Deal& b) { return a.decision_week < b.decision_week; });
      deals_.insert(at, d);
    }
    next_due_ = deals_[head_].decision_week;
  }
  // Deals due in `week` are at the front; call `decide(deal)` for each and drop them.
  template <class F>
  void decide_due(int week, F&& decide) {
    while (head_ < deals_.size() && deals_[head_].decision_week <= week) decide(deals_[head_++]);
    if (head_ > 32 && head_ * 2 > deals_.size()) {
      deals_.erase(deals_.begin(), deals_.begin() + static_cast<long>(head_));
      head_ = 0;
    }
    next_due_ = head_ < deals_.size() ? deals_[head_].decision_week : kNever;
  }
  // Kept beside the deals' storage, so the weekly check touches no deal.
  bool has_due(int week) const { return next_due_ <= week; }
  double open_value() const {
    double v = 0.0;
    for (std::size_t i = head_; i < deals_.size(); ++i) v += deals_[i].value;
    return v;
  }

 private:
  static constexpr int kNever = 2147483647;
  std::vector<Deal> deals_;
  std::size_t head_ = 0;
  int next_due_ = kNever;
};

}  // namespace cathedral::pipeline
