// simulate(): inputs checked with the GIL held, the run with the GIL released,
// Ctrl-C and progress through the run's monitor, results as numpy arrays
// that own the engine's buffers (no copy).
#include <optional>

#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "cathedral/model.hpp"
#include "cathedral/policy.hpp"
#include "cathedral/runner.hpp"
#include "cathedral/scenario.hpp"
#include "json_convert.hpp"
#include "monitor.hpp"
#include "policy_tree.hpp"
#include "run_result.hpp"

namespace py = pybind11;

namespace cathedral::bindings {

RunOptions run_options(std::int64_t replications, std::uint64_t seed, const std::string& mode, int threads,
                       const std::vector<std::string>& keep, bool strict) {
  RunOptions options;
  options.replications = replications;
  options.seed = seed;
  options.mode = parse_mode(mode);
  options.threads = threads;
  options.strict = strict;
  for (const std::string& name : keep) {
    const int idx = metric_index(name);
    if (idx < 0) throw std::invalid_argument("keep: unknown metric \"" + name + "\"");
    options.keep_trajectories.push_back(idx);
  }
  options.validate();
  return options;
}

std::shared_ptr<const Policy> policy_for(const Scenario& scenario, const Model& model, py::object tree) {
  if (!tree.is_none()) return build_policy(tree, scenario, model);
  if (scenario.policy) return make_policy(*scenario.policy, model);
  throw std::invalid_argument(
      "policy: the scenario has no `policy` and none was passed; pass policy=cathedral.policies.static(...)");
}

Mode parse_mode(const std::string& mode) {
  if (mode == "monte_carlo") return Mode::monte_carlo;
  if (mode == "mean_field") return Mode::mean_field;
  throw std::invalid_argument("mode: must be \"monte_carlo\" or \"mean_field\", got \"" + mode + "\"");
}

py::dict result_to_dict(RunResult&& r, const std::string& mode) {
  const py::ssize_t R = r.replications, H = r.horizon_weeks, A = r.n_accounts, E = r.n_epochs;
  const auto K = static_cast<py::ssize_t>(r.kpi_names.size());
  py::dict out;
  out["replications"] = r.replications;
  out["seed"] = r.seed;
  out["mode"] = mode;
  out["horizon_weeks"] = r.horizon_weeks;
  out["decision_interval_weeks"] = r.decision_interval_weeks;
  out["kpi_names"] = r.kpi_names;
  out["portfolio"] = owned_array(std::move(r.portfolio), {R, H, kNumMetrics});
  out["kpis"] = owned_array(std::move(r.kpis), {R, K});
  out["account_mean"] = owned_array(std::move(r.account_mean), {A, kNumMetrics});
  out["account_var"] = owned_array(std::move(r.account_var), {A, kNumMetrics});
  out["grid_mean"] = owned_array(std::move(r.grid_mean), {H, A, 9});
  out["tier_share"] = owned_array(std::move(r.tier_share), {E, A, 5});
  out["allocation_mean"] = owned_array(std::move(r.allocation_mean), {E, A, kNumAllocFields});
  out["scale"] = owned_array(std::move(r.scale), {R, E});
  out["binding"] = owned_array(std::move(r.binding), {R, E});
  out["infeasible"] = owned_array(std::move(r.infeasible), {R, E});
  py::dict traj;
  for (std::size_t i = 0; i < r.trajectory_metrics.size(); ++i)
    traj[py::str(kMetricNames[r.trajectory_metrics[i]])] = owned_array(std::move(r.trajectories[i]), {R, H, A});
  out["trajectories"] = traj;
  return out;
}

void bind_simulation(py::module_& m) {
  m.def(
      "simulate",
      [](const Scenario& scenario, py::object policy_spec, std::int64_t replications, std::uint64_t seed,
         const std::string& mode, int threads, const std::vector<std::string>& keep, bool strict,
         py::object progress) {
        // Everything the user passed is checked here, with the GIL held.
        const RunOptions options = run_options(replications, seed, mode, threads, keep, strict);
        const Model model = Model::build(scenario);
        const std::shared_ptr<const Policy> policy = policy_for(scenario, model, policy_spec);
        // Called from this thread while the workers run: Ctrl-C and progress.
        PythonMonitor watch(progress);
        RunResult r = watch.run([&](const RunMonitor& monitor) { return run(model, *policy, options, monitor); });
        watch.finished();
        return result_to_dict(std::move(r), mode);
      },
      py::arg("scenario"), py::arg("policy"), py::arg("replications"), py::arg("seed"), py::arg("mode"),
      py::arg("threads"), py::arg("keep"), py::arg("strict"), py::arg("progress"));
}

}  // namespace cathedral::bindings
