// The accounting pass (docs/model.md §3.7): spend, hours, executive days,
// contribution, payments and cash flow of every account.
#include "cathedral/replication.hpp"

#include "cathedral/model/accounting.hpp"
#include "cathedral/simd.hpp"

namespace cathedral {

// §3.7 accounting, payments and the week's flows of every account.
CATHEDRAL_VECTOR_CLONES
void Replication::accounting_pass(int t) {
  const Costs c = m_.costs;
  const std::size_t A = static_cast<std::size_t>(m_.n_accounts);
  const double open_scale = t == epoch_week_ ? 1.0 : 0.0;  // a centre's setup cost falls in the epoch's first week
  double* __restrict flows = flow_.data();
  double* __restrict revenue_to_date = revenue_to_date_.data();
  double* __restrict gp_to_date = gp_to_date_.data();
  const double* __restrict fixed_spend = fixed_spend_.data();
  const double* __restrict fixed_hours = fixed_hours_.data();
  const double* __restrict n_bm = n_benchmarking_.data();
  const double* __restrict n_ev = n_exec_visits_.data();
  const double* __restrict opens = centre_opens_.data();
  const double* __restrict signed_now = signed_.data();
  double* __restrict total = flow_total_.data();
  CATHEDRAL_INDEPENDENT_ITERATIONS
  for (std::size_t a = 0; a < A; ++a) {
    const double gp = flows[metric::gross_profit * A + a];
    revenue_to_date[a] += flows[metric::revenue * A + a];
    gp_to_date[a] += gp;
    const accounting::Week w = accounting::week(c, {fixed_spend[a], fixed_hours[a]}, n_bm[a], n_ev[a],
                                                opens[a] * open_scale, signed_now[a]);
    flows[metric::spend * A + a] = w.spend;
    flows[metric::hours * A + a] = w.hours;
    flows[metric::exec_days * A + a] = w.exec_days;
    flows[metric::contribution * A + a] = accounting::contribution(gp, w.spend);
  }
  // Gross profit is collected payment_delay_weeks later, from a ring over
  // weeks: this week's slot, and the slot paid in D weeks (D = 0: the same).
  double* due_now = gp_due_.data() + static_cast<std::size_t>(t % (D_ + 1)) * A;
  double* due_pay = gp_due_.data() + static_cast<std::size_t>((t + D_) % (D_ + 1)) * A;
  for (std::size_t a = 0; a < A; ++a) {
    due_pay[a] += flows[metric::gross_profit * A + a];
    const double collected = due_now[a];
    due_now[a] = 0.0;
    flows[metric::cash_flow * A + a] = accounting::cash_flow(collected, flows[metric::spend * A + a]);
  }
  // every flow of the week, summed over the horizon per account
  CATHEDRAL_INDEPENDENT_ITERATIONS
  for (std::size_t a = 0; a < A; ++a)
    for (int m = 0; m < kNumFlows; ++m) total[m * A + a] += flows[m * A + a];
}

}  // namespace cathedral
