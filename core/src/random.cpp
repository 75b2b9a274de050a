#include "cathedral/random.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

#include "cathedral/simd.hpp"

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

namespace {
// static_cast<double>(v) for v < 2^53, exactly, in operations that vector
// loops have (no 64-bit integer conversion before AVX-512): two halves of
// at most 27 bits, each read as the mantissa of 2^52 + half, then joined.
inline double exact_double(std::uint64_t v) {
  constexpr std::uint64_t two52 = 0x4330000000000000ULL;  // the bits of 2^52
  const double high = std::bit_cast<double>((v >> 26) | two52) - 0x1.0p52;
  const double low = std::bit_cast<double>((v & ((std::uint64_t{1} << 26) - 1)) | two52) - 0x1.0p52;
  return high * 0x1.0p26 + low;  // exact: both terms and their sum are representable
}
}  // namespace

// normal()'s rectangle test for every stream at once; a draw outside its
// rectangle leaves missed[i] = 1 (else 0) for normals() to finish it.
CATHEDRAL_VECTOR_CLONES
void Stream::rectangle_normals(Stream* __restrict streams, double* __restrict out, std::uint8_t* __restrict missed,
                               int n) {
  const double* __restrict x = kNormalTables.x.data();
  CATHEDRAL_INDEPENDENT_ITERATIONS
  for (int i = 0; i < n; ++i) {
    const std::uint64_t counter = streams[i].counter_ + 0x9e3779b97f4a7c15ULL;  // next_bits()
    streams[i].counter_ = counter;
    const std::uint64_t bits = mix64(streams[i].key_ + counter);
    const std::uint64_t layer = bits & 0x7f;
    const double z = exact_double(bits >> 11) * 0x1.0p-53 * x[layer];
    out[i] = std::bit_cast<double>(std::bit_cast<std::uint64_t>(z) ^ ((bits >> 7 & 1) << 63));  // ±z
    missed[i] = z < x[layer + 1] ? 0 : 1;
  }
}

void Stream::normals(Stream* streams, double* out, int n) {
  constexpr int kChunk = 512;  // streams a vector pass takes, with their flags on the stack
  const NormalTables& t = kNormalTables;
  for (int begin = 0; begin < n; begin += kChunk) {
    const int m = std::min(kChunk, n - begin);
    std::uint8_t missed[kChunk + 8] = {};  // whole words of 8 flags to scan
    rectangle_normals(streams + begin, out + begin, missed, m);
    // the draws that missed (about 1.2 %), found 8 flags at a time
    for (int block = 0; block < m; block += 8) {
      std::uint64_t word;
      std::memcpy(&word, missed + block, sizeof word);
      if (word == 0) continue;
      for (int i = block; i < std::min(m, block + 8); ++i) {
        if (!missed[i]) continue;
        // the draw again, from the stream's counter as the vector loop left it
        Stream& s = streams[begin + i];
        const std::uint64_t bits = mix64(s.key_ + s.counter_);
        const double z = static_cast<double>(bits >> 11) * 0x1.0p-53 * t.x[static_cast<int>(bits & 0x7f)];
        out[begin + i] = s.normal_beyond_rectangle(bits, z);
      }
    }
  }
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
