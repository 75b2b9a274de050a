// Response curves of docs/model.md §1.
#pragma once

#include <bit>
#include <cstdint>

#include "cathedral/elementary.hpp"

namespace cathedral {

// c ? a : b, bit for bit, through an integer mask: vector loops make it one
// blend (a ternary on doubles inside a longer chain of them can become
// several compares and blends).
inline double select(bool c, double a, double b) {
  const std::uint64_t m = c ? ~std::uint64_t{0} : 0;
  return std::bit_cast<double>((std::bit_cast<std::uint64_t>(a) & m) | (std::bit_cast<std::uint64_t>(b) & ~m));
}

// The stable form of hill for x > 0: 1 / (1 + (h/x)^c) = 1 / (1 + e^(c·(log h − log x))),
// which cannot overflow: e^ saturates to 0 or +inf, giving 1 or 0 (docs/model.md §1).
inline double hill_stable(double x, double half, double shape) {
  return 1.0 / (1.0 + elementary::exp(shape * (elementary::log(half) - elementary::log(x))));
}

// True when x^c / (x^c + h^c) can be formed: the denominator is a positive finite number.
inline bool hill_formable(double denominator) {
  return denominator > 0.0 && denominator <= 1.7976931348623157e308;
}

// hill(x; h, 1) = x / (x + h) for x > 0, and 0 for x = 0: the common case, without pow.
// (x + h overflows only for x and h near the largest double: then the stable form.)
inline double hill_unit_shape(double x, double half) {
  const double den = x + half;
  return x > 0.0 ? select(hill_formable(den), x / den, 1.0 / (1.0 + half / x)) : 0.0;
}

// hill(x; h, c) = x^c / (x^c + h^c) for x > 0, and 0 for x = 0. Where x^c or
// h^c overflows or both underflow (steep shapes, extreme x) the stable form;
// elsewhere these exact bits.
inline double hill(double x, double half, double shape) {
  if (shape == 1.0) return hill_unit_shape(x, half);
  if (!(x > 0.0)) return 0.0;
  const double xc = elementary::pow_positive(x, shape);
  const double den = xc + elementary::pow_positive(half, shape);
  return hill_formable(den) ? xc / den : hill_stable(x, half, shape);
}

// x < lo ? lo : (x > hi ? hi : x), for lo < hi (a NaN stays NaN), in two selects.
inline double clip(double x, double lo, double hi) {
  const double below_hi = select(hi < x, hi, x);
  return select(lo > below_hi, lo, below_hi);
}

inline double logistic(double z) { return 1.0 / (1.0 + elementary::exp(-z)); }

}  // namespace cathedral
