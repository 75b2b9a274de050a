// The parts of a run that run() (runner.cpp), the reference run (reference_step.cpp) and the
// batch entry points (batch_points.cpp) share: what a policy observes of the resources, one
// replication through every epoch under a built-in policy, the epoch's tier tally, and the
// sums of a run turned into its results (docs/model.md §3.0, §4, §8, §10).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "cathedral/model.hpp"
#include "cathedral/model/outputs.hpp"
#include "cathedral/parallel.hpp"
#include "cathedral/policy.hpp"
#include "cathedral/replication.hpp"
#include "cathedral/resources.hpp"
#include "cathedral/runner.hpp"
#include "cathedral/tiers.hpp"

namespace cathedral {

// The resources a policy sees: the capacity of each (§4).
inline void fill_resources(const Model& m, Observation& obs) {
  const ResourceUse cap = capacity(m);
  obs.am_hours_per_week = cap.am_hours;
  obs.executive_days_per_year = cap.executive_days;
  obs.budget_per_year = cap.budget;
}

// Counts row `row` of an epoch's observation into `tiers` (epochs × accounts × 5: S, A, B, C,
// cash_flow), a cash-flow customer as such (§6).
template <class Count>
void tally_tiers(const Observation& obs, int row, int epoch, Count* tiers) {
  const std::size_t A = static_cast<std::size_t>(obs.n_accounts);
  for (std::size_t a = 0; a < A; ++a) {
    const std::size_t i = obs.at(row, static_cast<int>(a));
    ++tiers[(static_cast<std::size_t>(epoch) * A + a) * 5 + (obs.cash_flow[i] ? kCashFlowLabel : obs.tier[i])];
  }
}

// One replication through every epoch under a built-in policy: the tiers observed, the policy's
// allocation fitted to the resources (§4), then the epoch's weeks. `on_epoch(e, fit, obs)` sees
// each epoch's fitted allocation (in `alloc`) before its weeks run. Ctrl-C is seen after any week;
// false when the run was cancelled (the replication is then unfinished and thrown away).
template <class OnEpoch>
bool run_replication(const Model& m, const Policy& policy, Replication& rep, Observation& obs,
                     std::vector<double>& alloc, std::int64_t r, std::uint64_t seed, bool strict,
                     const RecordTargets& out, const ParallelRun& parallel, OnEpoch&& on_epoch) {
  rep.start(r, seed);
  for (int e = 0; e < m.n_epochs; ++e) {
    const int t0 = m.epoch_start(e);
    obs.epoch = e;
    obs.week = t0;
    rep.observe(obs, 0, /*tiers_only=*/true);
    policy.decide(obs, alloc);
    const ResourceFit fit = fit_to_resources(m, alloc, rep.jic_running(), strict, e);
    on_epoch(e, fit, obs);
    rep.begin_epoch(t0, alloc, policy.contact_focus(t0));
    for (int t = t0; t < m.epoch_end(e); ++t) {
      if (parallel.cancelled()) return false;
      rep.run_week(t, out);
    }
  }
  rep.finish(out);
  return true;
}

// A run's sums over its replications turned into its results: per account and metric the mean
// and sample variance, the mean fitted allocation, the nine-grid and tier shares (from integer
// counts), and each replication's KPIs from its portfolio series (already in res.portfolio).
template <class Count>
void finish_result(RunResult& res, const Model& m, const std::vector<double>& account_sum,
                   const std::vector<double>& account_sq, const std::vector<double>& allocation_sum,
                   const std::vector<Count>& grid, const std::vector<Count>& tiers) {
  const double n = static_cast<double>(res.replications);
  res.account_mean.resize(account_sum.size());
  res.account_var.resize(account_sum.size());
  for (std::size_t i = 0; i < account_sum.size(); ++i) {
    res.account_mean[i] = outputs::mean(account_sum[i], n);
    res.account_var[i] = outputs::sample_variance(account_sum[i], account_sq[i], n);
  }
  res.allocation_mean.resize(allocation_sum.size());
  for (std::size_t i = 0; i < allocation_sum.size(); ++i) res.allocation_mean[i] = outputs::mean(allocation_sum[i], n);
  res.grid_mean.resize(grid.size());
  for (std::size_t i = 0; i < grid.size(); ++i) res.grid_mean[i] = outputs::mean(static_cast<double>(grid[i]), n);
  res.tier_share.resize(tiers.size());
  for (std::size_t i = 0; i < tiers.size(); ++i) res.tier_share[i] = outputs::mean(static_cast<double>(tiers[i]), n);
  const int H = res.horizon_weeks;
  const std::size_t week_rows = static_cast<std::size_t>(H) * kNumMetrics;
  res.kpi_names = kpi_names(H);
  const std::size_t nk = res.kpi_names.size();
  res.kpis.assign(static_cast<std::size_t>(res.replications) * nk, 0.0);
  for (std::int64_t r = 0; r < res.replications; ++r)
    compute_kpis({res.portfolio.data() + static_cast<std::size_t>(r) * week_rows, week_rows}, H,
                 m.resources.account_managers, {res.kpis.data() + static_cast<std::size_t>(r) * nk, nk});
}

}  // namespace cathedral
