// A small seeded generator of scenarios for the conformance suite: random
// account states, contacts and pipelines in a chosen shape, with the
// features a case asks for (centres, agreements, shocks, binding
// resources, event rates, policies). Draws come from the engine's own
// counter-based streams, so a case is the same scenario on every machine.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cathedral/random.hpp"

namespace cathedral::conformance {

using json = nlohmann::json;

enum class PolicyKind { static_, tiered, schedule };

struct Shape {
  std::string name;
  std::uint64_t seed = 1;
  std::vector<int> contacts{2, 3, 1};  // contacts per account, cycled over the accounts
  int accounts = 6;
  int horizon_weeks = 70;
  int decision_interval_weeks = 13;
  // pipelines: every `listed_every`-th account lists its deals (0: none listed);
  // the first listed one lists an empty pipeline
  int listed_every = 0;
  bool centres = false;     // centres at the start and in the plans, switched on and off
  bool agreements = false;  // agreements at the start, pursued, easy to sign
  bool shocks = false;      // every type of shock, some in the same week
  bool binding = false;     // resources that bind (f < 1)
  bool infeasible = false;  // a phase whose centres alone exceed the budget
  double max_event_rate = 3.0;  // benchmarking and executive-visit rates per year in [0, max)
  PolicyKind policy = PolicyKind::static_;
  json params = json::object();  // overrides of §9
  json costs = json::object();
  json resources = json::object();  // overrides of the resources chosen by `binding`
};

class Generator {
 public:
  explicit Generator(std::uint64_t seed) : s_(stream_key(seed, 0, 0, Purpose::market, 99)) {}
  double uniform(double lo, double hi) { return lo + (hi - lo) * s_.uniform(); }
  int integer(int lo, int hi) { return lo + static_cast<int>(s_.uniform() * (hi - lo + 1)); }  // in [lo, hi]
  bool coin(double p = 0.5) { return s_.uniform() < p; }

 private:
  Stream s_;
};

inline json allocation(Generator& g, const Shape& shape, bool allow_centre) {
  json e = {{"social_hours", g.uniform(0.0, 4.0)},
            {"value_hours", g.uniform(0.0, 6.0)},
            {"visits", g.uniform(0.0, 5.0)},
            {"service_hours", g.uniform(0.0, 3.0)},
            {"benchmarking", g.uniform(0.0, shape.max_event_rate)},
            {"exec_visits", g.uniform(0.0, shape.max_event_rate)},
            {"pursue_agreement", shape.agreements ? g.coin(0.8) : g.coin(0.3)}};
  if (allow_centre) e["jic"] = g.coin(0.5);
  if (g.coin(0.2)) e["visits"] = 0.0;            // no visits: no dug deals
  if (g.coin(0.2)) e["benchmarking"] = 2.0;      // an integer rate
  return e;
}

inline json static_policy(Generator& g, const Shape& shape, const json& accounts) {
  json p = {{"type", "static"}, {"default", allocation(g, shape, shape.centres)}};
  p["tiers"] = {{"S", allocation(g, shape, shape.centres)}, {"cash_flow", {{"social_hours", 0.5}, {"visits", 0.5}}}};
  // one account with its own entry and a contact focus (a contact left out weighs 0)
  for (const json& a : accounts) {
    if (a["contacts"].size() < 2) continue;
    json entry = allocation(g, shape, shape.centres);
    json focus = json::object();
    for (std::size_t k = 0; k + 1 < a["contacts"].size(); ++k) focus[a["contacts"][k]["id"].get<std::string>()] = g.uniform(0.0, 3.0);
    entry["contact_focus"] = focus;
    p["accounts"] = {{a["id"].get<std::string>(), entry}};
    break;
  }
  return p;
}

inline json tiered_policy(Generator& g, const Shape& shape) {
  json t = json::object();
  for (const char* tier : {"S", "A", "B", "C", "cash_flow"}) t[tier] = allocation(g, shape, shape.centres);
  return {{"type", "tiered"}, {"templates", t}};
}

inline json make_policy_json(Generator& g, const Shape& shape, const json& accounts) {
  switch (shape.policy) {
    case PolicyKind::static_: return static_policy(g, shape, accounts);
    case PolicyKind::tiered: return tiered_policy(g, shape);
    case PolicyKind::schedule: {
      // phases that switch policy, rates and centres (a centre closed and opened again pays its setup again)
      json phases = json::array();
      phases.push_back({{"from_week", 0}, {"policy", static_policy(g, shape, accounts)}});
      phases.push_back({{"from_week", shape.decision_interval_weeks + 3}, {"policy", tiered_policy(g, shape)}});
      json off = static_policy(g, shape, accounts);
      off["default"]["jic"] = false;
      off["default"]["benchmarking"] = 0.0;
      phases.push_back({{"from_week", 3 * shape.decision_interval_weeks}, {"policy", off}});
      phases.push_back({{"from_week", 4 * shape.decision_interval_weeks}, {"policy", tiered_policy(g, shape)}});
      return {{"type", "schedule"}, {"phases", phases}};
    }
  }
  return {};
}

inline json generate(const Shape& shape) {
  Generator g(shape.seed);
  const int H = shape.horizon_weeks;
  json accounts = json::array();
  for (int a = 0; a < shape.accounts; ++a) {
    json acc = {{"id", std::string("acct-").append(std::to_string(shape.seed)).append("-").append(std::to_string(a))},
                {"wallet", g.uniform(200.0, 3000.0)},
                {"wallet_growth", g.uniform(-0.05, 0.12)},
                {"staff", g.uniform(20.0, 400.0)},
                {"fit", g.uniform(0.2, 0.95)},
                {"fit_target", g.uniform(0.2, 0.95)},
                {"capability_match", g.uniform(0.3, 1.0)},
                {"competitor_strength", g.uniform(0.1, 0.9)},
                {"coverage", g.uniform(0.0, 0.7)},
                {"satisfaction", g.uniform(0.2, 0.9)},
                {"org", g.uniform(0.0, 0.8)}};
    if (shape.agreements && g.coin(0.5)) acc["agreement_weeks_left"] = g.integer(1, 40);
    if (shape.centres && g.coin(0.4)) acc["jic"] = true;
    json contacts = json::array();
    const int n = shape.contacts[static_cast<std::size_t>(a) % shape.contacts.size()];
    static const char* roles[] = {"decision_maker", "technical", "procurement", "user", "influencer", "coach", "other"};
    for (int k = 0; k < n; ++k)
      contacts.push_back({{"id", std::string("k").append(std::to_string(k))},  // (GCC 12 warns on "k" + string)
                          {"role", roles[g.integer(0, 6)]},
                          {"influence", g.coin(0.15) ? 0.0 : g.uniform(0.1, 3.0)},
                          {"intimacy", g.uniform(0.0, 1.0)},
                          {"support", g.uniform(-1.0, 1.0)},
                          {"stance", g.uniform(-1.0, 1.0)}});
    acc["contacts"] = contacts;
    if (shape.listed_every > 0 && a % shape.listed_every == 0) {
      json deals = json::array();
      if (a > 0) {  // the first listed account lists none: an empty pipeline, not a synthesised one
        const int count = g.integer(1, 6);
        for (int d = 0; d < count; ++d)
          deals.push_back({{"size", g.uniform(5.0, 400.0)}, {"decision_week", g.integer(0, H + 10)}});  // some beyond the horizon
        deals.push_back({{"size", 50.0}, {"decision_week", 0}});
        deals.push_back({{"size", 70.0}, {"decision_week", 0}});  // two in week 0, in list order
      }
      acc["pipeline"] = deals;
    }
    accounts.push_back(acc);
  }

  json j = {{"name", shape.name},
            {"horizon_weeks", H},
            {"decision_interval_weeks", shape.decision_interval_weeks},
            {"seed", shape.seed},
            {"accounts", accounts}};
  if (shape.binding)
    j["resources"] = {{"account_managers", 0.4 * shape.accounts / 6.0},
                      {"executive_days_per_year", 4.0},
                      {"budget_per_year", 150.0 * shape.accounts}};
  else
    j["resources"] = {{"account_managers", 40}, {"executive_days_per_year", 1e5}, {"budget_per_year", 1e8}};
  for (const auto& [key, value] : shape.resources.items()) j["resources"][key] = value;
  json params = shape.params;
  if (shape.agreements) {
    params["agreement_min_org"] = 0.2;
    params["agreement_min_fit"] = 0.3;
    params["agreement_circled"] = 0.7;
    params["agreement_weeks"] = 20;
  }
  if (!params.empty()) j["params"] = params;
  if (!shape.costs.empty()) j["costs"] = shape.costs;

  if (shape.shocks) {
    const auto id = [&](int a) { return accounts[static_cast<std::size_t>(a) % accounts.size()]["id"]; };
    json shocks = json::array();
    shocks.push_back({{"type", "market"}, {"from_week", 5}, {"to_week", 30}, {"factor", 0.6}});
    shocks.push_back({{"type", "market"}, {"from_week", 20}, {"to_week", 40}, {"factor", 1.7}});  // overlapping: they multiply
    shocks.push_back({{"type", "strategy_shift"}, {"account", id(0)}, {"week", 12}, {"fit_target", 0.95}});
    shocks.push_back({{"type", "strategy_shift"}, {"account", id(1)}, {"week", 12}, {"fit_target", 0.1}});
    shocks.push_back({{"type", "strategy_shift"}, {"account", id(1)}, {"week", 12}, {"fit_target", 0.4}});  // the later one wins
    shocks.push_back({{"type", "competitor"}, {"account", id(2)}, {"from_week", 8}, {"strength", 1.0}});
    shocks.push_back({{"type", "competitor"}, {"account", id(2)}, {"from_week", 30}, {"strength", 0.05}});
    int leaves = 0;
    for (std::size_t a = 0; a < accounts.size() && leaves < 3; ++a) {
      const json& cs = accounts[a]["contacts"];
      if (cs.empty()) continue;
      shocks.push_back({{"type", "contact_leaves"}, {"account", accounts[a]["id"]}, {"contact", cs[cs.size() - 1]["id"]},
                        {"week", 10 + 7 * leaves}});
      if (leaves == 0)  // the same contact again in the same week
        shocks.push_back({{"type", "contact_leaves"}, {"account", accounts[a]["id"]}, {"contact", cs[cs.size() - 1]["id"]},
                          {"week", 10}});
      ++leaves;
    }
    j["shocks"] = shocks;
  }

  j["policy"] = make_policy_json(g, shape, accounts);
  if (shape.infeasible) {  // a phase in which every account runs a centre: their money alone exceeds the budget
    json all_centres = tiered_policy(g, shape);
    for (auto& [tier, entry] : all_centres["templates"].items()) entry["jic"] = true;
    j["policy"] = {{"type", "schedule"},
                   {"phases", {{{"from_week", 0}, {"policy", j["policy"]}},
                               {{"from_week", 2 * shape.decision_interval_weeks}, {"policy", all_centres}},
                               {{"from_week", 3 * shape.decision_interval_weeks}, {"policy", tiered_policy(g, shape)}}}}};
  }
  return j;
}

}  // namespace cathedral::conformance
