// cathedral._core: the compiled engine. Private: use the `cathedral` package.
#include <pybind11/pybind11.h>

namespace cathedral::bindings {
void bind_scenario(pybind11::module_& m);
void bind_simulation(pybind11::module_& m);
void bind_layers(pybind11::module_& m);
void bind_conformance(pybind11::module_& m);
void bind_tiers(pybind11::module_& m);
void bind_resources(pybind11::module_& m);
void bind_activities(pybind11::module_& m);
void bind_evaluate(pybind11::module_& m);
void bind_experiments(pybind11::module_& m);
}  // namespace cathedral::bindings

PYBIND11_MODULE(_core, m) {
  m.doc() = "Cathedral engine (private; use the cathedral package)";
  m.attr("__version__") = CATHEDRAL_VERSION;  // from the VERSION file, through CMake
  cathedral::bindings::bind_scenario(m);
  cathedral::bindings::bind_simulation(m);
  cathedral::bindings::bind_layers(m);
  cathedral::bindings::bind_conformance(m);
  cathedral::bindings::bind_tiers(m);
  cathedral::bindings::bind_resources(m);
  cathedral::bindings::bind_activities(m);
  cathedral::bindings::bind_evaluate(m);
  cathedral::bindings::bind_experiments(m);
}
