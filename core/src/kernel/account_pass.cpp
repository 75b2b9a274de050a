// The account pass (docs/model.md §3.1–§3.3 per account): the week's
// exogenous draws, fit, wallet, events and the broad and organisational layers.
#include "cathedral/replication.hpp"

#include "cathedral/model/broad_layer.hpp"
#include "cathedral/model/events.hpp"
#include "cathedral/model/market.hpp"
#include "cathedral/model/org_layer.hpp"
#include "cathedral/simd.hpp"

namespace cathedral {

// §3.1 draws of the week: strategy shifts (at their drawn weeks) and fit noise.
void Replication::draw_exogenous(int t) {
  const Params& p = m_.params;
  const int A = m_.n_accounts;
  for (int a = 0; a < A; ++a) {
    if (t == next_shift_[a]) [[unlikely]] {
      fit_target_[a] = market::shifted_target(p, fit_target_[a], strategy_stream_[a].normal());
      next_shift_[a] = t + 1 + strategy_stream_[a].geometric(shift_wait_);
    }
  }
  if (p.fit_noise > 0.0) Stream::normals(fit_stream_.data(), fit_eps_.data(), A);
}

// §3.1 fit and wallet, §3.2 the week's events, §3.3 broad and organisational
// layers (from C and O at the start of the step), for every account: one
// branch-free loop. kEvents: mean field's expected counts, or Monte Carlo's
// whole counts from the event clocks; at_most_two: no account can hold more
// than two events of a kind in a week (the usual case), so the powers need no loop.
template <org_layer::Events kEvents>
CATHEDRAL_VECTOR_CLONES
void Replication::account_pass(int t) {
  const Params p = m_.params;  // a local copy: no aliasing with the arrays below
  const int A = m_.n_accounts;
  double* __restrict fit = fit_.data();
  double* __restrict wallet = wallet_.data();
  double* __restrict coverage = coverage_.data();
  double* __restrict satisfaction = satisfaction_.data();
  double* __restrict org = org_.data();
  double* __restrict org_start = org_start_.data();
  double* __restrict n_bm_out = n_benchmarking_.data();
  double* __restrict n_ev_out = n_exec_visits_.data();
  double* __restrict bm_clock = benchmarking_clock_.data();
  double* __restrict ev_clock = exec_visit_clock_.data();
  const double* __restrict fit_target = fit_target_.data();
  const double* __restrict eps = fit_eps_.data();
  const double* __restrict wallet_growth = m_.wallet_growth.data();
  const double* __restrict capability = m_.capability_match.data();
  const double* __restrict bm_rate = benchmarking_rate_.data();
  const double* __restrict ev_rate = exec_visit_rate_.data();
  const double* __restrict r_visits = r_visits_.data();
  const double* __restrict r_service = r_service_.data();
  const double* __restrict centre = centre_.data();
  CATHEDRAL_INDEPENDENT_ITERATIONS
  for (int a = 0; a < A; ++a) {
    const double F = market::fit_step(p, fit[a], fit_target[a], eps[a]);
    fit[a] = F;
    wallet[a] = market::wallet_step(p, wallet[a], wallet_growth[a], F, t);  // W_0 is the scenario's wallet
    double n_bm, n_ev;
    if constexpr (kEvents == org_layer::Events::expected) {
      n_bm = events::expected(bm_rate[a]);
      n_ev = events::expected(ev_rate[a]);
    } else {
      const double bm_next = events::advance_clock(bm_clock[a], bm_rate[a]);
      const double ev_next = events::advance_clock(ev_clock[a], ev_rate[a]);
      n_bm = events::held(bm_clock[a], bm_next);
      n_ev = events::held(ev_clock[a], ev_next);
      bm_clock[a] = bm_next;
      ev_clock[a] = ev_next;
    }
    n_bm_out[a] = n_bm;
    n_ev_out[a] = n_ev;
    const double C0 = coverage[a], O0 = org[a];
    org_start[a] = O0;
    coverage[a] = broad_layer::coverage_step(p, C0, r_visits[a]);
    satisfaction[a] = broad_layer::satisfaction_step(p, satisfaction[a], C0, r_service[a]);
    org[a] = org_layer::step<kEvents>(p, O0, C0, centre[a], F, capability[a], n_bm, n_ev);
  }
}

// The instances step() runs (step lives in replication.cpp).
template void Replication::account_pass<org_layer::Events::whole>(int);
template void Replication::account_pass<org_layer::Events::at_most_two>(int);
template void Replication::account_pass<org_layer::Events::expected>(int);

}  // namespace cathedral
