#include "cathedral/metrics.hpp"

#include <cmath>
#include <limits>
#include <string>

namespace cathedral {

int metric_index(std::string_view name) {
  for (int i = 0; i < kNumMetrics; ++i)
    if (name == kMetricNames[i]) return i;
  return -1;
}

int years_in_horizon(int horizon_weeks) { return (horizon_weeks + 51) / 52; }

std::vector<std::string> kpi_names(int horizon_weeks) {
  std::vector<std::string> names(kKpiNames.begin(), kKpiNames.end());
  for (int y = 1; y <= years_in_horizon(horizon_weeks); ++y) names.push_back("revenue_year_" + std::to_string(y));
  return names;
}

void compute_kpis(std::span<const double> weekly, int H, double account_managers, std::span<double> out) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  auto total = [&](int metric, int from, int to) {
    double s = 0.0;
    for (int t = from; t < to; ++t) s += weekly[static_cast<std::size_t>(t) * kNumMetrics + metric];
    return s;
  };
  const double years = H / 52.0;
  const double revenue_total = total(metric::revenue, 0, H);
  const double contribution_total = total(metric::contribution, 0, H);
  out[kpi_revenue] = revenue_total;
  out[kpi_gross_profit] = total(metric::gross_profit, 0, H);
  out[kpi_contribution] = contribution_total;
  out[kpi_cash_flow] = total(metric::cash_flow, 0, H);
  out[kpi_spend] = total(metric::spend, 0, H);
  out[kpi_revenue_per_am_year] = account_managers > 0 ? revenue_total / account_managers / years : nan;
  out[kpi_contribution_per_am_year] = account_managers > 0 ? contribution_total / account_managers / years : nan;
  if (H >= 104) {
    const double first = total(metric::revenue, 0, 52);
    const double last = total(metric::revenue, H - 52, H);
    out[kpi_revenue_growth] = first > 0 ? last / first - 1.0 : nan;
  } else {
    out[kpi_revenue_growth] = nan;
  }
  const double decided = total(metric::decided_deals, 0, H);
  out[kpi_win_rate] = decided > 0 ? total(metric::wins, 0, H) / decided : nan;
  // Σ_t Σ_a W_t / 52: the wallet metric is summed over accounts.
  const double wallet_spend = total(metric::wallet, 0, H) / 52.0;
  out[kpi_share_of_wallet] = wallet_spend > 0 ? revenue_total / wallet_spend : nan;
  out[kpi_wins] = total(metric::wins, 0, H);
  out[kpi_direct_awards] = total(metric::direct_awards, 0, H);
  out[kpi_seen_deals] = total(metric::seen_deals, 0, H);
  for (int y = 0; y < years_in_horizon(H); ++y) {
    const int to = (y + 1) * 52 < H ? (y + 1) * 52 : H;
    out[kNumFixedKpis + y] = total(metric::revenue, y * 52, to);
  }
}

}  // namespace cathedral
