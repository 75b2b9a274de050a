#include "cathedral/params.hpp"

#include <array>
#include <cmath>
#include <charconv>

namespace cathedral {
namespace {

using D = Domain;
using P = Params;
using C = Costs;

// docs/model.md §9: name, group, member, default, valid domain.
constexpr std::array<FieldInfo<Params>, 61> kParams{{
    {"intimacy_gain", "key", &P::intimacy_gain, 0.08, D::unit},
    {"social_half_hours", "key", &P::social_half_hours, 2.0, D::positive},
    {"social_shape", "key", &P::social_shape, 1.0, D::positive},
    {"value_to_intimacy", "key", &P::value_to_intimacy, 0.5, D::unit},
    {"intimacy_decay", "key", &P::intimacy_decay, 0.012, D::unit},
    {"org_shelter", "key", &P::org_shelter, 0.5, D::unit},
    {"support_gain", "key", &P::support_gain, 0.06, D::unit},
    {"value_half_hours", "key", &P::value_half_hours, 3.0, D::positive},
    {"value_shape", "key", &P::value_shape, 1.0, D::positive},
    {"support_relax", "key", &P::support_relax, 0.01, D::unit},
    {"affinity", "key", &P::affinity, 0.3, D::unit},
    {"turnover_per_year", "key", &P::turnover_per_year, 0.12, D::nonnegative},
    {"successor_intimacy_base", "key", &P::successor_intimacy_base, 0.1, D::unit},
    {"successor_intimacy_from_coverage", "key", &P::successor_intimacy_from_coverage, 0.4, D::unit},
    {"successor_support_from_org", "key", &P::successor_support_from_org, 0.6, D::unit},
    {"coverage_gain", "broad", &P::coverage_gain, 0.05, D::unit},
    {"coverage_decay", "broad", &P::coverage_decay, 0.015, D::unit},
    {"visit_half_per_100_staff", "broad", &P::visit_half_per_100_staff, 1.0, D::positive},
    {"visit_shape", "broad", &P::visit_shape, 1.0, D::positive},
    {"satisfaction_rate", "broad", &P::satisfaction_rate, 0.05, D::unit},
    {"satisfaction_floor", "broad", &P::satisfaction_floor, 0.3, D::unit},
    {"satisfaction_weight_coverage", "broad", &P::satisfaction_weight_coverage, 0.4, D::unit},
    {"service_half_hours", "broad", &P::service_half_hours, 2.0, D::positive},
    {"service_shape", "broad", &P::service_shape, 1.0, D::positive},
    {"discovery_base", "broad", &P::discovery_base, 0.4, D::unit},
    {"discovery_from_intimacy", "broad", &P::discovery_from_intimacy, 0.5, D::unit},
    {"tech_from_coverage", "broad", &P::tech_from_coverage, 0.6, D::unit},
    {"tech_from_jic", "broad", &P::tech_from_jic, 0.4, D::unit},
    {"dig_wallet_share", "broad", &P::dig_wallet_share, 0.15, D::unit},
    {"dig_deal_fraction", "broad", &P::dig_deal_fraction, 0.25, D::positive},
    {"org_from_coverage", "org", &P::org_from_coverage, 0.004, D::unit},
    {"org_from_jic", "org", &P::org_from_jic, 0.01, D::unit},
    {"org_decay", "org", &P::org_decay, 0.005, D::unit},
    {"benchmarking_jump", "org", &P::benchmarking_jump, 0.12, D::unit},
    {"exec_visit_jump", "org", &P::exec_visit_jump, 0.06, D::unit},
    {"agreement_min_org", "org", &P::agreement_min_org, 0.5, D::unit},
    {"agreement_min_fit", "org", &P::agreement_min_fit, 0.6, D::unit},
    {"agreement_weeks", "org", &P::agreement_weeks, 104, D::integer_ge1},
    {"agreement_circled", "org", &P::agreement_circled, 0.5, D::unit},
    {"fit_reversion", "fit", &P::fit_reversion, 0.02, D::unit},
    {"fit_noise", "fit", &P::fit_noise, 0.01, D::nonnegative},
    {"strategy_shifts_per_year", "fit", &P::strategy_shifts_per_year, 0.2, D::nonnegative},
    {"strategy_shift_sd", "fit", &P::strategy_shift_sd, 0.3, D::nonnegative},
    {"cashflow_fit", "fit", &P::cashflow_fit, 0.35, D::unit},
    {"wallet_fit_growth", "fit", &P::wallet_fit_growth, 0.2, D::finite},
    {"deal_fraction", "deals", &P::deal_fraction, 0.08, D::positive},
    {"deal_size_sigma", "deals", &P::deal_size_sigma, 0.6, D::nonnegative},
    {"sales_cycle_weeks", "deals", &P::sales_cycle_weeks, 16, D::integer_ge1},
    {"payment_delay_weeks", "deals", &P::payment_delay_weeks, 13, D::integer_ge0},
    {"win_intercept", "deals", &P::win_intercept, -0.5, D::finite},
    {"win_support", "deals", &P::win_support, 2.5, D::finite},
    {"win_tech", "deals", &P::win_tech, 1.0, D::finite},
    {"win_org", "deals", &P::win_org, 1.0, D::finite},
    {"win_fit", "deals", &P::win_fit, 0.5, D::finite},
    {"win_satisfaction", "deals", &P::win_satisfaction, 1.0, D::finite},
    {"win_competitor", "deals", &P::win_competitor, 1.0, D::finite},
    {"base_margin", "deals", &P::base_margin, 0.25, D::unit},
    {"tech_premium", "deals", &P::tech_premium, 0.10, D::unit},
    {"agreement_premium", "deals", &P::agreement_premium, 0.05, D::unit},
    {"macro_persistence", "market", &P::macro_persistence, 0.98, D::persistence},
    {"macro_sd", "market", &P::macro_sd, 0.03, D::nonnegative},
}};

constexpr std::array<FieldInfo<Costs>, 16> kCosts{{
    {"social_money_per_hour", "costs", &C::social_money_per_hour, 0.3, D::nonnegative},
    {"visit_hours", "costs", &C::visit_hours, 2.0, D::nonnegative},
    {"visit_money", "costs", &C::visit_money, 0.05, D::nonnegative},
    {"service_money_per_hour", "costs", &C::service_money_per_hour, 0.0, D::nonnegative},
    {"benchmarking_exec_days", "costs", &C::benchmarking_exec_days, 1, D::nonnegative},
    {"benchmarking_hours", "costs", &C::benchmarking_hours, 16, D::nonnegative},
    {"benchmarking_money", "costs", &C::benchmarking_money, 5, D::nonnegative},
    {"exec_visit_exec_days", "costs", &C::exec_visit_exec_days, 2, D::nonnegative},
    {"exec_visit_hours", "costs", &C::exec_visit_hours, 8, D::nonnegative},
    {"exec_visit_money", "costs", &C::exec_visit_money, 20, D::nonnegative},
    {"agreement_exec_days", "costs", &C::agreement_exec_days, 2, D::nonnegative},
    {"agreement_hours", "costs", &C::agreement_hours, 40, D::nonnegative},
    {"agreement_money", "costs", &C::agreement_money, 10, D::nonnegative},
    {"jic_setup_money", "costs", &C::jic_setup_money, 500, D::nonnegative},
    {"jic_money_per_year", "costs", &C::jic_money_per_year, 300, D::nonnegative},
    {"jic_hours_per_week", "costs", &C::jic_hours_per_week, 4, D::nonnegative},
}};


// Every double of Params and Costs has a row in its table.
static_assert(sizeof(Params) == kParams.size() * sizeof(double));
static_assert(sizeof(Costs) == kCosts.size() * sizeof(double));

}  // namespace

std::string format_number(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  // Whole numbers as integers; otherwise the shortest text that reads back as
  // the same double: 0.8, not 0.80000000000000004.
  if (v == std::floor(v) && std::fabs(v) < 9007199254740992.0) return std::to_string(static_cast<long long>(v));
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

std::string domain_violation(Domain domain, double v) {
  if (!std::isfinite(v)) return "must be a finite number, got " + format_number(v);
  const char* rule = nullptr;
  switch (domain) {
    case D::unit:
      if (v < 0.0 || v > 1.0) rule = "must be in [0, 1]";
      break;
    case D::positive:
      if (!(v > 0.0)) rule = "must be > 0";
      break;
    case D::nonnegative:
      if (v < 0.0) rule = "must be >= 0";
      break;
    case D::finite:
      break;
    case D::persistence:
      if (v < 0.0 || v >= 1.0) rule = "must be in [0, 1)";
      break;
    // durations in weeks: at most a century
    case D::integer_ge1:
      if (v != std::floor(v)) rule = "must be an integer";
      else if (v < 1.0) rule = "must be >= 1";
      else if (v > 5200.0) rule = "must be <= 5200";
      break;
    case D::integer_ge0:
      if (v != std::floor(v)) rule = "must be an integer";
      else if (v < 0.0) rule = "must be >= 0";
      else if (v > 5200.0) rule = "must be <= 5200";
      break;
  }
  return rule ? std::string(rule) + ", got " + format_number(v) : std::string();
}

Params::Params() {
  for (const auto& f : kParams) this->*(f.member) = f.default_value;
}

Costs::Costs() {
  for (const auto& f : kCosts) this->*(f.member) = f.default_value;
}

std::span<const FieldInfo<Params>> param_table() { return kParams; }
std::span<const FieldInfo<Costs>> cost_table() { return kCosts; }

}  // namespace cathedral
