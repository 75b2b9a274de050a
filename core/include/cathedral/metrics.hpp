// Output metrics (docs/model.md §8) and KPIs.
#pragma once

#include <array>
#include <span>
#include <string_view>
#include <vector>

namespace cathedral {

// Flows are summed over a week; states are end-of-week values. For the
// portfolio, flows are summed over accounts (contribution and cash_flow then
// less the team cost), states are means over accounts, except `wallet`,
// which is summed.
namespace metric {
enum Id : int {
  revenue, gross_profit, wins, direct_awards, seen_deals, decided_deals, spend, hours, exec_days,
  contribution, cash_flow,
  support, intimacy, coverage, satisfaction, org, fit, jic, agreement_weeks_left, wallet,
};
}  // namespace metric
inline constexpr int kNumFlows = 11;
inline constexpr int kNumMetrics = 20;
inline constexpr std::array<const char*, kNumMetrics> kMetricNames{
    "revenue", "gross_profit", "wins", "direct_awards", "seen_deals", "decided_deals", "spend", "hours",
    "exec_days", "contribution", "cash_flow", "support", "intimacy", "coverage", "satisfaction", "org",
    "fit", "jic", "agreement_weeks_left", "wallet"};

int metric_index(std::string_view name);  // -1 when unknown
inline bool is_flow(int metric) { return metric < kNumFlows; }

// KPIs over the horizon (docs/model.md §8), one value per replication.
// Yearly revenue follows as revenue_year_1 … revenue_year_N.
enum Kpi : int {
  kpi_revenue, kpi_gross_profit, kpi_contribution, kpi_cash_flow, kpi_spend,
  kpi_revenue_per_am_year, kpi_contribution_per_am_year, kpi_revenue_growth, kpi_win_rate,
  kpi_share_of_wallet, kpi_wins, kpi_direct_awards, kpi_seen_deals,
};
inline constexpr int kNumFixedKpis = 13;
inline constexpr std::array<const char*, kNumFixedKpis> kKpiNames{
    "revenue", "gross_profit", "contribution", "cash_flow", "spend", "revenue_per_am_year",
    "contribution_per_am_year", "revenue_growth", "win_rate", "share_of_wallet", "wins",
    "direct_awards", "seen_deals"};

int years_in_horizon(int horizon_weeks);  // ⌈H / 52⌉
std::vector<std::string> kpi_names(int horizon_weeks);

// KPIs of one replication from its weekly portfolio series (weeks × kNumMetrics).
// revenue_growth is NaN when the horizon is shorter than two years or the
// first year has no revenue; win_rate is NaN when no deal was decided.
void compute_kpis(std::span<const double> weekly, int horizon_weeks, double account_managers,
                  std::span<double> out);

}  // namespace cathedral
