// exp, log and log1p of our own (docs/model.md §10: a run is a pure function of its
// inputs and seed, on any machine).
//
// libm's exp, log and pow pick FMA or non-FMA code at run time and may differ
// between CPUs and library versions. These are fdlibm's algorithms (error
// below 1 ulp) written with IEEE additions, multiplications and divisions
// only: no FMA (the core is built with -ffp-contract=off), no table, no
// branch. So they give the same bits everywhere, and loops that call them
// vectorise (AVX2 clones give the same bits as scalar code).
#pragma once

#include <bit>
#include <cstdint>
#include <limits>

namespace cathedral::elementary {

namespace detail {
inline constexpr double kLn2Hi = 6.93147180369123816490e-01;  // 0x3fe62e42fee00000: k·kLn2Hi is exact
inline constexpr double kLn2Lo = 1.90821492927058770002e-10;  // 0x3dea39ef35793c76
inline constexpr double kInvLn2 = 1.44269504088896338700e+00;
inline constexpr double kRound = 0x1.8p52;  // adding it rounds to an integer, held in the low bits
inline constexpr std::uint64_t kRoundBits = 0x4338000000000000ULL;

// 2^n for a whole number n in [−1022, 1023], given n + kRound.
inline double two_to(double n_plus_round) {
  const std::uint64_t n = std::bit_cast<std::uint64_t>(n_plus_round) - kRoundBits;  // two's complement n
  return std::bit_cast<double>((n + 1023) << 52);
}
}  // namespace detail

// e^x, error below 1 ulp; 0 below −746, +inf above 710, NaN for NaN.
inline double exp(double x) {
  using namespace detail;
  constexpr double P1 = 1.66666666666666019037e-01, P2 = -2.77777777770155933842e-03,
                   P3 = 6.61375632143793436117e-05, P4 = -1.65339022054652515390e-06,
                   P5 = 4.13813679705723846039e-08;
  x = x < -746.0 ? -746.0 : (x > 710.0 ? 710.0 : x);
  // x = k·ln2 + r, |r| <= ln2/2, k rounded to nearest (in floating point: no conversion to int)
  const double k = (x * kInvLn2 + kRound) - kRound;
  const double hi = x - k * kLn2Hi;
  const double lo = k * kLn2Lo;
  const double r = hi - lo;
  const double t = r * r;
  const double c = r - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
  const double y = 1.0 - ((lo - (r * c) / (2.0 - c)) - hi);
  // 2^k in two factors, each a normal number: results down to the subnormals round once
  const double k1 = (k * 0.5 + kRound) - kRound;
  const double k2 = k - k1;
  return y * two_to(k1 + kRound) * two_to(k2 + kRound);
}

// Natural logarithm, error below 1 ulp; −inf for 0, NaN below 0 or for NaN, +inf for +inf.
inline double log(double x) {
  using namespace detail;
  constexpr double Lg1 = 6.666666666666735130e-01, Lg2 = 3.999999999940941908e-01,
                   Lg3 = 2.857142874366239149e-01, Lg4 = 2.222219843214978396e-01,
                   Lg5 = 1.818357216161805012e-01, Lg6 = 1.531383769920937332e-01,
                   Lg7 = 1.479819860511658591e-01;
  constexpr double kSqrt2 = 1.41421356237309504880;
  const bool subnormal = x < 0x1p-1022;
  const double xs = subnormal ? x * 0x1p54 : x;
  const std::uint64_t bits = std::bit_cast<std::uint64_t>(xs);
  // x = 2^e · m with m in [1, 2), then m in [√2/2, √2)
  // the biased exponent as a double, through the bits of 2^52 + exponent (no int64 conversion: AVX2 has none)
  const double biased = std::bit_cast<double>(0x4330000000000000ULL | (bits >> 52)) - 0x1p52;
  double e = biased - (subnormal ? 1023.0 + 54.0 : 1023.0);
  double m = std::bit_cast<double>((bits & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL);
  const bool high = m >= kSqrt2;
  m = high ? m * 0.5 : m;
  e = high ? e + 1.0 : e;
  const double f = m - 1.0;
  const double s = f / (2.0 + f);
  const double z = s * s;
  const double w = z * z;
  const double t1 = w * (Lg2 + w * (Lg4 + w * Lg6));
  const double t2 = z * (Lg1 + w * (Lg3 + w * (Lg5 + w * Lg7)));
  const double R = t2 + t1;
  const double hfsq = 0.5 * f * f;
  const double y = e * kLn2Hi - ((hfsq - (s * (hfsq + R) + e * kLn2Lo)) - f);
  constexpr double kInf = std::numeric_limits<double>::infinity();
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  // one select at a time (nested ones keep loops from vectorising)
  double result = x > std::numeric_limits<double>::max() ? x : y;  // +inf
  result = x == 0.0 ? -kInf : result;
  return x >= 0.0 ? result : kNaN;  // negative or NaN
}

// log(1 + x), accurate for small x too: the rounding of u = 1 + x is corrected to first order.
inline double log1p(double x) {
  const double u = 1.0 + x;
  const double d = u - 1.0;
  if (u == 0.0) return -std::numeric_limits<double>::infinity();
  return d == 0.0 ? x : log(u) - (d - x) / u;
}

// x^y = e^(y·log x) for x > 0; 0 for x = 0 and y > 0.
inline double pow_positive(double x, double y) { return x > 0.0 ? exp(y * log(x)) : 0.0; }

}  // namespace cathedral::elementary
