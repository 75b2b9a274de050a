#include "cathedral/tiers.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace cathedral {

double percentile_linear(std::vector<double> values, double percent) {
  if (values.empty()) throw std::invalid_argument("percentile of an empty set");
  std::sort(values.begin(), values.end());
  const double pos = percent / 100.0 * static_cast<double>(values.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, values.size() - 1);
  const double frac = pos - static_cast<double>(lo);
  // numpy's lerp: from the nearer end, so the result is monotone and exact at the ends.
  const double diff = values[hi] - values[lo];
  return frac >= 0.5 ? values[hi] - diff * (1.0 - frac) : values[lo] + diff * frac;
}

}  // namespace cathedral
