// Organisational alignment (docs/model.md §3.3 organisational layer).
#pragma once

#include <cmath>

#include "cathedral/elementary.hpp"
#include "cathedral/model/activities.hpp"
#include "cathedral/params.hpp"
#include "cathedral/model/units.hpp"

namespace cathedral::org_layer {

// J: a centre runs for the whole epoch whose allocation sets `jic`; it opens
// (paying its setup cost, §3.7) when none ran in the epoch before.
inline bool centre_opens(bool runs_this_epoch, bool ran_before) { return runs_this_epoch && !ran_before; }

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

// gap · keep^n for a fractional n >= 0 (mean field: n = b/52); keep in [0, 1].
inline double times_fractional_power(double gap, double keep, double n) {
  const double power = keep > 0.0 ? elementary::exp(n * elementary::log(keep)) : (n > 0.0 ? 0.0 : 1.0);
  return gap * power;
}

// O° = O + org_from_coverage·C·(1−O) + org_from_jic·J·F·(1−O) − org_decay·O
// O' = 1 − (1−O°)·(1 − benchmarking_jump·F·m)^n_bm·(1 − exec_visit_jump·F·m)^n_ev
// C and O at the start of the step, J ∈ {0, 1}, F this week's fit, m capability match.
// kEvents: Monte Carlo's whole counts (at_most_two: the caller knows n_bm,
// n_ev <= 2, branch-free), or mean field's fractional expected counts (§3.2).
enum class Events { whole, at_most_two, expected };
template <Events kEvents = Events::whole>
inline double step(const Params& p, double O, double C, double J, double F, double m, double n_bm,
                   double n_ev) {
  const double O_drift = O + p.org_from_coverage * C * (1.0 - O) + p.org_from_jic * J * F * (1.0 - O) -
                         p.org_decay * O;
  const double keep_bm = 1.0 - jump_param<AllocField::benchmarking>(p) * F * m;
  const double keep_ev = 1.0 - jump_param<AllocField::exec_visits>(p) * F * m;
  double gap = 1.0 - O_drift;
  if constexpr (kEvents == Events::at_most_two) {
    gap = times_power_upto2(times_power_upto2(gap, keep_bm, n_bm), keep_ev, n_ev);
  } else if constexpr (kEvents == Events::expected) {
    gap = times_fractional_power(times_fractional_power(gap, keep_bm, n_bm), keep_ev, n_ev);
  } else {
    gap = times_power(times_power(gap, keep_bm, n_bm), keep_ev, n_ev);
  }
  return clip(1.0 - gap, 0.0, 1.0);
}

}  // namespace cathedral::org_layer
