// Response curves of MODEL.md §1.
#pragma once

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

inline double clip(double x, double lo, double hi) { return x < lo ? lo : (x > hi ? hi : x); }

inline double logistic(double z) { return 1.0 / (1.0 + elementary::exp(-z)); }

}  // namespace cathedral
