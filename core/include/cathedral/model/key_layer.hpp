// Key relationships (docs/model.md §3.3 key layer, §3.4 turnover, §7 mean-field mixing).
//
// One contact, one week. The response terms r_s = hill(s_k; social_half_hours,
// social_shape) and r_v = hill(v_k; value_half_hours, value_shape) depend only
// on the allocation, so the runner computes them once per decision epoch.
#pragma once

#include "cathedral/elementary.hpp"
#include "cathedral/model/activities.hpp"
#include "cathedral/params.hpp"
#include "cathedral/model/units.hpp"

namespace cathedral::key_layer {

// The responses' parameters (the activity table) and the responses to a
// contact's hours s_k = social_hours·φ_k, v_k = value_hours·φ_k.
inline HillParams social_hill(const Params& p) { return hill_params<AllocField::social_hours>(p); }
inline HillParams value_hill(const Params& p) { return hill_params<AllocField::value_hours>(p); }
inline double social_response(const Params& p, double s_k) {
  const HillParams h = social_hill(p);
  return hill(s_k, h.half, h.shape);
}
inline double value_response(const Params& p, double v_k) {
  const HillParams h = value_hill(p);
  return hill(v_k, h.half, h.shape);
}

struct ContactState {
  double intimacy;  // I
  double support;   // S
};

// §3.0: the account's key hours reaching contact k, s_k = social_hours · φ_k
// (likewise v_k = value_hours · φ_k).
inline double contact_hours(double account_hours, double focus) { return account_hours * focus; }

// §3.3:
//   I' = I + intimacy_gain·(r_s + value_to_intimacy·r_v)·(1 − I) − intimacy_decay·(1 − org_shelter·O)·I
//   Ŝ  = stance + affinity·I·(1 − stance)      (where support drifts without effort)
//   S' = S + support_gain·r_v·(0.5 + 0.5·I)·(1 − S) − support_relax·(S − Ŝ)
// from the values at the start of the step, O the account's; clipped. The
// products in front are fixed for an epoch (the drives, per contact) or a
// week (the loss, per account), so the engine computes them once; step()
// evaluates exactly the same products, hence the same bits.
inline double intimacy_drive(const Params& p, double r_social, double r_value) {
  return p.intimacy_gain * (r_social + p.value_to_intimacy * r_value);
}
inline double support_drive(const Params& p, double r_value) { return p.support_gain * r_value; }
inline double intimacy_loss(const Params& p, double org) { return p.intimacy_decay * (1.0 - p.org_shelter * org); }

inline ContactState step_with(const Params& p, ContactState c, double stance, double intimacy_drive,
                              double support_drive, double intimacy_loss) {
  const double I = c.intimacy;
  const double S = c.support;
  const double I_next = I + intimacy_drive * (1.0 - I) - intimacy_loss * I;
  const double S_hat = stance + p.affinity * I * (1.0 - stance);
  const double S_next = S + support_drive * (0.5 + 0.5 * I) * (1.0 - S) - p.support_relax * (S - S_hat);
  return {clip(I_next, 0.0, 1.0), clip(S_next, -1.0, 1.0)};
}

inline ContactState step(const Params& p, ContactState c, double stance, double r_social, double r_value,
                         double org) {
  return step_with(p, c, stance, intimacy_drive(p, r_social, r_value), support_drive(p, r_value),
                   intimacy_loss(p, org));
}

// §3.4: where a successor starts, from this week's updated C and O.
inline ContactState successor(const Params& p, double stance, double coverage, double org) {
  const double I = p.successor_intimacy_base + p.successor_intimacy_from_coverage * coverage;
  const double S = stance + p.successor_support_from_org * org * (1.0 - stance);
  return {clip(I, 0.0, 1.0), clip(S, -1.0, 1.0)};
}

// §3.4: the weekly probability that a contact leaves, 1 − exp(−turnover_per_year/52).
inline double turnover_probability(const Params& p) { return 1.0 - elementary::exp(-p.turnover_per_year / 52.0); }

// §7 mean field: turnover mixed in at its rate, x ← (1 − p)·x + p·x_successor, for I and S.
inline ContactState mix_successor(ContactState c, ContactState successor, double p_leave) {
  const double keep = 1.0 - p_leave;
  return {keep * c.intimacy + p_leave * successor.intimacy, keep * c.support + p_leave * successor.support};
}

}  // namespace cathedral::key_layer
