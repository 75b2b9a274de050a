#include "cathedral/resources.hpp"

#include <sstream>

#include "cathedral/model/accounting.hpp"
#include "cathedral/scenario.hpp"

namespace cathedral {

ResourceUse capacity(const Model& m) {
  return {m.resources.account_managers * m.resources.am_hours_per_week, m.resources.executive_days_per_year,
          m.resources.budget_per_year};
}

ResourceFit fit_to_resources(const Model& m, std::span<double> alloc, std::span<const std::uint8_t> jic_running,
                             bool strict, int epoch) {
  const Costs& c = m.costs;
  ResourceFit fit;
  fit.capacity = capacity(m);
  // §4 per account, from the activity table (accounting.hpp): the set flags'
  // commitments (a centre kept running pays no setup), then the plan.
  for (int a = 0; a < m.n_accounts; ++a) {
    const double* x = alloc.data() + static_cast<std::size_t>(a) * kNumAllocFields;
    const accounting::Use committed = accounting::committed(c, x, jic_running[a] != 0);
    fit.commitments.am_hours += committed.am_hours;
    fit.commitments.executive_days += committed.executive_days;
    fit.commitments.budget += committed.budget;
    const accounting::Use planned = accounting::planned(c, x);
    fit.plan.am_hours += planned.am_hours;
    fit.plan.executive_days += planned.executive_days;
    fit.plan.budget += planned.budget;
  }
  for (Resource r : {Resource::am_hours, Resource::executive_days, Resource::budget}) {
    const double left = fit.capacity.get(r) - fit.commitments.get(r);
    if (left < 0.0) {
      if (!fit.infeasible) fit.infeasible_resource = r;
      fit.infeasible = true;
      continue;
    }
    const double need = fit.plan.get(r);
    if (need > left && need > 0.0) {
      const double f = left / need;
      if (f < fit.scale) {
        fit.scale = f;
        fit.binding = r;
      }
    }
  }
  if (fit.infeasible) {
    const Resource r = fit.infeasible_resource;
    if (strict) {
      std::ostringstream os;
      os << "epoch " << epoch << " (week " << m.epoch_start(epoch) << "): running joint innovation centres need "
         << fit.commitments.get(r) << (r == Resource::am_hours ? " AM hours/week" : " money/year")
         << " of resource " << kResourceNames[static_cast<int>(r)] << ", more than the " << fit.capacity.get(r)
         << " available";
      throw InfeasibleAllocation(os.str());
    }
    // Nothing is left for the rest of the plan; the centres still run.
    fit.scale = 0.0;
    fit.binding = r;
  }
  if (fit.scale < 1.0)  // the rates; the flags stay
    for (int a = 0; a < m.n_accounts; ++a)
      for (int f = 0; f < kNumAllocFields; ++f)
        if (kActivities[f].kind == ActivityKind::rate) alloc[static_cast<std::size_t>(a) * kNumAllocFields + f] *= fit.scale;
  return fit;
}

}  // namespace cathedral
