// Tiers and the nine-grid (docs/model.md §6).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace cathedral {

enum class Tier : std::int8_t { S = 0, A = 1, B = 2, C = 3 };
inline constexpr std::array<const char*, 4> kTierNames{"S", "A", "B", "C"};
// Tier labels as a policy sees them: the four tiers, then cash-flow customers.
inline constexpr int kCashFlowLabel = 4;
inline constexpr std::array<const char*, 5> kTierLabels{"S", "A", "B", "C", "cash_flow"};

struct TierRules {
  double s_min_wallet, a_min_wallet, b_min_wallet;
  double s_min_fit, a_min_fit;
  double cashflow_fit;
};

// Percentile with linear interpolation between order statistics (numpy's default).
double percentile_linear(std::vector<double> values, double percent);

inline Tier tier_of(const TierRules& r, double wallet, double fit) {
  if (wallet >= r.s_min_wallet && fit >= r.s_min_fit) return Tier::S;
  if (wallet >= r.a_min_wallet && fit >= r.a_min_fit) return Tier::A;
  if (wallet >= r.b_min_wallet) return Tier::B;
  return Tier::C;
}

inline bool is_cash_flow(const TierRules& r, double fit) { return fit < r.cashflow_fit; }

// The label a tiered policy uses: cash-flow customers first, then the tier.
inline int tier_label(const TierRules& r, double wallet, double fit) {
  return is_cash_flow(r, fit) ? kCashFlowLabel : static_cast<int>(tier_of(r, wallet, fit));
}

// Nine-grid cells, intimacy level × 3 + support level:
// 0 low/opposed … 2 low/supportive, 6 high/opposed (risk), 8 high/supportive (target).
inline constexpr int kGridCells = 9;
inline constexpr int kTargetCell = 8;
inline constexpr int kRiskCell = 6;
inline constexpr std::array<const char*, 9> kGridCellNames{
    "low/opposed",  "low/neutral",  "low/supportive",  "medium/opposed", "medium/neutral",
    "medium/supportive", "high/opposed", "high/neutral", "high/supportive"};

struct GridCuts {
  std::array<double, 2> intimacy;  // low < [0], medium < [1], else high
  std::array<double, 2> support;   // opposed < [0], neutral < [1], else supportive
};

// Branch-free: the cuts are increasing, so the level is the number of cuts at or below the value.
inline int grid_cell(const GridCuts& g, double intimacy, double support) {
  const int i = static_cast<int>(intimacy >= g.intimacy[0]) + static_cast<int>(intimacy >= g.intimacy[1]);
  const int s = static_cast<int>(support >= g.support[0]) + static_cast<int>(support >= g.support[1]);
  return i * 3 + s;
}

}  // namespace cathedral
