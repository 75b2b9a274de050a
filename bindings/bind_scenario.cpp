// Scenario, parameters and policy specs: parse with the GIL held, errors as ScenarioError.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "cathedral/metrics.hpp"
#include "cathedral/model.hpp"
#include "cathedral/params.hpp"
#include "cathedral/resources.hpp"
#include "cathedral/scenario.hpp"
#include "cathedral/tiers.hpp"
#include "json_convert.hpp"

namespace py = pybind11;

namespace cathedral::bindings {

namespace {
const char* domain_name(Domain d) {
  switch (d) {
    case Domain::unit: return "[0, 1]";
    case Domain::positive: return "> 0";
    case Domain::nonnegative: return ">= 0";
    case Domain::finite: return "finite";
    case Domain::persistence: return "[0, 1)";
    case Domain::integer_ge1: return "integer >= 1";
    case Domain::integer_ge0: return "integer >= 0";
  }
  return "";
}

template <class Owner>
py::list table_rows(std::span<const FieldInfo<Owner>> table) {
  py::list rows;
  for (const auto& f : table)
    rows.append(py::dict(py::arg("name") = std::string(f.name), py::arg("group") = std::string(f.group),
                         py::arg("default") = f.default_value, py::arg("domain") = domain_name(f.domain)));
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

  py::class_<Scenario>(m, "Scenario")
      .def_static("from_dict", [](py::handle d) { return scenario_from_json(to_json(d)); }, py::arg("data"))
      .def_static("load", &load_scenario, py::arg("path"))
      .def("to_dict", [](const Scenario& s) { return from_json(scenario_to_json(s)); })
      .def("save", [](const Scenario& s, const std::string& path) { save_scenario(s, path); }, py::arg("path"))
      .def("check_policy",
           [](const Scenario& s, py::handle spec) { return from_json(policy_to_json(policy_from_json(to_json(spec, "policy"), s))); },
           py::arg("spec"), "Validate a policy spec against this scenario; returns it in full form.")
      .def_property_readonly("name", [](const Scenario& s) { return s.name; })
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
      .def("initial_tiers",
           [](const Scenario& s) {
             const Model m = Model::build(s);
             std::vector<std::string> labels;
             for (int a = 0; a < m.n_accounts; ++a) labels.push_back(kTierLabels[tier_label(m.tier_rules, m.wallet[a], m.fit[a])]);
             return labels;
           })
      .def("tier_thresholds",
           [](const Scenario& s) {
             const TierRules r = Model::build(s).tier_rules;
             return py::dict(py::arg("S_min_wallet") = r.s_min_wallet, py::arg("A_min_wallet") = r.a_min_wallet,
                             py::arg("B_min_wallet") = r.b_min_wallet, py::arg("S_min_fit") = r.s_min_fit,
                             py::arg("A_min_fit") = r.a_min_fit, py::arg("cashflow_fit") = r.cashflow_fit);
           })
      .def_property_readonly("has_policy", [](const Scenario& s) { return s.policy.has_value(); });

  m.def("param_table", [] { return table_rows<Params>(param_table()); });
  m.def("cost_table", [] { return table_rows<Costs>(cost_table()); });
  m.attr("METRICS") = py::cast(std::vector<std::string>(kMetricNames.begin(), kMetricNames.end()));
  m.attr("N_FLOWS") = kNumFlows;
  m.attr("TIER_LABELS") = py::cast(std::vector<std::string>(kTierLabels.begin(), kTierLabels.end()));
  m.attr("GRID_CELLS") = py::cast(std::vector<std::string>(kGridCellNames.begin(), kGridCellNames.end()));
  m.attr("RESOURCES") = py::cast(std::vector<std::string>(kResourceNames.begin(), kResourceNames.end()));
}

}  // namespace cathedral::bindings
