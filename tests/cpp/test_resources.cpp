// Fitting an allocation to the resources (docs/model.md §4).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cathedral/resources.hpp"
#include "scenario_fixtures.hpp"

namespace cathedral {
namespace {

using fixtures::json;
constexpr double kTol = 1e-12;

// Capacity: 2 AMs × 30 h = 60 AM hours/week, 20 executive days/year, 1000 money/year.
// Costs chosen so that each term is easy to follow:
//   hours/week: social + value + service + 2·visits + 13·bm/52 + 26·ev/52
//   exec days/year: 1·bm + 2·ev
//   money/year: 52 (1·social + .5·visits + .25·service) + 5·bm + 20·ev
//   centre: 4 h/week, 300/year, 500 setup
Model two_accounts(double budget = 1000.0) {
  json j = json::parse(R"({
    "horizon_weeks": 52,
    "accounts": [{"id": "a", "wallet": 100}, {"id": "b", "wallet": 200}],
    "resources": {"account_managers": 2, "am_hours_per_week": 30,
                  "executive_days_per_year": 20, "budget_per_year": 1000},
    "costs": {"social_money_per_hour": 1, "visit_hours": 2, "visit_money": 0.5,
              "service_money_per_hour": 0.25,
              "benchmarking_exec_days": 1, "benchmarking_hours": 13, "benchmarking_money": 5,
              "exec_visit_exec_days": 2, "exec_visit_hours": 26, "exec_visit_money": 20,
              "jic_setup_money": 500, "jic_money_per_year": 300, "jic_hours_per_week": 4}
  })");
  j["resources"]["budget_per_year"] = budget;
  return Model::build(scenario_from_json(j));
}

// The two accounts' allocations, field by field (unset: 0).
constexpr AllocField social = AllocField::social_hours, value = AllocField::value_hours, visits = AllocField::visits,
                     service = AllocField::service_hours, bm = AllocField::benchmarking, ev = AllocField::exec_visits,
                     pursue = AllocField::pursue_agreement, jic = AllocField::jic;
using Row = std::vector<std::pair<AllocField, double>>;
std::vector<double> alloc(const Row& a, const Row& b) {
  std::vector<double> x(2 * kNumAllocFields, 0.0);
  for (const auto& [f, v] : a) x[static_cast<int>(f)] = v;
  for (const auto& [f, v] : b) x[kNumAllocFields + static_cast<int>(f)] = v;
  return x;
}
int at(int account, AllocField f) { return account * kNumAllocFields + static_cast<int>(f); }

const std::vector<std::uint8_t> kNoCentres{0, 0};

TEST(ResourceFit, CapacityIsRates) {
  const Model m = two_accounts();
  const ResourceUse c = capacity(m);
  EXPECT_EQ(c.am_hours, 60.0);
  EXPECT_EQ(c.executive_days, 20.0);
  EXPECT_EQ(c.budget, 1000.0);
}

TEST(ResourceFit, NoScalingWhenItFits) {
  const Model m = two_accounts();
  auto x = alloc({{social, 2}, {value, 3}, {visits, 1}, {service, 4}, {bm, 2}, {ev, 1}, {pursue, 1}},
                 {{social, 1}, {visits, 2}, {bm, 4}, {ev, 2}});
  const auto before = x;
  const ResourceFit f = fit_to_resources(m, x, kNoCentres, true, 0);
  EXPECT_EQ(f.scale, 1.0);
  EXPECT_EQ(f.binding, Resource::none);
  EXPECT_FALSE(f.infeasible);
  EXPECT_EQ(x, before);
  // hours: a: 2+3+4 + 2·1 + 13·2/52 + 26·1/52 = 11 + .5 + .5 = 12;  b: 1 + 2·2 + 13·4/52 + 26·2/52 = 5 + 1 + 1 = 7
  EXPECT_NEAR(f.plan.am_hours, 19.0, kTol);
  // exec days: a: 2 + 2·1 = 4;  b: 4 + 2·2 = 8
  EXPECT_NEAR(f.plan.executive_days, 12.0, kTol);
  // money: a: 52 (2 + .5 + 1) + 10 + 20 = 212;  b: 52 (1 + 1) + 20 + 40 = 164
  EXPECT_NEAR(f.plan.budget, 376.0, kTol);
  EXPECT_EQ(f.commitments.am_hours, 0.0);
  EXPECT_EQ(f.commitments.budget, 0.0);
}

TEST(ResourceFit, HoursBindingScalesByLeftOverNeed) {
  // hours: a: 20 + 10 + 2·5 = 40;  b: 20 + 2·10 = 40;  80 in all > 60
  auto x = alloc({{social, 20}, {value, 10}, {visits, 5}, {pursue, 1}}, {{value, 20}, {visits, 10}});
  const auto before = x;
  // money would be 52 (20 + 2.5) + 52·5 = 1430 > 1000: make money ample for this test
  const Model big = two_accounts(1e9);
  const ResourceFit f = fit_to_resources(big, x, kNoCentres, true, 0);
  EXPECT_NEAR(f.plan.am_hours, 80.0, kTol);
  EXPECT_NEAR(f.scale, 60.0 / 80.0, kTol);  // f = left / need
  EXPECT_EQ(f.binding, Resource::am_hours);
  EXPECT_FALSE(f.infeasible);
  for (int a = 0; a < 2; ++a)
    for (const Activity& f : kActivities) {
      const int i = at(a, f.field);
      if (f.kind == ActivityKind::rate) {
        EXPECT_NEAR(x[i], 0.75 * before[i], kTol) << f.name;
      } else {  // flags untouched
        EXPECT_EQ(x[i], before[i]) << f.name;
      }
    }
}

TEST(ResourceFit, ExecDaysBinding) {
  const Model m = two_accounts();
  // exec days: a: 6 + 2·4 = 14;  b: 4 + 2·6 = 16: 30 > 20
  // hours: 13·10/52 + 26·10/52 = 2.5 + 5 = 7.5;  money: 5·10 + 20·10 = 250
  auto x = alloc({{bm, 6}, {ev, 4}}, {{bm, 4}, {ev, 6}});
  const ResourceFit f = fit_to_resources(m, x, kNoCentres, true, 0);
  EXPECT_NEAR(f.plan.executive_days, 30.0, kTol);
  EXPECT_NEAR(f.plan.am_hours, 7.5, kTol);
  EXPECT_NEAR(f.plan.budget, 250.0, kTol);
  EXPECT_NEAR(f.scale, 20.0 / 30.0, kTol);
  EXPECT_EQ(f.binding, Resource::executive_days);
  EXPECT_NEAR(x[at(0, bm)], 4.0, kTol);
  EXPECT_NEAR(x[at(1, ev)], 4.0, kTol);
}

TEST(ResourceFit, BudgetBinding) {
  const Model m = two_accounts();
  // money: a: 52·(10·1) = 520;  b: 52·(20·.5 + 8·.25) = 52·12 = 624: 1144 > 1000
  // hours: 10 + 8 + 2·20 = 58 ≤ 60
  auto x = alloc({{social, 10}}, {{visits, 20}, {service, 8}});
  const ResourceFit f = fit_to_resources(m, x, kNoCentres, true, 0);
  EXPECT_NEAR(f.plan.budget, 1144.0, kTol);
  EXPECT_NEAR(f.plan.am_hours, 58.0, kTol);
  EXPECT_NEAR(f.scale, 1000.0 / 1144.0, kTol);
  EXPECT_EQ(f.binding, Resource::budget);
  EXPECT_NEAR(x[at(0, social)], 10.0 * 1000.0 / 1144.0, kTol);
}

TEST(ResourceFit, SmallestFactorWins) {
  const Model m = two_accounts(1e9);
  // hours: a 60 + 26·10/52 = 65, b 26·10/52 = 5: 70 → f = 60/70
  // exec days: 2·10 + 2·10 = 40 → f = 1/2 (the smallest)
  auto x = alloc({{social, 60}, {ev, 10}}, {{ev, 10}});
  const ResourceFit f = fit_to_resources(m, x, kNoCentres, false, 0);
  EXPECT_NEAR(f.plan.am_hours, 70.0, kTol);
  EXPECT_NEAR(f.plan.executive_days, 40.0, kTol);
  EXPECT_NEAR(f.scale, 0.5, kTol);
  EXPECT_EQ(f.binding, Resource::executive_days);
  EXPECT_NEAR(x[at(0, social)], 30.0, kTol);
  // and the other way round: hours smallest
  auto y = alloc({{social, 100}, {value, 20}, {ev, 1}}, {{ev, 5}});
  // hours 120 + 26·6/52 = 123 → f = 60/123; exec days 12 fits
  const ResourceFit g = fit_to_resources(m, y, kNoCentres, false, 0);
  EXPECT_NEAR(g.scale, 60.0 / 123.0, kTol);
  EXPECT_EQ(g.binding, Resource::am_hours);
}

TEST(ResourceFit, CentresAreCommitmentsWithSetupOnlyWhenOpening) {
  const Model m = two_accounts();
  // a runs a centre (outside the plan); b: social 5 → plan money 52·5 = 260
  auto plan = alloc({{jic, 1}}, {{social, 5}});
  // Opening: commitments 300 + 500 = 800 money, 4 hours: left 200 money → f = 200/260
  {
    auto x = plan;
    const ResourceFit f = fit_to_resources(m, x, std::vector<std::uint8_t>{0, 0}, true, 0);
    EXPECT_NEAR(f.commitments.budget, 800.0, kTol);
    EXPECT_NEAR(f.commitments.am_hours, 4.0, kTol);
    EXPECT_EQ(f.commitments.executive_days, 0.0);
    EXPECT_NEAR(f.plan.budget, 260.0, kTol);
    EXPECT_NEAR(f.scale, 200.0 / 260.0, kTol);
    EXPECT_EQ(f.binding, Resource::budget);
    EXPECT_EQ(x[at(0, jic)], 1.0);  // the centre still runs
  }
  // Already running: commitments 300 only, left 700 ≥ 260: no scaling
  {
    auto x = plan;
    const ResourceFit f = fit_to_resources(m, x, std::vector<std::uint8_t>{1, 0}, true, 0);
    EXPECT_NEAR(f.commitments.budget, 300.0, kTol);
    EXPECT_EQ(f.scale, 1.0);
    EXPECT_EQ(f.binding, Resource::none);
    EXPECT_EQ(x, plan);
  }
  // A centre that ran but is dropped costs nothing
  {
    auto x = alloc({}, {{social, 5}});
    const ResourceFit f = fit_to_resources(m, x, std::vector<std::uint8_t>{1, 1}, true, 0);
    EXPECT_EQ(f.commitments.budget, 0.0);
    EXPECT_EQ(f.scale, 1.0);
  }
  // Hours: commitments leave 60 − 4 = 56; plan 58 hours → f = 56/58
  {
    const Model big = two_accounts(1e9);
    auto x = alloc({{social, 58}, {jic, 1}}, {});
    const ResourceFit f = fit_to_resources(big, x, std::vector<std::uint8_t>{1, 0}, true, 0);
    EXPECT_NEAR(f.scale, 56.0 / 58.0, kTol);
    EXPECT_EQ(f.binding, Resource::am_hours);
  }
}

TEST(ResourceFit, InfeasibleCommitments) {
  const Model m = two_accounts();
  // two centres opening: 2·(300 + 500) = 1600 > 1000
  auto x = alloc({{social, 1}, {value, 1}, {visits, 1}, {service, 1}, {bm, 1}, {ev, 1}, {pursue, 1}, {jic, 1}},
                 {{social, 2}, {value, 2}, {visits, 2}, {service, 2}, {bm, 2}, {ev, 2}, {jic, 1}});
  const ResourceFit f = fit_to_resources(m, x, kNoCentres, false, 3);
  EXPECT_TRUE(f.infeasible);
  EXPECT_EQ(f.infeasible_resource, Resource::budget);
  EXPECT_EQ(f.scale, 0.0);
  EXPECT_EQ(f.binding, Resource::budget);
  EXPECT_NEAR(f.commitments.budget, 1600.0, kTol);
  for (int a = 0; a < 2; ++a)
    for (const Activity& f : kActivities)
      if (f.kind == ActivityKind::rate) {
        EXPECT_EQ(x[at(a, f.field)], 0.0) << f.name;
      }
  EXPECT_EQ(x[at(0, pursue)], 1.0);  // the flags stay
  for (int a = 0; a < 2; ++a) EXPECT_EQ(x[at(a, jic)], 1.0);  // the centres still run
}

TEST(ResourceFit, StrictModeThrowsNamingTheResource) {
  const Model m = two_accounts();
  auto x = alloc({{jic, 1}}, {{jic, 1}});
  try {
    fit_to_resources(m, x, kNoCentres, true, 0);
    FAIL() << "expected InfeasibleAllocation";
  } catch (const InfeasibleAllocation& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("budget"), std::string::npos) << msg;
    EXPECT_NE(msg.find("1600"), std::string::npos) << msg;  // what the centres need
    EXPECT_NE(msg.find("1000"), std::string::npos) << msg;  // what is available
  }
  // hours: centres of 40 h/week each, 80 > 60
  json j = json::parse(R"({
    "accounts": [{"id": "a", "wallet": 100}, {"id": "b", "wallet": 200}],
    "resources": {"account_managers": 2, "executive_days_per_year": 20, "budget_per_year": 1e9},
    "costs": {"jic_hours_per_week": 40}
  })");
  const Model h = Model::build(scenario_from_json(j));
  auto y = x;
  try {
    fit_to_resources(h, y, kNoCentres, true, 0);
    FAIL() << "expected InfeasibleAllocation";
  } catch (const InfeasibleAllocation& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("am_hours"), std::string::npos) << msg;
    EXPECT_NE(msg.find("80"), std::string::npos) << msg;
    EXPECT_NE(msg.find("60"), std::string::npos) << msg;
  }
  // non-strict: recorded
  const ResourceFit f = fit_to_resources(h, y, kNoCentres, false, 0);
  EXPECT_TRUE(f.infeasible);
  EXPECT_EQ(f.infeasible_resource, Resource::am_hours);
}

TEST(ResourceFit, ZeroLeftScalesToZero) {
  // commitments use exactly the budget: feasible, but the rest of the plan gets f = 0
  const Model m = two_accounts(800.0);
  auto x = alloc({{social, 1}, {jic, 1}}, {});
  const ResourceFit f = fit_to_resources(m, x, kNoCentres, true, 0);
  EXPECT_FALSE(f.infeasible);
  EXPECT_EQ(f.scale, 0.0);
  EXPECT_EQ(f.binding, Resource::budget);
  EXPECT_EQ(x[at(0, social)], 0.0);
}

// In a run, each epoch records f and the binding resource, and the fitted
// allocation (allocation_mean) is the scaled plan.
TEST(ResourceFit, RunRecordsScaleAndBinding) {
  json j = json::parse(R"({
    "horizon_weeks": 26, "decision_interval_weeks": 13,
    "accounts": [{"id": "a", "wallet": 100}, {"id": "b", "wallet": 300}],
    "resources": {"account_managers": 1, "am_hours_per_week": 30,
                  "executive_days_per_year": 100, "budget_per_year": 1e9},
    "costs": {"visit_hours": 2},
    "policy": {"type": "static", "default": {"social_hours": 10, "value_hours": 5, "visits": 5}}
  })");
  // hours: per account 10 + 5 + 2·5 = 25, 50 in all > 30: f = 30/50 = .6
  const RunResult r = fixtures::run_json(j, fixtures::options(5, 1));
  ASSERT_EQ(r.scale.size(), 5u * 2u);
  for (double s : r.scale) EXPECT_NEAR(s, 0.6, kTol);
  for (auto b : r.binding) EXPECT_EQ(b, static_cast<std::int8_t>(Resource::am_hours));
  for (auto i : r.infeasible) EXPECT_EQ(i, 0);
  for (int e = 0; e < 2; ++e)
    for (int a = 0; a < 2; ++a) {
      const double* row = r.allocation_mean.data() + (static_cast<std::size_t>(e) * 2 + a) * kNumAllocFields;
      EXPECT_NEAR(row[static_cast<int>(social)], 6.0, kTol);
      EXPECT_NEAR(row[static_cast<int>(value)], 3.0, kTol);
      EXPECT_NEAR(row[static_cast<int>(visits)], 3.0, kTol);
    }
  // the weekly hours actually used are the fitted ones: 30 per week
  for (int t = 0; t < 26; ++t) EXPECT_NEAR(fixtures::pf(r, 0, t, metric::hours), 30.0, 1e-9) << t;
}

// §3.7 / §4: a centre that opens at a later epoch pays its setup in that
// epoch's first week (and the fit counts the setup then); closing and
// reopening pays it again.
TEST(ResourceFit, CentreOpeningMidRunPaysSetupInItsWeek) {
  json j = json::parse(R"({
    "horizon_weeks": 52, "decision_interval_weeks": 13,
    "accounts": [{"id": "x", "wallet": 1000}],
    "resources": {"account_managers": 1, "executive_days_per_year": 10, "budget_per_year": 1000},
    "costs": {"social_money_per_hour": 1},
    "policy": {"type": "schedule", "phases": [
      {"from_week": 0, "policy": {"type": "static", "default": {"social_hours": 10}}},
      {"from_week": 13, "policy": {"type": "static", "default": {"social_hours": 10, "jic": true}}},
      {"from_week": 26, "policy": {"type": "static", "default": {"social_hours": 10}}},
      {"from_week": 39, "policy": {"type": "static", "default": {"social_hours": 10, "jic": true}}}]}
  })");
  RunOptions o = fixtures::options(1, 0, 1, Mode::mean_field);
  o.keep_trajectories = {metric::spend, metric::jic, metric::hours};
  const RunResult r = fixtures::run_json(j, o);
  // plan money 52·10 = 520/year; with an opening centre 1000 − 800 = 200 left → f = 200/520;
  // epochs 0 and 2: no centre, 520 ≤ 1000 → f = 1
  const double f = 200.0 / 520.0;
  EXPECT_EQ(r.scale[0], 1.0);
  EXPECT_NEAR(r.scale[1], f, kTol);
  EXPECT_EQ(r.scale[2], 1.0);
  EXPECT_NEAR(r.scale[3], f, kTol);
  for (int t = 0; t < 52; ++t) {
    const int e = t / 13;
    const bool runs = e == 1 || e == 3;
    const double social = runs ? 10 * f : 10.0;
    const double spend = social * 1.0 + (runs ? 300.0 / 52.0 : 0.0) + ((t == 13 || t == 39) ? 500.0 : 0.0);
    EXPECT_NEAR(fixtures::traj(r, metric::spend, 0, t, 0), spend, 1e-12) << t;
    EXPECT_EQ(fixtures::traj(r, metric::jic, 0, t, 0), runs ? 1.0 : 0.0) << t;
    EXPECT_NEAR(fixtures::traj(r, metric::hours, 0, t, 0), social + (runs ? 4.0 : 0.0), 1e-12) << t;
  }
}

}  // namespace
}  // namespace cathedral
