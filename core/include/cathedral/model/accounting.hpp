// Accounting per account and week (docs/model.md §3.7) and an allocation's
// planned use of the resources (§4), both from the activity table
// (activities.hpp): every cost is charged as its row says.
//
// Sum order: a sum over the table adds, charge by charge (weekly, per event,
// on opening, on signing), the activities' own quantities first, then their
// unit costs, each in row order. This is the order in which §3.7 and §4
// write their sums, so the bits are those of the formulas:
//   hours = social + value + service + visits·visit_hours + J·jic_hours_per_week
//           + n_bm·benchmarking_hours + n_ev·exec_visit_hours + agreement_hours
//   spend = social·social_money_per_hour + visits·visit_money + service·service_money_per_hour
//           + J·jic_money_per_year/52 + n_bm·… + n_ev·… + jic_setup_money + agreement_money
#pragma once

#include <array>
#include <type_traits>
#include <utility>

#include "cathedral/model/activities.hpp"
#include "cathedral/params.hpp"
#include "cathedral/scenario.hpp"

namespace cathedral::accounting {

namespace detail {

template <int I, int J>
inline constexpr Cost kCost = kActivities[I].costs[J];

enum class Rows { all, rates, flags };
constexpr bool takes(Rows rows, ActivityKind k) {
  return rows == Rows::all || (rows == Rows::rates) == (k == ActivityKind::rate);
}

// Calls f(row, cost) (integral constants) for every cost charged `kCharged`
// that has an amount of `kMeasure`, of the rows `kRows`: own quantities
// first, then the unit costs, each in row order.
template <Charge kCharged, Amount Cost::*kMeasure, Rows kRows, class F>
inline void for_each_term(F&& f) {
  auto pass = [&](auto own_pass) {
    for_each_activity([&](auto row) {
      constexpr int I = decltype(row)::value;
      [&]<int... J>(std::integer_sequence<int, J...>) {
        (
            [&] {
              constexpr Cost c = kCost<I, J>;
              constexpr Amount m = c.*kMeasure;
              if constexpr (c.charged == kCharged && m.form != Amount::Form::none &&
                            (m.form == Amount::Form::own) == decltype(own_pass)::value &&
                            takes(kRows, kActivities[I].kind))
                f(std::integral_constant<int, I>{}, std::integral_constant<int, J>{});
            }(),
            ...);
      }(std::make_integer_sequence<int, static_cast<int>(kActivities[I].costs.size())>{});
    });
  };
  pass(std::true_type{});
  pass(std::false_type{});
}

// A cost's amount per unit (an event, an opening, a signing, a week of a
// set flag): the unit cost, or a cost per year of running /52.
template <int I, int J, Amount Cost::*kMeasure>
inline double unit_cost(const Costs& c) {
  constexpr Amount m = kCost<I, J>.*kMeasure;
  static_assert(m.form == Amount::Form::cost || m.form == Amount::Form::cost_per_year);
  if constexpr (m.form == Amount::Form::cost) return c.*m.cost;
  else return c.*m.cost / 52.0;
}

// A weekly charge of row I for the week: a rate times its unit amount, or a
// set flag's amount.
template <int I, int J, Amount Cost::*kMeasure>
inline double weekly_term(const Costs& c, const double* alloc) {
  constexpr Amount m = kCost<I, J>.*kMeasure;
  const double x = alloc[I];
  if constexpr (kActivities[I].kind == ActivityKind::flag) {
    if constexpr (m.form == Amount::Form::cost) return x != 0.0 ? c.*m.cost : 0.0;
    else return x != 0.0 ? c.*m.cost / 52.0 : 0.0;
  } else if constexpr (m.form == Amount::Form::own) {
    return x;
  } else if constexpr (m.form == Amount::Form::cost) {
    return x * c.*m.cost;
  } else {
    return x * c.*m.cost / 52.0;
  }
}

template <Charge kCharged>
inline constexpr int kCountCharged = [] {
  int n = 0;
  for (const Activity& a : kActivities)
    for (const Cost& c : a.costs) n += c.charged == kCharged;
  return n;
}();

}  // namespace detail

// The activities charged per event, in row order: their event counts are
// what week() takes.
inline constexpr int kNumEventFields = detail::kCountCharged<Charge::per_event>;
inline constexpr std::array<AllocField, kNumEventFields> kEventFields = [] {
  std::array<AllocField, kNumEventFields> f{};
  int n = 0;
  for (const Activity& a : kActivities)
    for (const Cost& c : a.costs)
      if (c.charged == Charge::per_event) f[n++] = a.field;
  return f;
}();
// One flag opens (a centre) and one signs (an agreement): week() takes one
// of each.
static_assert(detail::kCountCharged<Charge::on_opening> == 1 && detail::kCountCharged<Charge::on_signing> == 1);

struct EpochCosts {
  double spend, hours;
};

// The part of a week's spend and hours fixed for a decision epoch: the weekly
// charges (effort hours, visits, service, a running centre J). `alloc` is the
// account's fitted allocation (kNumAllocFields values).
inline EpochCosts epoch_costs(const Costs& c, const double* alloc) {
  EpochCosts e{-0.0, -0.0};  // -0.0 + t is t: a sum starts with its first term
  detail::for_each_term<Charge::weekly, &Cost::money, detail::Rows::all>([&](auto i, auto j) {
    e.spend += detail::weekly_term<decltype(i)::value, decltype(j)::value, &Cost::money>(c, alloc);
  });
  detail::for_each_term<Charge::weekly, &Cost::hours, detail::Rows::all>([&](auto i, auto j) {
    e.hours += detail::weekly_term<decltype(i)::value, decltype(j)::value, &Cost::hours>(c, alloc);
  });
  return e;
}

// The same with the centre's flag J given apart (it replaces the
// allocation's jic).
inline EpochCosts epoch_costs(const Costs& c, const double* alloc, bool centre_runs) {
  std::array<double, kNumAllocFields> x;
  for (int f = 0; f < kNumAllocFields; ++f) x[f] = alloc[f];
  x[static_cast<int>(AllocField::jic)] = centre_runs ? 1.0 : 0.0;
  return epoch_costs(c, x.data());
}

struct Week {
  double spend, hours, exec_days;
};

// The week: the epoch's fixed part plus the events held (per kEventFields), a
// centre opening and an agreement signed (1 or 0: one-off costs). Branch-free
// (the engine's vector loop).
inline Week week(const Costs& c, EpochCosts fixed, const std::array<double, kNumEventFields>& events,
                 double centre_opens, double agreement_signed) {
  Week w{fixed.spend, fixed.hours, -0.0};
  auto add = [&]<Amount Cost::*kMeasure>(double& sum) {
    detail::for_each_term<Charge::per_event, kMeasure, detail::Rows::all>([&](auto i, auto j) {
      constexpr int I = decltype(i)::value;
      constexpr int k = [] {
        for (int e = 0; e < kNumEventFields; ++e)
          if (static_cast<int>(kEventFields[e]) == I) return e;
        return -1;
      }();
      sum += events[k] * detail::unit_cost<I, decltype(j)::value, kMeasure>(c);
    });
    detail::for_each_term<Charge::on_opening, kMeasure, detail::Rows::all>([&](auto i, auto j) {
      sum += centre_opens != 0.0 ? detail::unit_cost<decltype(i)::value, decltype(j)::value, kMeasure>(c) : 0.0;
    });
    detail::for_each_term<Charge::on_signing, kMeasure, detail::Rows::all>([&](auto i, auto j) {
      sum += agreement_signed != 0.0 ? detail::unit_cost<decltype(i)::value, decltype(j)::value, kMeasure>(c) : 0.0;
    });
  };
  add.template operator()<&Cost::money>(w.spend);
  add.template operator()<&Cost::hours>(w.hours);
  add.template operator()<&Cost::exec_days>(w.exec_days);
  return w;
}

// The same with the benchmarking meetings and executive visits held.
inline Week week(const Costs& c, EpochCosts fixed, double n_bm, double n_ev, double centre_opens,
                 double agreement_signed) {
  static_assert(kNumEventFields == 2 && kEventFields[0] == AllocField::benchmarking &&
                kEventFields[1] == AllocField::exec_visits);
  return week(c, fixed, {n_bm, n_ev}, centre_opens, agreement_signed);
}

// Planned use of the resources as rates (§4): AM hours per week, executive
// days per year, money per year.
struct Use {
  double am_hours, executive_days, budget;
};

// The plan of one account's allocation (before fitting): its rates' weekly
// costs (hours per week, ×52 per year) and event costs (at the yearly rate;
// hours per week at rate/52). Flags are not in the plan.
inline Use planned(const Costs& c, const double* alloc) {
  Use u{-0.0, -0.0, -0.0};
  double weekly_money = -0.0, weekly_exec_days = -0.0;
  detail::for_each_term<Charge::weekly, &Cost::hours, detail::Rows::rates>([&](auto i, auto j) {
    u.am_hours += detail::weekly_term<decltype(i)::value, decltype(j)::value, &Cost::hours>(c, alloc);
  });
  detail::for_each_term<Charge::weekly, &Cost::money, detail::Rows::rates>([&](auto i, auto j) {
    weekly_money += detail::weekly_term<decltype(i)::value, decltype(j)::value, &Cost::money>(c, alloc);
  });
  detail::for_each_term<Charge::weekly, &Cost::exec_days, detail::Rows::rates>([&](auto i, auto j) {
    weekly_exec_days += detail::weekly_term<decltype(i)::value, decltype(j)::value, &Cost::exec_days>(c, alloc);
  });
  u.budget = 52.0 * weekly_money;
  u.executive_days = 52.0 * weekly_exec_days;
  detail::for_each_term<Charge::per_event, &Cost::hours, detail::Rows::rates>([&](auto i, auto j) {
    constexpr int I = decltype(i)::value;
    u.am_hours += alloc[I] / 52.0 * detail::unit_cost<I, decltype(j)::value, &Cost::hours>(c);
  });
  detail::for_each_term<Charge::per_event, &Cost::exec_days, detail::Rows::rates>([&](auto i, auto j) {
    constexpr int I = decltype(i)::value;
    u.executive_days += alloc[I] * detail::unit_cost<I, decltype(j)::value, &Cost::exec_days>(c);
  });
  detail::for_each_term<Charge::per_event, &Cost::money, detail::Rows::rates>([&](auto i, auto j) {
    constexpr int I = decltype(i)::value;
    u.budget += alloc[I] * detail::unit_cost<I, decltype(j)::value, &Cost::money>(c);
  });
  return u;
}

// What one account's set flags commit (§4: taken before the plan): their
// weekly costs while set (hours per week; money per year) and, for a flag
// that did not run in the epoch before (`ran_before`), its opening cost.
// Agreements are charged when signed and commit nothing.
inline Use committed(const Costs& c, const double* alloc, bool ran_before) {
  Use u{-0.0, -0.0, -0.0};
  auto per_year = [&](auto i, auto j, auto measure) {
    constexpr int I = decltype(i)::value, J = decltype(j)::value;
    constexpr Amount m = detail::kCost<I, J>.*decltype(measure)::value;
    if constexpr (m.form == Amount::Form::cost_per_year) return c.*m.cost;
    else return 52.0 * c.*m.cost;
  };
  using Money = std::integral_constant<Amount Cost::*, &Cost::money>;
  using ExecDays = std::integral_constant<Amount Cost::*, &Cost::exec_days>;
  detail::for_each_term<Charge::weekly, &Cost::hours, detail::Rows::flags>([&](auto i, auto j) {
    constexpr int I = decltype(i)::value;
    if (alloc[I] != 0.0) u.am_hours += detail::unit_cost<I, decltype(j)::value, &Cost::hours>(c);
  });
  detail::for_each_term<Charge::weekly, &Cost::exec_days, detail::Rows::flags>([&](auto i, auto j) {
    if (alloc[decltype(i)::value] != 0.0) u.executive_days += per_year(i, j, ExecDays{});
  });
  detail::for_each_term<Charge::weekly, &Cost::money, detail::Rows::flags>([&](auto i, auto j) {
    if (alloc[decltype(i)::value] != 0.0) u.budget += per_year(i, j, Money{});
  });
  auto opening = [&]<Amount Cost::*kMeasure>(double& sum) {
    detail::for_each_term<Charge::on_opening, kMeasure, detail::Rows::flags>([&](auto i, auto j) {
      constexpr int I = decltype(i)::value;
      if (alloc[I] != 0.0) sum += ran_before ? 0.0 : detail::unit_cost<I, decltype(j)::value, kMeasure>(c);
    });
  };
  opening.template operator()<&Cost::hours>(u.am_hours);
  opening.template operator()<&Cost::exec_days>(u.executive_days);
  opening.template operator()<&Cost::money>(u.budget);
  return u;
}

// Portfolio-wide team cost per week: account_managers · am_cost_per_year / 52.
inline double team_cost_per_week(const Resources& r) { return r.account_managers * r.am_cost_per_year / 52.0; }

// Per account (the team cost is the portfolio's): contribution = gross_profit − spend,
// cash_flow = collected gross profit − spend.
inline double contribution(double gross_profit, double spend) { return gross_profit - spend; }
inline double cash_flow(double collected_gross_profit, double spend) { return collected_gross_profit - spend; }

}  // namespace cathedral::accounting
