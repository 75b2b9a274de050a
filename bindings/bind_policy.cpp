// Policies from Python: JSON specs go to core; a Python callable becomes a
// Policy that hands the observation of all replications to Python once per
// epoch (docs/model.md §5). Checking what the callable returns is the Python
// layer's job (cathedral.policies); here only the array's shape is checked.
#include <cstring>
#include <stdexcept>

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include "json_convert.hpp"
#include "policy_tree.hpp"

namespace py = pybind11;

namespace cathedral::bindings {

namespace {

template <class T>
py::array_t<T> copy_array(const std::vector<T>& v, std::vector<py::ssize_t> shape) {
  py::array_t<T> a(shape);
  if (!v.empty()) std::memcpy(a.mutable_data(), v.data(), v.size() * sizeof(T));
  return a;
}

class PythonPolicy final : public Policy {
 public:
  PythonPolicy(py::object decide, const Model& m) : decide_(std::move(decide)), focus_(m.contact_weight) {}
  ~PythonPolicy() override {
    py::gil_scoped_acquire gil;
    decide_ = py::object();
  }
  bool needs_all_replications() const override { return true; }
  const std::vector<double>& contact_focus(int) const override { return focus_; }

  void decide(const Observation& obs, std::span<double> out) const override {
    py::gil_scoped_acquire gil;
    const py::ssize_t R = obs.n_replications, A = obs.n_accounts;
    py::dict d;
    d["epoch"] = obs.epoch;
    d["week"] = obs.week;
    d["replication"] = copy_array(obs.replication, {R});
    d["tier"] = copy_array(obs.tier, {R, A});
    d["cash_flow"] = copy_array(obs.cash_flow, {R, A});
    const std::pair<const char*, const std::vector<double>*> fields[] = {
        {"wallet", &obs.wallet},
        {"fit", &obs.fit},
        {"coverage", &obs.coverage},
        {"satisfaction", &obs.satisfaction},
        {"org", &obs.org},
        {"support", &obs.support},
        {"intimacy", &obs.intimacy},
        {"agreement_weeks_left", &obs.agreement_weeks_left},
        {"jic", &obs.jic},
        {"revenue_to_date", &obs.revenue_to_date},
        {"gross_profit_to_date", &obs.gross_profit_to_date},
        {"pipeline_value", &obs.pipeline_value}};
    for (const auto& [name, values] : fields) d[name] = copy_array(*values, {R, A});
    d["nine_grid"] = copy_array(obs.grid, {R, A, 9});
    d["resources"] = py::dict(py::arg("am_hours_per_week") = obs.am_hours_per_week,
                              py::arg("executive_days_per_year") = obs.executive_days_per_year,
                              py::arg("budget_per_year") = obs.budget_per_year);
    py::object result = decide_(d);  // a Python exception propagates as error_already_set
    auto arr = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(result);
    if (!arr || arr.ndim() != 3 || arr.shape(0) != R || arr.shape(1) != A || arr.shape(2) != kNumAllocFields)
      throw std::invalid_argument("python policy: the decide wrapper must return a float array of shape (" +
                                  std::to_string(R) + ", " + std::to_string(A) + ", " +
                                  std::to_string(kNumAllocFields) + ")");
    std::memcpy(out.data(), arr.data(), out.size() * sizeof(double));
  }

 private:
  py::object decide_;
  std::vector<double> focus_;
};

}  // namespace

std::shared_ptr<const Policy> build_policy(py::handle tree, const Scenario& scenario, const Model& model,
                                           const std::string& path) {
  if (py::isinstance<py::tuple>(tree)) {
    auto t = py::reinterpret_borrow<py::tuple>(tree);
    const std::string kind = t.size() > 0 ? py::str(t[0]).cast<std::string>() : "";
    if (kind == "python" && t.size() == 2) return std::make_shared<PythonPolicy>(py::reinterpret_borrow<py::object>(t[1]), model);
    if (kind == "schedule" && t.size() == 2) {
      std::vector<std::pair<int, std::shared_ptr<const Policy>>> phases;
      std::size_t i = 0;
      for (auto item : t[1]) {
        auto phase = py::reinterpret_borrow<py::tuple>(item);
        const std::string p = path + ".phases[" + std::to_string(i++) + "]";
        phases.emplace_back(phase[0].cast<int>(), build_policy(phase[1], scenario, model, p + ".policy"));
      }
      return std::make_shared<SchedulePolicy>(std::move(phases));
    }
    if (kind == "mix" && t.size() == 4) {
      const auto layers = t[3].cast<std::array<bool, kNumLayers>>();
      return std::make_shared<LayerMixPolicy>(build_policy(t[1], scenario, model, path + ".base"),
                                              build_policy(t[2], scenario, model, path + ".with"), layers);
    }
    throw std::invalid_argument(path + ": not a policy");
  }
  return make_policy(policy_from_json(to_json(tree, path), scenario, path), model);
}

}  // namespace cathedral::bindings
