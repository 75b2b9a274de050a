// Python objects <-> nlohmann::json. Translation only: validation stays in core.
#pragma once

#include <string>

#include <nlohmann/json.hpp>
#include <pybind11/pybind11.h>

namespace cathedral::bindings {

// Floats keep NaN and infinities so that core's validation can name the
// field. Raises ScenarioError for values JSON cannot hold.
nlohmann::json to_json(pybind11::handle obj, const std::string& path = "");
pybind11::object from_json(const nlohmann::json& j);

}  // namespace cathedral::bindings
