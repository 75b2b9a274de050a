// Key relationships (MODEL.md §3.3 key layer, §3.4 turnover).
//
// One contact, one week. The response terms r_s = hill(s_k; social_half_hours,
// social_shape) and r_v = hill(v_k; value_half_hours, value_shape) depend only
// on the allocation, so the runner computes them once per decision epoch.
#pragma once

#include "cathedral/params.hpp"
#include "cathedral/response.hpp"

namespace cathedral::key_layer {

struct ContactState {
  double intimacy;  // I
  double support;   // S
};

// §3.3: I' and S' from the values at the start of the step; `org` is the
// account's O at the start of the step. Clipping happens here too.
inline ContactState step(const Params& p, ContactState c, double stance, double r_social,
                         double r_value, double org) {
  const double I = c.intimacy;
  const double S = c.support;
  double I_next = I + p.intimacy_gain * (r_social + p.value_to_intimacy * r_value) * (1.0 - I) -
                  p.intimacy_decay * (1.0 - p.org_shelter * org) * I;
  // Ŝ: where support drifts without effort, pulled up by intimacy.
  const double S_hat = stance + p.affinity * I * (1.0 - stance);
  double S_next = S + p.support_gain * r_value * (0.5 + 0.5 * I) * (1.0 - S) - p.support_relax * (S - S_hat);
  return {clip(I_next, 0.0, 1.0), clip(S_next, -1.0, 1.0)};
}

// §3.4: where a successor starts, from this week's updated C and O.
inline ContactState successor(const Params& p, double stance, double coverage, double org) {
  const double I = p.successor_intimacy_base + p.successor_intimacy_from_coverage * coverage;
  const double S = stance + p.successor_support_from_org * org * (1.0 - stance);
  return {clip(I, 0.0, 1.0), clip(S, -1.0, 1.0)};
}

}  // namespace cathedral::key_layer
