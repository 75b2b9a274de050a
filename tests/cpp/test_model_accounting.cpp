// docs/model.md §3.7: spend, hours, executive days and the team cost
// (model/accounting.hpp), every term checked against hand-computed values.
#include <gtest/gtest.h>

#include <initializer_list>
#include <utility>

#include "cathedral/model/accounting.hpp"
#include "cathedral/params.hpp"
#include "cathedral/scenario.hpp"

namespace cathedral {
namespace {

constexpr double kTol = 1e-12;

// ------------------------------------------------------------- §3.7 ------

Costs distinct_costs() {
  Costs c;
  c.social_money_per_hour = 0.3;
  c.visit_hours = 2.5;
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
  c.jic_money_per_year = 312;
  c.jic_hours_per_week = 4;
  return c;
}

// The week from the allocation: the epoch's fixed part, then the week's events.
accounting::Week account_week(const Costs& c, const double* alloc, double n_bm, double n_ev, bool centre_runs,
                              bool centre_opens, bool agreement_signed) {
  return accounting::week(c, accounting::epoch_costs(c, alloc, centre_runs), n_bm, n_ev, centre_opens ? 1.0 : 0.0,
                          agreement_signed ? 1.0 : 0.0);
}

TEST(Accounting, EveryTermOfSpendHoursAndExecDays) {
  const Costs c = distinct_costs();
  double alloc[kNumAllocFields] = {};
  using F = AllocField;
  for (auto [f, v] : std::initializer_list<std::pair<F, double>>{
           {F::social_hours, 3}, {F::value_hours, 5}, {F::visits, 4}, {F::service_hours, 2},
           {F::benchmarking, 9}, {F::exec_visits, 7}, {F::pursue_agreement, 1}, {F::jic, 1}})
    alloc[static_cast<int>(f)] = v;
  // Plain week, nothing else: spend = 3·.3 + 4·.07 + 2·.11 = 1.4
  auto w = account_week(c, alloc, 0, 0, false, false, false);
  EXPECT_NEAR(w.spend, 0.9 + 0.28 + 0.22, kTol);
  // hours = 3 + 5 + 2 + 4·2.5 = 20
  EXPECT_NEAR(w.hours, 20.0, kTol);
  EXPECT_NEAR(w.exec_days, 0.0, kTol);

  // + 2 benchmarking meetings, 1 executive visit
  w = account_week(c, alloc, 2, 1, false, false, false);
  EXPECT_NEAR(w.spend, 1.4 + 2 * 5 + 20, kTol);
  EXPECT_NEAR(w.hours, 20.0 + 2 * 16 + 8, kTol);
  EXPECT_NEAR(w.exec_days, 2 * 1.5 + 2.25, kTol);

  // + a running centre: 312/52 = 6 money, 4 hours
  w = account_week(c, alloc, 0, 0, true, false, false);
  EXPECT_NEAR(w.spend, 1.4 + 6.0, kTol);
  EXPECT_NEAR(w.hours, 24.0, kTol);
  EXPECT_NEAR(w.exec_days, 0.0, kTol);

  // + its opening week: setup 500
  w = account_week(c, alloc, 0, 0, true, true, false);
  EXPECT_NEAR(w.spend, 1.4 + 6.0 + 500.0, kTol);
  EXPECT_NEAR(w.hours, 24.0, kTol);

  // + an agreement signed: 10 money, 40 hours, 3 exec days
  w = account_week(c, alloc, 0, 0, false, false, true);
  EXPECT_NEAR(w.spend, 1.4 + 10.0, kTol);
  EXPECT_NEAR(w.hours, 20.0 + 40.0, kTol);
  EXPECT_NEAR(w.exec_days, 3.0, kTol);

  // everything at once
  w = account_week(c, alloc, 1, 2, true, true, true);
  EXPECT_NEAR(w.spend, 1.4 + 5 + 40 + 6 + 500 + 10, kTol);
  EXPECT_NEAR(w.hours, 20.0 + 16 + 16 + 4 + 40, kTol);
  EXPECT_NEAR(w.exec_days, 1.5 + 4.5 + 3, kTol);
}

TEST(Accounting, ValueHoursCostHoursOnly) {
  const Costs c = distinct_costs();
  double alloc[kNumAllocFields] = {};
  alloc[static_cast<int>(AllocField::value_hours)] = 7;
  const auto w = account_week(c, alloc, 0, 0, false, false, false);
  EXPECT_EQ(w.spend, 0.0);
  EXPECT_NEAR(w.hours, 7.0, kTol);
}

TEST(Accounting, TeamCost) {
  Resources r;
  r.account_managers = 3;
  r.am_cost_per_year = 156;
  EXPECT_NEAR(accounting::team_cost_per_week(r), 9.0, kTol);  // 3·156/52
}

TEST(Accounting, ContributionAndCashFlowPerAccount) {
  // per account the team cost is not charged: contribution = gp − spend, cash flow = collected − spend
  EXPECT_EQ(accounting::contribution(12.5, 4.0), 8.5);
  EXPECT_EQ(accounting::contribution(0.0, 3.0), -3.0);
  EXPECT_EQ(accounting::cash_flow(7.0, 4.0), 3.0);
  EXPECT_EQ(accounting::cash_flow(0.0, 0.0), 0.0);
}

}  // namespace
}  // namespace cathedral
