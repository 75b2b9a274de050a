// The activity table (model/activities.hpp) and what reads it: accounting
// (§3.7) and planned use (§4) in model/accounting.hpp, layer_of, the responses.
#include <gtest/gtest.h>

#include <array>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>

#include "cathedral/model/accounting.hpp"
#include "cathedral/model/activities.hpp"
#include "cathedral/model/broad_layer.hpp"
#include "cathedral/model/key_layer.hpp"
#include "cathedral/model/org_layer.hpp"
#include "cathedral/params.hpp"

namespace cathedral {
namespace {

constexpr double kTol = 1e-12;

std::array<double, kNumAllocFields> allocation(std::initializer_list<std::pair<AllocField, double>> values) {
  std::array<double, kNumAllocFields> x{};
  for (const auto& [f, v] : values) x[static_cast<int>(f)] = v;
  return x;
}

// Every cost different from its default and from the others.
Costs distinct_costs() {
  Costs c;
  c.social_money_per_hour = 0.3;
  c.visit_hours = 2.3;
  c.visit_money = 0.07;
  c.service_money_per_hour = 0.11;
  c.benchmarking_exec_days = 1.5;
  c.benchmarking_hours = 16;
  c.benchmarking_money = 5;
  c.exec_visit_exec_days = 2.25;
  c.exec_visit_hours = 8;
  c.exec_visit_money = 20;
  c.agreement_exec_days = 3;
  c.agreement_hours = 40;
  c.agreement_money = 10;
  c.jic_setup_money = 500;
  c.jic_money_per_year = 311.7;
  c.jic_hours_per_week = 4.1;
  return c;
}

TEST(ActivityTable, EveryFieldHasARowInItsOrder) {
  // docs/model.md §3.0, in the allocation's order
  const std::array<std::string_view, 8> names{"social_hours", "value_hours", "visits",           "service_hours",
                                              "benchmarking", "exec_visits", "pursue_agreement", "jic"};
  const std::array<Layer, 8> layers{Layer::key, Layer::key, Layer::broad, Layer::broad,
                                    Layer::org, Layer::org, Layer::org,   Layer::org};
  const std::array<std::string_view, 8> units{"hours/week",    "hours/week",  "visits/week", "hours/week",
                                              "meetings/year", "visits/year", "bool",        "bool"};
  ASSERT_EQ(kNumAllocFields, 8);
  EXPECT_EQ(kNumRateFields, 6);
  std::set<std::string_view> seen;
  for (int i = 0; i < kNumAllocFields; ++i) {
    const Activity& a = kActivities[i];
    EXPECT_EQ(static_cast<int>(a.field), i);
    EXPECT_EQ(a.name, names[i]);
    EXPECT_STREQ(kAllocFieldNames[i], a.name);
    EXPECT_EQ(&activity(static_cast<AllocField>(i)), &a);
    EXPECT_EQ(a.layer, layers[i]) << a.name;
    EXPECT_EQ(layer_of(a.field), layers[i]) << a.name;
    EXPECT_EQ(a.unit, units[i]) << a.name;
    EXPECT_EQ(a.kind, i < 6 ? ActivityKind::rate : ActivityKind::flag) << a.name;
    EXPECT_TRUE(seen.insert(a.name).second) << a.name;
  }
}

TEST(ActivityTable, UnknownFieldHasNoLayer) {
  EXPECT_THROW(layer_of(static_cast<AllocField>(kNumAllocFields)), std::out_of_range);
  EXPECT_THROW(layer_of(static_cast<AllocField>(-1)), std::out_of_range);
  try {
    layer_of(static_cast<AllocField>(99));
    FAIL();
  } catch (const std::out_of_range& e) {
    EXPECT_NE(std::string(e.what()).find("99"), std::string::npos) << e.what();
  }
}

// Every cost of Costs is charged by exactly one activity; every response
// parameter is one of the activity's layer (§9 groups).
TEST(ActivityTable, EveryCostOnceAndResponseParametersOfTheLayer) {
  std::multiset<std::string_view> charged;
  for (const Activity& a : kActivities) {
    for (const Cost& c : a.costs)
      for (const Amount* m : {&c.money, &c.hours, &c.exec_days})
        if (m->cost) charged.insert(name_of(cost_table(), m->cost));
    for (double Params::*p : {a.response.half, a.response.shape, a.response.jump}) {
      if (!p) continue;
      const std::string_view name = name_of(param_table(), p);
      ASSERT_FALSE(name.empty()) << a.name;
      for (const auto& row : param_table())
        if (row.name == name) {
          EXPECT_EQ(row.group, kLayerNames[static_cast<int>(a.layer)]) << a.name << ": " << name;
        }
    }
  }
  for (const auto& row : cost_table()) EXPECT_EQ(charged.count(row.name), 1u) << row.name;
  EXPECT_EQ(charged.size(), cost_table().size());
}

double amount(const Costs& c, const Amount& a) {
  switch (a.form) {
    case Amount::Form::none: return 0.0;
    case Amount::Form::own: return 1.0;
    case Amount::Form::cost: return c.*a.cost;
    case Amount::Form::cost_per_year: return c.*a.cost / 52.0;
  }
  return -1.0;
}

// The table's costs, read with the §9 defaults, are the §3.7 unit costs.
TEST(ActivityTable, CostsAtTheirDefaults) {
  const Costs c;
  struct Want {
    AllocField field;
    int entry;
    Charge charged;
    double money, hours, exec_days;
  };
  const Want want[] = {
      {AllocField::social_hours, 0, Charge::weekly, 0.3, 1, 0},  // an hour of social_hours is an AM hour
      {AllocField::value_hours, 0, Charge::weekly, 0, 1, 0},
      {AllocField::visits, 0, Charge::weekly, 0.05, 2, 0},
      {AllocField::service_hours, 0, Charge::weekly, 0, 1, 0},
      {AllocField::benchmarking, 0, Charge::per_event, 5, 16, 1},
      {AllocField::exec_visits, 0, Charge::per_event, 20, 8, 2},
      {AllocField::pursue_agreement, 0, Charge::on_signing, 10, 40, 2},
      {AllocField::jic, 0, Charge::weekly, 300.0 / 52.0, 4, 0},
      {AllocField::jic, 1, Charge::on_opening, 500, 0, 0},
  };
  int entries = 0;
  for (const Activity& a : kActivities)
    for (const Cost& k : a.costs) entries += k.charged != Charge::none;
  EXPECT_EQ(entries, static_cast<int>(std::size(want)));
  for (const Want& w : want) {
    const Cost& k = activity(w.field).costs[w.entry];
    const char* name = activity(w.field).name;
    EXPECT_EQ(k.charged, w.charged) << name;
    EXPECT_NEAR(amount(c, k.money), w.money, kTol) << name;
    EXPECT_NEAR(amount(c, k.hours), w.hours, kTol) << name;
    EXPECT_NEAR(amount(c, k.exec_days), w.exec_days, kTol) << name;
  }
}

// The responses take their parameters from the table.
TEST(ActivityTable, ResponsesReadTheirParameters) {
  Params p;
  p.social_half_hours = 1.7;
  p.social_shape = 1.4;
  p.value_half_hours = 2.6;
  p.value_shape = 0.8;
  p.visit_half_per_100_staff = 0.9;
  p.visit_shape = 1.2;
  p.service_half_hours = 3.1;
  p.service_shape = 1.0;
  EXPECT_EQ(key_layer::social_response(p, 2.0), hill(2.0, 1.7, 1.4));
  EXPECT_EQ(key_layer::value_response(p, 2.0), hill(2.0, 2.6, 0.8));
  EXPECT_EQ(broad_layer::visit_response(p, 3.0, 250.0), hill(3.0, 0.9 * 250.0 / 100.0, 1.2));
  EXPECT_EQ(broad_layer::service_response(p, 2.0), hill(2.0, 3.1, 1.0));
  EXPECT_EQ(jump_param<AllocField::benchmarking>(p), p.benchmarking_jump);
  EXPECT_EQ(jump_param<AllocField::exec_visits>(p), p.exec_visit_jump);
  // one benchmarking meeting, F = m = 1, no drift: O' = 1 − (1 − O)(1 − jump)
  p.org_decay = 0.0;
  p.benchmarking_jump = 0.2;
  EXPECT_NEAR(org_layer::step(p, 0.5, 0.0, 0.0, 1.0, 1.0, 1.0, 0.0), 1.0 - 0.5 * 0.8, kTol);
}

// §3.7 by hand, every term, and in the formula's order: these numbers give
// other bits in any other order of the sums.
TEST(ActivityAccounting, EpochAndWeekByHand) {
  const Costs c = distinct_costs();
  const auto x = allocation({{AllocField::social_hours, 2.9},
                             {AllocField::value_hours, 0.7},
                             {AllocField::visits, 0.1},
                             {AllocField::service_hours, 1.3},
                             {AllocField::benchmarking, 9},
                             {AllocField::exec_visits, 7},
                             {AllocField::pursue_agreement, 1},
                             {AllocField::jic, 1}});
  const accounting::EpochCosts e = accounting::epoch_costs(c, x.data());
  const double spend = 2.9 * 0.3 + 0.1 * 0.07 + 1.3 * 0.11 + 1.0 * 311.7 / 52.0;
  const double hours = 2.9 + 0.7 + 1.3 + 0.1 * 2.3 + 1.0 * 4.1;
  ASSERT_NE(spend, 2.9 * 0.3 + 1.3 * 0.11 + 0.1 * 0.07 + 311.7 / 52.0);  // the order matters here
  ASSERT_NE(hours, 2.9 + 0.7 + 0.1 * 2.3 + 1.3 + 4.1);
  EXPECT_EQ(e.spend, spend);
  EXPECT_EQ(e.hours, hours);
  EXPECT_NEAR(e.spend, 0.87 + 0.007 + 0.143 + 5.994230769230769, kTol);
  EXPECT_NEAR(e.hours, 9.23, kTol);

  // without the centre
  auto y = x;
  y[static_cast<int>(AllocField::jic)] = 0;
  const accounting::EpochCosts f = accounting::epoch_costs(c, y.data());
  EXPECT_NEAR(f.spend, 0.87 + 0.007 + 0.143, kTol);
  EXPECT_NEAR(f.hours, 2.9 + 0.7 + 1.3 + 0.23, kTol);
  // the form with J apart says the same
  EXPECT_EQ(accounting::epoch_costs(c, y.data(), true).spend, e.spend);
  EXPECT_EQ(accounting::epoch_costs(c, x.data(), false).hours, f.hours);

  // 2 meetings, 1 visit, the centre opening and an agreement signed
  const accounting::Week w = accounting::week(c, e, 2.0, 1.0, 1.0, 1.0);
  EXPECT_EQ(w.spend, spend + 2.0 * 5 + 1.0 * 20 + 500.0 + 10.0);
  EXPECT_EQ(w.hours, hours + 2.0 * 16 + 1.0 * 8 + 40.0);
  EXPECT_EQ(w.exec_days, 2.0 * 1.5 + 1.0 * 2.25 + 3.0);
  // nothing happening: the fixed part alone
  const accounting::Week quiet = accounting::week(c, e, 0.0, 0.0, 0.0, 0.0);
  EXPECT_EQ(quiet.spend, e.spend);
  EXPECT_EQ(quiet.hours, e.hours);
  EXPECT_EQ(quiet.exec_days, 0.0);
  // mean field's fractional counts b/52
  const accounting::Week mf = accounting::week(c, e, {9.0 / 52.0, 7.0 / 52.0}, 0.0, 0.0);
  EXPECT_NEAR(mf.exec_days, 9.0 / 52.0 * 1.5 + 7.0 / 52.0 * 2.25, kTol);
  EXPECT_NEAR(mf.spend, e.spend + 9.0 / 52.0 * 5 + 7.0 / 52.0 * 20, kTol);
}

// §4 by hand: the plan of the rates, the commitments of the flags.
TEST(ActivityPlannedUse, PlanAndCommitmentsByHand) {
  const Costs c = distinct_costs();
  const auto x = allocation({{AllocField::social_hours, 2.9},
                             {AllocField::value_hours, 0.7},
                             {AllocField::visits, 0.1},
                             {AllocField::service_hours, 1.3},
                             {AllocField::benchmarking, 9},
                             {AllocField::exec_visits, 7},
                             {AllocField::pursue_agreement, 1},
                             {AllocField::jic, 1}});
  const accounting::Use plan = accounting::planned(c, x.data());
  EXPECT_EQ(plan.am_hours, 2.9 + 0.7 + 1.3 + 0.1 * 2.3 + 9.0 / 52.0 * 16 + 7.0 / 52.0 * 8);
  EXPECT_NEAR(plan.am_hours, 5.13 + 144.0 / 52.0 + 56.0 / 52.0, kTol);
  EXPECT_EQ(plan.executive_days, 9.0 * 1.5 + 7.0 * 2.25);
  EXPECT_EQ(plan.budget, 52.0 * (2.9 * 0.3 + 0.1 * 0.07 + 1.3 * 0.11) + 9.0 * 5 + 7.0 * 20);
  EXPECT_NEAR(plan.budget, 52.0 * 1.02 + 45 + 140, 1e-9);

  // the flags plan nothing: the same rates without them plan the same
  auto rates_only = x;
  rates_only[static_cast<int>(AllocField::pursue_agreement)] = 0;
  rates_only[static_cast<int>(AllocField::jic)] = 0;
  const accounting::Use same = accounting::planned(c, rates_only.data());
  EXPECT_EQ(same.am_hours, plan.am_hours);
  EXPECT_EQ(same.executive_days, plan.executive_days);
  EXPECT_EQ(same.budget, plan.budget);

  // a centre opening: hours per week, its money per year and the setup
  const accounting::Use opening = accounting::committed(c, x.data(), false);
  EXPECT_EQ(opening.am_hours, 4.1);
  EXPECT_EQ(opening.budget, 311.7 + 500.0);
  EXPECT_EQ(opening.executive_days + 0.0, 0.0);
  // kept running: no setup
  const accounting::Use running = accounting::committed(c, x.data(), true);
  EXPECT_EQ(running.am_hours, 4.1);
  EXPECT_EQ(running.budget, 311.7);
  // no centre, no commitment (an agreement is charged when signed)
  const accounting::Use none = accounting::committed(c, rates_only.data(), false);
  EXPECT_EQ(none.am_hours + 0.0, 0.0);
  EXPECT_EQ(none.budget + 0.0, 0.0);
  EXPECT_EQ(none.executive_days + 0.0, 0.0);
}

TEST(ActivityPlannedUse, EventFieldsAreTheEventRates) {
  ASSERT_EQ(accounting::kNumEventFields, 2);
  EXPECT_EQ(accounting::kEventFields[0], AllocField::benchmarking);
  EXPECT_EQ(accounting::kEventFields[1], AllocField::exec_visits);
}

}  // namespace
}  // namespace cathedral
