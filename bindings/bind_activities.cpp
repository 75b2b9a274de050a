// The activity table (model/activities.hpp) as Python data: rows as dicts,
// parameters and costs by their table names.
#include <string>
#include <vector>

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "cathedral/model/activities.hpp"
#include "cathedral/params.hpp"

namespace py = pybind11;

namespace cathedral::bindings {

namespace {

py::object param_name(double Params::*member) {
  return member ? py::object(py::str(std::string(name_of(param_table(), member)))) : py::object(py::none());
}

py::object amount(const Amount& a) {
  if (a.form == Amount::Form::none) return py::none();
  return py::dict(py::arg("form") = kAmountFormNames[static_cast<int>(a.form)],
                  py::arg("cost") = a.cost ? py::object(py::str(std::string(name_of(cost_table(), a.cost))))
                                           : py::object(py::none()));
}

py::dict row(const Activity& a) {
  const Response& r = a.response;
  py::list costs;
  for (const Cost& c : a.costs)
    if (c.charged != Charge::none)
      costs.append(py::dict(py::arg("charged") = kChargeNames[static_cast<int>(c.charged)],
                            py::arg("money") = amount(c.money), py::arg("hours") = amount(c.hours),
                            py::arg("exec_days") = amount(c.exec_days)));
  return py::dict(py::arg("name") = a.name, py::arg("layer") = kLayerNames[static_cast<int>(a.layer)],
                  py::arg("unit") = a.unit, py::arg("kind") = kActivityKindNames[static_cast<int>(a.kind)],
                  py::arg("response") =
                      py::dict(py::arg("form") = kResponseFormNames[static_cast<int>(r.form)],
                               py::arg("half") = param_name(r.half), py::arg("shape") = param_name(r.shape),
                               py::arg("jump") = param_name(r.jump)),
                  py::arg("costs") = costs, py::arg("moves") = a.moves, py::arg("doc") = a.doc);
}

}  // namespace

void bind_activities(py::module_& m) {
  m.def(
      "activity_table",
      [] {
        py::list rows;
        for (const Activity& a : kActivities) rows.append(row(a));
        return rows;
      },
      "The activities of an allocation, one dict per allocation field in the allocation's order.");
  m.attr("ALLOCATION_FIELDS") = py::cast(std::vector<std::string>(kAllocFieldNames.begin(), kAllocFieldNames.end()));
  m.attr("N_RATE_FIELDS") = kNumRateFields;  // the first allocation fields are rates >= 0, the rest flags
  m.attr("LAYERS") = py::cast(std::vector<std::string>(kLayerNames.begin(), kLayerNames.end()));
}

}  // namespace cathedral::bindings
