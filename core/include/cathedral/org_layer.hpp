// Organisational alignment (docs/model.md §3.3 organisational layer) and the
// cooperation agreement (§3.5).
#pragma once

#include <cmath>

#include "cathedral/params.hpp"
#include "cathedral/response.hpp"

namespace cathedral::org_layer {

// gap · keep^n as n successive products, for a whole number n >= 0 of events.
inline double times_power(double gap, double keep, double n) {
  for (double i = 0.0; i < n; i += 1.0) gap *= keep;
  return gap;
}

// The same for n <= 2 without a loop, so that the engine's account loop
// vectorises; multiplying by 1 is exact, so the bits are those of times_power.
inline double times_power_upto2(double gap, double keep, double n) {
  gap *= n >= 1.0 ? keep : 1.0;
  return gap * (n >= 2.0 ? keep : 1.0);
}

// O° = O + org_from_coverage·C·(1−O) + org_from_jic·J·F·(1−O) − org_decay·O
// O' = 1 − (1−O°)·(1 − benchmarking_jump·F·m)^n_bm·(1 − exec_visit_jump·F·m)^n_ev
// C and O at the start of the step, J ∈ {0, 1}, F this week's fit, m capability match.
// kAtMostTwoEvents: the caller knows n_bm, n_ev <= 2 (branch-free).
template <bool kAtMostTwoEvents = false>
inline double step(const Params& p, double O, double C, double J, double F, double m, double n_bm,
                   double n_ev) {
  const double O_drift = O + p.org_from_coverage * C * (1.0 - O) + p.org_from_jic * J * F * (1.0 - O) -
                         p.org_decay * O;
  const double keep_bm = 1.0 - p.benchmarking_jump * F * m;
  const double keep_ev = 1.0 - p.exec_visit_jump * F * m;
  double gap = 1.0 - O_drift;
  if constexpr (kAtMostTwoEvents) {
    gap = times_power_upto2(times_power_upto2(gap, keep_bm, n_bm), keep_ev, n_ev);
  } else {
    gap = times_power(times_power(gap, keep_bm, n_bm), keep_ev, n_ev);
  }
  return clip(1.0 - gap, 0.0, 1.0);
}

// §3.2: events held in week t at a yearly rate: ⌊(u+1)·rate/52⌋ − ⌊u·rate/52⌋, u = t mod 52.
// `u` is t mod 52 as a double; branch-free (the engine's account loop).
inline double events_in_week(double u, double per_year) {
  return per_year > 0.0 ? std::floor((u + 1.0) * per_year / 52.0) - std::floor(u * per_year / 52.0) : 0.0;
}
inline int events_this_week(int week, double per_year) {
  return static_cast<int>(events_in_week(static_cast<double>(week % 52), per_year));
}

// The most events a yearly rate can put in one week.
inline double max_events_per_week(double per_year) { return per_year > 0.0 ? std::ceil(per_year / 52.0) : 0.0; }

// §3.5: one week of the agreement; weeks_left counts whole weeks. Returns
// true when a new agreement is signed this week (charge its costs).
// Branch-free (the engine's vector loop).
inline bool agreement_step(const Params& p, double& weeks_left, bool pursue, double O, double F) {
  const double left = weeks_left > 0.0 ? weeks_left - 1.0 : weeks_left;
  const bool sign = left == 0.0 && pursue && O >= p.agreement_min_org && F >= p.agreement_min_fit;
  weeks_left = sign ? p.agreement_weeks : left;
  return sign;
}

}  // namespace cathedral::org_layer
