// A run's results as the Python layer reads them (shared by simulate and the
// conformance binding).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include "cathedral/model.hpp"
#include "cathedral/policy.hpp"
#include "cathedral/runner.hpp"
#include "cathedral/scenario.hpp"

namespace cathedral::bindings {

// A numpy array that takes over `data` (no copy): freed with the array.
template <class T>
pybind11::array_t<T> owned_array(std::vector<T>&& data, std::vector<pybind11::ssize_t> shape) {
  auto* owned = new std::vector<T>(std::move(data));
  pybind11::capsule free_when_done(owned, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  return pybind11::array_t<T>(shape, owned->data(), free_when_done);
}

Mode parse_mode(const std::string& mode);
// simulate's options, checked (the metric names of `keep` too), with the GIL held.
RunOptions run_options(std::int64_t replications, std::uint64_t seed, const std::string& mode, int threads,
                       const std::vector<std::string>& keep, bool strict);
// The policy passed (a policy tree), else the scenario's own; an error naming `policy` when neither.
std::shared_ptr<const Policy> policy_for(const Scenario& scenario, const Model& model, pybind11::object tree);
// The dict of numpy arrays that cathedral.Results reads; the arrays take over r's buffers.
pybind11::dict result_to_dict(RunResult&& r, const std::string& mode);

}  // namespace cathedral::bindings
