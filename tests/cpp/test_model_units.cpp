// docs/model.md §1: the response curve, clip and logistic (model/units.hpp),
// checked against values computed by hand from the formulas.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

#include "cathedral/model/units.hpp"

namespace cathedral {
namespace {

constexpr double kTol = 1e-12;

TEST(Response, HillAtZeroIsZero) {
  EXPECT_EQ(hill(0.0, 2.0, 1.0), 0.0);
  EXPECT_EQ(hill(0.0, 2.0, 3.0), 0.0);
  EXPECT_EQ(hill(0.0, 0.5, 0.5), 0.0);
}

TEST(Response, HillConcaveShapeOne) {
  // x / (x + h)
  EXPECT_NEAR(hill(2.0, 2.0, 1.0), 0.5, kTol);
  EXPECT_NEAR(hill(6.0, 2.0, 1.0), 6.0 / 8.0, kTol);
  EXPECT_NEAR(hill(1.0, 3.0, 1.0), 0.25, kTol);
}

TEST(Response, HillShapeNotOne) {
  // x^c / (x^c + h^c)
  EXPECT_NEAR(hill(1.0, 2.0, 2.0), 1.0 / (1.0 + 4.0), kTol);        // 0.2
  EXPECT_NEAR(hill(4.0, 2.0, 3.0), 64.0 / (64.0 + 8.0), kTol);      // 8/9
  EXPECT_NEAR(hill(3.0, 3.0, 2.7), 0.5, kTol);                      // x = h: always 1/2
  EXPECT_NEAR(hill(4.0, 1.0, 0.5), 2.0 / (2.0 + 1.0), kTol);        // sqrt: 2/3
  // S-shaped: below the half point a shape > 1 responds less than shape 1.
  EXPECT_LT(hill(1.0, 2.0, 3.0), hill(1.0, 2.0, 1.0));
  EXPECT_NEAR(hill(1.0, 2.0, 3.0), 1.0 / 9.0, kTol);
}

TEST(Response, ClipAndLogistic) {
  EXPECT_EQ(clip(1.5, 0.0, 1.0), 1.0);
  EXPECT_EQ(clip(-0.5, 0.0, 1.0), 0.0);
  EXPECT_EQ(clip(0.25, 0.0, 1.0), 0.25);
  EXPECT_EQ(clip(-1.5, -1.0, 1.0), -1.0);
  // the edge cases of x < lo ? lo : (x > hi ? hi : x), bit for bit
  auto bits = [](double x) { return std::bit_cast<std::uint64_t>(x); };
  EXPECT_EQ(bits(clip(-0.0, 0.0, 1.0)), bits(-0.0));  // -0 is not below +0
  EXPECT_EQ(bits(clip(0.0, -1.0, 1.0)), bits(0.0));
  EXPECT_EQ(clip(1.0, 0.0, 1.0), 1.0);
  EXPECT_EQ(clip(std::numeric_limits<double>::infinity(), -1.0, 1.0), 1.0);
  EXPECT_EQ(clip(-std::numeric_limits<double>::infinity(), -1.0, 1.0), -1.0);
  EXPECT_TRUE(std::isnan(clip(std::numeric_limits<double>::quiet_NaN(), 0.0, 1.0)));
  EXPECT_EQ(select(true, 2.0, 3.0), 2.0);
  EXPECT_EQ(select(false, 2.0, 3.0), 3.0);
  EXPECT_EQ(bits(select(false, 2.0, -0.0)), bits(-0.0));
  EXPECT_NEAR(logistic(0.0), 0.5, kTol);
  EXPECT_NEAR(logistic(std::log(3.0)), 0.75, kTol);  // 1 / (1 + 1/3)
  EXPECT_NEAR(logistic(-std::log(3.0)), 0.25, kTol);
}

TEST(Response, UnitShapeIsTheShapeOneHillBitForBit) {
  // the kernel calls hill_unit_shape where every shape is 1: the same bits as hill
  for (double x : {0.0, 1e-300, 0.3, 2.0, 7.5, 1e6})
    for (double h : {0.1, 2.0, 3.7}) {
      EXPECT_EQ(std::bit_cast<std::uint64_t>(hill_unit_shape(x, h)), std::bit_cast<std::uint64_t>(hill(x, h, 1.0)))
          << x << " " << h;
      EXPECT_NEAR(hill_unit_shape(x, h), x / (x + h), kTol);
    }
}

}  // namespace
}  // namespace cathedral
