// Accounting per account and week (docs/model.md §3.7).
#pragma once

#include "cathedral/params.hpp"
#include "cathedral/scenario.hpp"

namespace cathedral::accounting {

// The part of a week's spend and hours that is fixed for a decision epoch:
// effort hours, visits, service and a running centre (J).
struct EpochCosts {
  double spend, hours;
};

// `alloc` is the account's fitted allocation (kNumAllocFields values).
inline EpochCosts epoch_costs(const Costs& c, const double* alloc, bool centre_runs) {
  const double social = alloc[static_cast<int>(AllocField::social_hours)];
  const double value = alloc[static_cast<int>(AllocField::value_hours)];
  const double visits = alloc[static_cast<int>(AllocField::visits)];
  const double service = alloc[static_cast<int>(AllocField::service_hours)];
  const double J = centre_runs ? 1.0 : 0.0;
  return {social * c.social_money_per_hour + visits * c.visit_money + service * c.service_money_per_hour +
              J * c.jic_money_per_year / 52.0,
          social + value + service + visits * c.visit_hours + J * c.jic_hours_per_week};
}

struct Week {
  double spend, hours, exec_days;
};

// The week: the epoch's fixed part plus the events held (n_bm, n_ev), a
// centre opening and an agreement signed (1 or 0: one-off costs). Branch-free
// (the engine's vector loop).
inline Week week(const Costs& c, EpochCosts fixed, double n_bm, double n_ev, double centre_opens,
                 double agreement_signed) {
  Week w;
  w.spend = fixed.spend + n_bm * c.benchmarking_money + n_ev * c.exec_visit_money +
            (centre_opens != 0.0 ? c.jic_setup_money : 0.0) + (agreement_signed != 0.0 ? c.agreement_money : 0.0);
  w.hours = fixed.hours + n_bm * c.benchmarking_hours + n_ev * c.exec_visit_hours +
            (agreement_signed != 0.0 ? c.agreement_hours : 0.0);
  w.exec_days = n_bm * c.benchmarking_exec_days + n_ev * c.exec_visit_exec_days +
                (agreement_signed != 0.0 ? c.agreement_exec_days : 0.0);
  return w;
}

// Portfolio-wide team cost per week: account_managers · am_cost_per_year / 52.
inline double team_cost_per_week(const Resources& r) { return r.account_managers * r.am_cost_per_year / 52.0; }

// Per account (the team cost is the portfolio's): contribution = gross_profit − spend,
// cash_flow = collected gross profit − spend.
inline double contribution(double gross_profit, double spend) { return gross_profit - spend; }
inline double cash_flow(double collected_gross_profit, double spend) { return collected_gross_profit - spend; }

}  // namespace cathedral::accounting
