// Randomness of docs/model.md §10.
//
// Every draw comes from a stream keyed by (seed, replication, account id,
// purpose, index). A stream is counter-based: the n-th draw is a hash of the
// key and n, so nothing depends on which thread runs a replication or on the
// draws of any other account or purpose. Transforms from bits to
// distributions are our own, so results do not depend on the standard
// library's distribution implementations.
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <string_view>

#include "cathedral/elementary.hpp"

namespace cathedral {

// The purposes of docs/model.md §10. Each gets its own stream per (replication,
// account); `market` is portfolio-wide (per replication).
enum class Purpose : std::uint64_t {
  market = 1,
  strategy = 2,   // strategy-shift waiting times and sizes
  fit = 3,        // weekly fit noise
  turnover = 4,   // departure waiting times, per contact
  arrivals = 5,   // arrival-process waiting times (projects, dug deals)
  sizes = 6,      // deal sizes
  decisions = 7,  // direct-award and tender draws
};

// Stafford's variant 13 of the 64-bit finaliser (as in SplitMix64).
constexpr std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// FNV-1a over the bytes of an account id, then mixed.
constexpr std::uint64_t hash_id(std::string_view id) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : id) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return mix64(h);
}

constexpr std::uint64_t stream_key(std::uint64_t seed, std::uint64_t replication,
                                   std::uint64_t account_hash, Purpose purpose,
                                   std::uint64_t sub = 0) {
  std::uint64_t h = mix64(seed ^ 0x6a09e667f3bcc909ULL);
  h = mix64(h ^ (replication + 0xbb67ae8584caa73bULL));
  h = mix64(h ^ account_hash);
  h = mix64(h ^ (static_cast<std::uint64_t>(purpose) << 40) ^ sub);
  return h;
}

// Ziggurat tables for the standard normal (128 layers), built at start-up.
struct NormalTables {
  static constexpr int kLayers = 128;
  std::array<double, kLayers + 1> x;  // layer widths; x[kLayers] = 0
  std::array<double, kLayers + 1> f;  // exp(-x^2/2) at those widths
  NormalTables();
};
extern const NormalTables kNormalTables;  // a plain global: no initialisation guard on the hot path
inline const NormalTables& normal_tables() { return kNormalTables; }
inline constexpr double kZigguratR = 3.442619855899;

// A geometric law, success probability p, with log(1 − p) computed once.
struct Geometric {
  double p, log_q;
  explicit Geometric(double success) : p(success), log_q(elementary::log1p(-success)) {}
};

// A sequential stream: draw n is mix64(key + n * golden). Cheap to copy; the
// state is the counter.
class Stream {
 public:
  Stream() = default;
  explicit Stream(std::uint64_t key) : key_(key) {}

  std::uint64_t next_bits() {
    counter_ += 0x9e3779b97f4a7c15ULL;
    return mix64(key_ + counter_);
  }
  // Uniform on [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next_bits() >> 11) * 0x1.0p-53; }
  // Uniform on (0, 1]: safe for log.
  double uniform_pos() { return static_cast<double>((next_bits() >> 11) + 1) * 0x1.0p-53; }
  // Uniform on (0, 1), both ends excluded.
  double uniform_open() { return (static_cast<double>(next_bits() >> 11) + 0.5) * 0x1.0p-53; }
  // Exp(1), strictly positive: a waiting time of 0 would be an event at rate 0.
  double exponential() { return -elementary::log(uniform_open()); }
  double normal();  // standard normal, ziggurat
  // streams[i].normal() into out[i] for i < n: the same draws, bit for bit,
  // with the ziggurat's common case as one vector loop over the streams.
  static void normals(Stream* streams, double* out, int n);
  // Number of failures before the first success, success probability p in (0, 1].
  // Returns a large value when p == 0.
  std::int64_t geometric(double p) { return geometric(Geometric(p)); }
  std::int64_t geometric(const Geometric& law);
  // Poisson by inversion for small means, exact; used only off the hot path.
  std::int64_t poisson(double mean);

 private:
  double normal_beyond_rectangle(std::uint64_t bits, double z);
  static void rectangle_normals(Stream* streams, double* out, std::uint8_t* missed, int n);

  std::uint64_t key_ = 0;
  std::uint64_t counter_ = 0;
};

// The ziggurat's rectangle test, inline; the rare rest (about 1.2 % of
// draws: the tail, the wedges and their retries) out of line.
inline double Stream::normal() {
  const std::uint64_t bits = next_bits();
  const int layer = static_cast<int>(bits & 0x7f);
  const double z = static_cast<double>(bits >> 11) * 0x1.0p-53 * kNormalTables.x[layer];
  if (z < kNormalTables.x[layer + 1]) [[likely]]
    return std::bit_cast<double>(std::bit_cast<std::uint64_t>(z) ^ ((bits >> 7 & 1) << 63));  // ±z, branch-free
  return normal_beyond_rectangle(bits, z);
}

}  // namespace cathedral
