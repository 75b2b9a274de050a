// _core.evaluate: many candidate allocations of one scenario in one call
// (cathedral/evaluate.hpp), for the optimiser. Inputs are checked with the GIL
// held; the GIL is released while the engine runs.
#include <cmath>
#include <string>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "cathedral/evaluate.hpp"
#include "cathedral/model.hpp"
#include "cathedral/scenario.hpp"
#include "monitor.hpp"
#include "run_result.hpp"

namespace py = pybind11;

namespace cathedral::bindings {

void bind_evaluate(py::module_& m) {
  m.def(
      "evaluate",
      [](const Scenario& scenario, py::array_t<double, py::array::c_style | py::array::forcecast> allocations,
         const std::string& objective, std::vector<double> week_weights, const std::string& mode,
         std::int64_t replications, std::uint64_t seed, int threads, py::object progress) {
        const Model model = Model::build(scenario);
        EvaluateOptions o;
        o.mode = parse_mode(mode);
        o.replications = replications;
        o.seed = seed;
        o.threads = threads;
        o.metric = metric_index(objective);
        if (o.metric < 0 || !is_flow(o.metric)) throw std::invalid_argument("objective: unknown flow metric \"" + objective + "\"");
        o.week_weights = std::move(week_weights);
        o.validate(model);
        if (allocations.ndim() != 4 || allocations.shape(1) != model.n_epochs || allocations.shape(2) != model.n_accounts ||
            allocations.shape(3) != kNumAllocFields)
          throw std::invalid_argument("allocations: must be candidates × " + std::to_string(model.n_epochs) + " epochs × " +
                                      std::to_string(model.n_accounts) + " accounts × " +
                                      std::to_string(kNumAllocFields) + " fields");
        const double* x = allocations.data();
        const auto n = static_cast<std::size_t>(allocations.size());
        for (std::size_t i = 0; i < n; ++i) {
          const std::size_t field = i % kNumAllocFields;
          if (!std::isfinite(x[i]) || (field < static_cast<std::size_t>(kNumRateFields) && x[i] < 0.0))
            throw std::invalid_argument("allocations: every rate must be a finite number >= 0, got " + std::to_string(x[i]) +
                                        " in field " + std::string(kAllocFieldNames[field]));
        }
        PythonMonitor watch(progress);
        EvaluateResult r = watch.run([&](const RunMonitor& monitor) {
          return evaluate(model, {x, n}, allocations.shape(0), {}, o, monitor);
        });
        py::dict out;
        const py::ssize_t C = r.candidates, R = r.replications, A = r.n_accounts;
        out["account_objective"] = owned_array(std::move(r.account_objective), {C, A});
        out["replication_objective"] = owned_array(std::move(r.replication_objective), {C, R});
        return out;
      },
      py::arg("scenario"), py::arg("allocations"), py::arg("objective"), py::arg("week_weights"), py::arg("mode"),
      py::arg("replications"), py::arg("seed"), py::arg("threads"), py::arg("progress"));
}

}  // namespace cathedral::bindings
