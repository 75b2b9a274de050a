// Scenario JSON parsing, validation and serialisation (docs/model.md §2, §5, §6, §9).
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "cathedral/params.hpp"
#include "cathedral/scenario.hpp"

namespace cathedral {
namespace {

using json = nlohmann::json;

json minimal() {
  return json::parse(R"({
    "accounts": [{"id": "acme", "wallet": 1000}],
    "resources": {"account_managers": 2, "executive_days_per_year": 20,
                  "budget_per_year": 100}
  })");
}

// The problems of a scenario that must fail to parse.
std::vector<std::string> problems_of(const json& j) {
  try {
    scenario_from_json(j);
  } catch (const ScenarioError& e) {
    return e.problems();
  }
  ADD_FAILURE() << "expected a ScenarioError for " << j.dump();
  return {};
}

std::vector<std::string> policy_problems_of(const json& j, const Scenario& s,
                                            const std::string& path = "policy") {
  try {
    policy_from_json(j, s, path);
  } catch (const ScenarioError& e) {
    return e.problems();
  }
  ADD_FAILURE() << "expected a ScenarioError for " << j.dump();
  return {};
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += "  " + x + "\n";
  return s;
}

#define EXPECT_PROBLEM(problems, line)                                             \
  do {                                                                             \
    const auto& ps_ = (problems);                                                  \
    EXPECT_NE(std::find(ps_.begin(), ps_.end(), std::string(line)), ps_.end())     \
        << "missing problem: " << (line) << "\nproblems were:\n" << joined(ps_);   \
  } while (0)

// Exactly one problem, equal to `line`, also found in what().
void expect_only(const json& j, const std::string& line) {
  try {
    scenario_from_json(j);
    ADD_FAILURE() << "expected a ScenarioError: " << line;
  } catch (const ScenarioError& e) {
    ASSERT_EQ(e.problems().size(), 1u) << joined(e.problems());
    EXPECT_EQ(e.problems()[0], line);
    EXPECT_NE(std::string(e.what()).find(line), std::string::npos);
  }
}

bool same_bits(double a, double b) {
  return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}

#define EXPECT_BITS(a, b) EXPECT_TRUE(same_bits((a), (b))) << #a << "=" << (a) << " vs " << (b)

void expect_entry_eq(const AllocationEntry& a, const AllocationEntry& b) {
  for (int i = 0; i < kNumAllocFields; ++i) {
    ASSERT_EQ(a.fields[i].has_value(), b.fields[i].has_value()) << kAllocFieldNames[i];
    if (a.fields[i]) {
      EXPECT_BITS(*a.fields[i], *b.fields[i]);
    }
  }
  ASSERT_EQ(a.contact_focus.has_value(), b.contact_focus.has_value());
  if (a.contact_focus) {
    ASSERT_EQ(a.contact_focus->size(), b.contact_focus->size());
    for (const auto& [k, v] : *a.contact_focus) {
      ASSERT_TRUE(b.contact_focus->count(k)) << k;
      EXPECT_BITS(v, b.contact_focus->at(k));
    }
  }
}

void expect_entries_eq(const std::map<std::string, AllocationEntry>& a,
                       const std::map<std::string, AllocationEntry>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [k, e] : a) {
    ASSERT_TRUE(b.count(k)) << k;
    expect_entry_eq(e, b.at(k));
  }
}

void expect_policy_eq(const PolicySpec& a, const PolicySpec& b) {
  EXPECT_EQ(a.type, b.type);
  if (a.type == PolicySpec::Type::static_) {
    expect_entry_eq(a.default_entry, b.default_entry);
    expect_entries_eq(a.tier_entries, b.tier_entries);
    expect_entries_eq(a.account_entries, b.account_entries);
  } else {
    expect_entries_eq(a.templates, b.templates);
  }
}

void expect_scenario_eq(const Scenario& a, const Scenario& b) {
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.horizon_weeks, b.horizon_weeks);
  EXPECT_EQ(a.decision_interval_weeks, b.decision_interval_weeks);
  EXPECT_EQ(a.seed, b.seed);
  ASSERT_EQ(a.accounts.size(), b.accounts.size());
  for (std::size_t i = 0; i < a.accounts.size(); ++i) {
    SCOPED_TRACE("account " + std::to_string(i));
    const Account& x = a.accounts[i];
    const Account& y = b.accounts[i];
    EXPECT_EQ(x.id, y.id);
    EXPECT_EQ(x.name, y.name);
    EXPECT_BITS(x.wallet, y.wallet);
    EXPECT_BITS(x.wallet_growth, y.wallet_growth);
    EXPECT_BITS(x.staff, y.staff);
    EXPECT_BITS(x.fit, y.fit);
    EXPECT_BITS(x.fit_target, y.fit_target);
    EXPECT_BITS(x.capability_match, y.capability_match);
    EXPECT_BITS(x.competitor_strength, y.competitor_strength);
    EXPECT_BITS(x.coverage, y.coverage);
    EXPECT_BITS(x.satisfaction, y.satisfaction);
    EXPECT_BITS(x.org, y.org);
    EXPECT_EQ(x.agreement_weeks_left, y.agreement_weeks_left);
    EXPECT_EQ(x.jic, y.jic);
    ASSERT_EQ(x.contacts.size(), y.contacts.size());
    for (std::size_t k = 0; k < x.contacts.size(); ++k) {
      const Contact& c = x.contacts[k];
      const Contact& d = y.contacts[k];
      EXPECT_EQ(c.id, d.id);
      EXPECT_EQ(c.role, d.role);
      EXPECT_BITS(c.influence, d.influence);
      EXPECT_BITS(c.intimacy, d.intimacy);
      EXPECT_BITS(c.support, d.support);
      EXPECT_BITS(c.stance, d.stance);
    }
    ASSERT_EQ(x.pipeline.has_value(), y.pipeline.has_value());
    if (x.pipeline) {
      ASSERT_EQ(x.pipeline->size(), y.pipeline->size());
      for (std::size_t k = 0; k < x.pipeline->size(); ++k) {
        EXPECT_BITS((*x.pipeline)[k].size, (*y.pipeline)[k].size);
        EXPECT_EQ((*x.pipeline)[k].decision_week, (*y.pipeline)[k].decision_week);
      }
    }
  }
  EXPECT_BITS(a.resources.account_managers, b.resources.account_managers);
  EXPECT_BITS(a.resources.am_hours_per_week, b.resources.am_hours_per_week);
  EXPECT_BITS(a.resources.executive_days_per_year, b.resources.executive_days_per_year);
  EXPECT_BITS(a.resources.budget_per_year, b.resources.budget_per_year);
  EXPECT_BITS(a.resources.am_cost_per_year, b.resources.am_cost_per_year);
  for (const auto& f : param_table()) {
    if (!f.member) continue;
    EXPECT_BITS(a.params.*(f.member), b.params.*(f.member)) << f.name;
  }
  for (const auto& f : cost_table()) {
    if (!f.member) continue;
    EXPECT_BITS(a.costs.*(f.member), b.costs.*(f.member)) << f.name;
  }
  auto opt_eq = [](const std::optional<double>& p, const std::optional<double>& q) {
    ASSERT_EQ(p.has_value(), q.has_value());
    if (p) {
      EXPECT_BITS(*p, *q);
    }
  };
  opt_eq(a.tiering.s_min_wallet, b.tiering.s_min_wallet);
  opt_eq(a.tiering.a_min_wallet, b.tiering.a_min_wallet);
  opt_eq(a.tiering.b_min_wallet, b.tiering.b_min_wallet);
  EXPECT_BITS(a.tiering.s_min_fit, b.tiering.s_min_fit);
  EXPECT_BITS(a.tiering.a_min_fit, b.tiering.a_min_fit);
  for (int i = 0; i < 2; ++i) {
    EXPECT_BITS(a.tiering.intimacy_cuts[i], b.tiering.intimacy_cuts[i]);
    EXPECT_BITS(a.tiering.support_cuts[i], b.tiering.support_cuts[i]);
  }
  ASSERT_EQ(a.policy.has_value(), b.policy.has_value());
  if (a.policy) expect_policy_eq(*a.policy, *b.policy);
}

// A scenario with every field away from its default.
Scenario rich_scenario() {
  Scenario s;
  s.name = "rich \xE2\x80\x94 test";
  s.horizon_weeks = 208;
  s.decision_interval_weeks = 4;
  s.seed = std::numeric_limits<std::uint64_t>::max();
  Account a;
  a.id = "acme";
  a.name = "Acme Corp";
  a.wallet = 0.1 + 0.2;  // not a short decimal
  a.wallet_growth = -0.999999;
  a.staff = 1e-300;
  a.fit = 1.0 / 3.0;
  a.fit_target = 2.0 / 3.0;
  a.capability_match = 0.123456789012345678;
  a.competitor_strength = 5e-324;  // smallest denormal
  a.coverage = 1.0;
  a.satisfaction = 0.0;
  a.org = std::nextafter(1.0, 0.0);
  a.agreement_weeks_left = 52;
  a.jic = true;
  a.contacts.push_back({"ceo", Role::decision_maker, 3.5, 0.7, -0.25, 0.1});
  a.contacts.push_back({"cto", Role::technical, 0.0, 0.2, 1.0, -1.0});
  a.contacts.push_back({"x", Role::coach, 1e9, 0.9, 0.5, 0.0});
  a.pipeline = std::vector<ListedDeal>{{12.5, 0}, {1e6, 77}};
  s.accounts.push_back(a);
  Account b;
  b.id = "beta";
  b.name = "";
  b.wallet = 123456789.125;
  b.pipeline = std::vector<ListedDeal>{};  // listed, empty
  s.accounts.push_back(b);
  Account c;
  c.id = "gamma";
  c.name = "gamma";
  c.wallet = 7;
  c.contacts.push_back({"p", Role::procurement, 1, 0, 0, 0});
  c.contacts.push_back({"u", Role::user, 1, 0, 0, 0});
  c.contacts.push_back({"i", Role::influencer, 1, 0, 0, 0});
  c.contacts.push_back({"o", Role::other, 1, 0, 0, 0});
  s.accounts.push_back(c);
  s.resources = {3.5, 27.25, 40.0, 1234.5, 175.0};
  // every parameter and cost moved off its default, inside its domain
  for (const auto& f : param_table()) {
    if (!f.member) continue;
    double v = f.default_value;
    switch (f.domain) {
      case Domain::integer_ge1:
      case Domain::integer_ge0:
        v = v + 1.0;
        break;
      case Domain::finite:
        v = v - 0.1;
        break;
      default:
        v = v * 0.9 + 1e-17;
    }
    s.params.*(f.member) = v;
  }
  for (const auto& f : cost_table()) {
    if (!f.member) continue;
    s.costs.*(f.member) = f.default_value + 0.3;
  }
  s.tiering.s_min_wallet = 5000.0 / 3.0;
  s.tiering.b_min_wallet = 10.0;
  s.tiering.s_min_fit = 0.8;
  s.tiering.a_min_fit = 0.45;
  s.tiering.intimacy_cuts = {0.25, 0.75};
  s.tiering.support_cuts = {-0.5, 0.1};
  PolicySpec p;
  p.type = PolicySpec::Type::static_;
  p.default_entry.fields[static_cast<int>(AllocField::social_hours)] = 1.5;
  p.default_entry.fields[static_cast<int>(AllocField::pursue_agreement)] = 1.0;
  p.tier_entries["S"].fields[static_cast<int>(AllocField::exec_visits)] = 2.0;
  p.tier_entries["cash_flow"].fields[static_cast<int>(AllocField::jic)] = 0.0;
  p.account_entries["acme"].fields[static_cast<int>(AllocField::visits)] = 0.1;
  p.account_entries["acme"].contact_focus = std::map<std::string, double>{{"ceo", 2.0},
                                                                          {"x", 0.5}};
  p.account_entries["beta"].fields[static_cast<int>(AllocField::service_hours)] = 0.0;
  s.policy = p;
  return s;
}

// ---------------------------------------------------------------------------

TEST(ScenarioJson, DefaultsApplied) {
  json j = minimal();
  j["accounts"].push_back({{"id", "beta"}, {"wallet", 50}, {"fit", 0.8},
                           {"contacts", {json::object(), {{"id", "bob"}}, json::object()}}});
  const Scenario s = scenario_from_json(j);
  EXPECT_EQ(s.name, "scenario");
  EXPECT_EQ(s.horizon_weeks, 156);
  EXPECT_EQ(s.decision_interval_weeks, 13);
  EXPECT_EQ(s.seed, 0u);
  ASSERT_EQ(s.accounts.size(), 2u);
  const Account& a = s.accounts[0];
  EXPECT_EQ(a.id, "acme");
  EXPECT_EQ(a.name, "acme");
  EXPECT_EQ(a.wallet, 1000.0);
  EXPECT_EQ(a.wallet_growth, 0.0);
  EXPECT_EQ(a.staff, 100.0);
  EXPECT_EQ(a.fit, 0.5);
  EXPECT_EQ(a.fit_target, 0.5);
  EXPECT_EQ(a.capability_match, 1.0);
  EXPECT_EQ(a.competitor_strength, 0.5);
  EXPECT_EQ(a.coverage, 0.0);
  EXPECT_EQ(a.satisfaction, 0.5);
  EXPECT_EQ(a.org, 0.0);
  EXPECT_EQ(a.agreement_weeks_left, 0);
  EXPECT_FALSE(a.jic);
  EXPECT_TRUE(a.contacts.empty());
  EXPECT_FALSE(a.pipeline.has_value());
  const Account& b = s.accounts[1];
  EXPECT_EQ(b.fit, 0.8);
  EXPECT_EQ(b.fit_target, 0.8);  // defaults to fit
  ASSERT_EQ(b.contacts.size(), 3u);
  EXPECT_EQ(b.contacts[0].id, "0");  // position
  EXPECT_EQ(b.contacts[1].id, "bob");
  EXPECT_EQ(b.contacts[2].id, "2");
  const Contact& c = b.contacts[0];
  EXPECT_EQ(c.role, Role::other);
  EXPECT_EQ(c.influence, 1.0);
  EXPECT_EQ(c.intimacy, 0.0);
  EXPECT_EQ(c.support, 0.0);
  EXPECT_EQ(c.stance, 0.0);
  EXPECT_EQ(s.resources.account_managers, 2.0);
  EXPECT_EQ(s.resources.am_hours_per_week, 30.0);
  EXPECT_EQ(s.resources.executive_days_per_year, 20.0);
  EXPECT_EQ(s.resources.budget_per_year, 100.0);
  EXPECT_EQ(s.resources.am_cost_per_year, 150.0);
  for (const auto& f : param_table()) {
    if (!f.member) continue;
    EXPECT_EQ(s.params.*(f.member), f.default_value) << f.name;
  }
  for (const auto& f : cost_table()) {
    if (!f.member) continue;
    EXPECT_EQ(s.costs.*(f.member), f.default_value) << f.name;
  }
  EXPECT_FALSE(s.tiering.s_min_wallet);
  EXPECT_FALSE(s.tiering.a_min_wallet);
  EXPECT_FALSE(s.tiering.b_min_wallet);
  EXPECT_EQ(s.tiering.s_min_fit, 0.7);
  EXPECT_EQ(s.tiering.a_min_fit, 0.5);
  EXPECT_EQ(s.tiering.intimacy_cuts[0], 1.0 / 3.0);
  EXPECT_EQ(s.tiering.support_cuts[1], 1.0 / 3.0);
  EXPECT_FALSE(s.policy.has_value());
}

TEST(ScenarioJson, ParamTableHasNoBlankEntries) {
  // Every row of the §9 tables names a field (a blank row would be written
  // to and read from JSON under the key "").
  for (const auto& f : param_table()) {
    EXPECT_FALSE(f.name.empty());
    EXPECT_NE(f.member, nullptr);
  }
  for (const auto& f : cost_table()) {
    EXPECT_FALSE(f.name.empty());
    EXPECT_NE(f.member, nullptr);
  }
}

TEST(ScenarioJson, ExplicitValuesRead) {
  json j = minimal();
  j["name"] = "demo";
  j["horizon_weeks"] = 104.0;  // integral float accepted
  j["decision_interval_weeks"] = 26;
  j["seed"] = 42;
  j["accounts"][0].update(json::parse(R"({
    "name": "Acme", "wallet_growth": 0.05, "staff": 250, "fit": 0.9,
    "fit_target": 0.4, "capability_match": 0.6, "competitor_strength": 0.2,
    "coverage": 0.3, "satisfaction": 0.7, "org": 0.1, "agreement_weeks_left": 20,
    "jic": true,
    "contacts": [{"id": "ceo", "role": "decision_maker", "influence": 2,
                  "intimacy": 0.4, "support": -0.5, "stance": 0.25},
                 {"role": "coach"}],
    "pipeline": [{"size": 12.5, "decision_week": 3}]
  })"));
  j["params"] = {{"win_intercept", -1.25}, {"agreement_weeks", 52.0}};
  j["costs"] = {{"visit_hours", 3}};
  j["tiering"] = json::parse(R"({"S": {"min_wallet": 900, "min_fit": 0.75},
      "A": {"min_wallet": null}, "B": {"min_wallet": 10},
      "grid": {"intimacy": [0.2, 0.8], "support": [-0.5, 0.5]}})");
  const Scenario s = scenario_from_json(j);
  EXPECT_EQ(s.name, "demo");
  EXPECT_EQ(s.horizon_weeks, 104);
  EXPECT_EQ(s.decision_interval_weeks, 26);
  EXPECT_EQ(s.seed, 42u);
  const Account& a = s.accounts[0];
  EXPECT_EQ(a.name, "Acme");
  EXPECT_EQ(a.wallet_growth, 0.05);
  EXPECT_EQ(a.staff, 250.0);
  EXPECT_EQ(a.fit, 0.9);
  EXPECT_EQ(a.fit_target, 0.4);
  EXPECT_EQ(a.capability_match, 0.6);
  EXPECT_EQ(a.competitor_strength, 0.2);
  EXPECT_EQ(a.coverage, 0.3);
  EXPECT_EQ(a.satisfaction, 0.7);
  EXPECT_EQ(a.org, 0.1);
  EXPECT_EQ(a.agreement_weeks_left, 20);
  EXPECT_TRUE(a.jic);
  ASSERT_EQ(a.contacts.size(), 2u);
  EXPECT_EQ(a.contacts[0].role, Role::decision_maker);
  EXPECT_EQ(a.contacts[0].influence, 2.0);
  EXPECT_EQ(a.contacts[0].support, -0.5);
  EXPECT_EQ(a.contacts[0].stance, 0.25);
  EXPECT_EQ(a.contacts[1].id, "1");
  EXPECT_EQ(a.contacts[1].role, Role::coach);
  ASSERT_TRUE(a.pipeline);
  ASSERT_EQ(a.pipeline->size(), 1u);
  EXPECT_EQ((*a.pipeline)[0].size, 12.5);
  EXPECT_EQ((*a.pipeline)[0].decision_week, 3);
  EXPECT_EQ(s.params.win_intercept, -1.25);
  EXPECT_EQ(s.params.agreement_weeks, 52.0);
  EXPECT_EQ(s.params.win_support, 2.5);  // untouched
  EXPECT_EQ(s.costs.visit_hours, 3.0);
  EXPECT_EQ(s.costs.visit_money, 0.05);
  ASSERT_TRUE(s.tiering.s_min_wallet);
  EXPECT_EQ(*s.tiering.s_min_wallet, 900.0);
  EXPECT_EQ(s.tiering.s_min_fit, 0.75);
  EXPECT_FALSE(s.tiering.a_min_wallet);
  EXPECT_EQ(s.tiering.a_min_fit, 0.5);
  ASSERT_TRUE(s.tiering.b_min_wallet);
  EXPECT_EQ(*s.tiering.b_min_wallet, 10.0);
  EXPECT_EQ(s.tiering.intimacy_cuts[0], 0.2);
  EXPECT_EQ(s.tiering.intimacy_cuts[1], 0.8);
  EXPECT_EQ(s.tiering.support_cuts[0], -0.5);
  EXPECT_EQ(s.tiering.support_cuts[1], 0.5);
}

TEST(ScenarioJson, AllRolesParse) {
  json j = minimal();
  json contacts = json::array();
  for (const char* r : kRoleNames) contacts.push_back({{"id", r}, {"role", r}});
  j["accounts"][0]["contacts"] = contacts;
  const Scenario s = scenario_from_json(j);
  ASSERT_EQ(s.accounts[0].contacts.size(), kRoleNames.size());
  for (std::size_t i = 0; i < kRoleNames.size(); ++i)
    EXPECT_EQ(s.accounts[0].contacts[i].role, static_cast<Role>(i));
}

TEST(ScenarioJson, PipelineAbsentVersusEmpty) {
  json j = minimal();
  j["accounts"].push_back({{"id", "b"}, {"wallet", 1}, {"pipeline", json::array()}});
  const Scenario s = scenario_from_json(j);
  EXPECT_FALSE(s.accounts[0].pipeline.has_value());
  ASSERT_TRUE(s.accounts[1].pipeline.has_value());
  EXPECT_TRUE(s.accounts[1].pipeline->empty());
  const json out = scenario_to_json(s);
  EXPECT_FALSE(out["accounts"][0].contains("pipeline"));
  ASSERT_TRUE(out["accounts"][1].contains("pipeline"));
  EXPECT_EQ(out["accounts"][1]["pipeline"], json::array());
  const Scenario back = scenario_from_json(json::parse(out.dump()));
  EXPECT_FALSE(back.accounts[0].pipeline.has_value());
  ASSERT_TRUE(back.accounts[1].pipeline.has_value());
  EXPECT_TRUE(back.accounts[1].pipeline->empty());
}

TEST(ScenarioJson, ToJsonWritesEveryField) {
  const json out = scenario_to_json(scenario_from_json(minimal()));
  for (const char* k : {"name", "horizon_weeks", "decision_interval_weeks", "seed", "currency", "accounts",
                        "resources", "costs", "params", "tiering"})
    EXPECT_TRUE(out.contains(k)) << k;
  EXPECT_FALSE(out.contains("policy"));
  EXPECT_EQ(out["accounts"][0].size(), 15u);  // all §2.1 fields but pipeline
  EXPECT_EQ(out["resources"].size(), 5u);
  std::size_t nparams = 0, ncosts = 0;
  for (const auto& f : param_table()) nparams += f.member ? 1 : 0;
  for (const auto& f : cost_table()) ncosts += f.member ? 1 : 0;
  EXPECT_EQ(out["params"].size(), nparams);
  EXPECT_EQ(out["costs"].size(), ncosts);
  EXPECT_TRUE(out["tiering"]["S"]["min_wallet"].is_null());
  EXPECT_TRUE(out["tiering"]["A"]["min_wallet"].is_null());
  EXPECT_TRUE(out["tiering"]["B"]["min_wallet"].is_null());
  EXPECT_EQ(out["tiering"]["grid"]["intimacy"].size(), 2u);
  EXPECT_EQ(out["accounts"][0]["jic"], false);
}

TEST(ScenarioJson, FullRoundTripInMemoryAndThroughText) {
  const Scenario s = rich_scenario();
  EXPECT_NO_THROW(validate(s));
  const json j = scenario_to_json(s);
  {
    SCOPED_TRACE("in memory");
    expect_scenario_eq(s, scenario_from_json(j));
  }
  {
    SCOPED_TRACE("through text");
    expect_scenario_eq(s, scenario_from_json(json::parse(j.dump(2))));
  }
  // And the serialised form is stable.
  EXPECT_EQ(scenario_to_json(scenario_from_json(j)), j);
}

TEST(ScenarioJson, TieredPolicyRoundTrip) {
  Scenario s = rich_scenario();
  PolicySpec p;
  p.type = PolicySpec::Type::tiered;
  for (const char* t : {"S", "A", "B", "C"}) p.templates[t].fields[static_cast<int>(AllocField::value_hours)] = 2.0;
  p.templates["cash_flow"].fields[static_cast<int>(AllocField::pursue_agreement)] = 0.0;
  s.policy = p;
  expect_scenario_eq(s, scenario_from_json(json::parse(scenario_to_json(s).dump())));
  const json pj = policy_to_json(p);
  EXPECT_EQ(pj["type"], "tiered");
  EXPECT_FALSE(pj.contains("default"));
  EXPECT_EQ(pj["templates"]["cash_flow"]["pursue_agreement"], false);
  EXPECT_FALSE(pj["templates"]["S"].contains("visits"));  // unset stays unset
}

TEST(ScenarioJson, SeedRange) {
  json j = minimal();
  j["seed"] = std::numeric_limits<std::uint64_t>::max();
  EXPECT_EQ(scenario_from_json(j).seed, std::numeric_limits<std::uint64_t>::max());
  j = json::parse(minimal().dump().insert(1, "\"seed\": 18446744073709551615, "));
  EXPECT_EQ(scenario_from_json(j).seed, std::numeric_limits<std::uint64_t>::max());
  j["seed"] = 7.0;
  EXPECT_EQ(scenario_from_json(j).seed, 7u);
  j["seed"] = -3;
  expect_only(j, "seed: must be >= 0, got -3");
  j["seed"] = 1.5;
  expect_only(j, "seed: must be an integer, got 1.5");
  j["seed"] = "x";
  expect_only(j, "seed: must be an integer, got \"x\"");
}

// ---------------------------------------------------------------------------

TEST(ScenarioErrors, ErrorJoinsProblems) {
  const ScenarioError e({"a: one", "b: two"});
  EXPECT_STREQ(e.what(), "a: one\nb: two");
  ASSERT_EQ(e.problems().size(), 2u);
  EXPECT_EQ(e.problems()[1], "b: two");
  const std::invalid_argument& base = e;  // catchable as invalid_argument
  EXPECT_STREQ(base.what(), "a: one\nb: two");
}

TEST(ScenarioErrors, RootMustBeObject) {
  expect_only(json::array({1, 2}), "(root): must be an object, got [1,2]");
  expect_only(json("x"), "(root): must be an object, got \"x\"");
}

TEST(ScenarioErrors, UnknownKeyDidYouMean) {
  json j = minimal();
  j["accounts"][0]["walet"] = 5;
  j["accounts"][0].erase("wallet");
  const auto ps = problems_of(j);
  EXPECT_PROBLEM(ps, "accounts[0].walet: unknown key; did you mean \"wallet\"?");
  EXPECT_PROBLEM(ps, "accounts[0].wallet: required");
  EXPECT_EQ(ps.size(), 2u);

  j = minimal();
  j["horizon_week"] = 10;
  expect_only(j, "horizon_week: unknown key; did you mean \"horizon_weeks\"?");

  j = minimal();
  j["params"] = {{"intimacy_gian", 0.1}};
  expect_only(j, "params.intimacy_gian: unknown key; did you mean \"intimacy_gain\"?");

  j = minimal();
  j["resources"]["budget_per_yr"] = 1;
  expect_only(j, "resources.budget_per_yr: unknown key; did you mean \"budget_per_year\"?");
}

TEST(ScenarioErrors, UnknownKeyListsValidKeys) {
  json j = minimal();
  j["accounts"][0]["completely_wrong"] = 1;
  expect_only(j,
              "accounts[0].completely_wrong: unknown key; valid keys are: id, name, wallet, "
              "wallet_growth, staff, fit, fit_target, capability_match, competitor_strength, "
              "coverage, satisfaction, org, agreement_weeks_left, jic, contacts, pipeline");
  j = minimal();
  j["accounts"][0]["pipeline"] = {{{"size", 1}, {"decision_week", 0}, {"zzzzzzzzzz", 1}}};
  expect_only(j,
              "accounts[0].pipeline[0].zzzzzzzzzz: unknown key; valid keys are: size, "
              "decision_week");
}

TEST(ScenarioErrors, WrongTypes) {
  json j = minimal();
  j["horizon_weeks"] = "ten";
  expect_only(j, "horizon_weeks: must be an integer, got \"ten\"");

  j = minimal();
  j["accounts"][0]["wallet"] = "big";
  expect_only(j, "accounts[0].wallet: must be a number, got \"big\"");

  j = minimal();
  j["accounts"][0]["jic"] = 1;
  expect_only(j, "accounts[0].jic: must be true or false, got 1");

  j = minimal();
  j["accounts"][0]["wallet"] = true;  // bools are not numbers
  expect_only(j, "accounts[0].wallet: must be a number, got true");

  j = minimal();
  j["accounts"] = {{"id", "x"}};
  expect_only(j, "accounts: must be a list, got {\"id\":\"x\"}");

  j = minimal();
  j["accounts"][0]["id"] = 7;
  expect_only(j, "accounts[0].id: must be a string, got 7");

  j = minimal();
  j["resources"] = json::array();
  expect_only(j, "resources: must be an object, got []");

  j = minimal();
  j["accounts"][0]["contacts"] = {"bob"};
  expect_only(j, "accounts[0].contacts[0]: must be an object, got \"bob\"");

  j = minimal();
  j["params"] = {{"win_tech", "high"}};
  expect_only(j, "params.win_tech: must be a number, got \"high\"");
}

TEST(ScenarioErrors, LongValuesAreTruncated) {
  json j = minimal();
  j["accounts"][0]["wallet"] = std::string(200, 'w');
  const auto ps = problems_of(j);
  ASSERT_EQ(ps.size(), 1u);
  const std::string prefix = "accounts[0].wallet: must be a number, got \"www";
  EXPECT_EQ(ps[0].rfind(prefix, 0), 0u) << ps[0];
  EXPECT_LT(ps[0].size(), 120u) << ps[0];
  EXPECT_EQ(ps[0].substr(ps[0].size() - 3), "...");
}

TEST(ScenarioErrors, Required) {
  json j = minimal();
  j["accounts"].push_back({{"id", "b"}, {"wallet", 1}});
  j["accounts"].push_back({{"id", "c"}});
  expect_only(j, "accounts[2].wallet: required");

  j = minimal();
  j["accounts"][0].erase("id");
  expect_only(j, "accounts[0].id: required");

  j = minimal();
  j.erase("resources");
  expect_only(j, "resources: required");

  j = minimal();
  j.erase("accounts");
  expect_only(j, "accounts: required");

  j = minimal();
  j["resources"].erase("account_managers");
  j["resources"].erase("budget_per_year");
  const auto ps = problems_of(j);
  EXPECT_PROBLEM(ps, "resources.account_managers: required");
  EXPECT_PROBLEM(ps, "resources.budget_per_year: required");
  EXPECT_EQ(ps.size(), 2u);

  j = minimal();
  j["accounts"][0]["pipeline"] = {{{"size", 3}}};
  expect_only(j, "accounts[0].pipeline[0].decision_week: required");
}

TEST(ScenarioErrors, EmptyAccountsAndHorizon) {
  json j = minimal();
  j["accounts"] = json::array();
  expect_only(j, "accounts: must not be empty");

  j = minimal();
  j["horizon_weeks"] = 0;
  expect_only(j, "horizon_weeks: must be >= 1, got 0");

  j = minimal();
  j["decision_interval_weeks"] = -2;
  expect_only(j, "decision_interval_weeks: must be >= 1, got -2");

  j = minimal();
  j["horizon_weeks"] = 104.5;
  expect_only(j, "horizon_weeks: must be an integer, got 104.5");

  j = minimal();
  j["horizon_weeks"] = 1e12;
  expect_only(j, "horizon_weeks: must be <= 5200, got 1000000000000");

  j = minimal();
  j["accounts"][0]["id"] = "";
  expect_only(j, "accounts[0].id: must not be empty");
}

TEST(ScenarioErrors, NonFiniteNumbers) {
  json j = minimal();
  j["accounts"][0]["wallet"] = std::numeric_limits<double>::quiet_NaN();
  expect_only(j, "accounts[0].wallet: must be a finite number, got nan");

  j = minimal();
  j["params"] = {{"macro_sd", std::numeric_limits<double>::infinity()}};
  expect_only(j, "params.macro_sd: must be a finite number, got inf");

  j = minimal();
  j["accounts"][0]["agreement_weeks_left"] = -std::numeric_limits<double>::infinity();
  expect_only(j, "accounts[0].agreement_weeks_left: must be a finite number, got -inf");

  j = minimal();
  j["resources"]["am_hours_per_week"] = std::numeric_limits<double>::quiet_NaN();
  expect_only(j, "resources.am_hours_per_week: must be a finite number, got nan");
}

TEST(ScenarioErrors, AccountDomains) {
  json j = minimal();
  j["accounts"][0]["wallet"] = 0;
  expect_only(j, "accounts[0].wallet: must be > 0, got 0");

  j = minimal();
  j["accounts"][0]["wallet_growth"] = -1;
  expect_only(j, "accounts[0].wallet_growth: must be > -1, got -1");

  j = minimal();
  j["accounts"][0]["staff"] = 0;
  expect_only(j, "accounts[0].staff: must be > 0, got 0");

  j = minimal();
  j["accounts"][0]["fit_target"] = 1.5;
  expect_only(j, "accounts[0].fit_target: must be in [0, 1], got 1.5");

  j = minimal();
  j["accounts"][0]["agreement_weeks_left"] = -1;
  expect_only(j, "accounts[0].agreement_weeks_left: must be >= 0, got -1");

  j = minimal();
  j["accounts"][0]["pipeline"] = {{{"size", 0}, {"decision_week", 2}},
                                  {{"size", 5}, {"decision_week", -1}},
                                  {{"size", 5}, {"decision_week", 2.5}}};
  const auto ps = problems_of(j);
  EXPECT_PROBLEM(ps, "accounts[0].pipeline[0].size: must be > 0, got 0");
  EXPECT_PROBLEM(ps, "accounts[0].pipeline[1].decision_week: must be >= 0, got -1");
  EXPECT_PROBLEM(ps, "accounts[0].pipeline[2].decision_week: must be an integer, got 2.5");
  EXPECT_EQ(ps.size(), 3u);
}

TEST(ScenarioErrors, ContactDomains) {
  json j = minimal();
  for (int i = 0; i < 3; ++i) j["accounts"].push_back({{"id", "a" + std::to_string(i)}, {"wallet", 1}});
  j["accounts"][3]["contacts"] = {{{"influence", -1}},
                                  {{"role", "boss"}},
                                  {{"support", 1.5}, {"stance", -2}, {"intimacy", -0.5}}};
  const auto ps = problems_of(j);
  EXPECT_PROBLEM(ps, "accounts[3].contacts[0].influence: must be >= 0, got -1");
  EXPECT_PROBLEM(ps,
                 "accounts[3].contacts[1].role: must be one of decision_maker, technical, "
                 "procurement, user, influencer, coach, other, got \"boss\"");
  EXPECT_PROBLEM(ps, "accounts[3].contacts[2].support: must be in [-1, 1], got 1.5");
  EXPECT_PROBLEM(ps, "accounts[3].contacts[2].stance: must be in [-1, 1], got -2");
  EXPECT_PROBLEM(ps, "accounts[3].contacts[2].intimacy: must be in [0, 1], got -0.5");
  EXPECT_EQ(ps.size(), 5u);
}

TEST(ScenarioErrors, DuplicateIds) {
  json j = minimal();
  j["accounts"] = json::array();
  for (const char* id : {"a", "b", "acme", "c", "d", "acme"})
    j["accounts"].push_back({{"id", id}, {"wallet", 1}});
  expect_only(j, "accounts[5].id: duplicate id \"acme\" (also accounts[2])");

  j = minimal();
  j["accounts"][0]["contacts"] = {{{"id", "bob"}}, {{"id", "1"}}, {{"id", "bob"}}, json::object()};
  const auto ps = problems_of(j);
  EXPECT_PROBLEM(ps, "accounts[0].contacts[2].id: duplicate id \"bob\" (also accounts[0].contacts[0])");
  // the fourth contact's default id "3" does not clash; the second's "1" is explicit
  EXPECT_EQ(ps.size(), 1u);
}

TEST(ScenarioErrors, ParamsAndCosts) {
  json j = minimal();
  j["params"] = {{"macro_persistence", 1}, {"sales_cycle_weeks", 2.5}, {"agreement_weeks", 0},
                 {"deal_fraction", 0}, {"win_intercept", -100}};
  j["costs"] = {{"visit_money", -0.5}, {"visit_monee", 1}};
  const auto ps = problems_of(j);
  EXPECT_PROBLEM(ps, "params.macro_persistence: must be in [0, 1), got 1");
  EXPECT_PROBLEM(ps, "params.sales_cycle_weeks: must be an integer, got 2.5");
  EXPECT_PROBLEM(ps, "params.agreement_weeks: must be >= 1, got 0");
  EXPECT_PROBLEM(ps, "params.deal_fraction: must be > 0, got 0");
  EXPECT_PROBLEM(ps, "costs.visit_money: must be >= 0, got -0.5");
  EXPECT_PROBLEM(ps, "costs.visit_monee: unknown key; did you mean \"visit_money\"?");
  EXPECT_EQ(ps.size(), 6u);  // win_intercept is any finite number

  j = minimal();
  j["params"] = json::array();
  expect_only(j, "params: must be an object, got []");
}

TEST(ScenarioErrors, Tiering) {
  json j = minimal();
  j["tiering"] = json::parse(R"({"S": {"min_wallet": 0, "min_fit": 1.2},
      "A": {"min_wallet": "lots"}, "B": {"min_fit": 0.3},
      "grid": {"intimacy": [0.75, 0.25], "support": [-1.5, 0.5]}, "C": {}})");
  const auto ps = problems_of(j);
  EXPECT_PROBLEM(ps, "tiering.S.min_wallet: must be > 0, got 0");
  EXPECT_PROBLEM(ps, "tiering.S.min_fit: must be in [0, 1], got 1.2");
  EXPECT_PROBLEM(ps, "tiering.A.min_wallet: must be a number or null, got \"lots\"");
  EXPECT_PROBLEM(ps, "tiering.B.min_fit: unknown key; valid keys are: min_wallet");
  EXPECT_PROBLEM(ps, "tiering.grid.intimacy: cuts must be increasing, got [0.75, 0.25]");
  EXPECT_PROBLEM(ps, "tiering.grid.support[0]: must be in [-1, 1], got -1.5");
  EXPECT_PROBLEM(ps, "tiering.C: unknown key; did you mean \"S\"?");
  EXPECT_EQ(ps.size(), 7u) << joined(ps);

  j = minimal();
  j["tiering"] = {{"grid", {{"intimacy", {0.5}}}}};
  expect_only(j, "tiering.grid.intimacy: must be a list of 2 numbers [low, high], got [0.5]");
}

TEST(ScenarioErrors, ManyProblemsReportedTogether) {
  json j = json::parse(R"({
    "name": 5, "horizon_weeks": 0, "seeed": 1,
    "accounts": [{"id": "a", "wallet": -1, "fit": 2},
                 {"id": "a", "wallet": 1, "contacts": [{"influence": -1}]},
                 "nope"],
    "resources": {"account_managers": -1, "executive_days_per_year": 1}
  })");
  try {
    scenario_from_json(j);
    FAIL() << "expected a ScenarioError";
  } catch (const ScenarioError& e) {
    const std::vector<std::string> expected{
        "seeed: unknown key; did you mean \"seed\"?",
        "name: must be a string, got 5",
        "horizon_weeks: must be >= 1, got 0",
        "accounts[0].wallet: must be > 0, got -1",
        "accounts[0].fit: must be in [0, 1], got 2",
        "accounts[1].contacts[0].influence: must be >= 0, got -1",
        "accounts[1].id: duplicate id \"a\" (also accounts[0])",
        "accounts[2]: must be an object, got \"nope\"",
        "resources.account_managers: must be >= 0, got -1",
        "resources.budget_per_year: required",
    };
    EXPECT_EQ(e.problems(), expected) << joined(e.problems());
    std::string all;
    for (std::size_t i = 0; i < expected.size(); ++i) all += (i ? "\n" : "") + expected[i];
    EXPECT_EQ(std::string(e.what()), all);
  }
}

// ---------------------------------------------------------------------------

Scenario policy_base() {
  json j = minimal();
  j["accounts"][0]["contacts"] = {{{"id", "ceo"}}, {{"id", "cto"}}, {{"id", "buyer"}}};
  j["accounts"].push_back({{"id", "globex"}, {"wallet", 10}});
  return scenario_from_json(j);
}

TEST(ScenarioPolicy, StaticParses) {
  const Scenario s = policy_base();
  const json pj = json::parse(R"({
    "type": "static",
    "default": {"social_hours": 1, "value_hours": 2, "visits": 0.5, "service_hours": 3,
                "benchmarking": 1, "exec_visits": 2, "pursue_agreement": true, "jic": false},
    "tiers": {"S": {"visits": 4}, "cash_flow": {"jic": false}},
    "accounts": {"acme": {"value_hours": 6, "contact_focus": [1, 0, 2.5]},
                 "globex": {"contact_focus": {}}}
  })");
  const PolicySpec p = policy_from_json(pj, s);
  EXPECT_EQ(p.type, PolicySpec::Type::static_);
  const std::map<std::string, double> want{{"social_hours", 1}, {"value_hours", 2}, {"visits", 0.5},
                                           {"service_hours", 3}, {"benchmarking", 1}, {"exec_visits", 2},
                                           {"pursue_agreement", 1}, {"jic", 0}};
  for (const auto& [name, value] : want) {
    const auto f = find_field(name);
    ASSERT_TRUE(f) << name;
    ASSERT_TRUE(p.default_entry.fields[static_cast<int>(*f)]) << name;
    EXPECT_EQ(*p.default_entry.fields[static_cast<int>(*f)], value) << name;
  }
  EXPECT_FALSE(p.default_entry.contact_focus);
  ASSERT_EQ(p.tier_entries.size(), 2u);
  EXPECT_EQ(*p.tier_entries.at("S").fields[static_cast<int>(AllocField::visits)], 4.0);
  EXPECT_FALSE(p.tier_entries.at("S").fields[static_cast<int>(AllocField::social_hours)]);
  EXPECT_EQ(*p.tier_entries.at("cash_flow").fields[static_cast<int>(AllocField::jic)], 0.0);
  ASSERT_EQ(p.account_entries.size(), 2u);
  const AllocationEntry& acme = p.account_entries.at("acme");
  EXPECT_EQ(*acme.fields[static_cast<int>(AllocField::value_hours)], 6.0);
  ASSERT_TRUE(acme.contact_focus);
  const std::map<std::string, double> focus{{"ceo", 1.0}, {"cto", 0.0}, {"buyer", 2.5}};
  EXPECT_EQ(*acme.contact_focus, focus);
  ASSERT_TRUE(p.account_entries.at("globex").contact_focus);
  EXPECT_TRUE(p.account_entries.at("globex").contact_focus->empty());
  EXPECT_TRUE(p.templates.empty());

  // dict form gives the same map
  json dict = pj;
  dict["accounts"]["acme"]["contact_focus"] = {{"buyer", 2.5}, {"ceo", 1}, {"cto", 0}};
  EXPECT_EQ(*policy_from_json(dict, s).account_entries.at("acme").contact_focus, focus);

  // the minimal static policy
  const PolicySpec empty = policy_from_json(json{{"type", "static"}}, s);
  EXPECT_TRUE(empty.tier_entries.empty());
  EXPECT_TRUE(empty.account_entries.empty());
  for (const auto& f : empty.default_entry.fields) EXPECT_FALSE(f);

  // round trip through policy_to_json
  expect_policy_eq(p, policy_from_json(policy_to_json(p), s));
}

TEST(ScenarioPolicy, InScenarioFile) {
  json j = minimal();
  j["accounts"][0]["contacts"] = {{{"id", "ceo"}}};
  j["policy"] = json::parse(R"({"type": "static", "accounts": {"acme": {"contact_focus": [3]}}})");
  const Scenario s = scenario_from_json(j);
  ASSERT_TRUE(s.policy);
  EXPECT_EQ(s.policy->account_entries.at("acme").contact_focus->at("ceo"), 3.0);

  j["policy"]["accounts"]["acme"]["visits"] = -1;
  j["accounts"][0]["wallet"] = -5;  // collected with the policy's problem
  const auto ps = problems_of(j);
  EXPECT_PROBLEM(ps, "accounts[0].wallet: must be > 0, got -5");
  EXPECT_PROBLEM(ps, "policy.accounts.acme.visits: must be >= 0, got -1");
  EXPECT_EQ(ps.size(), 2u);
}

TEST(ScenarioPolicy, EntryErrors) {
  const Scenario s = policy_base();
  json pj = json::parse(R"({"type": "static",
      "default": {"visits": -1, "jic": 1, "social_hour": 2, "value_hours": "x"},
      "accounts": {"acme": {"pursue_agreement": "yes", "exec_visits": -0.5}}})");
  const auto ps = policy_problems_of(pj, s);
  EXPECT_PROBLEM(ps, "policy.default.visits: must be >= 0, got -1");
  EXPECT_PROBLEM(ps, "policy.default.jic: must be true or false, got 1");
  EXPECT_PROBLEM(ps, "policy.default.social_hour: unknown key; did you mean \"social_hours\"?");
  EXPECT_PROBLEM(ps, "policy.default.value_hours: must be a number, got \"x\"");
  EXPECT_PROBLEM(ps, "policy.accounts.acme.pursue_agreement: must be true or false, got \"yes\"");
  EXPECT_PROBLEM(ps, "policy.accounts.acme.exec_visits: must be >= 0, got -0.5");
  EXPECT_EQ(ps.size(), 6u) << joined(ps);

  // NaN from code
  pj = {{"type", "static"}, {"default", {{"benchmarking", std::nan("")}}}};
  EXPECT_PROBLEM(policy_problems_of(pj, s),
                 "policy.default.benchmarking: must be a finite number, got nan");
}

TEST(ScenarioPolicy, PathPrefix) {
  const Scenario s = policy_base();
  const json pj = json::parse(R"({"type": "static", "accounts": {"acme": {"visits": -1}}})");
  const auto ps = policy_problems_of(pj, s);
  ASSERT_EQ(ps.size(), 1u);
  EXPECT_EQ(ps[0], "policy.accounts.acme.visits: must be >= 0, got -1");
  const auto ps2 = policy_problems_of(pj, s, "baseline");
  ASSERT_EQ(ps2.size(), 1u);
  EXPECT_EQ(ps2[0], "baseline.accounts.acme.visits: must be >= 0, got -1");
  EXPECT_PROBLEM(policy_problems_of(json::array(), s), "policy: must be an object, got []");
}

TEST(ScenarioPolicy, UnknownAccountId) {
  const Scenario s = policy_base();
  json pj = json::parse(R"({"type": "static", "accounts": {"acmee": {"visits": 1},
                                                          "zzzzzzzzzzzz": {}}})");
  const auto ps = policy_problems_of(pj, s);
  EXPECT_PROBLEM(ps, "policy.accounts.acmee: unknown account id; did you mean \"acme\"?");
  EXPECT_PROBLEM(ps, "policy.accounts.zzzzzzzzzzzz: unknown account id; valid ids are: acme, globex");
  EXPECT_EQ(ps.size(), 2u);
}

TEST(ScenarioPolicy, ContactFocusErrors) {
  const Scenario s = policy_base();
  json pj = json::parse(R"({"type": "static", "accounts": {
      "acme": {"contact_focus": [1, 2]},
      "globex": {"contact_focus": [1]}}})");
  auto ps = policy_problems_of(pj, s);
  EXPECT_PROBLEM(ps,
                 "policy.accounts.acme.contact_focus: must have one weight per contact of "
                 "account \"acme\" (3), got 2");
  EXPECT_PROBLEM(ps,
                 "policy.accounts.globex.contact_focus: must have one weight per contact of "
                 "account \"globex\" (0), got 1");
  EXPECT_EQ(ps.size(), 2u);

  pj = json::parse(R"({"type": "static", "accounts": {
      "acme": {"contact_focus": {"ceoo": 1, "cto": -1, "qqqqqqqqq": 1}},
      "globex": {"contact_focus": {"ceo": 1}}}})");
  ps = policy_problems_of(pj, s);
  EXPECT_PROBLEM(ps, "policy.accounts.acme.contact_focus.ceoo: unknown contact id; did you mean \"ceo\"?");
  EXPECT_PROBLEM(ps, "policy.accounts.acme.contact_focus.cto: must be >= 0, got -1");
  EXPECT_PROBLEM(ps,
                 "policy.accounts.acme.contact_focus.qqqqqqqqq: unknown contact id; valid ids "
                 "are: ceo, cto, buyer");
  EXPECT_PROBLEM(ps,
                 "policy.accounts.globex.contact_focus.ceo: unknown contact id; none are defined");
  EXPECT_EQ(ps.size(), 4u) << joined(ps);

  pj = json::parse(R"({"type": "static", "accounts": {"acme": {"contact_focus": [1, -2, "x"]}}})");
  ps = policy_problems_of(pj, s);
  EXPECT_PROBLEM(ps, "policy.accounts.acme.contact_focus[1]: must be >= 0, got -2");
  EXPECT_PROBLEM(ps, "policy.accounts.acme.contact_focus[2]: must be a number, got \"x\"");
  EXPECT_EQ(ps.size(), 2u);

  pj = json::parse(R"({"type": "static", "accounts": {"acme": {"contact_focus": 3}}})");
  EXPECT_PROBLEM(policy_problems_of(pj, s),
                 "policy.accounts.acme.contact_focus: must be a list of weights or an object "
                 "{contact id: weight}, got 3");
}

TEST(ScenarioPolicy, ContactFocusOnlyPerAccount) {
  const Scenario s = policy_base();
  json pj = json::parse(R"({"type": "static", "default": {"contact_focus": [1, 1, 1]},
                            "tiers": {"A": {"contact_focus": {"ceo": 1}}}})");
  auto ps = policy_problems_of(pj, s);
  EXPECT_PROBLEM(ps,
                 "policy.default.contact_focus: only allowed per account, in the policy's "
                 "\"accounts\" entries");
  EXPECT_PROBLEM(ps,
                 "policy.tiers.A.contact_focus: only allowed per account, in the policy's "
                 "\"accounts\" entries");
  EXPECT_EQ(ps.size(), 2u);

  pj = json::parse(R"({"type": "tiered", "templates": {"S": {}, "A": {}, "B": {},
                            "C": {"contact_focus": [1, 1, 1]}}})");
  ps = policy_problems_of(pj, s);
  ASSERT_EQ(ps.size(), 1u);
  EXPECT_EQ(ps[0],
            "policy.templates.C.contact_focus: only allowed per account, in the policy's "
            "\"accounts\" entries");
}

TEST(ScenarioPolicy, Tiered) {
  const Scenario s = policy_base();
  json pj = json::parse(R"({"type": "tiered", "templates": {
      "S": {"value_hours": 4, "pursue_agreement": true}, "A": {"value_hours": 2},
      "B": {"visits": 1}, "C": {}, "cash_flow": {"service_hours": 0.5}}})");
  PolicySpec p = policy_from_json(pj, s);
  EXPECT_EQ(p.type, PolicySpec::Type::tiered);
  ASSERT_EQ(p.templates.size(), 5u);
  EXPECT_EQ(*p.templates.at("S").fields[static_cast<int>(AllocField::pursue_agreement)], 1.0);
  EXPECT_EQ(*p.templates.at("cash_flow").fields[static_cast<int>(AllocField::service_hours)], 0.5);
  EXPECT_TRUE(p.account_entries.empty());

  pj["templates"].erase("cash_flow");  // optional
  EXPECT_EQ(policy_from_json(pj, s).templates.size(), 4u);

  pj["templates"].erase("C");
  auto ps = policy_problems_of(pj, s);
  ASSERT_EQ(ps.size(), 1u);
  EXPECT_EQ(ps[0], "policy.templates.C: required");

  pj = json{{"type", "tiered"}};
  EXPECT_EQ(policy_problems_of(pj, s), std::vector<std::string>{"policy.templates: required"});

  pj = json::parse(R"({"type": "tiered", "templates": {"S": {}, "A": {}, "B": {}, "C": {},
                       "D": {}}, "default": {}})");
  ps = policy_problems_of(pj, s);
  EXPECT_PROBLEM(ps, "policy.templates.D: unknown key; did you mean \"S\"?");
  EXPECT_PROBLEM(ps, "policy.default: unknown key; valid keys are: type, templates, accounts");
  EXPECT_EQ(ps.size(), 2u);
}

TEST(ScenarioPolicy, Type) {
  const Scenario s = policy_base();
  EXPECT_EQ(policy_problems_of(json::object(), s), std::vector<std::string>{"policy.type: required"});
  EXPECT_EQ(policy_problems_of(json{{"type", "greedy"}}, s),
            std::vector<std::string>{"policy.type: must be one of static, tiered, schedule, got \"greedy\""});
  EXPECT_EQ(policy_problems_of(json{{"type", "static"}, {"tiers", {{"D", json::object()}}}}, s),
            std::vector<std::string>{"policy.tiers.D: unknown key; did you mean \"S\"?"});
}

// ---------------------------------------------------------------------------

class ScenarioFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("cathedral_scn_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string file(const std::string& name) const { return (dir_ / name).string(); }
  static void write(const std::string& path, const std::string& text) {
    std::ofstream(path) << text;
  }
  std::filesystem::path dir_;
};

TEST_F(ScenarioFiles, SaveAndLoad) {
  const Scenario s = rich_scenario();
  const std::string path = file("rich.json");
  save_scenario(s, path);
  std::ifstream in(path);
  std::stringstream buf;
  buf << in.rdbuf();
  EXPECT_EQ(buf.str(), scenario_to_json(s).dump(2) + "\n");
  expect_scenario_eq(s, load_scenario(path));
}

TEST_F(ScenarioFiles, LoadHandWritten) {
  const std::string path = file("small.json");
  write(path, minimal().dump(2));
  const Scenario s = load_scenario(path);
  ASSERT_EQ(s.accounts.size(), 1u);
  EXPECT_EQ(s.accounts[0].id, "acme");
}

TEST_F(ScenarioFiles, LoadReportsValidationProblems) {
  const std::string path = file("bad_values.json");
  json j = minimal();
  j["accounts"][0]["wallet"] = -1;
  write(path, j.dump());
  try {
    load_scenario(path);
    FAIL() << "expected a ScenarioError";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.problems(), std::vector<std::string>{"accounts[0].wallet: must be > 0, got -1"});
  }
}

TEST_F(ScenarioFiles, BadJson) {
  const std::string path = file("broken.json");
  write(path, "{\n  \"accounts\": [\n    {\"id\": \"a\",}\n  ]\n}\n");
  try {
    load_scenario(path);
    FAIL() << "expected a ScenarioError";
  } catch (const ScenarioError& e) {
    ASSERT_EQ(e.problems().size(), 1u);
    const std::string& msg = e.problems()[0];
    EXPECT_EQ(msg.rfind(path + ": invalid JSON: ", 0), 0u) << msg;
    EXPECT_NE(msg.find("parse error"), std::string::npos) << msg;
    EXPECT_NE(msg.find("line 3"), std::string::npos) << msg;
  }
}

TEST_F(ScenarioFiles, MissingFile) {
  const std::string path = file("does_not_exist.json");
  try {
    load_scenario(path);
    FAIL() << "expected a ScenarioError";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.problems(), std::vector<std::string>{path + ": cannot open file"});
    EXPECT_STREQ(e.what(), (path + ": cannot open file").c_str());
  }
}

TEST_F(ScenarioFiles, SaveRefusesInvalidScenario) {
  Scenario s = rich_scenario();
  s.accounts[0].wallet = std::numeric_limits<double>::quiet_NaN();
  const std::string path = file("nan.json");
  EXPECT_THROW(save_scenario(s, path), ScenarioError);
  EXPECT_FALSE(std::filesystem::exists(path));
}

// ---------------------------------------------------------------------------

void expect_invalid(const Scenario& s, const std::string& line) {
  try {
    validate(s);
    ADD_FAILURE() << "expected a ScenarioError: " << line;
  } catch (const ScenarioError& e) {
    EXPECT_PROBLEM(e.problems(), line);
  }
}

TEST(ScenarioValidate, CodeBuiltScenarios) {
  EXPECT_NO_THROW(validate(rich_scenario()));

  Scenario s = rich_scenario();
  s.accounts[1].wallet = std::numeric_limits<double>::quiet_NaN();
  expect_invalid(s, "accounts[1].wallet: must be a finite number, got nan");

  s = rich_scenario();
  s.horizon_weeks = 0;
  expect_invalid(s, "horizon_weeks: must be >= 1, got 0");

  s = rich_scenario();
  s.accounts.clear();
  s.policy.reset();
  expect_invalid(s, "accounts: must not be empty");

  s = rich_scenario();
  s.accounts[2].id = "acme";
  expect_invalid(s, "accounts[2].id: duplicate id \"acme\" (also accounts[0])");

  s = rich_scenario();
  s.accounts[1].id = "";
  expect_invalid(s, "accounts[1].id: must not be empty");

  s = rich_scenario();
  s.accounts[0].contacts[1].support = 1.25;
  s.params.macro_persistence = 1.0;
  s.costs.jic_setup_money = -1;
  s.tiering.support_cuts = {0.5, 0.25};
  s.accounts[0].pipeline->at(1).decision_week = -3;
  try {
    validate(s);
    ADD_FAILURE() << "expected a ScenarioError";
  } catch (const ScenarioError& e) {
    const auto& ps = e.problems();
    EXPECT_PROBLEM(ps, "accounts[0].contacts[1].support: must be in [-1, 1], got 1.25");
    EXPECT_PROBLEM(ps, "params.macro_persistence: must be in [0, 1), got 1");
    EXPECT_PROBLEM(ps, "costs.jic_setup_money: must be >= 0, got -1");
    EXPECT_PROBLEM(ps, "tiering.grid.support: cuts must be increasing, got [0.5, 0.25]");
    EXPECT_PROBLEM(ps, "accounts[0].pipeline[1].decision_week: must be >= 0, got -3");
    EXPECT_EQ(ps.size(), 5u) << joined(ps);
  }

  s = rich_scenario();
  s.tiering.a_min_wallet = std::numeric_limits<double>::infinity();
  expect_invalid(s, "tiering.A.min_wallet: must be a finite number, got inf");

  s = rich_scenario();
  s.policy->account_entries["acme"].contact_focus->emplace("nobody", 1.0);
  expect_invalid(s, "policy.accounts.acme.contact_focus.nobody: unknown contact id; valid ids are: ceo, cto, x");

  s = rich_scenario();
  s.policy->default_entry.fields[static_cast<int>(AllocField::jic)] = 0.5;
  expect_invalid(s, "policy.default.jic: must be true or false, got 0.5");

  s = rich_scenario();
  s.policy->account_entries["nobody"] = AllocationEntry{};
  expect_invalid(s, "policy.accounts.nobody: unknown account id; valid ids are: acme, beta, gamma");
}

}  // namespace
}  // namespace cathedral
