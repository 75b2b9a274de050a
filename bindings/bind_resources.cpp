// Planned resource use (docs/model.md §4): an allocation fitted to a scenario's
// resources by the engine's own fit_to_resources. Translation only.
#include <cstdint>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "cathedral/model.hpp"
#include "cathedral/model/accounting.hpp"
#include "cathedral/resources.hpp"
#include "cathedral/scenario.hpp"

namespace py = pybind11;

namespace cathedral::bindings {

namespace {

py::dict use_dict(const ResourceUse& u) {
  return py::dict(py::arg("am_hours") = u.am_hours, py::arg("executive_days") = u.executive_days,
                  py::arg("budget") = u.budget);
}

}  // namespace

void bind_resources(py::module_& m) {
  m.def(
      "team_cost_per_week",
      [](const Scenario& s) { return accounting::team_cost_per_week(s.resources); }, py::arg("scenario"),
      "The account managers' cost a week (docs/model.md §3.7): carried by the portfolio's contribution and "
      "cash flow, not by an account's.");
  m.def(
      "planned_use",
      [](const Scenario& s, py::array_t<double, py::array::c_style | py::array::forcecast> allocation,
         std::optional<py::array_t<std::uint8_t, py::array::c_style | py::array::forcecast>> jic_running) {
        const Model model = Model::build(s);
        const py::ssize_t A = model.n_accounts;
        if (allocation.ndim() != 2 || allocation.shape(0) != A || allocation.shape(1) != kNumAllocFields)
          throw std::invalid_argument("allocation: must have shape (" + std::to_string(A) + ", " +
                                      std::to_string(kNumAllocFields) + ") (accounts × ALLOCATION_FIELDS)");
        std::vector<double> alloc(allocation.data(), allocation.data() + allocation.size());
        std::vector<std::uint8_t> running(model.jic);
        if (jic_running) {
          if (jic_running->ndim() != 1 || jic_running->shape(0) != A)
            throw std::invalid_argument("jic_running: must have one value per account (" + std::to_string(A) + ")");
          running.assign(jic_running->data(), jic_running->data() + A);
        }
        const ResourceFit fit = fit_to_resources(model, alloc, running, /*strict=*/false, /*epoch=*/0);
        py::array_t<double> fitted({A, static_cast<py::ssize_t>(kNumAllocFields)});
        if (!alloc.empty()) std::memcpy(fitted.mutable_data(), alloc.data(), alloc.size() * sizeof(double));
        py::dict out;
        out["capacity"] = use_dict(fit.capacity);
        out["commitments"] = use_dict(fit.commitments);
        out["plan"] = use_dict(fit.plan);
        out["scale"] = fit.scale;
        out["binding"] = kResourceNames[static_cast<int>(fit.binding)];
        out["infeasible"] = fit.infeasible;
        out["infeasible_resource"] = kResourceNames[static_cast<int>(fit.infeasible_resource)];
        out["allocation"] = fitted;
        return out;
      },
      py::arg("scenario"), py::arg("allocation"), py::arg("jic_running") = py::none(),
      "§4 for one decision epoch: capacity, commitments (centres) and the rest of the plan per resource (AM "
      "hours per week, executive days and budget per year), the scale factor f, the binding resource and the "
      "fitted allocation. `jic_running`: centres running before the epoch (default: the scenario's initial ones).");
}

}  // namespace cathedral::bindings
