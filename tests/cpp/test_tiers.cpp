// Tiers, the nine-grid and the built-in policies (docs/model.md §5, §6).
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

#include "cathedral/model.hpp"
#include "cathedral/policy.hpp"
#include "cathedral/tiers.hpp"
#include "scenario_fixtures.hpp"

namespace cathedral {
namespace {

using fixtures::json;
constexpr double kTol = 1e-12;

// ------------------------------------------------------------ percentiles --

TEST(Percentile, MatchesNumpyLinear) {
  // numpy.percentile(v, q): position q/100·(n − 1) in the sorted values, linear between neighbours.
  const std::vector<double> v{50, 10, 40, 20, 30};  // sorted: 10 20 30 40 50
  EXPECT_NEAR(percentile_linear(v, 90), 46.0, kTol);   // pos 3.6: 40 + .6·10
  EXPECT_NEAR(percentile_linear(v, 70), 38.0, kTol);   // pos 2.8: 30 + .8·10
  EXPECT_NEAR(percentile_linear(v, 40), 26.0, kTol);   // pos 1.6: 20 + .6·10
  EXPECT_NEAR(percentile_linear(v, 50), 30.0, kTol);   // pos 2
  EXPECT_EQ(percentile_linear(v, 0), 10.0);
  EXPECT_EQ(percentile_linear(v, 100), 50.0);
  const std::vector<double> w{1, 2, 4, 8, 100, 3};      // sorted: 1 2 3 4 8 100
  EXPECT_NEAR(percentile_linear(w, 90), 54.0, kTol);   // pos 4.5: 8 + .5·92
  EXPECT_NEAR(percentile_linear(w, 70), 6.0, kTol);    // pos 3.5: 4 + .5·4
  EXPECT_NEAR(percentile_linear(w, 40), 3.0, kTol);    // pos 2.0
  EXPECT_NEAR(percentile_linear(w, 25), 2.25, kTol);   // pos 1.25: 2 + .25·1
  const std::vector<double> two{3, 7};
  EXPECT_NEAR(percentile_linear(two, 90), 6.6, kTol);  // pos .9: 3 + .9·4
}

TEST(Percentile, EdgeCases) {
  EXPECT_EQ(percentile_linear({42.0}, 90), 42.0);
  EXPECT_EQ(percentile_linear({5, 5, 5}, 37), 5.0);
  EXPECT_THROW(percentile_linear({}, 50), std::invalid_argument);
}

// ------------------------------------------------------------------ tiers --

TierRules rules() { return {100.0, 50.0, 20.0, 0.7, 0.5, 0.35}; }

TEST(Tiers, EdgesAreInclusive) {
  const TierRules r = rules();
  EXPECT_EQ(tier_of(r, 100, 0.7), Tier::S);
  EXPECT_EQ(tier_of(r, 1e6, 1.0), Tier::S);
  EXPECT_EQ(tier_of(r, 100, std::nextafter(0.7, 0.0)), Tier::A);
  EXPECT_EQ(tier_of(r, std::nextafter(100.0, 0.0), 0.9), Tier::A);
  EXPECT_EQ(tier_of(r, 50, 0.5), Tier::A);
  EXPECT_EQ(tier_of(r, 50, std::nextafter(0.5, 0.0)), Tier::B);
  EXPECT_EQ(tier_of(r, std::nextafter(50.0, 0.0), 0.9), Tier::B);
  EXPECT_EQ(tier_of(r, 20, 0.0), Tier::B);
  EXPECT_EQ(tier_of(r, 1000, 0.1), Tier::B);  // big wallet, poor fit: B
  EXPECT_EQ(tier_of(r, std::nextafter(20.0, 0.0), 1.0), Tier::C);
}

TEST(Tiers, CashFlowAndLabels) {
  const TierRules r = rules();
  EXPECT_TRUE(is_cash_flow(r, 0.3499));
  EXPECT_FALSE(is_cash_flow(r, 0.35));
  EXPECT_EQ(tier_label(r, 1000, 0.2), kCashFlowLabel);  // cash flow whatever the wallet
  EXPECT_EQ(tier_label(r, 1000, 0.8), static_cast<int>(Tier::S));
  EXPECT_EQ(tier_label(r, 60, 0.6), static_cast<int>(Tier::A));
  EXPECT_EQ(tier_label(r, 10, 0.35), static_cast<int>(Tier::C));
  EXPECT_STREQ(kTierLabels[kCashFlowLabel], "cash_flow");
}

TEST(NineGrid, CellsAtTheBoundaries) {
  const GridCuts g{{1.0 / 3.0, 2.0 / 3.0}, {-1.0 / 3.0, 1.0 / 3.0}};
  // index = intimacy level · 3 + support level; lower bounds inclusive
  EXPECT_EQ(grid_cell(g, 0.0, -1.0), 0);                         // low/opposed
  EXPECT_EQ(grid_cell(g, std::nextafter(1.0 / 3.0, 0.0), std::nextafter(-1.0 / 3.0, -1.0)), 0);
  EXPECT_EQ(grid_cell(g, 1.0 / 3.0, -1.0 / 3.0), 4);             // medium/neutral
  EXPECT_EQ(grid_cell(g, std::nextafter(2.0 / 3.0, 0.0), std::nextafter(1.0 / 3.0, 0.0)), 4);
  EXPECT_EQ(grid_cell(g, 2.0 / 3.0, 1.0 / 3.0), kTargetCell);    // high/supportive
  EXPECT_EQ(grid_cell(g, 1.0, -0.5), kRiskCell);                 // high/opposed
  EXPECT_EQ(grid_cell(g, 0.1, 0.9), 2);                          // low/supportive
  EXPECT_EQ(grid_cell(g, 0.5, -0.9), 3);                         // medium/opposed
  EXPECT_EQ(grid_cell(g, 0.9, 0.0), 7);                          // high/neutral
  EXPECT_STREQ(kGridCellNames[kTargetCell], "high/supportive");
  EXPECT_STREQ(kGridCellNames[kRiskCell], "high/opposed");
}

// --------------------------------------------------------- Model::build --

json five_accounts() {
  return json::parse(R"({
    "accounts": [
      {"id": "a", "wallet": 400, "fit": 0.9},
      {"id": "b", "wallet": 100, "fit": 0.6},
      {"id": "c", "wallet": 1000, "fit": 0.75},
      {"id": "d", "wallet": 300, "fit": 0.3},
      {"id": "e", "wallet": 200, "fit": 0.55}
    ],
    "resources": {"account_managers": 1, "executive_days_per_year": 10, "budget_per_year": 100}
  })");
}

TEST(Tiers, DefaultThresholdsArePercentilesOfInitialWallets) {
  const Model m = Model::build(scenario_from_json(five_accounts()));
  // sorted wallets 100 200 300 400 1000
  EXPECT_NEAR(m.tier_rules.s_min_wallet, 760.0, kTol);  // pos 3.6: 400 + .6·600
  EXPECT_NEAR(m.tier_rules.a_min_wallet, 380.0, kTol);  // pos 2.8: 300 + .8·100
  EXPECT_NEAR(m.tier_rules.b_min_wallet, 260.0, kTol);  // pos 1.6: 200 + .6·100
  EXPECT_EQ(m.tier_rules.s_min_fit, 0.7);
  EXPECT_EQ(m.tier_rules.a_min_fit, 0.5);
  EXPECT_EQ(m.tier_rules.cashflow_fit, 0.35);
  EXPECT_EQ(m.grid.intimacy[0], 1.0 / 3.0);
  EXPECT_EQ(m.grid.intimacy[1], 2.0 / 3.0);
  EXPECT_EQ(m.grid.support[0], -1.0 / 3.0);
  EXPECT_EQ(m.grid.support[1], 1.0 / 3.0);
  // c: 1000 ≥ 760, .75 ≥ .7 → S;  a: 400 ≥ 380, .9 → A;  d: 300 ≥ 260 → B (and cash flow);
  // e, b → C
  EXPECT_EQ(tier_of(m.tier_rules, m.wallet[2], m.fit[2]), Tier::S);
  EXPECT_EQ(tier_of(m.tier_rules, m.wallet[0], m.fit[0]), Tier::A);
  EXPECT_EQ(tier_of(m.tier_rules, m.wallet[3], m.fit[3]), Tier::B);
  EXPECT_TRUE(is_cash_flow(m.tier_rules, m.fit[3]));
  EXPECT_EQ(tier_of(m.tier_rules, m.wallet[4], m.fit[4]), Tier::C);
  EXPECT_EQ(tier_of(m.tier_rules, m.wallet[1], m.fit[1]), Tier::C);
}

TEST(Tiers, ExplicitThresholdsFromTheTieringBlock) {
  json j = five_accounts();
  j["tiering"] = json::parse(R"({"S": {"min_wallet": 500, "min_fit": 0.8},
                                 "A": {"min_wallet": 250, "min_fit": 0.6},
                                 "B": {"min_wallet": 150},
                                 "grid": {"intimacy": [0.2, 0.8], "support": [-0.5, 0.1]}})");
  j["params"] = {{"cashflow_fit", 0.4}};
  const Model m = Model::build(scenario_from_json(j));
  EXPECT_EQ(m.tier_rules.s_min_wallet, 500.0);
  EXPECT_EQ(m.tier_rules.a_min_wallet, 250.0);
  EXPECT_EQ(m.tier_rules.b_min_wallet, 150.0);
  EXPECT_EQ(m.tier_rules.s_min_fit, 0.8);
  EXPECT_EQ(m.tier_rules.a_min_fit, 0.6);
  EXPECT_EQ(m.tier_rules.cashflow_fit, 0.4);
  EXPECT_EQ(m.grid.intimacy[0], 0.2);
  EXPECT_EQ(m.grid.intimacy[1], 0.8);
  EXPECT_EQ(m.grid.support[0], -0.5);
  EXPECT_EQ(m.grid.support[1], 0.1);
  // partial: only S given, A and B stay percentiles
  json k = five_accounts();
  k["tiering"] = json::parse(R"({"S": {"min_wallet": 900}})");
  const Model n = Model::build(scenario_from_json(k));
  EXPECT_EQ(n.tier_rules.s_min_wallet, 900.0);
  EXPECT_NEAR(n.tier_rules.a_min_wallet, 380.0, kTol);
  EXPECT_NEAR(n.tier_rules.b_min_wallet, 260.0, kTol);
}

TEST(Tiers, RulesForOtherWalletsUseTheScenariosTieringAndParams) {
  // what the bindings (cathedral.tiers) call: the same rule for any portfolio's wallets
  json j = five_accounts();
  j["tiering"] = json::parse(R"({"A": {"min_wallet": 250, "min_fit": 0.6}})");
  j["params"] = {{"cashflow_fit", 0.4}};
  const Scenario s = scenario_from_json(j);
  const TierRules r = tier_rules_for(s.tiering, s.params, {10, 20, 30, 40, 50});
  EXPECT_NEAR(r.s_min_wallet, 46.0, kTol);  // pos 3.6
  EXPECT_EQ(r.a_min_wallet, 250.0);
  EXPECT_NEAR(r.b_min_wallet, 26.0, kTol);  // pos 1.6
  EXPECT_EQ(r.s_min_fit, 0.7);
  EXPECT_EQ(r.a_min_fit, 0.6);
  EXPECT_EQ(r.cashflow_fit, 0.4);
  // the model's rules are these for its initial wallets
  const Model m = Model::build(s);
  const TierRules own = tier_rules_for(s.tiering, s.params, m.wallet);
  EXPECT_EQ(own.s_min_wallet, m.tier_rules.s_min_wallet);
  EXPECT_EQ(own.a_min_wallet, m.tier_rules.a_min_wallet);
  EXPECT_EQ(own.b_min_wallet, m.tier_rules.b_min_wallet);
}

// --------------------------------------------------------------- policies --

std::vector<double> decide_rows(const Policy& p, const Observation& obs) {
  std::vector<double> out(static_cast<std::size_t>(obs.n_replications) * obs.n_accounts * kNumAllocFields, -1.0);
  p.decide(obs, out);
  return out;
}

const double* row_of(const std::vector<double>& out, int n_accounts, int rep, int account) {
  return out.data() + (static_cast<std::size_t>(rep) * n_accounts + account) * kNumAllocFields;
}

TEST(StaticPolicy, TierEntriesUseWeekZeroTiers) {
  json j = five_accounts();
  j["policy"] = json::parse(R"({"type": "static",
    "tiers": {"S": {"visits": 1}, "A": {"visits": 2}, "B": {"visits": 3}, "C": {"visits": 4},
              "cash_flow": {"visits": 9}}})");
  fixtures::Built b = fixtures::build(j);
  Observation obs;
  obs.resize(2, 5);
  // The observation says every account is now S and none is cash flow: a
  // static policy ignores it and keeps the week-0 tiers.
  for (auto& t : obs.tier) t = 0;
  const auto out = decide_rows(*b.policy, obs);
  const double expected_visits[5] = {2, 4, 1, 9, 4};  // a: A, b: C, c: S, d: cash flow, e: C
  for (int r = 0; r < 2; ++r)
    for (int a = 0; a < 5; ++a) {
      const double* row = row_of(out, 5, r, a);
      EXPECT_EQ(row[static_cast<int>(AllocField::visits)], expected_visits[a]) << a;
      EXPECT_EQ(row[static_cast<int>(AllocField::social_hours)], 0.0);  // unset fields: 0
      EXPECT_EQ(row[static_cast<int>(AllocField::jic)], 0.0);
    }
}

TEST(StaticPolicy, PrecedenceDefaultTierCashFlowAccount) {
  json j = json::parse(R"({
    "accounts": [{"id": "x", "wallet": 1000, "fit": 0.2}, {"id": "y", "wallet": 1000, "fit": 0.2},
                 {"id": "z", "wallet": 10, "fit": 0.9}],
    "resources": {"account_managers": 1, "executive_days_per_year": 10, "budget_per_year": 100},
    "tiering": {"S": {"min_wallet": 500, "min_fit": 0.0}},
    "policy": {"type": "static",
      "default": {"social_hours": 1, "value_hours": 1, "visits": 1, "service_hours": 1, "pursue_agreement": true},
      "tiers": {"S": {"value_hours": 2, "visits": 2, "service_hours": 2},
                "C": {"benchmarking": 7},
                "cash_flow": {"visits": 3, "service_hours": 3, "pursue_agreement": false}},
      "accounts": {"x": {"service_hours": 4, "jic": true}}}
  })");
  fixtures::Built b = fixtures::build(j);
  // x and y: wallet 1000 ≥ 500, fit .2 ≥ 0 → S, and cash flow (.2 < .35); z: C (b_min_wallet = 40th pct)
  Observation obs;
  obs.resize(1, 3);
  const auto out = decide_rows(*b.policy, obs);
  using F = AllocField;
  auto i = [](F f) { return static_cast<int>(f); };
  const double* x = row_of(out, 3, 0, 0);
  EXPECT_EQ(x[i(F::social_hours)], 1.0);  // social: default
  EXPECT_EQ(x[i(F::value_hours)], 2.0);  // value: tier S
  EXPECT_EQ(x[i(F::visits)], 3.0);  // visits: cash_flow over S
  EXPECT_EQ(x[i(F::service_hours)], 4.0);  // service: account over all
  EXPECT_EQ(x[i(F::benchmarking)], 0.0);
  EXPECT_EQ(x[i(F::pursue_agreement)], 0.0);  // pursue: cash_flow false over default true
  EXPECT_EQ(x[i(F::jic)], 1.0);  // jic: account
  const double* y = row_of(out, 3, 0, 1);
  EXPECT_EQ(y[i(F::social_hours)], 1.0);
  EXPECT_EQ(y[i(F::value_hours)], 2.0);
  EXPECT_EQ(y[i(F::visits)], 3.0);
  EXPECT_EQ(y[i(F::service_hours)], 3.0);
  EXPECT_EQ(y[i(F::jic)], 0.0);
  const double* z = row_of(out, 3, 0, 2);
  EXPECT_EQ(z[i(F::social_hours)], 1.0);
  EXPECT_EQ(z[i(F::value_hours)], 1.0);
  EXPECT_EQ(z[i(F::visits)], 1.0);
  EXPECT_EQ(z[i(F::service_hours)], 1.0);
  EXPECT_EQ(z[i(F::benchmarking)], 7.0);
  EXPECT_EQ(z[i(F::pursue_agreement)], 1.0);
}

TEST(StaticPolicy, ContactFocusNormalised) {
  json j = json::parse(R"({
    "accounts": [{"id": "x", "wallet": 1000, "contacts": [{"id": "p", "influence": 3}, {"id": "q", "influence": 1}]},
                 {"id": "y", "wallet": 100, "contacts": [{"id": "r", "influence": 0}, {"id": "s", "influence": 0}]},
                 {"id": "z", "wallet": 100, "contacts": [{"id": "t"}, {"id": "u"}]}],
    "resources": {"account_managers": 1, "executive_days_per_year": 10, "budget_per_year": 100},
    "policy": {"type": "static", "accounts": {"z": {"contact_focus": {"t": 0, "u": 2}}}}
  })");
  fixtures::Built b = fixtures::build(j);
  const auto& f = b.policy->contact_focus(0);
  ASSERT_EQ(f.size(), 6u);
  EXPECT_NEAR(f[0], 0.75, kTol);  // influence 3/4
  EXPECT_NEAR(f[1], 0.25, kTol);
  EXPECT_NEAR(f[2], 0.5, kTol);   // all zero: equal shares
  EXPECT_NEAR(f[3], 0.5, kTol);
  EXPECT_NEAR(f[4], 0.0, kTol);   // focus 0 : 2
  EXPECT_NEAR(f[5], 1.0, kTol);
}

json tiered_policy_scenario(bool with_cash_flow) {
  json j = five_accounts();
  j["policy"] = json::parse(R"({"type": "tiered", "templates": {
      "S": {"visits": 1}, "A": {"visits": 2}, "B": {"visits": 3}, "C": {"visits": 4},
      "cash_flow": {"visits": 9}}})");
  if (!with_cash_flow) j["policy"]["templates"].erase("cash_flow");
  return j;
}

TEST(TieredPolicy, PicksTemplateFromTheObservation) {
  fixtures::Built b = fixtures::build(tiered_policy_scenario(true));
  Observation obs;
  obs.resize(2, 5);
  const std::int8_t tiers[2][5] = {{0, 1, 2, 3, 3}, {3, 2, 1, 0, 0}};
  const std::uint8_t cash[2][5] = {{0, 0, 0, 0, 1}, {1, 0, 0, 0, 0}};
  for (int r = 0; r < 2; ++r)
    for (int a = 0; a < 5; ++a) {
      obs.tier[obs.at(r, a)] = tiers[r][a];
      obs.cash_flow[obs.at(r, a)] = cash[r][a];
    }
  const auto out = decide_rows(*b.policy, obs);
  for (int r = 0; r < 2; ++r)
    for (int a = 0; a < 5; ++a)
      EXPECT_EQ(row_of(out, 5, r, a)[2], cash[r][a] ? 9.0 : tiers[r][a] + 1.0) << r << "," << a;

  // without a cash_flow template, cash-flow accounts use their letter tier
  fixtures::Built c = fixtures::build(tiered_policy_scenario(false));
  const auto out2 = decide_rows(*c.policy, obs);
  for (int r = 0; r < 2; ++r)
    for (int a = 0; a < 5; ++a) EXPECT_EQ(row_of(out2, 5, r, a)[2], tiers[r][a] + 1.0);
}

// An account's own entry overrides the template of whatever tier it has, field by field;
// the fields it leaves out follow the tier; other accounts are untouched.
TEST(TieredPolicy, AccountEntryOverridesItsTiersTemplate) {
  json j = tiered_policy_scenario(true);
  j["policy"]["accounts"] = json::parse(R"({"b": {"visits": 7, "social_hours": 2}})");
  fixtures::Built b = fixtures::build(j);
  Observation obs;
  obs.resize(2, 5);
  const std::int8_t tiers[2][5] = {{0, 1, 2, 3, 3}, {3, 2, 1, 0, 0}};
  for (int r = 0; r < 2; ++r)
    for (int a = 0; a < 5; ++a) obs.tier[obs.at(r, a)] = tiers[r][a];
  obs.cash_flow[obs.at(1, 1)] = 1;  // b is a cash-flow customer in replication 1
  const auto out = decide_rows(*b.policy, obs);
  constexpr int kSocial = static_cast<int>(AllocField::social_hours);
  constexpr int kVisits = static_cast<int>(AllocField::visits);
  for (int r = 0; r < 2; ++r)
    for (int a = 0; a < 5; ++a) {
      const auto row = row_of(out, 5, r, a);
      EXPECT_EQ(row[kVisits], a == 1 ? 7.0 : tiers[r][a] + 1.0) << r << "," << a;
      EXPECT_EQ(row[kSocial], a == 1 ? 2.0 : 0.0) << r << "," << a;
    }
  json bad = tiered_policy_scenario(true);
  bad["policy"]["accounts"] = json::parse(R"({"zz": {"visits": 1}})");
  EXPECT_THROW(fixtures::build(bad), ScenarioError);
}

// Re-tiering at every epoch in a run: an account whose fit falls below
// cashflow_fit gets the cash_flow template from the next epoch on.
TEST(TieredPolicy, RetiersAtEveryEpochInARun) {
  json j = json::parse(R"({
    "horizon_weeks": 39, "decision_interval_weeks": 13,
    "accounts": [{"id": "falling", "wallet": 1000, "fit": 0.8, "fit_target": 0.0},
                 {"id": "steady", "wallet": 100, "fit": 0.6}],
    "resources": {"account_managers": 2, "executive_days_per_year": 100, "budget_per_year": 1e6},
    "params": {"fit_reversion": 0.1, "wallet_fit_growth": 0},
    "tiering": {"S": {"min_wallet": 500}, "A": {"min_wallet": 50}, "B": {"min_wallet": 10}},
    "policy": {"type": "tiered", "templates": {
      "S": {"visits": 1}, "A": {"visits": 2}, "B": {"visits": 3}, "C": {"visits": 4},
      "cash_flow": {"visits": 9}}}
  })");
  const RunResult r = fixtures::run_json(j, fixtures::options(1, 0, 1, Mode::mean_field));
  // falling: F_t = .8·.9^(t+1) after week t (mean field: no noise). At the
  // epoch of week 13 the observed fit is F_12 = .8·.9^13 ≈ .203 < .35: cash flow.
  // At week 0 it is .8 ≥ .7 with wallet 1000 ≥ 500: S.
  auto visits = [&](int epoch, int account) {
    return r.allocation_mean[(static_cast<std::size_t>(epoch) * 2 + account) * kNumAllocFields +
                             static_cast<int>(AllocField::visits)];
  };
  EXPECT_EQ(visits(0, 0), 1.0);
  EXPECT_EQ(visits(1, 0), 9.0);
  EXPECT_EQ(visits(2, 0), 9.0);
  // steady: fit .6 stays (target = fit), wallet 100 ≥ 50: A throughout
  for (int e = 0; e < 3; ++e) EXPECT_EQ(visits(e, 1), 2.0);
  // tier shares: epochs × accounts × 5
  EXPECT_EQ(r.tier_share[(0 * 2 + 0) * 5 + 0], 1.0);
  EXPECT_EQ(r.tier_share[(1 * 2 + 0) * 5 + kCashFlowLabel], 1.0);
  EXPECT_EQ(r.tier_share[(2 * 2 + 1) * 5 + 1], 1.0);
  // check the fit path that drives it
  const RunResult k = [&] {
    RunOptions o = fixtures::options(1, 0, 1, Mode::mean_field);
    o.keep_trajectories = {metric::fit};
    return fixtures::run_json(j, o);
  }();
  EXPECT_NEAR(fixtures::traj(k, metric::fit, 0, 12, 0), 0.8 * std::pow(0.9, 13), 1e-12);
}

// A schedule of policies: a phase takes over at the first decision epoch at
// or after its from_week (scenario.hpp).
TEST(SchedulePolicy, PhaseTakesOverAtTheNextEpoch) {
  json j = json::parse(R"({
    "horizon_weeks": 52, "decision_interval_weeks": 13,
    "accounts": [{"id": "x", "wallet": 1000}],
    "resources": {"account_managers": 1, "executive_days_per_year": 10, "budget_per_year": 1e6},
    "policy": {"type": "schedule", "phases": [
      {"from_week": 0, "policy": {"type": "static", "default": {"visits": 1}}},
      {"from_week": 20, "policy": {"type": "static", "default": {"visits": 5}}},
      {"from_week": 39, "policy": {"type": "static", "default": {"visits": 7}}}]}
  })");
  const RunResult r = fixtures::run_json(j, fixtures::options(1, 0, 1, Mode::mean_field));
  const double expected[4] = {1, 1, 5, 7};  // epochs at weeks 0, 13, 26, 39
  for (int e = 0; e < 4; ++e)
    EXPECT_EQ(r.allocation_mean[static_cast<std::size_t>(e) * kNumAllocFields + static_cast<int>(AllocField::visits)],
              expected[e])
        << e;
}

// Layer mixing (policy.hpp): each layer's fields (the activity table's
// layers, checked in test_activities.cpp) from `with` where switched on.
TEST(LayerMixPolicy, TakesWholeLayers) {
  json j = json::parse(R"({
    "accounts": [{"id": "x", "wallet": 1000, "contacts": [{"id": "p"}, {"id": "q"}]}],
    "resources": {"account_managers": 1, "executive_days_per_year": 10, "budget_per_year": 100}
  })");
  // base: rates 1, 2, 3, …, flags off; with: rates 10, 20, 30, …, flags on
  std::array<double, kNumAllocFields> lo{}, hi{};
  json base_entry, with_entry;
  for (const Activity& a : kActivities) {
    const int i = static_cast<int>(a.field);
    const bool rate = a.kind == ActivityKind::rate;
    lo[i] = rate ? i + 1 : 0;
    hi[i] = rate ? 10 * (i + 1) : 1;
    base_entry[a.name] = rate ? json(lo[i]) : json(false);
    with_entry[a.name] = rate ? json(hi[i]) : json(true);
  }
  json k = j;
  j["policy"] = {{"type", "static"}, {"default", base_entry}};
  k["policy"] = {{"type", "static"}, {"default", with_entry}, {"accounts", {{"x", {{"contact_focus", {{"p", 1}, {"q", 0}}}}}}}};
  fixtures::Built base = fixtures::build(j);
  fixtures::Built with = fixtures::build(k);
  Observation obs;
  obs.resize(1, 1);
  for (int mask = 0; mask < 8; ++mask) {
    const std::array<bool, 3> use{(mask & 1) != 0, (mask & 2) != 0, (mask & 4) != 0};
    const LayerMixPolicy mix(base.policy, with.policy, use);
    const auto out = decide_rows(mix, obs);
    for (int f = 0; f < kNumAllocFields; ++f) {
      const int layer = static_cast<int>(layer_of(static_cast<AllocField>(f)));
      EXPECT_EQ(out[f], use[layer] ? hi[f] : lo[f]) << "mask " << mask << " field " << kAllocFieldNames[f];
    }
    EXPECT_EQ(mix.contact_focus(0)[0], use[static_cast<int>(Layer::key)] ? 1.0 : 0.5);
  }
}

}  // namespace
}  // namespace cathedral
