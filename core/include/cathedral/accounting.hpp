// Accounting per account and week (MODEL.md §3.7).
#pragma once

#include "cathedral/params.hpp"
#include "cathedral/scenario.hpp"

namespace cathedral::accounting {

struct Week {
  double spend, hours, exec_days;
};

// `alloc` is the account's fitted allocation (kNumAllocFields values);
// `centre_runs` is J; `centre_opens` and `agreement_signed` charge one-off costs.
inline Week week(const Costs& c, const double* alloc, int n_bm, int n_ev, bool centre_runs, bool centre_opens,
                 bool agreement_signed) {
  const double social = alloc[static_cast<int>(AllocField::social_hours)];
  const double value = alloc[static_cast<int>(AllocField::value_hours)];
  const double visits = alloc[static_cast<int>(AllocField::visits)];
  const double service = alloc[static_cast<int>(AllocField::service_hours)];
  const double J = centre_runs ? 1.0 : 0.0;
  Week w;
  w.spend = social * c.social_money_per_hour + visits * c.visit_money + service * c.service_money_per_hour +
            n_bm * c.benchmarking_money + n_ev * c.exec_visit_money + J * c.jic_money_per_year / 52.0 +
            (centre_opens ? c.jic_setup_money : 0.0) + (agreement_signed ? c.agreement_money : 0.0);
  w.hours = social + value + service + visits * c.visit_hours + J * c.jic_hours_per_week +
            n_bm * c.benchmarking_hours + n_ev * c.exec_visit_hours + (agreement_signed ? c.agreement_hours : 0.0);
  w.exec_days = n_bm * c.benchmarking_exec_days + n_ev * c.exec_visit_exec_days +
                (agreement_signed ? c.agreement_exec_days : 0.0);
  return w;
}

// Portfolio-wide team cost per week: account_managers · am_cost_per_year / 52.
inline double team_cost_per_week(const Resources& r) { return r.account_managers * r.am_cost_per_year / 52.0; }

}  // namespace cathedral::accounting
