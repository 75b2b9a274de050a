// Parameters and costs of docs/model.md §9, with their defaults and valid domains.
//
// One table (params.cpp) is the single source of names, defaults and domains:
// the scenario parser, the serializer and the Python layer all read it.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace cathedral {

// Valid domain of a value: parameters and costs (docs/model.md §9, "Valid
// values") and the fields of a scenario (docs/model.md §2, docs/scenario-format.md).
enum class Domain {
  unit,             // [0, 1]
  positive,         // > 0
  nonnegative,      // >= 0
  finite,           // any finite number
  persistence,      // [0, 1)
  integer_ge1,      // integer in [1, 5200]: a duration in weeks, at most a century
  integer_ge0,      // integer in [0, 5200]
  above_minus_one,  // > -1 (a growth rate)
  signed_unit,      // [-1, 1]
  market_factor,    // (0, 100]
  non_empty,        // a string that is not empty (no bounds on numbers)
  events_per_year,  // [0, 5200]: events an allocation asks for (events::kMaxPerYear)
  logit_weight,     // [-1000, 1000]: a weight in a logit, whose sum cannot overflow
};

// The bounds of a domain: one description that the checks, the JSON Schema
// and the docs all read.
struct Bounds {
  double lo, hi;         // -inf / +inf: unbounded
  bool lo_open, hi_open; // > lo rather than >= lo, < hi rather than <= hi
  bool integer;          // whole numbers only
  bool interval;         // messages say "must be in [lo, hi]" rather than one bound at a time
};
Bounds domain_bounds(Domain domain);

// The domain in words: "[0, 1]", "> 0", "(0, 100]", "any finite number"...
std::string domain_text(Domain domain);

// A number as error messages show it: the shortest form that reads back exactly.
std::string format_number(double value);

// "must be in [0, 1]" etc.; empty when `value` is valid.
std::string domain_violation(Domain domain, double value);

struct Params {
  // key layer
  double intimacy_gain, social_half_hours, social_shape, value_to_intimacy,
      intimacy_decay, org_shelter, support_gain, value_half_hours, value_shape,
      support_relax, affinity, turnover_per_year, successor_intimacy_base,
      successor_intimacy_from_coverage, successor_support_from_org;
  // broad layer
  double coverage_gain, coverage_decay, visit_half_per_100_staff, visit_shape,
      satisfaction_rate, satisfaction_floor, satisfaction_weight_coverage,
      service_half_hours, service_shape, discovery_base, discovery_from_intimacy,
      tech_from_coverage, tech_from_jic, dig_wallet_share, dig_deal_fraction;
  // organisational layer
  double org_from_coverage, org_from_jic, org_decay, benchmarking_jump,
      exec_visit_jump, agreement_min_org, agreement_min_fit, agreement_weeks,
      agreement_circled;
  // fit
  double fit_reversion, fit_noise, strategy_shifts_per_year, strategy_shift_sd,
      cashflow_fit, wallet_fit_growth;
  // deals
  double deal_fraction, deal_size_sigma, sales_cycle_weeks, payment_delay_weeks,
      win_intercept, win_support, win_tech, win_org, win_fit, win_satisfaction,
      win_competitor, base_margin, tech_premium, agreement_premium;
  // market
  double macro_persistence, macro_sd;

  Params();  // every field at its docs/model.md §9 default
};

struct Costs {
  double social_money_per_hour, visit_hours, visit_money, service_money_per_hour,
      benchmarking_exec_days, benchmarking_hours, benchmarking_money,
      exec_visit_exec_days, exec_visit_hours, exec_visit_money,
      agreement_exec_days, agreement_hours, agreement_money, jic_setup_money,
      jic_money_per_year, jic_hours_per_week;

  Costs();  // every field at its docs/model.md §9 default
};

template <class Owner>
struct FieldInfo {
  std::string_view name;
  std::string_view group;
  double Owner::*member;
  double default_value;
  Domain domain;
  std::string_view doc;  // what it means, in one line (docs/scenario-format.md)
};

std::span<const FieldInfo<Params>> param_table();
std::span<const FieldInfo<Costs>> cost_table();

// The name of a member in its table; empty when it has no row.
template <class Owner>
std::string_view name_of(std::span<const FieldInfo<Owner>> table, double Owner::*member) {
  for (const auto& f : table)
    if (f.member == member) return f.name;
  return {};
}

}  // namespace cathedral
