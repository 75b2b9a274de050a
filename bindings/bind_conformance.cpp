// _core._reference_run: a run through the reference step
// (model/reference_step.hpp) instead of the fast kernel, for the conformance
// tests (tests/python/test_conformance.py). Private; translation only.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "cathedral/model.hpp"
#include "cathedral/model/reference_step.hpp"
#include "cathedral/policy.hpp"
#include "cathedral/runner.hpp"
#include "cathedral/scenario.hpp"
#include "policy_tree.hpp"
#include "run_result.hpp"

namespace py = pybind11;

namespace cathedral::bindings {

void bind_conformance(py::module_& m) {
  m.def(
      "_reference_run",
      [](const Scenario& scenario, py::object policy_spec, std::int64_t replications, std::uint64_t seed,
         const std::string& mode, bool strict) {
        RunOptions options;
        options.replications = replications;
        options.seed = seed;
        options.mode = parse_mode(mode);
        options.strict = strict;
        for (int i = 0; i < kNumMetrics; ++i) options.keep_trajectories.push_back(i);
        const Model model = Model::build(scenario);
        if (policy_spec.is_none() && !scenario.policy)
          throw std::invalid_argument("policy: the scenario has no `policy` and none was passed");
        const std::shared_ptr<const Policy> policy = policy_spec.is_none() ? make_policy(*scenario.policy, model)
                                                                           : build_policy(policy_spec, scenario, model);
        return result_to_dict(reference::reference_run(model, *policy, options), mode);
      },
      py::arg("scenario"), py::arg("policy"), py::arg("replications"), py::arg("seed"), py::arg("mode"),
      py::arg("strict") = false,
      "The run of simulate(), every trajectory kept, through the reference step (conformance tests only).");
}

}  // namespace cathedral::bindings
