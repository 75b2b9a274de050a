// Batch runs for cathedral.experiments and for spreading a run over a cluster
// (core/include/cathedral/batch.hpp): inputs checked with the GIL held, runs
// with it released, Ctrl-C and progress through the run's monitor.
#include <optional>

#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "cathedral/batch.hpp"
#include "cathedral/metrics.hpp"
#include "cathedral/model.hpp"
#include "cathedral/policy.hpp"
#include "cathedral/scenario.hpp"
#include "json_convert.hpp"
#include "monitor.hpp"
#include "policy_tree.hpp"
#include "run_result.hpp"

namespace py = pybind11;

namespace cathedral::bindings {

namespace {

template <class T>
std::vector<T> to_vector(const py::handle& obj) {
  auto a = py::array_t<T, py::array::c_style | py::array::forcecast>::ensure(obj);
  if (!a) throw std::invalid_argument("batch: expected an array");
  return std::vector<T>(a.data(), a.data() + a.size());
}

std::vector<batch::Edit> resolve_all(const Scenario& s, const std::vector<std::pair<std::string, std::string>>& edits) {
  std::vector<batch::Edit> out;
  for (const auto& [path, how] : edits) out.push_back(batch::resolve(s, path, how));
  return out;
}

}  // namespace

void bind_experiments(py::module_& m) {
  m.def("kpi_names", [](int horizon_weeks) { return kpi_names(horizon_weeks); }, py::arg("horizon_weeks"),
        "The KPIs of docs/model.md §8 for a horizon, in the engine's order.");
  m.def(
      "batch_resolve",
      [](const Scenario& s, const std::string& path, const std::string& how) {
        const batch::Edit e = batch::resolve(s, path, how);
        const Bounds b = batch::value_bounds(s, e);
        return py::dict(py::arg("lo") = b.lo, py::arg("hi") = b.hi, py::arg("lo_open") = b.lo_open,
                        py::arg("hi_open") = b.hi_open, py::arg("integer") = b.integer);
      },
      py::arg("scenario"), py::arg("path"), py::arg("how"),
      "The values an uncertain input may take (its field's domain, or the factors/shifts that keep every "
      "account in it); an unknown path raises ValueError with a did-you-mean hint.");

  m.def(
      "batch_point_scenario",
      [](const Scenario& s, const std::vector<std::pair<std::string, std::string>>& edits, py::handle values) {
        const auto resolved = resolve_all(s, edits);
        const auto v = to_vector<double>(values);
        return batch::point_scenario(s, resolved, v);
      },
      py::arg("scenario"), py::arg("edits"), py::arg("values"));

  m.def(
      "batch_check_plan",
      [](const Scenario& s, py::handle spec, const std::string& path) {
        (void)policy_from_json(to_json(spec), s, path);
      },
      py::arg("scenario"), py::arg("spec"), py::arg("path"));

  m.def(
      "run_points",
      [](const Scenario& s, const std::vector<std::pair<std::string, std::string>>& edits, py::handle values,
         std::int64_t n_points, const std::vector<py::object>& plan_specs, const std::vector<std::string>& plan_names,
         std::int64_t replications, std::uint64_t seed, const std::string& mode, int threads,
         const std::vector<std::pair<std::string, int>>& outcomes, const std::vector<int>& period_ends,
         std::int64_t first_block, std::int64_t n_blocks, bool keep_replications, py::object progress) {
        const auto resolved = resolve_all(s, edits);
        const auto v = to_vector<double>(values);
        std::vector<PolicySpec> plans;
        for (std::size_t i = 0; i < plan_specs.size(); ++i) {
          const std::string where = "plans[" + nlohmann::json(plan_names.at(i)).dump() + "]";
          if (plan_specs[i].is_none()) {
            if (!s.policy)
              throw std::invalid_argument(where + ": the scenario has no `policy`; name a plan");
            plans.push_back(*s.policy);
          } else {
            plans.push_back(policy_from_json(to_json(plan_specs[i]), s, where));
          }
        }
        batch::PointsOptions o;
        o.replications = replications;
        o.seed = seed;
        o.mode = parse_mode(mode);
        o.threads = threads;
        for (const auto& [kind, index] : outcomes)
          o.outcomes.push_back({kind == "kpi" ? batch::Outcome::Kind::kpi : batch::Outcome::Kind::metric, index});
        o.period_ends = period_ends;
        o.first_block = first_block;
        o.n_blocks = n_blocks;
        o.keep_replications = keep_replications;
        PythonMonitor monitor(progress);
        batch::PointsResult r = monitor.run([&](const RunMonitor& fn) {
          return batch::run_points(s, resolved, v, n_points, plans, o, fn);
        });
        const py::ssize_t P = r.points, L = r.plans, B = r.blocks, K = r.outcomes, T = r.periods;
        py::dict out;
        out["sum"] = owned_array(std::move(r.sum), {P, L, B, K, T});
        out["sum_sq"] = owned_array(std::move(r.sum_sq), {P, L, B, K, T});
        out["count"] = owned_array(std::move(r.count), {P, L, B, K, T});
        if (keep_replications) out["values"] = owned_array(std::move(r.values), {P, L, r.replications, K, T});
        out["replications"] = r.replications;
        return out;
      },
      py::arg("scenario"), py::arg("edits"), py::arg("values"), py::arg("n_points"), py::arg("plans"),
      py::arg("plan_names"), py::arg("replications"), py::arg("seed"), py::arg("mode"), py::arg("threads"),
      py::arg("outcomes"), py::arg("period_ends"), py::arg("first_block"), py::arg("n_blocks"),
      py::arg("keep_replications"), py::arg("progress"));

  m.def(
      "run_blocks",
      [](const Scenario& s, py::object policy_tree, std::int64_t replications, std::uint64_t seed,
         const std::string& mode, int threads, const std::vector<std::string>& keep, bool strict,
         std::int64_t first_block, std::int64_t n_blocks, py::object progress) {
        const RunOptions o = run_options(replications, seed, mode, threads, keep, strict);
        const Model model = Model::build(s);
        const auto policy = policy_for(s, model, policy_tree);
        PythonMonitor monitor(progress);
        batch::BlockPart p = monitor.run([&](const RunMonitor& fn) {
          return batch::run_blocks(model, *policy, o, first_block, n_blocks, fn);
        });
        const py::ssize_t n = p.replications, H = model.horizon_weeks, A = model.n_accounts, E = model.n_epochs,
                          nb = p.n_blocks;
        py::dict out;
        out["first_block"] = p.first_block;
        out["n_blocks"] = p.n_blocks;
        out["first_replication"] = p.first_replication;
        out["replications"] = p.replications;
        out["portfolio"] = owned_array(std::move(p.portfolio), {n, H, kNumMetrics});
        out["scale"] = owned_array(std::move(p.scale), {n, E});
        out["binding"] = owned_array(std::move(p.binding), {n, E});
        out["infeasible"] = owned_array(std::move(p.infeasible), {n, E});
        py::list traj;
        for (auto& t : p.trajectories) traj.append(owned_array(std::move(t), {n, H, A}));
        out["trajectories"] = traj;
        out["account_sum"] = owned_array(std::move(p.account_sum), {nb, A, kNumMetrics});
        out["account_sq"] = owned_array(std::move(p.account_sq), {nb, A, kNumMetrics});
        out["allocation_sum"] = owned_array(std::move(p.allocation_sum), {nb, E, A, kNumAllocFields});
        out["grid"] = owned_array(std::move(p.grid), {H, A, 9});
        out["tiers"] = owned_array(std::move(p.tiers), {E, A, 5});
        return out;
      },
      py::arg("scenario"), py::arg("policy"), py::arg("replications"), py::arg("seed"), py::arg("mode"),
      py::arg("threads"), py::arg("keep"), py::arg("strict"), py::arg("first_block"), py::arg("n_blocks"),
      py::arg("progress"));

  m.def(
      "combine_blocks",
      [](const Scenario& s, std::int64_t replications, std::uint64_t seed, const std::string& mode,
         const std::vector<std::string>& keep, const std::vector<py::dict>& parts) {
        const RunOptions o = run_options(replications, seed, mode, 1, keep, false);
        const Model model = Model::build(s);
        std::vector<batch::BlockPart> in;
        for (const py::dict& d : parts) {
          batch::BlockPart p;
          p.first_block = d["first_block"].cast<std::int64_t>();
          p.n_blocks = d["n_blocks"].cast<std::int64_t>();
          p.first_replication = d["first_replication"].cast<std::int64_t>();
          p.replications = d["replications"].cast<std::int64_t>();
          p.portfolio = to_vector<double>(d["portfolio"]);
          p.scale = to_vector<double>(d["scale"]);
          p.binding = to_vector<std::int8_t>(d["binding"]);
          p.infeasible = to_vector<std::uint8_t>(d["infeasible"]);
          for (py::handle t : d["trajectories"].cast<py::list>()) p.trajectories.push_back(to_vector<double>(t));
          p.account_sum = to_vector<double>(d["account_sum"]);
          p.account_sq = to_vector<double>(d["account_sq"]);
          p.allocation_sum = to_vector<double>(d["allocation_sum"]);
          p.grid = to_vector<std::int32_t>(d["grid"]);
          p.tiers = to_vector<std::int32_t>(d["tiers"]);
          in.push_back(std::move(p));
        }
        return result_to_dict(batch::combine_blocks(model, o, std::move(in)), mode);
      },
      py::arg("scenario"), py::arg("replications"), py::arg("seed"), py::arg("mode"), py::arg("keep"),
      py::arg("parts"));
}

}  // namespace cathedral::bindings
