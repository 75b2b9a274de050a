// Our own exp, log and log1p (elementary.hpp): accurate to 1 ulp against the
// C library, right at the edges, and the same bits in vector loops.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "cathedral/elementary.hpp"
#include "cathedral/model/key_layer.hpp"
#include "cathedral/model/market.hpp"
#include "cathedral/replication.hpp"
#include "cathedral/random.hpp"
#include "cathedral/simd.hpp"

namespace cathedral {
namespace {

// Distance in units in the last place between two finite doubles.
std::int64_t ulps(double a, double b) {
  if (a == b) return 0;
  std::int64_t ia, ib;
  std::memcpy(&ia, &a, sizeof a);
  std::memcpy(&ib, &b, sizeof b);
  if (ia < 0) ia = std::numeric_limits<std::int64_t>::min() - ia;
  if (ib < 0) ib = std::numeric_limits<std::int64_t>::min() - ib;
  return ia > ib ? ia - ib : ib - ia;
}

// glibc's exp and log are correctly rounded in practice, fdlibm's within
// 1 ulp: the two may differ by 1 ulp, never more.
TEST(Elementary, ExpWithinOneUlpOfLibm) {
  Stream s(stream_key(11, 0, 0, Purpose::market));
  std::int64_t worst = 0;
  for (int i = 0; i < 2000000; ++i) {
    const double scale = i % 3 == 0 ? 1.0 : (i % 3 == 1 ? 1e-3 : 1e-8);
    const double x = (-745.0 + 1454.0 * s.uniform()) * scale;
    worst = std::max(worst, ulps(elementary::exp(x), std::exp(x)));
  }
  EXPECT_LE(worst, 1);
}

TEST(Elementary, LogAndLog1pWithinOneUlpOfLibm) {
  Stream s(stream_key(12, 0, 0, Purpose::market));
  std::int64_t worst_log = 0, worst_log1p = 0;
  for (int i = 0; i < 2000000; ++i) {
    const double x = i % 2 ? s.uniform_pos() : std::exp(-700.0 + 1400.0 * s.uniform());
    worst_log = std::max(worst_log, ulps(elementary::log(x), std::log(x)));
    const double scale = i % 3 == 0 ? 1e-10 : (i % 3 == 1 ? 1e-3 : 1.8);
    const double y = (s.uniform() - 0.5) * scale;
    worst_log1p = std::max(worst_log1p, ulps(elementary::log1p(y), std::log1p(y)));
  }
  EXPECT_LE(worst_log, 1);
  EXPECT_LE(worst_log1p, 1);
}

TEST(Elementary, EdgesAndSpecialValues) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(elementary::exp(0.0), 1.0);
  EXPECT_EQ(elementary::exp(-1000.0), 0.0);
  EXPECT_EQ(elementary::exp(1000.0), kInf);
  EXPECT_EQ(elementary::exp(-kInf), 0.0);
  EXPECT_EQ(elementary::exp(kInf), kInf);
  EXPECT_EQ(elementary::exp(-745.0), std::exp(-745.0));  // subnormal result, rounded once
  EXPECT_LE(ulps(elementary::exp(-740.0), std::exp(-740.0)), 1);
  EXPECT_LE(ulps(elementary::exp(709.7), std::exp(709.7)), 1);
  EXPECT_TRUE(std::isnan(elementary::exp(std::nan(""))));

  EXPECT_EQ(elementary::log(1.0), 0.0);
  EXPECT_EQ(elementary::log(0.0), -kInf);
  EXPECT_EQ(elementary::log(kInf), kInf);
  EXPECT_TRUE(std::isnan(elementary::log(-1.0)));
  EXPECT_TRUE(std::isnan(elementary::log(std::nan(""))));
  const double tiny = std::numeric_limits<double>::denorm_min();
  EXPECT_LE(ulps(elementary::log(tiny), std::log(tiny)), 1);
  EXPECT_LE(ulps(elementary::log(1e-310), std::log(1e-310)), 1);
  EXPECT_LE(ulps(elementary::log(std::numeric_limits<double>::max()), std::log(std::numeric_limits<double>::max())), 1);

  EXPECT_EQ(elementary::log1p(0.0), 0.0);
  EXPECT_EQ(elementary::log1p(1e-300), 1e-300);
  EXPECT_EQ(elementary::log1p(-1.0), -kInf);
  EXPECT_EQ(elementary::pow_positive(0.0, 2.0), 0.0);
  EXPECT_LE(ulps(elementary::pow_positive(2.0, 10.0), 1024.0), 2);
}

// The same function over an array, once built with vector clones (AVX2 where
// the CPU has it) and once kept scalar: the bits must agree.
CATHEDRAL_VECTOR_CLONES
void wallet_factors_vector(const Params& p0, const double* __restrict growth, const double* __restrict fit,
                           double* __restrict out, int n) {
  const Params p = p0;
  for (int i = 0; i < n; ++i) out[i] = market::wallet_weekly_factor(p, growth[i], fit[i]) * elementary::exp(-fit[i] * 30.0);
}

__attribute__((noinline)) double wallet_factor_scalar(const Params& p, double growth, double fit) {
  return market::wallet_weekly_factor(p, growth, fit) * elementary::exp(-fit * 30.0);
}

TEST(Elementary, VectorLoopsGiveTheBitsOfScalarCode) {
  Stream s(stream_key(13, 0, 0, Purpose::market));
  const int n = 4099;  // not a multiple of the vector width: the tail runs scalar
  std::vector<double> growth(n), fit(n), out(n);
  for (int i = 0; i < n; ++i) {
    growth[i] = -2.0 + 4.0 * s.uniform();  // some below the −0.99 floor
    fit[i] = s.uniform();
  }
  Params p;
  p.wallet_fit_growth = 0.3;
  wallet_factors_vector(p, growth.data(), fit.data(), out.data(), n);
  for (int i = 0; i < n; ++i) ASSERT_EQ(out[i], wallet_factor_scalar(p, growth[i], fit[i])) << i;
}

// The key layer's step and the packed nine-grid tally as the engine's vector
// loops run them, against scalar code and against grid_cell, on states that
// include the edges: values on the cuts, ±0, out of range, NaN.
CATHEDRAL_VECTOR_CLONES
void key_steps_vector(const Params& p0, const GridCuts& g, const double* __restrict I, const double* __restrict S,
                      const double* __restrict drive, double* __restrict I_out, double* __restrict S_out,
                      std::uint64_t* __restrict words, int n) {
  const Params p = p0;
  CATHEDRAL_INDEPENDENT_ITERATIONS
  for (int i = 0; i < n; ++i) {
    const key_layer::ContactState c = key_layer::step_with(p, {I[i], S[i]}, 0.2, drive[i], drive[i], 0.01);
    I_out[i] = c.intimacy;
    S_out[i] = c.support;
    packed_grid::add_contact(g, I[i], S[i], ~std::uint64_t{0}, words[i], words[n + i], words[2 * n + i]);
  }
}

__attribute__((noinline)) key_layer::ContactState key_step_scalar(const Params& p, double I, double S, double drive) {
  return key_layer::step_with(p, {I, S}, 0.2, drive, drive, 0.01);
}

TEST(Elementary, KeyStepAndTallyInVectorLoopsGiveTheBitsOfScalarCode) {
  Stream s(stream_key(17, 0, 0, Purpose::market));
  const GridCuts g{{0.3, 0.7}, {-0.25, 0.5}};
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double edges[] = {0.0, -0.0, 0.3, 0.7, -0.25, 0.5, 1.0, -1.0, 1.5, -1.5, nan};
  const int n = 4099;
  std::vector<double> I(n), S(n), drive(n), I_out(n), S_out(n);
  for (int i = 0; i < n; ++i) {
    I[i] = s.uniform() < 0.2 ? edges[i % 11] : -0.2 + 1.4 * s.uniform();
    S[i] = s.uniform() < 0.2 ? edges[(i / 11) % 11] : -1.2 + 2.4 * s.uniform();
    drive[i] = s.uniform() < 0.1 ? 0.0 : 3.0 * s.uniform();  // large drives overshoot: the clips act
  }
  std::vector<std::uint64_t> words(3 * static_cast<std::size_t>(n), 0);
  Params p;
  key_steps_vector(p, g, I.data(), S.data(), drive.data(), I_out.data(), S_out.data(), words.data(), n);
  auto same = [](double a, double b) { return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b); };
  for (int i = 0; i < n; ++i) {
    const key_layer::ContactState c = key_step_scalar(p, I[i], S[i], drive[i]);
    ASSERT_TRUE(same(I_out[i], c.intimacy)) << i << ": I " << I[i] << " S " << S[i];
    ASSERT_TRUE(same(S_out[i], c.support)) << i << ": I " << I[i] << " S " << S[i];
    std::int32_t cells[9] = {};
    packed_grid::unpack_add(words.data() + i, static_cast<std::size_t>(n), cells);
    for (int cell = 0; cell < 9; ++cell)
      ASSERT_EQ(cells[cell], cell == grid_cell(g, I[i], S[i]) ? 1 : 0) << i << ": I " << I[i] << " S " << S[i];
  }
}

}  // namespace
}  // namespace cathedral
