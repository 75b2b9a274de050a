// Response curves of MODEL.md §1.
#pragma once

#include "cathedral/elementary.hpp"

namespace cathedral {

// hill(x; h, c) = x^c / (x^c + h^c) for x > 0, and 0 for x = 0.
inline double hill(double x, double half, double shape) {
  if (!(x > 0.0)) return 0.0;
  if (shape == 1.0) return x / (x + half);  // the common case, without pow
  const double xc = elementary::pow_positive(x, shape);
  return xc / (xc + elementary::pow_positive(half, shape));
}

inline double clip(double x, double lo, double hi) { return x < lo ? lo : (x > hi ? hi : x); }

inline double logistic(double z) { return 1.0 / (1.0 + elementary::exp(-z)); }

}  // namespace cathedral
