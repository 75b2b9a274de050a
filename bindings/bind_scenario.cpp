// Scenario, parameters and policy specs: parse with the GIL held, errors as ScenarioError.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "cathedral/metrics.hpp"
#include "cathedral/params.hpp"
#include "cathedral/resources.hpp"
#include "cathedral/scenario.hpp"
#include "cathedral/tiers.hpp"
#include "json_convert.hpp"

namespace py = pybind11;

namespace cathedral::bindings {

namespace {
template <class Owner>
py::list table_rows(std::span<const FieldInfo<Owner>> table) {
  py::list rows;
  for (const auto& f : table)
    rows.append(py::dict(py::arg("name") = std::string(f.name), py::arg("group") = std::string(f.group),
                         py::arg("default") = f.default_value, py::arg("domain") = domain_text(f.domain),
                         py::arg("integer") = domain_bounds(f.domain).integer, py::arg("doc") = std::string(f.doc)));
  return rows;
}
}  // namespace

void bind_scenario(py::module_& m) {
  static py::exception<ScenarioError> scenario_error(m, "ScenarioError", PyExc_ValueError);
  static py::exception<InfeasibleAllocation> resource_error(m, "ResourceError", PyExc_ValueError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const ScenarioError& e) {
      scenario_error(e.what());
    } catch (const InfeasibleAllocation& e) {
      resource_error(e.what());
    }
  });

  py::class_<Scenario> scenario_class(m, "Scenario");
  // Without this, Scenario.__new__(Scenario) would give an instance with no
  // C++ object behind it, and any use of it would crash the interpreter. The
  // engine's own instances (from_dict, load) do not go through __new__.
  py::setattr(scenario_class, "__new__", py::staticmethod(py::cpp_function([](py::args, py::kwargs) -> py::object {
                throw py::type_error("cathedral._core.Scenario cannot be created directly; use Scenario.load or "
                                     "Scenario.from_dict");
              })));
  scenario_class
      .def_static("from_dict", [](py::handle d) { return scenario_from_json(to_json(d)); }, py::arg("data"))
      .def_static("load", &load_scenario, py::arg("path"))
      .def("to_dict", [](const Scenario& s) { return from_json(scenario_to_json(s)); })
      .def("save", [](const Scenario& s, const std::string& path) { save_scenario(s, path); }, py::arg("path"))
      .def_property_readonly("name", [](const Scenario& s) { return s.name; })
      .def_property_readonly("currency", [](const Scenario& s) { return s.currency; })
      .def_property_readonly("horizon_weeks", [](const Scenario& s) { return s.horizon_weeks; })
      .def_property_readonly("decision_interval_weeks", [](const Scenario& s) { return s.decision_interval_weeks; })
      .def_property_readonly("seed", [](const Scenario& s) { return s.seed; })
      .def_property_readonly("n_accounts", [](const Scenario& s) { return s.accounts.size(); })
      .def_property_readonly("account_ids", [](const Scenario& s) {
        std::vector<std::string> ids;
        for (const auto& a : s.accounts) ids.push_back(a.id);
        return ids;
      })
      .def_property_readonly("account_names", [](const Scenario& s) {
        std::vector<std::string> names;
        for (const auto& a : s.accounts) names.push_back(a.name.empty() ? a.id : a.name);
        return names;
      })
      .def_property_readonly("has_policy", [](const Scenario& s) { return s.policy.has_value(); })
      // what the memory guard reads (simulation._memory_need), without converting the whole scenario
      .def("memory_facts", [](const Scenario& s) {
        std::size_t contacts = 0;
        std::vector<double> growth, fit, fit_target;
        for (const auto& a : s.accounts) {
          contacts += a.contacts.size();
          growth.push_back(a.wallet_growth);
          fit.push_back(a.fit);
          fit_target.push_back(a.fit_target);
        }
        py::dict params;
        for (const auto& f : param_table()) params[py::str(std::string(f.name))] = s.params.*(f.member);
        return py::dict(py::arg("n_contacts") = contacts, py::arg("wallet_growth") = growth, py::arg("fit") = fit,
                        py::arg("fit_target") = fit_target, py::arg("params") = params);
      });

  m.def("param_table", [] { return table_rows<Params>(param_table()); });
  m.def("cost_table", [] { return table_rows<Costs>(cost_table()); });
  m.def("scenario_schema", [] { return from_json(scenario_schema()); },
        "The JSON Schema (draft 2020-12) of a scenario file, from the parser's field tables.");
  m.def("scenario_format", [] { return from_json(scenario_format()); },
        "Every object of a scenario file with its fields, from the parser's field tables.");
  m.attr("METRICS") = py::cast(std::vector<std::string>(kMetricNames.begin(), kMetricNames.end()));
  m.attr("N_FLOWS") = kNumFlows;
  m.attr("TIER_LABELS") = py::cast(std::vector<std::string>(kTierLabels.begin(), kTierLabels.end()));
  m.attr("GRID_CELLS") = py::cast(std::vector<std::string>(kGridCellNames.begin(), kGridCellNames.end()));
  m.attr("ROLES") = py::cast(std::vector<std::string>(kRoleNames.begin(), kRoleNames.end()));
  m.attr("RESOURCES") = py::cast(std::vector<std::string>(kResourceNames.begin(), kResourceNames.end()));
}

}  // namespace cathedral::bindings
