// Organisational alignment (MODEL.md §3.3 organisational layer) and the
// cooperation agreement (§3.5).
#pragma once

#include <cmath>

#include "cathedral/params.hpp"
#include "cathedral/response.hpp"

namespace cathedral::org_layer {

// O° = O + org_from_coverage·C·(1−O) + org_from_jic·J·F·(1−O) − org_decay·O
// O' = 1 − (1−O°)·(1 − benchmarking_jump·F·m)^n_bm·(1 − exec_visit_jump·F·m)^n_ev
// C and O at the start of the step, F this week's fit, m capability match.
inline double step(const Params& p, double O, double C, bool jic, double F, double m, int n_bm,
                   int n_ev) {
  const double J = jic ? 1.0 : 0.0;
  const double O_drift = O + p.org_from_coverage * C * (1.0 - O) + p.org_from_jic * J * F * (1.0 - O) -
                         p.org_decay * O;
  double gap = 1.0 - O_drift;
  // Integer powers as repeated products: exact and cheap for 0, 1, 2 events.
  const double keep_bm = 1.0 - p.benchmarking_jump * F * m;
  const double keep_ev = 1.0 - p.exec_visit_jump * F * m;
  for (int i = 0; i < n_bm; ++i) gap *= keep_bm;
  for (int i = 0; i < n_ev; ++i) gap *= keep_ev;
  return clip(1.0 - gap, 0.0, 1.0);
}

// §3.2: events held in week t at a yearly rate: ⌊(u+1)·rate/52⌋ − ⌊u·rate/52⌋, u = t mod 52.
inline int events_this_week(int week, double per_year) {
  if (!(per_year > 0.0)) return 0;
  const int u = week % 52;
  return static_cast<int>(std::floor((u + 1) * per_year / 52.0) - std::floor(u * per_year / 52.0));
}

// §3.5: one week of the agreement. Returns true when a new agreement is
// signed this week (charge its costs).
inline bool agreement_step(const Params& p, int& weeks_left, bool pursue, double O, double F) {
  if (weeks_left > 0) --weeks_left;
  if (weeks_left == 0 && pursue && O >= p.agreement_min_org && F >= p.agreement_min_fit) {
    weeks_left = static_cast<int>(p.agreement_weeks);
    return true;
  }
  return false;
}

}  // namespace cathedral::org_layer
