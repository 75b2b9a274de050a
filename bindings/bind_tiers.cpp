// Tiers (docs/model.md §6): the engine's thresholds and classification for any
// wallets and fits, with a scenario's tiering and parameters. Translation only.
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "cathedral/model.hpp"
#include "cathedral/scenario.hpp"
#include "cathedral/tiers.hpp"

namespace py = pybind11;

namespace cathedral::bindings {

namespace {

std::vector<double> initial(const Scenario& s, double Account::*field) {
  std::vector<double> out;
  out.reserve(s.accounts.size());
  for (const Account& a : s.accounts) out.push_back(a.*field);
  return out;
}

TierRules rules_for(const Scenario& s, const std::optional<std::vector<double>>& wallets) {
  return tier_rules_for(s.tiering, s.params, wallets ? *wallets : initial(s, &Account::wallet));
}

}  // namespace

void bind_tiers(py::module_& m) {
  m.def(
      "tier_thresholds",
      [](const Scenario& s, std::optional<std::vector<double>> wallets) {
        if (wallets && wallets->empty()) throw std::invalid_argument("wallets: at least one wallet is needed");
        const TierRules r = rules_for(s, wallets);
        return py::dict(py::arg("S_min_wallet") = r.s_min_wallet, py::arg("A_min_wallet") = r.a_min_wallet,
                        py::arg("B_min_wallet") = r.b_min_wallet, py::arg("S_min_fit") = r.s_min_fit,
                        py::arg("A_min_fit") = r.a_min_fit, py::arg("cashflow_fit") = r.cashflow_fit);
      },
      py::arg("scenario"), py::arg("wallets") = py::none(),
      "The §6 thresholds of the scenario's tiering and parameters; unset minimum wallets are percentiles of "
      "`wallets` (default: the scenario's initial wallets).");
  m.def(
      "tiers",
      [](const Scenario& s, std::optional<std::vector<double>> wallets, std::optional<std::vector<double>> fits) {
        if (wallets.has_value() != fits.has_value())
          throw std::invalid_argument("wallets and fits: pass both or neither");
        const std::vector<double> w = wallets ? *wallets : initial(s, &Account::wallet);
        const std::vector<double> f = fits ? *fits : initial(s, &Account::fit);
        if (w.size() != f.size())
          throw std::invalid_argument("fits: must have one value per wallet (" + std::to_string(w.size()) + "), got " +
                                      std::to_string(f.size()));
        if (w.empty()) throw std::invalid_argument("wallets: at least one wallet is needed");
        const TierRules r = tier_rules_for(s.tiering, s.params, w);
        const auto n = static_cast<py::ssize_t>(w.size());
        py::array_t<std::int8_t> tier(n), label(n);
        py::array_t<bool> cash(n);
        auto t = tier.mutable_unchecked<1>();
        auto l = label.mutable_unchecked<1>();
        auto c = cash.mutable_unchecked<1>();
        for (py::ssize_t i = 0; i < n; ++i) {
          t(i) = static_cast<std::int8_t>(tier_of(r, w[i], f[i]));
          c(i) = is_cash_flow(r, f[i]);
          l(i) = static_cast<std::int8_t>(tier_label(r, w[i], f[i]));
        }
        return py::make_tuple(tier, cash, label);
      },
      py::arg("scenario"), py::arg("wallets") = py::none(), py::arg("fits") = py::none(),
      "(tier, cash_flow, label) per account: tier codes 0-3 (TIER_LABELS S, A, B, C), the cash-flow flag, and "
      "the label a tiered policy uses (0-4, cash_flow = 4).");
  m.def(
      "grid_cells",
      [](const Scenario& s, py::array_t<double> intimacy, py::array_t<double> support) {
        const GridCuts g{s.tiering.intimacy_cuts, s.tiering.support_cuts};
        return py::vectorize([g](double i, double sp) { return grid_cell(g, i, sp); })(intimacy, support);
      },
      py::arg("scenario"), py::arg("intimacy"), py::arg("support"),
      "The nine-grid cell (0-8, GRID_CELLS) of each key contact, with the scenario's grid cuts.");
  m.attr("TARGET_CELL") = kTargetCell;
  m.attr("RISK_CELL") = kRiskCell;
}

}  // namespace cathedral::bindings
