#include "cathedral/resources.hpp"

#include <sstream>

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
  for (int a = 0; a < m.n_accounts; ++a) {
    const double* x = alloc.data() + static_cast<std::size_t>(a) * kNumAllocFields;
    const double social = x[0], value = x[1], visits = x[2], service = x[3], bm = x[4], ev = x[5];
    if (x[7] != 0.0) {  // a centre: a commitment, taken first
      fit.commitments.am_hours += c.jic_hours_per_week;
      fit.commitments.budget += c.jic_money_per_year + (jic_running[a] ? 0.0 : c.jic_setup_money);
    }
    fit.plan.am_hours += social + value + service + visits * c.visit_hours + bm / 52.0 * c.benchmarking_hours +
                         ev / 52.0 * c.exec_visit_hours;
    fit.plan.executive_days += bm * c.benchmarking_exec_days + ev * c.exec_visit_exec_days;
    fit.plan.budget += 52.0 * (social * c.social_money_per_hour + visits * c.visit_money +
                               service * c.service_money_per_hour) +
                       bm * c.benchmarking_money + ev * c.exec_visit_money;
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
  if (fit.scale < 1.0)
    for (int a = 0; a < m.n_accounts; ++a)
      for (int f = 0; f < kNumRateFields; ++f) alloc[static_cast<std::size_t>(a) * kNumAllocFields + f] *= fit.scale;
  return fit;
}

}  // namespace cathedral
