// Response curves of docs/model.md §1.
#pragma once

#include <bit>
#include <cstdint>

#include "cathedral/elementary.hpp"

namespace cathedral {

// hill(x; h, 1) = x / (x + h) for x > 0, and 0 for x = 0: the common case, without pow.
inline double hill_unit_shape(double x, double half) { return x > 0.0 ? x / (x + half) : 0.0; }

// hill(x; h, c) = x^c / (x^c + h^c) for x > 0, and 0 for x = 0.
inline double hill(double x, double half, double shape) {
  if (shape == 1.0) return hill_unit_shape(x, half);
  if (!(x > 0.0)) return 0.0;
  const double xc = elementary::pow_positive(x, shape);
  return xc / (xc + elementary::pow_positive(half, shape));
}

// c ? a : b, bit for bit, through an integer mask: vector loops make it one
// blend (a ternary on doubles inside a longer chain of them can become
// several compares and blends).
inline double select(bool c, double a, double b) {
  const std::uint64_t m = c ? ~std::uint64_t{0} : 0;
  return std::bit_cast<double>((std::bit_cast<std::uint64_t>(a) & m) | (std::bit_cast<std::uint64_t>(b) & ~m));
}
// x < lo ? lo : (x > hi ? hi : x), for lo < hi (a NaN stays NaN), in two selects.
inline double clip(double x, double lo, double hi) {
  const double below_hi = select(hi < x, hi, x);
  return select(lo > below_hi, lo, below_hi);
}

inline double logistic(double z) { return 1.0 / (1.0 + elementary::exp(-z)); }

}  // namespace cathedral
