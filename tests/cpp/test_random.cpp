// Random streams and distributions (docs/model.md §10). Statistical checks use a
// fixed key, so they are deterministic; tolerances are 5 standard errors
// derived from the sample size (formula next to each check).
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <set>
#include <vector>

#include "cathedral/random.hpp"

namespace cathedral {
namespace {

constexpr double kZ = 5.0;  // tolerance in standard errors

TEST(Random, Mix64MatchesSplitMix64) {
  // SplitMix64 seeded with 0 first returns mix64(0x9e3779b97f4a7c15) = 0xe220a8397b1dcdaf;
  // a Stream with key 0 draws exactly that first.
  EXPECT_EQ(mix64(0x9e3779b97f4a7c15ULL), 0xe220a8397b1dcdafULL);
  Stream s(0);
  EXPECT_EQ(s.next_bits(), 0xe220a8397b1dcdafULL);
  EXPECT_EQ(s.next_bits(), 0x6e789e6aa1b965f4ULL);  // SplitMix64's second output
  EXPECT_EQ(mix64(0), 0u);
}

TEST(Random, SameKeySameSequence) {
  Stream a(stream_key(7, 3, hash_id("acme"), Purpose::arrivals, 1));
  Stream b(stream_key(7, 3, hash_id("acme"), Purpose::arrivals, 1));
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(a.next_bits(), b.next_bits()) << i;
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(a.normal(), b.normal()) << i;
  // a copy continues the same sequence
  Stream c = a;
  for (int i = 0; i < 100; ++i) ASSERT_EQ(a.uniform(), c.uniform());
}

TEST(Random, DifferentKeysDifferentSequences) {
  Stream a(stream_key(7, 3, hash_id("acme"), Purpose::arrivals, 1));
  Stream b(stream_key(7, 3, hash_id("acme"), Purpose::arrivals, 0));
  int same = 0;
  for (int i = 0; i < 1000; ++i) same += a.next_bits() == b.next_bits() ? 1 : 0;
  EXPECT_EQ(same, 0);
}

TEST(Random, StreamKeyDependsOnEveryArgument) {
  const std::uint64_t h = hash_id("acme");
  const std::uint64_t base = stream_key(1, 2, h, Purpose::fit, 0);
  EXPECT_NE(base, stream_key(2, 2, h, Purpose::fit, 0));
  EXPECT_NE(base, stream_key(1, 3, h, Purpose::fit, 0));
  EXPECT_NE(base, stream_key(1, 2, hash_id("acme2"), Purpose::fit, 0));
  EXPECT_NE(base, stream_key(1, 2, h, Purpose::turnover, 0));
  EXPECT_NE(base, stream_key(1, 2, h, Purpose::fit, 1));
  // all combinations of small arguments give distinct keys
  std::set<std::uint64_t> keys;
  int n = 0;
  for (std::uint64_t seed = 0; seed < 4; ++seed)
    for (std::uint64_t rep = 0; rep < 4; ++rep)
      for (const char* id : {"a", "b", "acme"})
        for (auto p : {Purpose::market, Purpose::strategy, Purpose::fit, Purpose::turnover, Purpose::arrivals,
                       Purpose::sizes, Purpose::decisions})
          for (std::uint64_t sub = 0; sub < 3; ++sub) {
            keys.insert(stream_key(seed, rep, hash_id(id), p, sub));
            ++n;
          }
  EXPECT_EQ(keys.size(), static_cast<std::size_t>(n));
  // usable at compile time
  static_assert(stream_key(1, 2, 3, Purpose::fit, 0) != stream_key(1, 2, 3, Purpose::fit, 1));
}

TEST(Random, HashIdIsFnv1aThenMixed) {
  // FNV-1a 64: h = 0xcbf29ce484222325; for each byte: h ^= byte, h *= 0x100000001b3
  constexpr std::uint64_t basis = 0xcbf29ce484222325ULL, prime = 0x100000001b3ULL;
  EXPECT_EQ(hash_id(""), mix64(basis));
  EXPECT_EQ(hash_id("a"), mix64((basis ^ 'a') * prime));
  EXPECT_EQ(hash_id("ab"), mix64(((basis ^ 'a') * prime ^ 'b') * prime));
  // FNV-1a("a") is the published 0xaf63dc4c8601ec8c
  EXPECT_EQ((basis ^ 'a') * prime, 0xaf63dc4c8601ec8cULL);
  EXPECT_NE(hash_id("ab"), hash_id("ba"));
  EXPECT_NE(hash_id("acme"), hash_id("Acme"));
  static_assert(hash_id("x") == hash_id("x"));
  // bytes above 127 are taken unsigned
  EXPECT_EQ(hash_id("\xe9"), mix64((basis ^ 0xe9ULL) * prime));
}

TEST(Random, UniformRangeMeanVariance) {
  Stream s(stream_key(11, 0, 0, Purpose::market));
  const int N = 1000000;
  double sum = 0.0, sq = 0.0;
  double lo = 1.0, hi = 0.0;
  for (int i = 0; i < N; ++i) {
    const double u = s.uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    lo = std::min(lo, u);
    hi = std::max(hi, u);
    sum += u;
    sq += (u - 0.5) * (u - 0.5);
  }
  // mean 1/2, SE = sqrt(1/12 / N)
  EXPECT_NEAR(sum / N, 0.5, kZ * std::sqrt(1.0 / 12.0 / N));
  // variance 1/12; Var((U − 1/2)²) = 1/80 − 1/144 = 1/180: SE = sqrt(1/180 / N)
  EXPECT_NEAR(sq / N, 1.0 / 12.0, kZ * std::sqrt(1.0 / 180.0 / N));
  EXPECT_LT(lo, 1e-4);
  EXPECT_GT(hi, 1.0 - 1e-4);
}

TEST(Random, UniformPosIsInHalfOpenUnit) {
  Stream s(stream_key(12, 0, 0, Purpose::market));
  for (int i = 0; i < 100000; ++i) {
    const double u = s.uniform_pos();
    ASSERT_GT(u, 0.0);
    ASSERT_LE(u, 1.0);
  }
  // the same bits as uniform(), shifted by one ulp step of 2^-53
  Stream a(5), b(5);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(a.uniform_pos(), b.uniform() + 0x1.0p-53);
}

double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

TEST(Random, NormalMomentsAndTails) {
  Stream s(stream_key(13, 0, 0, Purpose::fit));
  const int N = 2000000;
  const std::vector<double> cuts{-2.5, -1.5, -0.5, 0.0, 0.3, 0.7, 1.3, 2.2};
  std::vector<int> below(cuts.size(), 0);
  double sum = 0.0, sq = 0.0, quad = 0.0;
  int beyond2 = 0, beyondR = 0;
  for (int i = 0; i < N; ++i) {
    const double z = s.normal();
    ASSERT_TRUE(std::isfinite(z));
    sum += z;
    sq += z * z;
    quad += z * z * z * z;
    if (std::fabs(z) > 2.0) ++beyond2;
    if (std::fabs(z) > kZigguratR) ++beyondR;
    for (std::size_t c = 0; c < cuts.size(); ++c) below[c] += z < cuts[c] ? 1 : 0;
  }
  // mean 0, SE = 1/sqrt(N);  E z² = 1, Var z² = 2: SE = sqrt(2/N);  E z⁴ = 3, Var z⁴ = 105 − 9 = 96
  EXPECT_NEAR(sum / N, 0.0, kZ / std::sqrt(N));
  EXPECT_NEAR(sq / N, 1.0, kZ * std::sqrt(2.0 / N));
  EXPECT_NEAR(quad / N, 3.0, kZ * std::sqrt(96.0 / N));
  // proportions: SE = sqrt(p (1 − p) / N)
  auto check = [&](int count, double p, const char* what) {
    EXPECT_NEAR(static_cast<double>(count) / N, p, kZ * std::sqrt(p * (1.0 - p) / N)) << what;
  };
  check(beyond2, std::erfc(2.0 / std::sqrt(2.0)), "P(|z| > 2) = .0455");
  // the ziggurat's tail beyond R = 3.4426 (drawn by Marsaglia's method): P = erfc(R/√2) ≈ 5.8e-4
  check(beyondR, std::erfc(kZigguratR / std::sqrt(2.0)), "P(|z| > R)");
  EXPECT_NEAR(std::erfc(2.0 / std::sqrt(2.0)), 0.0455003, 1e-6);
  for (std::size_t c = 0; c < cuts.size(); ++c) check(below[c], normal_cdf(cuts[c]), "CDF");
}

TEST(Random, NormalTailShape) {
  // Beyond R the conditional distribution is the normal tail: P(|z| > 4 | |z| > R).
  Stream s(stream_key(14, 0, 0, Purpose::fit));
  const int N = 20000000;
  int beyondR = 0, beyond4 = 0;
  for (int i = 0; i < N; ++i) {
    const double z = std::fabs(s.normal());
    if (z > kZigguratR) {
      ++beyondR;
      if (z > 4.0) ++beyond4;
    }
  }
  const double pR = std::erfc(kZigguratR / std::sqrt(2.0));
  EXPECT_NEAR(static_cast<double>(beyondR) / N, pR, kZ * std::sqrt(pR * (1 - pR) / N));
  const double q = std::erfc(4.0 / std::sqrt(2.0)) / pR;  // ≈ .11
  EXPECT_NEAR(static_cast<double>(beyond4) / beyondR, q, kZ * std::sqrt(q * (1 - q) / beyondR));
}

TEST(Random, NormalTablesAreConsistent) {
  const NormalTables& t = normal_tables();
  EXPECT_EQ(t.x[1], kZigguratR);
  EXPECT_EQ(t.x[NormalTables::kLayers], 0.0);
  for (int i = 1; i < NormalTables::kLayers; ++i) EXPECT_GT(t.x[i], t.x[i + 1]) << i;
  // every layer i ≥ 1 has area v = x_i (f(x_{i+1}) − f(x_i)); the base strip x_0 f(R) = v too
  const double v = 9.91256303526217e-3;
  EXPECT_NEAR(t.x[0] * std::exp(-0.5 * kZigguratR * kZigguratR), v, 1e-15);
  for (int i = 1; i < NormalTables::kLayers - 1; ++i) EXPECT_NEAR(t.x[i] * (t.f[i + 1] - t.f[i]), v, 1e-12) << i;
  // the top layer closes at the mode: x_127 (1 − f(x_127)) ≈ v
  EXPECT_NEAR(t.x[127] * (1.0 - t.f[127]), v, 1e-9);
}

// Stream::normals (a vector loop for the ziggurat's rectangle test, then the
// rare rest one by one) gives each stream's normal(), bit for bit, and leaves
// every stream where normal() would: over rounds, and for n not a multiple of
// the vector width or of the 4-draw blocks in which misses are found.
TEST(Random, BatchNormalsAreEachStreamsNormal) {
  const int n = 1003;
  std::vector<Stream> batch, single;
  for (int i = 0; i < n; ++i) batch.emplace_back(stream_key(5, 1, static_cast<std::uint64_t>(i), Purpose::fit));
  single = batch;
  std::vector<double> out(n);
  int tails = 0;
  for (int round = 0; round < 40; ++round) {
    Stream::normals(batch.data(), out.data(), n);
    for (int i = 0; i < n; ++i) {
      const double z = single[static_cast<std::size_t>(i)].normal();
      ASSERT_EQ(std::bit_cast<std::uint64_t>(out[static_cast<std::size_t>(i)]), std::bit_cast<std::uint64_t>(z))
          << "round " << round << ", stream " << i;
      tails += std::abs(z) > kZigguratR;
    }
  }
  for (int i = 0; i < n; ++i)  // the streams moved on alike
    ASSERT_EQ(batch[static_cast<std::size_t>(i)].next_bits(), single[static_cast<std::size_t>(i)].next_bits()) << i;
  EXPECT_GT(tails, 0);  // 40 · 1003 draws: P(|z| > R) ≈ 5.8e-4, so about 23 went through the tail
}

TEST(Random, ExponentialMeanAndVariance) {
  Stream s(stream_key(15, 0, 0, Purpose::arrivals));
  const int N = 1000000;
  double sum = 0.0, sq = 0.0;
  for (int i = 0; i < N; ++i) {
    const double e = s.exponential();
    ASSERT_GE(e, 0.0);
    sum += e;
    sq += e * e;
  }
  // mean 1, Var 1: SE = 1/sqrt(N);  E e² = 2, Var e² = 24 − 4 = 20
  EXPECT_NEAR(sum / N, 1.0, kZ / std::sqrt(N));
  EXPECT_NEAR(sq / N, 2.0, kZ * std::sqrt(20.0 / N));
}

TEST(Random, GeometricMeanAndZeroProbability) {
  for (double p : {0.02, 0.2, 0.7}) {
    Stream s(stream_key(16, 0, 0, Purpose::turnover));
    const int N = 500000;
    double sum = 0.0;
    int zeros = 0;
    for (int i = 0; i < N; ++i) {
      const std::int64_t g = s.geometric(p);
      ASSERT_GE(g, 0);
      sum += static_cast<double>(g);
      zeros += g == 0 ? 1 : 0;
    }
    // failures before the first success: mean (1 − p)/p, Var (1 − p)/p²
    EXPECT_NEAR(sum / N, (1 - p) / p, kZ * std::sqrt((1 - p) / (p * p) / N)) << p;
    EXPECT_NEAR(static_cast<double>(zeros) / N, p, kZ * std::sqrt(p * (1 - p) / N)) << p;
  }
  Stream s(1);
  EXPECT_EQ(s.geometric(1.0), 0);
  EXPECT_GT(s.geometric(0.0), std::int64_t{1} << 60);  // never, in practice
}

TEST(Random, PoissonMeanAndVariance) {
  for (double mean : {0.3, 3.7, 40.0}) {
    Stream s(stream_key(17, 0, 0, Purpose::arrivals));
    const int N = 300000;
    double sum = 0.0, sq = 0.0;
    for (int i = 0; i < N; ++i) {
      const double k = static_cast<double>(s.poisson(mean));
      sum += k;
      sq += k * k;
    }
    const double m = sum / N, var = sq / N - m * m;
    // mean λ, SE = sqrt(λ/N);  variance λ, SE ≈ sqrt((λ + 2λ²)/N) (fourth central moment λ + 3λ²)
    EXPECT_NEAR(m, mean, kZ * std::sqrt(mean / N)) << mean;
    EXPECT_NEAR(var, mean, kZ * std::sqrt((mean + 2 * mean * mean) / N)) << mean;
  }
  // large means are split in halves
  Stream s(stream_key(18, 0, 0, Purpose::arrivals));
  const int N = 20000;
  double sum = 0.0;
  for (int i = 0; i < N; ++i) sum += static_cast<double>(s.poisson(1200.0));
  EXPECT_NEAR(sum / N, 1200.0, kZ * std::sqrt(1200.0 / N));
  EXPECT_EQ(s.poisson(0.0), 0);
  EXPECT_EQ(s.poisson(-1.0), 0);
}

}  // namespace
}  // namespace cathedral
