#include "cathedral/random.hpp"

#include <limits>

namespace cathedral {

NormalTables::NormalTables() {
  // Marsaglia & Tsang (2000): 128 layers of equal area v for exp(-x^2/2).
  constexpr double r = kZigguratR;
  constexpr double v = 9.91256303526217e-3;
  auto fn = [](double x) { return std::exp(-0.5 * x * x); };
  x[0] = v / fn(r);  // the base strip: a rectangle plus the tail beyond r
  x[1] = r;
  for (int i = 1; i < kLayers - 1; ++i) x[i + 1] = std::sqrt(-2.0 * std::log(fn(x[i]) + v / x[i]));
  x[kLayers] = 0.0;
  for (int i = 0; i <= kLayers; ++i) f[i] = fn(x[i]);
}

const NormalTables& normal_tables() {
  static const NormalTables tables;
  return tables;
}

std::int64_t Stream::geometric(double p) {
  if (p >= 1.0) return 0;
  if (!(p > 0.0)) return std::numeric_limits<std::int64_t>::max() / 4;
  const double g = std::floor(std::log(uniform_pos()) / std::log1p(-p));
  if (g > 1e15) return std::numeric_limits<std::int64_t>::max() / 4;
  return static_cast<std::int64_t>(g);
}

std::int64_t Stream::poisson(double mean) {
  if (!(mean > 0.0)) return 0;
  if (mean > 500.0) {
    // A sum of independent Poissons is Poisson: keep exp(-mean) representable.
    const double half = 0.5 * mean;
    return poisson(half) + poisson(mean - half);
  }
  const double limit = std::exp(-mean);
  std::int64_t k = 0;
  double prod = uniform_pos();
  while (prod > limit) {
    ++k;
    prod *= uniform_pos();
  }
  return k;
}

}  // namespace cathedral
