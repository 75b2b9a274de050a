#include "cathedral/random.hpp"

#include <cmath>
#include <limits>

namespace cathedral {

NormalTables::NormalTables() {
  // Marsaglia & Tsang (2000): 128 layers of equal area v for exp(-x^2/2).
  constexpr double r = kZigguratR;
  constexpr double v = 9.91256303526217e-3;
  auto fn = [](double x) { return elementary::exp(-0.5 * x * x); };
  x[0] = v / fn(r);  // the base strip: a rectangle plus the tail beyond r
  x[1] = r;
  for (int i = 1; i < kLayers - 1; ++i) x[i + 1] = std::sqrt(-2.0 * elementary::log(fn(x[i]) + v / x[i]));
  x[kLayers] = 0.0;
  for (int i = 0; i <= kLayers; ++i) f[i] = fn(x[i]);
}

const NormalTables kNormalTables;

// The draw `bits` fell outside its layer's rectangle: the tail beyond R for
// the base layer, else the wedge test; a rejected draw starts over.
double Stream::normal_beyond_rectangle(std::uint64_t bits, double z) {
  const NormalTables& t = kNormalTables;
  const int layer = static_cast<int>(bits & 0x7f);
  const bool negative = (bits >> 7) & 1;
  if (layer == 0) {
    // Tail beyond R (Marsaglia 1964).
    double a, b;
    do {
      a = -elementary::log(uniform_pos()) / kZigguratR;
      b = -elementary::log(uniform_pos());
    } while (b + b < a * a);
    const double v = kZigguratR + a;
    return negative ? -v : v;
  }
  // Wedge between the layer's rectangle and the curve.
  const double y = t.f[layer] + uniform() * (t.f[layer + 1] - t.f[layer]);
  if (y < elementary::exp(-0.5 * z * z)) return negative ? -z : z;
  return normal();
}

std::int64_t Stream::geometric(const Geometric& law) {
  if (law.p >= 1.0) return 0;
  if (!(law.p > 0.0)) return std::numeric_limits<std::int64_t>::max() / 4;
  const double g = std::floor(elementary::log(uniform_pos()) / law.log_q);
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
  const double limit = elementary::exp(-mean);
  std::int64_t k = 0;
  double prod = uniform_pos();
  while (prod > limit) {
    ++k;
    prod *= uniform_pos();
  }
  return k;
}

}  // namespace cathedral
