// Broad relationships (docs/model.md §3.3 broad layer).
//
// r_b = hill(visits; visit_half_per_100_staff · staff/100, visit_shape) and
// r_u = hill(service_hours; service_half_hours, service_shape) (the activity
// table names their parameters) are per-epoch constants computed by the runner.
#pragma once

#include "cathedral/model/activities.hpp"
#include "cathedral/model/units.hpp"
#include "cathedral/params.hpp"

namespace cathedral::broad_layer {

// The responses, their parameters from the activity table.
inline double visit_response(const Params& p, double visits, double staff) {
  const HillParams h = hill_params<AllocField::visits>(p, staff);
  return hill(visits, h.half, h.shape);
}

inline double service_response(const Params& p, double service_hours) {
  const HillParams h = hill_params<AllocField::service_hours>(p);
  return hill(service_hours, h.half, h.shape);
}

// C' = C + coverage_gain · r_b · (1 − C) − coverage_decay · C, clipped.
inline double coverage_step(const Params& p, double C, double r_visits) {
  return clip(C + p.coverage_gain * r_visits * (1.0 - C) - p.coverage_decay * C, 0.0, 1.0);
}

// Q* from the coverage at the start of the step and the service response.
inline double satisfaction_target(const Params& p, double C, double r_service) {
  return p.satisfaction_floor +
         (1.0 - p.satisfaction_floor) *
             (p.satisfaction_weight_coverage * C + (1.0 - p.satisfaction_weight_coverage) * r_service);
}

// Q' = Q + satisfaction_rate · (Q* − Q), clipped.
inline double satisfaction_step(const Params& p, double Q, double C, double r_service) {
  return clip(Q + p.satisfaction_rate * (satisfaction_target(p, C, r_service) - Q), 0.0, 1.0);
}

}  // namespace cathedral::broad_layer
