// Outputs (docs/model.md §8) and the fixed order of their sums (§10).
#pragma once

#include <algorithm>

#include "cathedral/metrics.hpp"

namespace cathedral::outputs {

// §10: Σ x[i] over the n accounts of a week in four interleaved partial sums
// (account i into sum i mod 4, the last n mod 4 accounts into sum 0), combined
// as (s₀ + s₁) + (s₂ + s₃). The kernel adds the same sums in vector lanes.
inline double ordered_sum(const double* x, int n) {
  double s[4] = {0.0, 0.0, 0.0, 0.0};
  const int whole = n - n % 4;
  for (int i = 0; i < whole; ++i) s[i % 4] += x[i];
  for (int i = whole; i < n; ++i) s[0] += x[i];
  return (s[0] + s[1]) + (s[2] + s[3]);
}

// §8: the portfolio row of a week from every metric summed over the accounts:
// flows stay sums, contribution and cash_flow less the team cost; states
// become means over the accounts, except wallet, which stays a sum.
inline void finish_portfolio_row(double* row, int n_accounts, double team_cost) {
  for (int i = 0; i < kNumMetrics; ++i)
    if (!(is_flow(i) || i == metric::wallet)) row[i] /= n_accounts;
  row[metric::contribution] -= team_cost;
  row[metric::cash_flow] -= team_cost;
}

// §8: per account, the mean and the sample variance over replications, from
// the running sum and sum of squares (§10: summed block by block).
inline void accumulate(double& sum, double& sum_sq, double x) {
  sum += x;
  sum_sq += x * x;
}
inline double mean(double sum, double n) { return sum / n; }
inline double sample_variance(double sum, double sum_sq, double n) {
  return n > 1.0 ? std::max(0.0, (sum_sq - sum * sum / n) / (n - 1.0)) : 0.0;
}

}  // namespace cathedral::outputs
