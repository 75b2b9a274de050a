// The equations of docs/model.md §3.3–§3.4 as numpy ufunc-like functions, for
// replaying recorded effort (state estimation) and for checking by hand.
// Each is the core function, broadcast over arrays; no logic lives here.
#include <tuple>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include "cathedral/model/broad_layer.hpp"
#include "cathedral/model/events.hpp"
#include "cathedral/model/key_layer.hpp"
#include "cathedral/model/org_layer.hpp"
#include "cathedral/model/units.hpp"
#include "cathedral/scenario.hpp"

namespace py = pybind11;

namespace cathedral::bindings {

void bind_layers(py::module_& m) {
  using A = py::array_t<double>;
  m.def("hill", py::vectorize([](double x, double half, double shape) { return hill(x, half, shape); }),
        py::arg("x"), py::arg("half"), py::arg("shape"));
  m.def(
      "key_step",
      [](const Scenario& s, A I, A S, A stance, A r_social, A r_value, A org) {
        const Params p = s.params;
        auto intimacy = py::vectorize([p](double i, double sp, double st, double rs, double rv, double o) {
          return key_layer::step(p, {i, sp}, st, rs, rv, o).intimacy;
        });
        auto support = py::vectorize([p](double i, double sp, double st, double rs, double rv, double o) {
          return key_layer::step(p, {i, sp}, st, rs, rv, o).support;
        });
        return py::make_tuple(intimacy(I, S, stance, r_social, r_value, org), support(I, S, stance, r_social, r_value, org));
      },
      py::arg("scenario"), py::arg("intimacy"), py::arg("support"), py::arg("stance"), py::arg("r_social"),
      py::arg("r_value"), py::arg("org"));
  m.def(
      "successor",
      [](const Scenario& s, A stance, A coverage, A org) {
        const Params p = s.params;
        auto i = py::vectorize([p](double st, double c, double o) { return key_layer::successor(p, st, c, o).intimacy; });
        auto sp = py::vectorize([p](double st, double c, double o) { return key_layer::successor(p, st, c, o).support; });
        return py::make_tuple(i(stance, coverage, org), sp(stance, coverage, org));
      },
      py::arg("scenario"), py::arg("stance"), py::arg("coverage"), py::arg("org"));
  m.def(
      "visit_response",
      [](const Scenario& s, A visits, A staff) {
        const Params p = s.params;
        return py::vectorize([p](double v, double st) { return broad_layer::visit_response(p, v, st); })(visits, staff);
      },
      py::arg("scenario"), py::arg("visits"), py::arg("staff"));
  m.def(
      "service_response",
      [](const Scenario& s, A hours) {
        const Params p = s.params;
        return py::vectorize([p](double h) { return broad_layer::service_response(p, h); })(hours);
      },
      py::arg("scenario"), py::arg("service_hours"));
  m.def(
      "social_response",
      [](const Scenario& s, A hours) {
        const Params p = s.params;
        return py::vectorize([p](double h) { return key_layer::social_response(p, h); })(hours);
      },
      py::arg("scenario"), py::arg("social_hours"));
  m.def(
      "value_response",
      [](const Scenario& s, A hours) {
        const Params p = s.params;
        return py::vectorize([p](double h) { return key_layer::value_response(p, h); })(hours);
      },
      py::arg("scenario"), py::arg("value_hours"));
  m.def(
      "coverage_step",
      [](const Scenario& s, A C, A r_visits) {
        const Params p = s.params;
        return py::vectorize([p](double c, double rb) { return broad_layer::coverage_step(p, c, rb); })(C, r_visits);
      },
      py::arg("scenario"), py::arg("coverage"), py::arg("r_visits"));
  m.def(
      "satisfaction_step",
      [](const Scenario& s, A Q, A C, A r_service) {
        const Params p = s.params;
        return py::vectorize([p](double q, double c, double ru) { return broad_layer::satisfaction_step(p, q, c, ru); })(
            Q, C, r_service);
      },
      py::arg("scenario"), py::arg("satisfaction"), py::arg("coverage"), py::arg("r_service"));
  m.def(
      "org_step",
      [](const Scenario& s, A O, A C, A jic, A F, A m_match, A n_bm, A n_ev, bool expected) {
        const Params p = s.params;
        if (expected)  // mean field: fractional expected counts (§3.2)
          return py::vectorize([p](double o, double c, double j, double f, double mm, double b, double e) {
            return org_layer::step<org_layer::Events::expected>(p, o, c, j != 0.0, f, mm, b, e);
          })(O, C, jic, F, m_match, n_bm, n_ev);
        return py::vectorize([p](double o, double c, double j, double f, double mm, double b, double e) {
          return org_layer::step(p, o, c, j != 0.0, f, mm, b, e);
        })(O, C, jic, F, m_match, n_bm, n_ev);
      },
      py::arg("scenario"), py::arg("org"), py::arg("coverage"), py::arg("jic"), py::arg("fit"),
      py::arg("capability_match"), py::arg("n_benchmarking"), py::arg("n_exec_visits"), py::arg("expected") = false);
  // §3.2 (version 2): the events held in a week whose clock runs from `clock_before` to `clock_after`
  m.def("events_held", py::vectorize([](double before, double after) { return events::held(before, after); }),
        py::arg("clock_before"), py::arg("clock_after"));
}

}  // namespace cathedral::bindings
