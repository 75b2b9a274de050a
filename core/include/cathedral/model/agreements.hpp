// The cooperation agreement (docs/model.md §3.5).
#pragma once

#include "cathedral/params.hpp"

namespace cathedral::agreements {

// One week: a running agreement loses a week; then, if none runs,
// pursue_agreement is set, O >= agreement_min_org and F >= agreement_min_fit,
// a new one is signed for agreement_weeks weeks. weeks_left counts whole
// weeks. Returns true when one is signed this week (charge its costs, §3.7).
// Branch-free (the engine's vector loop).
inline bool step(const Params& p, double& weeks_left, bool pursue, double O, double F) {
  const double left = weeks_left > 0.0 ? weeks_left - 1.0 : weeks_left;
  const bool sign = left == 0.0 && pursue && O >= p.agreement_min_org && F >= p.agreement_min_fit;
  weeks_left = sign ? p.agreement_weeks : left;
  return sign;
}

}  // namespace cathedral::agreements
