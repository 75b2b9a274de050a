// Fitting an allocation to the resources (docs/model.md §4).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>

#include "cathedral/model.hpp"

namespace cathedral {

enum class Resource : std::int8_t { none = 0, am_hours = 1, executive_days = 2, budget = 3 };
inline constexpr std::array<const char*, 4> kResourceNames{"none", "am_hours", "executive_days", "budget"};

// Raised in strict mode when running centres alone exceed a resource.
class InfeasibleAllocation : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// Planned use as rates: AM hours per week, executive days per year, money per year.
struct ResourceUse {
  double am_hours = 0.0, executive_days = 0.0, budget = 0.0;
  double get(Resource r) const {
    return r == Resource::am_hours ? am_hours : r == Resource::executive_days ? executive_days : budget;
  }
};

struct ResourceFit {
  double scale = 1.0;               // f ≤ 1 applied to the non-committed part
  Resource binding = Resource::none;
  bool infeasible = false;          // commitments alone exceed a resource
  Resource infeasible_resource = Resource::none;
  ResourceUse capacity, commitments, plan;  // plan: the rest, before scaling
};

ResourceUse capacity(const Model& m);

// Fit one replication's allocation (accounts × kNumAllocFields, modified in
// place: the six rates are scaled by f). `jic_running[a]` says whether a
// centre runs before this epoch (an allocation that keeps one running pays no
// setup). In strict mode an infeasible allocation throws InfeasibleAllocation.
ResourceFit fit_to_resources(const Model& m, std::span<double> allocation,
                             std::span<const std::uint8_t> jic_running, bool strict, int epoch);

}  // namespace cathedral
