// Python policy specs -> core Policy objects.
#pragma once

#include <memory>

#include <pybind11/pybind11.h>

#include "cathedral/model.hpp"
#include "cathedral/policy.hpp"
#include "cathedral/scenario.hpp"

namespace cathedral::bindings {

// `tree` is one of: a policy dict (static, tiered or schedule, parsed and
// validated by core), ("python", decide) where decide(observation_dict)
// returns a replications × accounts × fields float64 array, ("schedule",
// [(from_week, tree), ...]) or ("mix", base_tree, with_tree, (key, broad, org)).
std::shared_ptr<const Policy> build_policy(pybind11::handle tree, const Scenario& scenario, const Model& model,
                                           const std::string& path = "policy");

}  // namespace cathedral::bindings
