// Opportunities and decisions (docs/model.md §3.6): the indices of the week,
// arrival rates, deal sizes, the win probability and what a decided deal books.
#pragma once

#include "cathedral/elementary.hpp"
#include "cathedral/model/units.hpp"
#include "cathedral/params.hpp"

namespace cathedral::deals {

// The account's indices of the week.
struct Indices {
  double support;        // K = Σ w_k S_k
  double intimacy;       // Ī = Σ w_k I_k
  double tech_lead;      // T
  double discovery;      // ν
};

// One contact's term of an influence-weighted index (K = Σ w_k S_k, Ī = Σ w_k I_k):
// the sum runs over the account's contacts in their order, from 0.
inline double index_term(double weight, double value) { return weight * value; }

// T = min(1, tech_from_coverage · C + tech_from_jic · J).
inline double tech_lead(const Params& p, double C, bool jic) {
  const double T = p.tech_from_coverage * C + p.tech_from_jic * (jic ? 1.0 : 0.0);
  return T < 1.0 ? T : 1.0;
}

// ν = discovery_base + (1 − discovery_base) · (1 − (1 − C)(1 − discovery_from_intimacy · Ī)).
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

// Limits that keep a run finite. A scenario is refused when an account would
// see more than kMaxDealsPerWeek deals a week from its initial wallet (at
// M = 1); a run stops with an error when a grown wallet (and the market) bring
// an account more than kMaxArrivalRate expected deals in a week.
inline constexpr double kMaxDealsPerWeek = 10000.0;
inline constexpr double kMaxArrivalRate = 100.0 * kMaxDealsPerWeek;

// Deal size multiplier: LogNormal(−σ²/2, σ) from a standard normal draw (mean 1).
// For σ so large that σ² and σ·z overflow (−inf + inf), the exponent in the
// form σ·(z − σ/2), which cannot give NaN; elsewhere the exact bits of the first.
inline double size_factor(const Params& p, double z) {
  const double s = p.deal_size_sigma;
  const double exponent = -0.5 * s * s + s * z;
  return elementary::exp(select(exponent == exponent, exponent, s * (z - 0.5 * s)));
}

// A deal's size: d̄ · LogNormal(−σ²/2, σ), times dig_deal_fraction for a dug deal.
inline double deal_size(const Params& p, double mean_deal, bool dug, double z) {
  return mean_deal * (dug ? p.dig_deal_fraction : 1.0) * size_factor(p, z);
}

// Mean field: the expected count of a week's seen arrivals, λ + μ.
inline double expected_count(double project_rate, double dig_rate) { return project_rate + dig_rate; }

// Mean field: the expected value of a week's seen arrivals at the given rates,
// projects of mean d̄ and dug deals of mean dig_deal_fraction · d̄.
inline double expected_value(const Params& p, double mean_deal, double project_rate, double dig_rate) {
  return project_rate * mean_deal + dig_rate * mean_deal * p.dig_deal_fraction;
}

// Tender win probability:
// logistic(win_intercept + win_support·K + win_tech·T + win_org·O + win_fit·(F − 0.5)
//          + win_satisfaction·(Q − 0.5) − win_competitor·κ).
inline double win_probability(const Params& p, const Indices& x, double O, double F, double Q,
                              double competitor) {
  return logistic(p.win_intercept + p.win_support * x.support + p.win_tech * x.tech_lead +
                  p.win_org * O + p.win_fit * (F - 0.5) + p.win_satisfaction * (Q - 0.5) -
                  p.win_competitor * competitor);
}

// Probability that a deal is circled (directly awarded): agreement_circled
// while an agreement runs and K ≥ 0, else 0.
inline double circled_probability(const Params& p, double agreement_weeks_left, double K) {
  return (agreement_weeks_left > 0.0 && K >= 0.0) ? p.agreement_circled : 0.0;
}

// Margin on a won deal: base_margin + tech_premium · T (plus agreement_premium if circled).
inline double margin(const Params& p, double T) { return p.base_margin + p.tech_premium * T; }

// The week's terms of an account's decisions.
struct Terms {
  double p_win;     // P(win a tender)
  double margin;    // margin of a won tender
  double p_circle;  // P(directly awarded)
};

inline Terms decision_terms(const Params& p, double C, bool jic, double K, double Ibar, double O, double F,
                            double Q, double competitor, double agreement_weeks_left) {
  const Indices idx{K, Ibar, tech_lead(p, C, jic), discovery(p, C, Ibar)};
  return {win_probability(p, idx, O, F, Q, competitor), margin(p, idx.tech_lead),
          circled_probability(p, agreement_weeks_left, K)};
}

// What decided deals book: wins, direct awards, revenue and gross profit.
struct Booking {
  double wins, direct_awards, revenue, gross_profit;
};

// Monte Carlo: one deal of `value` with its two decision draws (made when it
// was seen): circled if u_award < p_circle, else a tender won if u_win < p_win.
inline Booking book(const Params& p, const Terms& t, double value, double u_award, double u_win) {
  if (u_award < t.p_circle) return {1.0, 1.0, value, value * (t.margin + p.agreement_premium)};
  if (u_win < t.p_win) return {1.0, 0.0, value, value * t.margin};
  return {0.0, 0.0, 0.0, 0.0};
}

// Mean field: the expectations for `count` deals of total `value`.
inline Booking book_expected(const Params& p, const Terms& t, double value, double count) {
  const double tender = (1.0 - t.p_circle) * t.p_win;
  return {count * (t.p_circle + tender), count * t.p_circle, value * (t.p_circle + tender),
          value * (t.p_circle * (t.margin + p.agreement_premium) + tender * t.margin)};
}

}  // namespace cathedral::deals
